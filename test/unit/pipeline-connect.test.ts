/**
 * The connection phase and the context: connectServer choosing among backends (or answering
 * without one), readHandshake changing or refusing the greeting, readAuth changing or refusing the
 * credentials, readAuthResult observing or replacing the answer, disconnectClient; per-connection
 * plugin state, state shared across connections (`proxy.global`), and what the context tells.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeErr } from "../../src/protocol/results.ts";
import {
  BACKEND_STATE_DOWN,
  BACKEND_TYPE_RO,
  BACKEND_TYPE_RW,
  Capability,
  createPipeline,
  definePlugin,
  errorResponse,
  MysqlError,
  okResponse,
  PluginError,
  proceed,
  resultSetResponse,
  sendQuery,
  sendResult,
  useBackend,
} from "./pipeline-api.ts";
import { driverFor, type Script, testGreeting } from "./pipeline-driver.ts";

const server: Script = (cmd, backend) =>
  cmd.type === "COM_QUERY" && /^select/i.test(cmd.sql)
    ? resultSetResponse(["backend"], [[backend]])
    : okResponse();

const backends = [
  { host: "primary", port: 3306, type: BACKEND_TYPE_RW },
  { host: "replica1", port: 3307, type: BACKEND_TYPE_RO },
  { host: "replica2", type: BACKEND_TYPE_RO, state: "up" as const },
];

describe("connectServer", () => {
  test("no plugin decides: the first read-write backend not down; connected clients counted", async () => {
    const p = createPipeline([definePlugin({ name: "noop", connectServer() {} })], { backends })!;
    assert.deepEqual(p.backends.map((b) => b.address), ["primary:3306", "replica1:3307", "replica2:3306"]);
    const d = driverFor(p, server);
    const { backend } = await d.connect(testGreeting(), { user: "app" });
    assert.equal(backend, 0);
    assert.equal(p.backends[0].connectedClients, 1);
    await d.close();
    assert.equal(p.backends[0].connectedClients, 0);
    p.setBackendState(0, BACKEND_STATE_DOWN);
    const d2 = driverFor(p, server);
    assert.equal(
      (await d2.connect(testGreeting(), { user: "app" })).backend,
      1,
      "primary down: the next one up",
    );
  });

  test("a plugin picks the backend, by least connected clients", async () => {
    const p = createPipeline([
      definePlugin({
        name: "least",
        connectServer(ctx) {
          const ro = ctx.backends.filter((b) => b.type === "ro" && b.state !== "down");
          ro.sort((a, b) => a.connectedClients - b.connectedClients);
          return useBackend(ro[0].index);
        },
      }),
    ], { backends })!;
    const chosen = [];
    for (let i = 0; i < 4; i++) {
      chosen.push((await driverFor(p, server).connect(testGreeting(), { user: "u" })).backend);
    }
    assert.deepEqual(chosen, [1, 2, 1, 2]);
  });

  test("answering without a backend; a backend that does not exist is malformed", async () => {
    const refuse = createPipeline([
      definePlugin({
        name: "closed",
        connectServer: () =>
          sendResult(errorResponse({ errno: 1040, sqlState: "08004", message: "Too many connections" })),
      }),
    ], { backends })!;
    const e = await driverFor(refuse, server).connect(testGreeting(), { user: "u" }).catch((x) => x);
    assert.ok(e instanceof MysqlError);
    assert.equal(e.errno, 1040);
    const bad = createPipeline([definePlugin({ name: "bad", connectServer: () => useBackend(7) })], {
      backends,
    })!;
    const b = await driverFor(bad, server).connect(testGreeting(), { user: "u" }).catch((x) => x);
    assert.ok(b instanceof PluginError);
    assert.equal(b.hook, "connectServer");
    assert.match(b.message, /backend 7 is not one of the 3 backends/);
  });

  test("bad backend specs are refused", () => {
    assert.throws(() => createPipeline([{ name: "x" }], { backends: [{ port: 1 }] }), /needs a host/);
    assert.throws(
      () => createPipeline([{ name: "x" }], { backends: [{ host: "h", type: "primary" as never }] }),
      /type must be/,
    );
    assert.throws(
      () => createPipeline([{ name: "x" }], { backends: [{ host: "h", port: 0 }] }),
      /port must be/,
    );
  });

  test("sendQuery({ backend }) routes a command; the context follows", async () => {
    const seen: number[] = [];
    const p = createPipeline([
      definePlugin({
        name: "route",
        readQuery(ctx, cmd) {
          seen.push(ctx.backendIndex);
          return cmd.sql === "SELECT 'read'"
            ? sendQuery(undefined, { backend: 2 })
            : sendQuery(undefined, { backend: 0 });
        },
      }),
    ], { backends })!;
    const d = driverFor(p, server);
    await d.connect(testGreeting(), { user: "u" });
    assert.deepEqual((await d.query("SELECT 'read'")).rows, [{ backend: 2 }]);
    assert.deepEqual((await d.query("SELECT 'write'")).rows, [{ backend: 0 }]);
    assert.deepEqual(seen, [0, 2]);
  });
});

describe("readHandshake, readAuth, readAuthResult", () => {
  test("the greeting: inspected, its capabilities changed; the server side learned", async () => {
    const seen: string[] = [];
    const p = createPipeline([
      definePlugin({
        name: "no-tls",
        readHandshake(ctx, g) {
          seen.push(
            `${ctx.server.version} #${ctx.server.threadId} ${ctx.server.flavor} ${ctx.server.scramble.length}`,
          );
          return proceed({ capabilities: g.capabilities & ~Capability.SSL });
        },
      }),
      definePlugin({
        name: "after",
        readHandshake: (_ctx, g) => void seen.push(`ssl=${(g.capabilities & Capability.SSL) !== 0}`),
      }),
    ])!;
    const { greeting } = await driverFor(p, server).connect(testGreeting(), { user: "u" });
    assert.equal(greeting.capabilities & Capability.SSL, 0);
    assert.deepEqual(seen, ["5.5.5-10.11.6-MariaDB #42 mariadb 20", "ssl=false"]);
  });

  test("the greeting refused, or changed with nonsense", async () => {
    const refuse = createPipeline([
      definePlugin({
        name: "old",
        readHandshake: (
          _ctx,
          g,
        ) => (g.serverVersion.startsWith("5.") ? sendResult(errorResponse("too old")) : undefined),
      }),
    ])!;
    await assert.rejects(driverFor(refuse, server).connect(testGreeting(), { user: "u" }), /too old/);
    const bad = createPipeline([
      definePlugin({ name: "bad", readHandshake: () => proceed({ colour: "red" } as never) }),
    ])!;
    const e = await driverFor(bad, server).connect(testGreeting(), { user: "u" }).catch((x) => x);
    assert.ok(e instanceof PluginError);
    assert.match(e.message, /no field "colour"/);
  });

  test("the credentials: user, database, password and attributes changed; the client side follows", async () => {
    const p = createPipeline([
      definePlugin({
        name: "vault",
        readAuth: (_ctx, a) =>
          proceed({ user: a.user + "_ro", password: "from-vault", attributes: { app: "x" } }),
      }),
      definePlugin({ name: "db", readAuth: (_ctx, a) => proceed({ database: `${a.user}_db` }) }),
      definePlugin({ name: "look", readQuery: (ctx) => void assert.equal(ctx.client.user, "u_ro") }),
    ])!;
    const d = driverFor(p, server);
    const { auth } = await d.connect(testGreeting(), { user: "u" });
    assert.equal(auth.user, "u_ro");
    assert.equal(auth.password, "from-vault");
    assert.deepEqual(auth.attributes, { app: "x" });
    assert.equal(auth.database, "u_ro_db", "the second plugin saw the credentials the first one changed");
    await d.query("SELECT 1");
  });

  test("the credentials refused", async () => {
    const p = createPipeline([
      definePlugin({
        name: "deny-root",
        readAuth: (_ctx, a) => (a.user === "root"
          ? sendResult(errorResponse({ errno: 1045, sqlState: "28000", message: "no root" }))
          : undefined),
      }),
    ])!;
    const e = await driverFor(p, server).connect(testGreeting(), { user: "root" }).catch((x) => x);
    assert.equal(e.errno, 1045);
  });

  test("the auth result observed, then replaced by an ERR", async () => {
    const seen: boolean[] = [];
    const p = createPipeline([
      definePlugin({ name: "watch", readAuthResult: (_ctx, r) => void seen.push(r.ok) }),
      definePlugin({
        name: "lock",
        readAuthResult: () =>
          sendResult(errorResponse({ errno: 1045, sqlState: "28000", message: "locked" })),
      }),
    ])!;
    await assert.rejects(driverFor(p, server).connect(testGreeting(), { user: "u" }), /locked/);
    assert.deepEqual(seen, [true]);
    const errAnswer = encodeErr({ errno: 1045, sqlState: "28000", message: "Access denied" });
    const q = createPipeline([
      definePlugin({
        name: "watch",
        readAuthResult: (_ctx, r) => void seen.push(r.ok, r.error?.errno === 1045),
      }),
    ])!;
    await assert.rejects(
      driverFor(q, server).connect(testGreeting(), { user: "u" }, errAnswer),
      /Access denied/,
    );
    assert.deepEqual(seen, [true, false, true]);
  });

  test("an auth result replaced by a result set is malformed", async () => {
    const p = createPipeline([
      definePlugin({ name: "rs", readAuthResult: () => sendResult(resultSetResponse(["a"], [])) }),
    ])!;
    const e = await driverFor(p, server).connect(testGreeting(), { user: "u" }).catch((x) => x);
    assert.ok(e instanceof PluginError);
    assert.match(e.message, /one OK or ERR packet/);
  });
});

describe("state, global state, disconnectClient", () => {
  test("state is per connection; global is shared by every connection using the plugin", async () => {
    const counter = definePlugin({
      name: "counter",
      state: () => ({ queries: 0 }),
      global: () => ({ queries: 0, connections: new Set<number>() }),
      readQuery(ctx) {
        ctx.state.queries++;
        ctx.global.queries++;
        ctx.global.connections.add(ctx.connectionId);
        return sendResult(okResponse({ affectedRows: ctx.state.queries, insertId: ctx.global.queries }));
      },
    });
    const a = driverFor(createPipeline([counter])!, server);
    const b = driverFor(createPipeline([counter])!, server);
    await a.query("DO 1");
    await a.query("DO 1");
    const r = await b.query("DO 1");
    assert.equal(r.affectedRows, 1, "b's own count");
    assert.equal(r.insertId, 3, "the count over both connections (and both pipelines)");
  });

  test("disconnectClient runs for every plugin, once, even when one fails", async () => {
    const ran: string[] = [];
    const p = createPipeline([
      definePlugin({
        name: "a",
        disconnectClient() {
          ran.push("a");
          throw new Error("cleanup failed");
        },
      }),
      definePlugin({ name: "b", disconnectClient: async () => void ran.push("b") }),
    ])!;
    const d = driverFor(p, server);
    const e = await d.close().catch((x) => x);
    assert.ok(e instanceof PluginError);
    assert.equal(e.hook, "disconnectClient");
    assert.deepEqual(ran, ["a", "b"]);
    await d.ps.onDisconnect();
    assert.deepEqual(ran, ["a", "b"], "only once");
  });

  test("the context outside readQuery has no queue", async () => {
    const p = createPipeline([definePlugin({ name: "q", disconnectClient: (ctx) => void ctx.queries })])!;
    await assert.rejects(driverFor(p, server).close(), /ctx.queries exists only in readQuery/);
  });
});

test("a plugin whose state() throws: opening fails with an error naming it", () => {
  const p = createPipeline([
    definePlugin({
      name: "fragile",
      state: () => {
        throw new Error("no memory");
      },
    }),
  ])!;
  assert.throws(
    () => p.open(),
    (e: unknown) => e instanceof PluginError && /fragile.*making its state: no memory/.test(e.message),
  );
});

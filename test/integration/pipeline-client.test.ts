/**
 * Plugins inside the client: `connect({ plugins })` against a real MariaDB, every hook through the
 * real session (query, execute, prepare, stream, ping, connection phase, disconnect).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connect,
  type Connection,
  type ConnectionOptions,
  definePlugin,
  errorResponse,
  MysqlError,
  okResponse,
  PluginError,
  resultSetResponse,
  sendQuery,
  sendResult,
  useBackend,
} from "../../mod.ts";
import { readWriteSplit } from "../../plugins/read-write-split.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
const opened: Connection[] = [];

async function open(options: ConnectionOptions): Promise<Connection> {
  const c = await connect({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    ...options,
  });
  opened.push(c);
  return c;
}

before(async () => {
  env = await testEnv();
});
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
});

describe("readQuery", () => {
  test("rewrites a query", async () => {
    const rewrite = definePlugin({
      name: "rewrite",
      readQuery: (
        _ctx,
        command,
      ) => (command.sql === "SELECT 1 AS n" ? sendQuery("SELECT 2 AS n") : undefined),
    });
    const c = await open({ plugins: [rewrite] });
    assert.deepEqual({ ...(await c.query("SELECT 1 AS n"))[0] }, { n: 2 });
    assert.deepEqual({ ...(await c.query("SELECT 3 AS n"))[0] }, { n: 3 });
  });

  test("answers locally: a result set, an OK, an error", async () => {
    const local = definePlugin({
      name: "local",
      readQuery: (_ctx, command) => {
        if (command.sql === "SELECT @@mywire") return sendResult(resultSetResponse(["v"], [["local"]]));
        if (command.sql === "SET nothing") return sendResult(okResponse({ affectedRows: 7, insertId: 9 }));
        if (command.sql === "DROP everything") {
          return sendResult(errorResponse({ errno: 1142, sqlState: "42000", message: "not today" }));
        }
        return undefined;
      },
    });
    const c = await open({ plugins: [local] });
    assert.deepEqual({ ...(await c.query("SELECT @@mywire"))[0] }, { v: "local" });
    const ok = await c.query("SET nothing");
    assert.equal(ok.affectedRows, 7);
    assert.equal(ok.insertId, 9);
    await assert.rejects(c.query("DROP everything"), (e) => e instanceof MysqlError && e.errno === 1142);
    assert.deepEqual({ ...(await c.query("SELECT 5 AS n"))[0] }, { n: 5 });
  });

  test("injected commands run around the client's, and their results reach readQueryResult", async () => {
    const seen: { query: string; rows: unknown[] }[] = [];
    const inject = definePlugin({
      name: "inject",
      readQuery: (ctx, command) => {
        if (command.sql !== "SELECT @x AS x") return undefined;
        ctx.queries.prepend("set", "SET @x = 41 + 1");
        ctx.queries.append("count", "SELECT 'after' AS a", { resultsetIsNeeded: true });
        return undefined;
      },
      readQueryResult: (_ctx, result) => {
        seen.push({ query: result.query ?? "", rows: [...result.rows].map((r) => ({ ...(r as object) })) });
        return undefined;
      },
    });
    const c = await open({ plugins: [inject] });
    const rows = await c.query("SELECT @x AS x");
    assert.deepEqual({ ...rows[0] }, { x: 42 });
    assert.deepEqual(seen.find((s) => s.query === "SELECT 'after' AS a")?.rows, [{ a: "after" }]);
  });

  test("readQueryResult replaces the client's own result when it asked to see it", async () => {
    const replace = definePlugin({
      name: "replace",
      readQuery: (ctx) => {
        ctx.queries.observe({ resultsetIsNeeded: true });
      },
      readQueryResult: (_ctx, result) =>
        result.original && result.query === "SELECT 'real' AS v"
          ? sendResult(resultSetResponse(["v"], [["replaced"]]))
          : undefined,
    });
    const c = await open({ plugins: [replace] });
    assert.deepEqual({ ...(await c.query("SELECT 'real' AS v"))[0] }, { v: "replaced" });
    assert.deepEqual({ ...(await c.query("SELECT 'other' AS v"))[0] }, { v: "other" });
  });

  test("prepared statements, streams and pings go through the plugins too", async () => {
    const types: string[] = [];
    const log = definePlugin({
      name: "log",
      readQuery: (_ctx, command) => {
        types.push(command.type);
      },
    });
    const c = await open({ plugins: [log] });
    assert.deepEqual({ ...(await c.execute("SELECT ? + 1 AS n", [1]))[0] }, { n: 2 });
    let n = 0;
    for await (const _ of c.stream("SELECT seq FROM seq_1_to_100")) n++;
    assert.equal(n, 100);
    await c.ping();
    await c.useDatabase(env.database);
    for (const t of ["COM_STMT_PREPARE", "COM_STMT_EXECUTE", "COM_QUERY", "COM_PING", "COM_INIT_DB"]) {
      assert.ok(types.includes(t), `${t} in ${types.join(", ")}`);
    }
  });

  test("a hook that throws fails that command with a PluginError naming plugin and hook; the connection goes on", async () => {
    const broken = definePlugin({
      name: "broken",
      readQuery: (_ctx, command) => {
        if (command.sql === "SELECT 'boom'") throw new Error("kaboom");
      },
    });
    const c = await open({ plugins: [broken] });
    const err = await c.query("SELECT 'boom'").then(() => undefined, (e) => e);
    assert.ok(err instanceof PluginError, String(err));
    assert.match(err.message, /broken/);
    assert.match(err.message, /readQuery/);
    assert.match(err.message, /kaboom/);
    assert.deepEqual({ ...(await c.query("SELECT 1 AS ok"))[0] }, { ok: 1 });
  });
});

describe("routing between backends", () => {
  test("read-write-split sends reads to the replica's connection and writes and transactions to the primary", async () => {
    // Both backends are the test server: the connection ids tell the two connections apart.
    const backends = [
      { host: env.host, port: env.port, type: "rw" as const },
      { host: env.host, port: env.port, type: "ro" as const },
    ];
    const c = await open({ plugins: [readWriteSplit()], backends });
    await c.query("CREATE OR REPLACE TABLE rw_split (id INT PRIMARY KEY, v INT)");
    await c.query("INSERT INTO rw_split VALUES (1, 10)");
    // The processlist row whose statement is this very query names the connection running it. Each
    // query has its own tag: the thread of an earlier one may still show its text for a moment.
    const whoRuns = (tag: string) =>
      `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE '%who-runs-${tag}%'`;
    const [read] = await c.query<{ id: number }>(whoRuns("read"));
    assert.notEqual(read.id, c.threadId, "a plain read ran on the replica's connection");
    await c.query("BEGIN");
    const [inTx] = await c.query<{ id: number }>(whoRuns("in-transaction"));
    assert.equal(inTx.id, c.threadId, "reads inside a transaction stay on the primary");
    await c.query("COMMIT");
    await c.useDatabase(env.database);
    const [db] = await c.query<{ d: string; v: number }>(
      "SELECT DATABASE() AS d, (SELECT v FROM rw_split) AS v",
    );
    assert.deepEqual({ ...db }, { d: env.database, v: 10 });
  });

  test("a plugin routing to a backend that is not configured gets a clear error", async () => {
    const wild = definePlugin({ name: "wild", readQuery: () => sendQuery(undefined, { backend: 5 }) });
    const c = await open({ plugins: [wild], backends: [{ host: env.host, port: env.port }] });
    await assert.rejects(c.query("SELECT 1"), /backend 5/);
  });
});

describe("connection phase", () => {
  test("connectServer picks the backend; readHandshake, readAuth, readAuthResult see the connection", async () => {
    const events: string[] = [];
    const phases = definePlugin({
      name: "phases",
      connectServer: () => {
        events.push("connectServer");
        return useBackend(0);
      },
      readHandshake: (_ctx, greeting) => {
        events.push(`readHandshake ${/MariaDB/.test(greeting.serverVersion)}`);
      },
      readAuth: (_ctx, auth) => {
        events.push(`readAuth ${auth.user}`);
      },
      readAuthResult: (_ctx, result) => {
        events.push(`readAuthResult ${result.ok}`);
      },
      disconnectClient: () => {
        events.push("disconnectClient");
      },
    });
    // The configured port is wrong: only the plugin's backend gets us to the server.
    const c = await open({ port: 1, plugins: [phases], backends: [{ host: env.host, port: env.port }] });
    assert.deepEqual({ ...(await c.query("SELECT 1 AS n"))[0] }, { n: 1 });
    await c.close();
    assert.deepEqual(events, [
      "connectServer",
      "readHandshake true",
      `readAuth ${env.root.user}`,
      "readAuthResult true",
      "disconnectClient",
    ]);
  });

  test("readAuth refuses: the connection fails with the plugin's error before credentials are sent", async () => {
    const gate = definePlugin({
      name: "gate",
      readAuth: () => sendResult(errorResponse({ errno: 1045, sqlState: "28000", message: "not you" })),
    });
    const err = await open({ plugins: [gate] }).then(() => undefined, (e) => e);
    assert.ok(err instanceof MysqlError, String(err));
    assert.equal(err.errno, 1045);
    assert.match(err.message, /not you/);
  });

  test("no plugins: nothing is installed", async () => {
    const c = await open({ plugins: [] });
    assert.deepEqual({ ...(await c.query("SELECT 1 AS n"))[0] }, { n: 1 });
  });
});

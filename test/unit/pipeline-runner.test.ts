/**
 * The pipeline runner: no pipeline without plugins; hooks written as plain functions, Promises or
 * Effects (with services from a Layer); composition in order with each plugin seeing what the ones
 * before decided; local answers stopping the chain; and every way a plugin can fail turning into a
 * PluginError that names the plugin and the hook, with the session left in step.
 */
import { Context, Effect, Layer } from "effect";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { liftHooks } from "../../effect.ts";
import { leavesSessionUsable } from "../../mod.ts";
import {
  COM_INIT_DB,
  COM_QUERY,
  createPipeline,
  definePlugin,
  disconnect,
  errorResponse,
  ignoreResult,
  MYSQL_TYPE_LONG,
  MYSQL_TYPE_VAR_STRING,
  MYSQLD_PACKET_ERR,
  MYSQLD_PACKET_OK,
  MysqlError,
  okResponse,
  type Plugin,
  PluginError,
  proxy,
  PROXY_IGNORE_RESULT,
  PROXY_SEND_QUERY,
  PROXY_SEND_RESULT,
  type QueryCommand,
  resultSetResponse,
  sendQuery,
  sendResult,
} from "./pipeline-api.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

const echo: Script = (cmd) =>
  cmd.type === "COM_QUERY" && /^select/i.test(cmd.sql)
    ? resultSetResponse(["sql"], [[cmd.sql]])
    : okResponse();

async function rejectsWith(
  p: Promise<unknown>,
  plugin: string,
  hook: string,
  reason: string,
  message?: RegExp,
) {
  const error = await p.then(() => undefined, (e) => e);
  assert.ok(error instanceof PluginError, `expected a PluginError, got ${error}`);
  assert.equal(error.plugin, plugin);
  assert.equal(error.hook, hook);
  assert.equal(error.reason, reason);
  assert.equal(leavesSessionUsable(error), true);
  assert.ok(error.message.includes(`plugin "${plugin}"`) && error.message.includes(hook), error.message);
  if (message) assert.match(error.message, message);
  return error;
}

describe("createPipeline", () => {
  test("no plugins: no pipeline", () => {
    assert.equal(createPipeline([]), undefined);
    assert.equal(createPipeline(undefined), undefined);
  });

  test("plain specs are accepted; other values are refused", () => {
    const p = createPipeline([{ name: "plain", readQuery: () => undefined }]);
    assert.equal(p?.plugins[0].name, "plain");
    assert.equal(p?.handles.readQuery, true);
    assert.equal(p?.handles.readQueryResult, false);
    assert.throws(() => createPipeline([42 as never]), /plugin 0 is 42/);
    assert.throws(() => createPipeline({} as never), /must be an array/);
  });

  test("definePlugin checks the name and the hooks", () => {
    assert.throws(() => definePlugin({ name: "" }), /needs a name/);
    assert.throws(() => definePlugin({ name: "x", readQuery: 1 as never }), /readQuery must be a function/);
  });

  test("a session opened on a pipeline with no query hooks does not intercept queries", () => {
    const p = createPipeline([definePlugin({ name: "d", disconnectClient() {} })])!;
    assert.equal(p.open().interceptsQueries, false);
  });
});

describe("readQuery decisions", () => {
  test("nothing decided: the command is sent as it is", async () => {
    const seen: QueryCommand[] = [];
    const log: string[] = [];
    const d = driverFor(
      createPipeline([definePlugin({ name: "look", readQuery: (_ctx, cmd) => void seen.push(cmd) })])!,
      echo,
      { log },
    );
    const r = await d.query("SELECT 1");
    assert.deepEqual(r.rows, [{ sql: "SELECT 1" }]);
    assert.equal(seen[0].type, "COM_QUERY");
    assert.equal(seen[0].code, COM_QUERY);
    assert.deepEqual(log, ["-1:SELECT 1"]);
  });

  test("rewrites compose: each plugin sees the command and the decision of the ones before", async () => {
    const seen: unknown[] = [];
    const p = createPipeline([
      definePlugin({ name: "a", readQuery: (_ctx, cmd) => sendQuery(cmd.sql + " + 1") }),
      definePlugin({
        name: "b",
        readQuery(ctx, cmd) {
          seen.push(cmd.sql, ctx.previous, ctx.queries.original.command.sql);
          return sendQuery({ type: "COM_QUERY", sql: cmd.sql + " + 2" });
        },
      }),
      definePlugin({ name: "c", readQuery: (ctx) => void seen.push(ctx.previous?._tag) }),
    ])!;
    const r = await driverFor(p, echo).query("SELECT 1");
    assert.deepEqual(r.rows, [{ sql: "SELECT 1 + 1 + 2" }]);
    assert.deepEqual(seen, [
      "SELECT 1 + 1",
      { _tag: "SendQuery", command: "SELECT 1 + 1", backend: undefined },
      "SELECT 1 + 1",
      "SendQuery",
    ]);
  });

  test("answering locally stops the chain: OK with affected rows and insert id", async () => {
    let later = 0;
    const log: string[] = [];
    const p = createPipeline([
      definePlugin({
        name: "answer",
        readQuery: () => sendResult(okResponse({ affectedRows: 7, insertId: 99, info: "local" })),
      }),
      definePlugin({ name: "later", readQuery: () => void later++ }),
    ])!;
    const r = await driverFor(p, echo, { log }).query("INSERT INTO t VALUES (1)");
    assert.equal(r.affectedRows, 7);
    assert.equal(r.insertId, 99);
    assert.equal(r.info, "local");
    assert.equal(r.backend, "local");
    assert.equal(later, 0);
    assert.deepEqual(log, [], "nothing reached the server");
  });

  test("an ERR answer reaches the caller as a server error would", async () => {
    const p = createPipeline([
      definePlugin({
        name: "deny",
        readQuery: () => sendResult(errorResponse({ errno: 1142, sqlState: "42000", message: "no" })),
      }),
    ])!;
    const error = await driverFor(p, echo).query("DROP TABLE t").catch((e) => e);
    assert.ok(error instanceof MysqlError);
    assert.equal(error.errno, 1142);
    assert.equal(error.sqlState, "42000");
    assert.equal(error.sqlMessage, "no");
  });

  test("a result set answer: fields and rows", async () => {
    const p = createPipeline([
      definePlugin({
        name: "rs",
        readQuery: () =>
          sendResult(
            resultSetResponse([{ name: "id", type: MYSQL_TYPE_LONG }, "name"], [[1, "a"], [2, null]]),
          ),
      }),
    ])!;
    const r = await driverFor(p, echo).query("SELECT * FROM virtual");
    assert.deepEqual(r.rows, [{ id: 1, name: "a" }, { id: 2, name: null }]);
    assert.equal(r.fields[1].type, MYSQL_TYPE_VAR_STRING);
  });

  test("MySQL Proxy style: set ctx.response, return PROXY_SEND_RESULT", async () => {
    const p = createPipeline([
      definePlugin({
        name: "lua",
        readQuery(ctx) {
          ctx.response = { _tag: MYSQLD_PACKET_OK, resultset: { fields: ["x"], rows: [["lua"]] } };
          return PROXY_SEND_RESULT;
        },
      }),
    ])!;
    assert.deepEqual((await driverFor(p, echo).query("SELECT 1")).rows, [{ x: "lua" }]);
    const q = createPipeline([
      definePlugin({
        name: "lua-err",
        readQuery(ctx) {
          ctx.response = { _tag: MYSQLD_PACKET_ERR, message: "from lua", errno: 1000, sqlState: "HY000" };
          return proxy.PROXY_SEND_RESULT;
        },
      }),
    ])!;
    await assert.rejects(driverFor(q, echo).query("SELECT 1"), /from lua/);
  });

  test("Disconnect closes the connection instead of sending", async () => {
    const d = driverFor(
      createPipeline([definePlugin({ name: "drop", readQuery: () => disconnect("dropped by test") })])!,
      echo,
    );
    await assert.rejects(d.query("SELECT 1"), /dropped by test/);
    assert.equal(d.closed, "dropped by test");
  });

  test("the aliases are the typed values", () => {
    assert.deepEqual(PROXY_SEND_QUERY, { _tag: "SendQuery" });
    assert.equal(sendQuery(), PROXY_SEND_QUERY);
    assert.equal(sendResult(), PROXY_SEND_RESULT);
    assert.equal(ignoreResult(), PROXY_IGNORE_RESULT);
    assert.equal(proxy.COM_QUERY, 3);
    assert.equal(proxy.COM_INIT_DB, COM_INIT_DB);
    assert.equal(proxy.MYSQL_TYPE_LONG, 3);
    assert.equal(proxy.BACKEND_STATE_UP, "up");
    assert.equal(proxy.BACKEND_TYPE_RO, "ro");
    assert.equal(proxy.MYSQLD_PACKET_RAW, "Raw");
  });
});

describe("hooks as plain functions, Promises and Effects", () => {
  class Greeter extends Context.Service<Greeter, { readonly prefix: string }>()("test/Greeter") {}

  test("an async hook", async () => {
    const p = createPipeline([
      definePlugin({
        name: "async",
        async readQuery(_ctx, cmd) {
          await new Promise((r) => setTimeout(r, 1));
          return sendQuery(cmd.sql + " /* async */");
        },
      }),
    ])!;
    assert.deepEqual((await driverFor(p, echo).query("SELECT 1")).rows, [{ sql: "SELECT 1 /* async */" }]);
  });

  test("an Effect hook with a service from the Layer", async () => {
    const plugin = definePlugin({
      name: "effect",
      readQuery: (_ctx, cmd) =>
        Effect.gen(function*() {
          const greeter = yield* Greeter;
          yield* Effect.sleep(1);
          return sendQuery(`${cmd.sql} ${greeter.prefix}`);
        }),
    });
    const layer = Layer.succeed(Greeter)({ prefix: "/* hi */" });
    const pipeline = createPipeline([plugin], { layer })!;
    assert.deepEqual((await driverFor(pipeline, echo).query("SELECT 1")).rows, [{
      sql: "SELECT 1 /* hi */",
    }]);
    await pipeline.dispose();
  });

  test("the services a plugin's Effects need are in its type", () => {
    const needs = definePlugin({ name: "typed", readQuery: () => Greeter.use(() => Effect.void) });
    const typed: Plugin<Greeter> = needs;
    // @ts-expect-error a plugin that needs Greeter is not a plugin that needs nothing
    const untyped: Plugin<never> = needs;
    const plain: Plugin<Greeter> = definePlugin({ name: "plain", readQuery: () => undefined });
    assert.ok(typed && untyped && plain);
  });

  test("an Effect hook whose service is missing fails as a PluginError", async () => {
    const plugin = definePlugin({
      name: "needs",
      readQuery: () => Greeter.use(() => Effect.void),
    });
    await rejectsWith(
      driverFor(createPipeline([plugin])!, echo).query("SELECT 1"),
      "needs",
      "readQuery",
      "failed",
    );
  });

  test("the lifted Effects of a plugin: plain, Promise and failing hooks", async () => {
    const plugin = definePlugin({
      name: "lift",
      readQuery: (
        _ctx,
        cmd,
      ) => (cmd.sql === "boom" ? Promise.reject(new Error("async boom")) : sendQuery("x")),
      readQueryResult: () => {
        throw new Error("sync boom");
      },
    });
    const ctx = {} as never;
    const cmd = { type: "COM_QUERY", sql: "a" } as never;
    assert.deepEqual(await Effect.runPromise(liftHooks(plugin).readQuery!(ctx, cmd)), sendQuery("x"));
    const failed = await Effect.runPromise(
      Effect.flip(liftHooks(plugin).readQuery!(ctx, { type: "COM_QUERY", sql: "boom" } as never)),
    );
    assert.ok(failed instanceof PluginError);
    assert.match(failed.message, /plugin "lift" failed in readQuery: async boom/);
    const sync = await Effect.runPromise(Effect.flip(liftHooks(plugin).readQueryResult!(ctx, {} as never)));
    assert.match(sync.message, /readQueryResult: sync boom/);
  });
});

describe("plugin failures", () => {
  const failing: [string, () => unknown, RegExp][] = [
    ["throws", () => {
      throw new Error("thrown");
    }, /thrown/],
    ["rejects", () => Promise.reject(new Error("rejected")), /rejected/],
    ["fails", () => Effect.fail(new Error("effect failed")), /effect failed/],
    ["dies", () => Effect.die(new Error("defect")), /defect/],
    ["throws a string", () => {
      throw "just a string";
    }, /just a string/],
  ];
  for (const [name, hook, message] of failing) {
    test(`a hook that ${name}: a PluginError, and the session stays usable`, async () => {
      let fail = true;
      const p = createPipeline([
        definePlugin({ name, readQuery: () => (fail ? hook() : undefined) as never }),
      ])!;
      const d = driverFor(p, echo);
      const error = await rejectsWith(d.query("SELECT 1"), name, "readQuery", "failed", message);
      assert.ok(error.cause !== undefined);
      fail = false;
      assert.deepEqual((await d.query("SELECT 2")).rows, [{ sql: "SELECT 2" }]);
    });
  }

  const malformed: [string, unknown, RegExp][] = [
    ["a number (a Lua return code)", 1, /expected SendQuery, SendResult or Disconnect, got 1/],
    ["an unknown tag", { _tag: "Nope" }, /Nope/],
    ["SendResult without a response", PROXY_SEND_RESULT, /without a response/],
    [
      "a malformed result set",
      sendResult(resultSetResponse(["a"], [[1, 2]])),
      /row 0 has 2 values for 1 fields/,
    ],
    ["a rewrite that is no command", sendQuery(42 as never), /cannot send 42/],
    [
      "a backend that does not exist",
      sendQuery(undefined, { backend: 3 }),
      /backend 3 is not one of the 0 backends/,
    ],
  ];
  for (const [what, out, message] of malformed) {
    test(`a readQuery hook returning ${what}: malformed`, async () => {
      const p = createPipeline([definePlugin({ name: "bad", readQuery: () => out as never })])!;
      await rejectsWith(driverFor(p, echo).query("SELECT 1"), "bad", "readQuery", "malformed", message);
    });
  }

  test("a result decision in readQuery is a misuse", async () => {
    const p = createPipeline([definePlugin({ name: "mix", readQuery: () => PROXY_IGNORE_RESULT as never })])!;
    await rejectsWith(driverFor(p, echo).query("SELECT 1"), "mix", "readQuery", "misuse");
  });

  test("PluginError gives the ERR a proxy sends its client", () => {
    const e = new PluginError("fw", "readQuery", "failed", "boom");
    assert.deepEqual(e.toErrPacket(), {
      errno: 1105,
      sqlState: "HY000",
      message: 'plugin "fw" failed in readQuery: boom',
    });
  });
});

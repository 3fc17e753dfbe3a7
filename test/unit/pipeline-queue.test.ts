/**
 * The injection queue and readQueryResult: commands appended and prepended with ids and the
 * resultset-needed flag, their results seen by readQueryResult (the client's own only when asked),
 * passed on, replaced or ignored; failed injections and results nobody forwards turned into
 * PluginErrors after the whole response was read; prepared statements and the default database
 * followed along the way.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeColumnDefinition } from "../../src/protocol/results.ts";
import { encodeExecute, encodePrepare, encodePrepareOk } from "../../src/protocol/statements.ts";
import {
  createPipeline,
  definePlugin,
  errorResponse,
  ignoreResult,
  MysqlError,
  okResponse,
  PluginError,
  PROXY_IGNORE_RESULT,
  PROXY_SEND_RESULT,
  type QueryCommand,
  type QueryResultData,
  resultSetResponse,
  sendQuery,
  sendResult,
} from "./pipeline-api.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

/** Answers SELECTs with their SQL, fails "FAIL ...", OKs the rest (with 1 affected row). */
const server: Script = (cmd) => {
  if (cmd.type === "COM_QUERY" && cmd.sql.startsWith("FAIL")) {
    return errorResponse({ errno: 1064, sqlState: "42000", message: `bad: ${cmd.sql}` });
  }
  if (cmd.type === "COM_QUERY" && /^select/i.test(cmd.sql)) {
    return resultSetResponse(["sql"], [[cmd.sql], ["again"]]);
  }
  return okResponse({ affectedRows: 1 });
};

async function pluginError(p: Promise<unknown>): Promise<PluginError> {
  const e = await p.then(() => undefined, (x) => x);
  assert.ok(e instanceof PluginError, `expected a PluginError, got ${e}`);
  return e;
}

describe("injecting commands", () => {
  test("prepend and append: sent in order around the client's command; their results are ignored by default", async () => {
    const log: string[] = [];
    const seen: unknown[] = [];
    const p = createPipeline([
      definePlugin({
        name: "inj",
        readQuery(ctx) {
          ctx.queries.append(2, "SELECT 'after'");
          ctx.queries.prepend(1, "SET @x = 1");
          ctx.queries.append("last", { type: "COM_PING" });
          assert.equal(ctx.queries.length, 4);
          assert.deepEqual([...ctx.queries].map((e) => e.id), [1, 0, 2, "last"]);
        },
        readQueryResult(_ctx, r) {
          seen.push([r.id, r.original, r.injectedBy, r.kind, r.query ?? r.command.type]);
        },
      }),
    ])!;
    const r = await driverFor(p, server, { log }).query("SELECT 'main'");
    assert.deepEqual(log, ["-1:SET @x = 1", "-1:SELECT 'main'", "-1:SELECT 'after'", "-1:COM_PING"]);
    assert.deepEqual(r.rows, [{ sql: "SELECT 'main'" }, { sql: "again" }], "the caller gets its own result");
    assert.equal(r.results.length, 1);
    assert.deepEqual(seen, [
      [1, false, "inj", "ok", "SET @x = 1"],
      [2, false, "inj", "resultset", "SELECT 'after'"],
      ["last", false, "inj", "ok", "COM_PING"],
    ], "readQueryResult sees the injected results, not the client's own");
  });

  test("resultsetIsNeeded: rows and packets kept; otherwise only the outcome, streamed through", async () => {
    const got: Record<string, QueryResultData> = {};
    const p = createPipeline([
      definePlugin({
        name: "inj",
        readQuery(ctx) {
          ctx.queries.append("kept", "SELECT 'k'", { resultsetIsNeeded: true });
          ctx.queries.append("dropped", "SELECT 'd'");
        },
        readQueryResult(_ctx, r) {
          got[r.id] = r;
        },
      }),
    ])!;
    await driverFor(p, server).query("DO 1");
    assert.deepEqual(got.kept.rows, [{ sql: "SELECT 'k'" }, { sql: "again" }]);
    assert.equal(got.kept.buffered, true);
    assert.equal(got.kept.rowCount, 2);
    assert.equal(got.dropped.rowCount, 2);
    assert.equal(got.dropped.buffered, false);
    assert.throws(() => got.dropped.rows, /resultsetIsNeeded/);
    for (const r of Object.values(got)) {
      assert.ok(Number.isInteger(r.queryTime) && r.queryTime >= 0);
      assert.ok(r.responseTime >= r.queryTime, "the last packet comes after the first");
    }
  });

  test("a failed injection nobody handles fails the command with an error naming the plugin, id and SQL", async () => {
    const log: string[] = [];
    const d = driverFor(
      createPipeline([
        definePlugin({
          name: "audit",
          readQuery: (ctx, cmd) => (cmd.sql === "SELECT 1" ? ctx.queries.append(9, "FAIL audit") : undefined),
        }),
      ])!,
      server,
      { log },
    );
    const e = await pluginError(d.query("SELECT 1"));
    assert.equal(e.plugin, "audit");
    assert.equal(e.reason, "injected-command-failed");
    assert.match(e.message, /command 9 \("FAIL audit"\) got error 1064 \(42000\): bad: FAIL audit/);
    assert.deepEqual(log, ["-1:SELECT 1", "-1:FAIL audit"], "everything was read: the session is in step");
    assert.deepEqual((await d.query("SELECT 2")).rows[0], { sql: "SELECT 2" });
  });

  test("a prepended injection that fails stops the queue before the client's command", async () => {
    const log: string[] = [];
    const p = createPipeline([
      definePlugin({ name: "pre", readQuery: (ctx) => ctx.queries.prepend(1, "FAIL first") }),
    ])!;
    await pluginError(driverFor(p, server, { log }).query("SELECT 1"));
    assert.deepEqual(log, ["-1:FAIL first"]);
  });

  test("a readQueryResult hook that handles the failure keeps the command going", async () => {
    const p = createPipeline([
      definePlugin({
        name: "tolerant",
        readQuery: (ctx) => ctx.queries.prepend(1, "FAIL optional"),
        readQueryResult: (_ctx, r) => (r.error ? ignoreResult() : undefined),
      }),
    ])!;
    assert.deepEqual((await driverFor(p, server).query("SELECT 1")).rows[0], { sql: "SELECT 1" });
  });

  test("commands that cannot be injected are refused in the hook", async () => {
    const p = createPipeline([
      definePlugin({ name: "quit", readQuery: (ctx) => ctx.queries.append(1, { type: "COM_QUIT" }) }),
    ])!;
    const e = await pluginError(driverFor(p, server).query("SELECT 1"));
    assert.match(e.message, /COM_QUIT cannot be injected/);
    const q = createPipeline([
      definePlugin({ name: "id", readQuery: (ctx) => ctx.queries.append({} as never, "x") }),
    ])!;
    assert.match(
      (await pluginError(driverFor(q, server).query("SELECT 1"))).message,
      /id is a number or a string/,
    );
  });

  test("reset drops the injections of earlier plugins; the client's command stays", async () => {
    const log: string[] = [];
    const p = createPipeline([
      definePlugin({ name: "a", readQuery: (ctx) => ctx.queries.append(1, "SELECT 'a'") }),
      definePlugin({ name: "b", readQuery: (ctx) => ctx.queries.reset() }),
    ])!;
    await driverFor(p, server, { log }).query("SELECT 1");
    assert.deepEqual(log, ["-1:SELECT 1"]);
  });

  test("readQueryResult may queue more: prepend goes next, append last", async () => {
    const log: string[] = [];
    const p = createPipeline([
      definePlugin({
        name: "chain",
        readQuery: (ctx) => ctx.queries.append(1, "SELECT 'one'"),
        readQueryResult(ctx, r) {
          if (r.id === 1) {
            ctx.queries.append(3, "SELECT 'three'");
            ctx.queries.prepend(2, "SELECT 'two'");
          }
        },
      }),
    ])!;
    await driverFor(p, server, { log }).query("SELECT 'zero'");
    assert.deepEqual(log, ["-1:SELECT 'zero'", "-1:SELECT 'one'", "-1:SELECT 'two'", "-1:SELECT 'three'"]);
  });
});

describe("results of the client's own command", () => {
  test("observe: the hook sees the outcome and timings after it streamed to the caller", async () => {
    const seen: QueryResultData[] = [];
    const p = createPipeline([
      definePlugin({
        name: "log",
        readQuery: (ctx) => ctx.queries.observe(),
        readQueryResult: (_ctx, r) => void seen.push(r),
      }),
    ])!;
    const d = driverFor(p, server);
    await d.query("SELECT 1");
    await d.query("FAIL 2").catch(() => {});
    assert.equal(seen.length, 2);
    assert.equal(seen[0].original, true);
    assert.equal(seen[0].id, 0);
    assert.equal(seen[0].rowCount, 2);
    assert.deepEqual(seen[0].fields.map((f) => f.name), ["sql"]);
    assert.equal(seen[0].buffered, false);
    assert.throws(() => seen[0].rows, /resultsetIsNeeded/);
    assert.ok(seen[0].responseTime >= seen[0].queryTime && seen[0].queryTime >= 0);
    assert.equal(seen[1].error?.errno, 1064);
    assert.equal(seen[1].kind, "error");
  });

  test("observe without resultsetIsNeeded: replacing or ignoring is a misuse", async () => {
    for (const decision of [sendResult(okResponse()), PROXY_IGNORE_RESULT]) {
      const p = createPipeline([
        definePlugin({
          name: "late",
          readQuery: (ctx) => ctx.queries.observe(),
          readQueryResult: () => decision,
        }),
      ])!;
      const e = await pluginError(driverFor(p, server).query("SELECT 1"));
      assert.equal(e.reason, "misuse");
      assert.equal(e.hook, "readQueryResult");
      assert.match(e.message, /streamed to the caller/);
    }
    const passing = createPipeline([
      definePlugin({
        name: "pass",
        readQuery: (ctx) => ctx.queries.observe(),
        readQueryResult: () => PROXY_SEND_RESULT,
      }),
    ])!;
    assert.equal((await driverFor(passing, server).query("SELECT 1")).rows.length, 2);
  });

  test("observe with resultsetIsNeeded: rows readable, and the result can be replaced", async () => {
    const p = createPipeline([
      definePlugin({
        name: "replace",
        readQuery: (ctx) => ctx.queries.observe({ resultsetIsNeeded: true, id: "mine" }),
        readQueryResult(_ctx, r) {
          assert.equal(r.id, "mine");
          return sendResult(resultSetResponse(["count"], [[r.rows.length]]));
        },
      }),
    ])!;
    const r = await driverFor(p, server).query("SELECT 1");
    assert.deepEqual(r.rows, [{ count: 2 }]);
    assert.equal(r.backend, "local");
  });

  test("ctx.response + PROXY_SEND_RESULT replaces a result (MySQL Proxy style)", async () => {
    const p = createPipeline([
      definePlugin({
        name: "lua",
        readQuery: (ctx) => ctx.queries.observe({ resultsetIsNeeded: true }),
        readQueryResult(ctx) {
          ctx.response = okResponse({ affectedRows: 42 });
          return PROXY_SEND_RESULT;
        },
      }),
    ])!;
    assert.equal((await driverFor(p, server).query("UPDATE t SET a = 1")).affectedRows, 42);
  });

  test("the original ignored and an injected result passed on instead", async () => {
    const p = createPipeline([
      definePlugin({
        name: "swap",
        readQuery(ctx) {
          ctx.queries.observe({ resultsetIsNeeded: true });
          ctx.queries.append("instead", "SELECT 'instead'", { resultsetIsNeeded: true });
        },
        readQueryResult: (_ctx, r) => (r.original ? ignoreResult() : sendResult()),
      }),
    ])!;
    assert.deepEqual((await driverFor(p, server).query("SELECT 'asked'")).rows[0], {
      sql: "SELECT 'instead'",
    });
  });

  test("passing on an injected result whose rows were not kept is a misuse", async () => {
    const p = createPipeline([
      definePlugin({
        name: "pass",
        readQuery: (ctx) => ctx.queries.append(1, "SELECT 'x'"),
        readQueryResult: () => sendResult(),
      }),
    ])!;
    const e = await pluginError(driverFor(p, server).query("SELECT 1"));
    assert.equal(e.reason, "misuse");
    assert.match(e.message, /rows were not kept/);
  });

  test("two results passed on: the caller gets the first, with both in results", async () => {
    const p = createPipeline([
      definePlugin({
        name: "both",
        readQuery: (ctx) => ctx.queries.append(1, "SELECT 'extra'", { resultsetIsNeeded: true }),
        readQueryResult: () => sendResult(),
      }),
    ])!;
    const r = await driverFor(p, server).query("SELECT 'main'");
    assert.deepEqual(r.rows[0], { sql: "SELECT 'main'" });
    assert.equal(r.results.length, 2);
  });

  test("every result ignored: a PluginError naming who ignored the client's result", async () => {
    const log: string[] = [];
    const p = createPipeline([
      definePlugin({
        name: "blackhole",
        readQuery: (ctx) => {
          ctx.queries.observe({ resultsetIsNeeded: true });
          ctx.queries.append(1, "SELECT 'x'");
        },
        readQueryResult: () => ignoreResult(),
      }),
    ])!;
    const e = await pluginError(driverFor(p, server, { log }).query("SELECT 1"));
    assert.equal(e.plugin, "blackhole");
    assert.equal(e.reason, "no-result");
    assert.deepEqual(log, ["-1:SELECT 1", "-1:SELECT 'x'"]);
  });

  test("composition of result decisions: the last one decides, and each sees the previous", async () => {
    const previous: unknown[] = [];
    const p = createPipeline([
      definePlugin({
        name: "first",
        readQuery: (ctx) => ctx.queries.observe({ resultsetIsNeeded: true }),
        readQueryResult: () => sendResult(okResponse({ affectedRows: 1 })),
      }),
      definePlugin({
        name: "second",
        readQueryResult(ctx) {
          previous.push(ctx.previous);
          return sendResult(okResponse({ affectedRows: 2 }));
        },
      }),
    ])!;
    assert.equal((await driverFor(p, server).query("DO 1")).affectedRows, 2);
    assert.deepEqual(previous, [sendResult(okResponse({ affectedRows: 1 }))]);
  });

  test("rewriting after the client's command was sent is refused", async () => {
    const p = createPipeline([
      definePlugin({
        name: "late-rewrite",
        readQuery: (ctx) => ctx.queries.append(1, "DO 1"),
        readQueryResult: (ctx) => ctx.queries.rewrite("SELECT 2"),
      }),
    ])!;
    assert.match((await pluginError(driverFor(p, server).query("SELECT 1"))).message, /already sent/);
  });
});

describe("what the pipeline follows", () => {
  test("the default database: at connect, after COM_INIT_DB and a lone USE (comments allowed)", async () => {
    const dbs: (string | undefined)[] = [];
    const p = createPipeline([
      definePlugin({ name: "db", readQuery: (ctx) => void dbs.push(ctx.client.database) }),
    ])!;
    const d = driverFor(p, server);
    await d.query("SELECT 1");
    await d.command(new Uint8Array([2, ...new TextEncoder().encode("other")]));
    await d.query("SELECT 1");
    await d.query("USE `we``ird`");
    await d.query("SELECT 1");
    await d.query("/* switch */ USE third -- for the report\n");
    await d.query("SELECT 1");
    assert.deepEqual(dbs, ["shop", "shop", "other", "other", "we`ird", "we`ird", "third"]);
  });

  test("prepared statements: EXECUTE decoded with the SQL and parameters of its PREPARE", async () => {
    const commands: QueryCommand[] = [];
    const script: Script = (cmd) =>
      cmd.type === "COM_STMT_PREPARE"
        ? [encodePrepareOk({ statementId: 5, columnCount: 0, paramCount: 1, warningCount: 0 }), ...paramDef()]
        : okResponse();
    const p = createPipeline([
      definePlugin({ name: "ps", readQuery: (_ctx, cmd) => void commands.push(cmd) }),
    ])!;
    const d = driverFor(p, script);
    await d.command(encodePrepare("UPDATE t SET a = ?"));
    const param = { type: 8, unsigned: false, value: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]) };
    await d.command(encodeExecute(5, [param]));
    const exec = commands[1];
    assert.ok(exec.type === "COM_STMT_EXECUTE");
    assert.equal(exec.sql, "UPDATE t SET a = ?");
    assert.deepEqual(exec.params, [param]);
    assert.equal(exec.statementId, 5);
  });

  test("inTransaction follows the status flags", async () => {
    const states: boolean[] = [];
    const script: Script = (cmd) =>
      okResponse({ statusFlags: cmd.sql === "BEGIN" || cmd.sql === "DO 1" ? 3 : 2 });
    const p = createPipeline([
      definePlugin({ name: "tx", readQuery: (ctx) => void states.push(ctx.inTransaction) }),
    ])!;
    const d = driverFor(p, script);
    for (const sql of ["BEGIN", "DO 1", "COMMIT", "DO 2"]) await d.query(sql);
    assert.deepEqual(states, [false, true, true, false]);
  });

  test("a server error on the client's own command reaches the caller unchanged", async () => {
    const p = createPipeline([definePlugin({ name: "noop", readQuery: () => sendQuery() })])!;
    const e = await driverFor(p, server).query("FAIL x").catch((x) => x);
    assert.ok(e instanceof MysqlError);
    assert.equal(e.errno, 1064);
  });
});

function paramDef(): Uint8Array[] {
  return [
    encodeColumnDefinition({
      catalog: "def",
      schema: "",
      table: "",
      orgTable: "",
      name: "?",
      orgName: "",
      charset: 63,
      length: 0,
      type: 253,
      flags: 128,
      decimals: 0,
    }),
  ];
}

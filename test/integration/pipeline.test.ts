/**
 * The pipeline against a real MariaDB, through the reference driver that follows the session
 * integration contract: rewrites, local answers, injected commands around the client's own with
 * their results (rows, timings, errors), observed and replaced results, multi-result responses,
 * prepared statements decoded for readQuery, the default database followed, connectServer routing
 * between two backends, and a session that stays usable after every plugin failure.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Connection,
  definePlugin,
  ignoreResult,
  MysqlError,
  okResponse,
  type PipelineOptions,
  type Plugin,
  PluginError,
  type QueryResultData,
  resultSetResponse,
  sendQuery,
  sendResult,
  useBackend,
} from "../../mod.ts";
import { encodeParam } from "../../src/protocol/binary-params.ts";
import { encodeExecute, encodePrepare } from "../../src/protocol/statements.ts";
import { rootConnection } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { realDriver, twoBackends } from "./pipeline-connection.ts";

let env: TestEnv;
let admin: Connection;
const drivers: { close(): Promise<void> }[] = [];

async function driver<R = never, E = never>(
  plugins: readonly Plugin<R>[],
  options: PipelineOptions<R, E> = {},
) {
  const d = await realDriver(plugins, options);
  drivers.push(d);
  return d;
}

before(async () => {
  env = await testEnv();
  admin = await rootConnection();
  await admin.query(
    "CREATE TABLE IF NOT EXISTS pipeline_items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50))",
  );
  await admin.query("TRUNCATE pipeline_items");
  await admin.query("INSERT INTO pipeline_items (name) VALUES ('a'), ('b'), ('c')");
});

after(async () => {
  for (const d of drivers) await d.close().catch(() => {});
  await admin?.close();
});

describe("readQuery against MariaDB", () => {
  test("a rewrite reaches the server; a local answer does not", async () => {
    const d = await driver([
      definePlugin({
        name: "rw",
        readQuery(_ctx, cmd) {
          if (cmd.sql === "SELECT 'hidden'") return sendQuery("SELECT 'rewritten' AS v");
          if (cmd.sql === "SELECT 'local'") {
            return sendResult(resultSetResponse(["v"], [["from the plugin"]]));
          }
        },
      }),
    ]);
    assert.deepEqual((await d.query("SELECT 'hidden'")).rows, [{ v: "rewritten" }]);
    assert.deepEqual((await d.query("SELECT 'local'")).rows, [{ v: "from the plugin" }]);
    assert.deepEqual((await d.query("SELECT COUNT(*) AS n FROM pipeline_items")).rows, [{ n: 3 }]);
  });

  test("injected commands share the session: SET before, SELECT after, results with rows and timings", async () => {
    const seen: QueryResultData[] = [];
    const d = await driver([
      definePlugin({
        name: "inj",
        readQuery(ctx, cmd) {
          if (cmd.sql !== "SELECT @tag AS tag") return;
          ctx.queries.prepend("set", "SET @tag = 'injected'");
          ctx.queries.append("sleepy", "SELECT SLEEP(0.05) AS s, @tag AS tag", { resultsetIsNeeded: true });
        },
        readQueryResult: (_ctx, r) => void seen.push(r),
      }),
    ]);
    assert.deepEqual((await d.query("SELECT @tag AS tag")).rows, [{ tag: "injected" }]);
    assert.deepEqual(seen.map((r) => r.id), ["set", "sleepy"]);
    assert.deepEqual(seen[1].rows, [{ s: 0, tag: "injected" }]);
    assert.ok(seen[1].responseTime >= 50_000, `SLEEP(0.05) took ${seen[1].responseTime} µs`);
    assert.ok(seen[1].queryTime <= seen[1].responseTime);
  });

  test("a failed injection is a PluginError with the server's error, and the session goes on", async () => {
    const d = await driver([
      definePlugin({
        name: "broken",
        readQuery: (
          ctx,
          cmd,
        ) => (cmd.sql === "SELECT 1" ? ctx.queries.append(1, "SELEKT nonsense") : undefined),
      }),
    ]);
    const e = await d.query("SELECT 1").catch((x) => x);
    assert.ok(e instanceof PluginError);
    assert.match(
      e.message,
      /plugin "broken" injected a command that failed in readQuery: command 1 \("SELEKT nonsense"\) got error 1064/,
    );
    assert.deepEqual((await d.query("SELECT 2 AS two")).rows, [{ two: 2 }]);
  });

  test("a plugin failure leaves nothing half sent", async () => {
    let fail = true;
    const d = await driver([
      definePlugin({
        name: "flaky",
        readQuery: () => {
          if (fail) throw new Error("not today");
        },
      }),
    ]);
    await assert.rejects(d.query("SELECT 1"), /plugin "flaky" failed in readQuery: not today/);
    fail = false;
    assert.deepEqual((await d.query("SELECT 3 AS three")).rows, [{ three: 3 }]);
  });
});

describe("readQueryResult against MariaDB", () => {
  test("observed results: outcome and errors of the client's commands, rows streamed", async () => {
    const seen: QueryResultData[] = [];
    const d = await driver([
      definePlugin({
        name: "watch",
        readQuery: (ctx) => ctx.queries.observe(),
        readQueryResult: (_ctx, r) => void seen.push(r),
      }),
    ]);
    await d.query("SELECT name FROM pipeline_items ORDER BY id");
    await d.query("UPDATE pipeline_items SET name = name WHERE id = 1");
    await d.query("SELECT * FROM no_such_table").catch(() => {});
    assert.equal(seen[0].rowCount, 3);
    assert.deepEqual(seen[0].fields.map((f) => f.name), ["name"]);
    assert.equal(seen[1].kind, "ok");
    assert.equal(seen[2].error?.errno, 1146);
  });

  test("a buffered result replaced, and the server's rows readable by the hook", async () => {
    const d = await driver([
      definePlugin({
        name: "count",
        readQuery: (
          ctx,
          cmd,
        ) => (cmd.sql?.includes("pipeline_items")
          ? ctx.queries.observe({ resultsetIsNeeded: true })
          : undefined),
        readQueryResult: (_ctx, r) =>
          sendResult(
            resultSetResponse(["names"], [[(r.rows as { name: string }[]).map((x) => x.name).join(",")]]),
          ),
      }),
    ]);
    assert.deepEqual((await d.query("SELECT name FROM pipeline_items ORDER BY id")).rows, [{
      names: "a,b,c",
    }]);
  });

  test("a multi-result response (CALL) buffered and passed on whole", async () => {
    await admin.query("DROP PROCEDURE IF EXISTS pipeline_two");
    await admin.query("CREATE PROCEDURE pipeline_two() BEGIN SELECT 1 AS a; SELECT 2 AS b; END");
    const d = await driver([
      definePlugin({
        name: "keep",
        readQuery: (ctx) => ctx.queries.observe({ resultsetIsNeeded: true }),
        readQueryResult: () => sendResult(),
      }),
    ]);
    const r = await d.query("CALL pipeline_two()");
    assert.deepEqual(r.rows, [{ a: 1 }]);
    assert.equal(r.results.length, 3, "two result sets and the CALL's own OK");
  });

  test("ignoring the client's result while passing an injected one", async () => {
    const d = await driver([
      definePlugin({
        name: "swap",
        readQuery(ctx) {
          ctx.queries.observe({ resultsetIsNeeded: true });
          ctx.queries.append("real", "SELECT 'replacement' AS v", { resultsetIsNeeded: true });
        },
        readQueryResult: (_ctx, r) => (r.original ? ignoreResult() : sendResult()),
      }),
    ]);
    assert.deepEqual((await d.query("SELECT 'original' AS v")).rows, [{ v: "replacement" }]);
  });
});

describe("what the pipeline follows, against MariaDB", () => {
  test("prepared statements: EXECUTE seen with its SQL and parameters", async () => {
    const seen: unknown[] = [];
    const d = await driver([
      definePlugin({
        name: "ps",
        readQuery: (_ctx, cmd) =>
          void (cmd.type === "COM_STMT_EXECUTE" && seen.push([cmd.sql, cmd.params?.length])),
      }),
    ]);
    const prepared = await d.command(encodePrepare("SELECT name FROM pipeline_items WHERE id = ?"));
    const statementId = (prepared as unknown as { statementId: number }).statementId;
    assert.equal(typeof statementId, "number");
    const r = await d.command(encodeExecute(statementId, [encodeParam(2, 0, 0)]));
    assert.deepEqual(r.rows, [{ name: "b" }]);
    assert.deepEqual(seen, [["SELECT name FROM pipeline_items WHERE id = ?", 1]]);
  });

  test("the default database after COM_INIT_DB and USE", async () => {
    const dbs: (string | undefined)[] = [];
    const d = await driver([
      definePlugin({ name: "db", readQuery: (ctx) => void dbs.push(ctx.client.database) }),
    ]);
    await d.query("USE mysql");
    await d.query("SELECT 1");
    await d.command(new Uint8Array([0x02, ...new TextEncoder().encode(env.database)]));
    await d.query("SELECT 1");
    await d.query("USE no_such_database").catch((e) => assert.ok(e instanceof MysqlError));
    await d.query("SELECT DATABASE()");
    assert.deepEqual(dbs, [env.database, "mysql", "mysql", env.database, env.database, env.database]);
  });

  test("inTransaction from the server's status flags", async () => {
    const states: boolean[] = [];
    const d = await driver([
      definePlugin({ name: "tx", readQuery: (ctx) => void states.push(ctx.inTransaction) }),
    ]);
    for (const sql of ["BEGIN", "SELECT 1", "COMMIT", "SELECT 1"]) await d.query(sql);
    assert.deepEqual(states, [false, true, true, false]);
  });
});

describe("connectServer and routing against MariaDB", () => {
  test("a chosen backend, then commands routed to another one (a second connection)", async () => {
    const d = await driver([
      definePlugin({
        name: "route",
        connectServer: () => useBackend(0),
        readQuery: (
          _ctx,
          cmd,
        ) => (cmd.sql?.includes("/* other */")
          ? sendQuery(undefined, { backend: 1 })
          : sendQuery(undefined, { backend: 0 })),
      }),
    ], { backends: twoBackends(env) });
    const a = (await d.query("SELECT CONNECTION_ID() AS id")).rows[0];
    const b = (await d.query("SELECT CONNECTION_ID() AS id /* other */")).rows[0];
    const c = (await d.query("SELECT CONNECTION_ID() AS id")).rows[0];
    assert.notDeepEqual(a, b);
    assert.deepEqual(a, c);
    assert.deepEqual(d.opened, [0, 1]);
  });

  test("a local OK for a write the server never sees", async () => {
    const d = await driver([
      definePlugin({
        name: "swallow",
        readQuery: (
          _ctx,
          cmd,
        ) => (cmd.sql?.startsWith("DELETE") ? sendResult(okResponse({ affectedRows: 99 })) : undefined),
      }),
    ]);
    assert.equal((await d.query("DELETE FROM pipeline_items")).affectedRows, 99);
    assert.deepEqual((await admin.query("SELECT COUNT(*) AS n FROM pipeline_items"))[0], { n: 3 });
  });
});

/**
 * The query log and the slow query log, against the pipeline: one structured entry per command
 * with timings in microseconds, outcome and fingerprint; errors logged too; injected commands only
 * when asked; the slow log keeps only what reached its threshold.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline, definePlugin, errorResponse, okResponse, resultSetResponse } from "../../mod.ts";
import { jsonLine, queryLog, type QueryLogEntry } from "../../plugins/query-log.ts";
import { slowQueryLog } from "../../plugins/slow-query-log.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

const server: Script = (cmd) => {
  if (cmd.sql?.startsWith("FAIL")) {
    return errorResponse({ errno: 1146, sqlState: "42S02", message: "no such table" });
  }
  if (cmd.sql?.startsWith("SELECT")) return resultSetResponse(["a"], [[1], [2], [3]]);
  return okResponse({ affectedRows: 2, insertId: 5 });
};

test("one entry per command: SQL, fingerprint, timings, rows, outcome, connection facts", async () => {
  const entries: QueryLogEntry[] = [];
  const d = driverFor(createPipeline([queryLog({ sink: (e) => entries.push(e) })])!, server);
  await d.query("SELECT a FROM t WHERE id = 42");
  await d.query("INSERT INTO t VALUES (1)");
  await d.query("FAIL").catch(() => {});
  assert.equal(entries.length, 3);
  const [select, insert, failed] = entries;
  assert.equal(select.sql, "SELECT a FROM t WHERE id = 42");
  assert.equal(select.fingerprint, "SELECT a FROM t WHERE id = ?");
  assert.equal(select.command, "COM_QUERY");
  assert.equal(select.rows, 3);
  assert.equal(select.user, "app");
  assert.equal(select.database, "shop");
  assert.equal(select.threadId, 7);
  assert.ok(select.responseTimeUs >= select.queryTimeUs && select.queryTimeUs >= 0);
  assert.ok(!Number.isNaN(Date.parse(select.time)));
  assert.equal(insert.affectedRows, 2);
  assert.equal(insert.insertId, 5);
  assert.deepEqual(failed.error, { errno: 1146, sqlState: "42S02", message: "no such table" });
  assert.equal(jsonLine({ big: 2n ** 64n }), '{"big":"18446744073709551616"}');
});

test("injected commands are logged only with includeInjected", async () => {
  const injector = definePlugin({ name: "inj", readQuery: (ctx) => ctx.queries.append(1, "SET @x = 1") });
  for (const includeInjected of [false, true]) {
    const entries: QueryLogEntry[] = [];
    const d = driverFor(
      createPipeline([queryLog({ sink: (e) => entries.push(e), includeInjected }), injector])!,
      server,
    );
    await d.query("SELECT 1");
    assert.deepEqual(
      entries.map((e) => [e.sql, e.injectedBy]),
      includeInjected ? [["SELECT 1", undefined], ["SET @x = 1", "inj"]] : [["SELECT 1", undefined]],
    );
  }
});

test("the slow query log keeps what reached the threshold", async () => {
  const slow: QueryLogEntry[] = [];
  const d = driverFor(
    createPipeline([slowQueryLog({ thresholdMs: 30, sink: (e) => slow.push(e) })])!,
    (cmd) => {
      if (cmd.sql === "SELECT SLEEP(0.05)") {
        const until = performance.now() + 50;
        while (performance.now() < until) { /* the scripted server is slow to answer */ }
      }
      return server(cmd, -1);
    },
  );
  await d.query("SELECT 1");
  await d.query("SELECT SLEEP(0.05)");
  assert.deepEqual(slow.map((e) => e.sql), ["SELECT SLEEP(0.05)"]);
  assert.ok(slow[0].responseTimeUs >= 30_000);
  assert.throws(() => slowQueryLog({ thresholdMs: -1 }), /thresholdMs/);
});

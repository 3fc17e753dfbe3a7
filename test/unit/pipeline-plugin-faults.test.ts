/**
 * Fault injection against the pipeline: chosen commands fail (before or after the server ran
 * them), are delayed, or drop the connection, deterministically by match count.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline, MysqlError, okResponse, resultSetResponse } from "../../mod.ts";
import { faultInjection } from "../../plugins/fault-injection.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

const server: Script = (
  cmd,
) => (cmd.sql?.startsWith("SELECT") ? resultSetResponse(["ok"], [[1]]) : okResponse({ affectedRows: 1 }));

async function outcomes(d: ReturnType<typeof driverFor>, sqls: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const sql of sqls) {
    out.push(
      await d.query(sql).then(() => "ok", (e) => (e instanceof MysqlError ? `err ${e.errno}` : `closed`)),
    );
  }
  return out;
}

test("fail the n-th match, every n-th, at most `times`", async () => {
  const faults = faultInjection([
    { action: "fail", match: /^SELECT/, nth: 2, errno: 2013, message: "Lost connection" },
    { action: "fail", match: "INSERT INTO t VALUES (1)", every: 2, times: 2 },
  ]);
  const d = driverFor(createPipeline([faults])!, server);
  assert.deepEqual(await outcomes(d, ["SELECT 1", "SELECT 1", "SELECT 1"]), ["ok", "err 2013", "ok"]);
  const inserts = Array.from({ length: 7 }, (_, i) => `INSERT INTO t VALUES (${i})`);
  assert.deepEqual(await outcomes(d, inserts), ["ok", "err 1105", "ok", "err 1105", "ok", "ok", "ok"]);
  assert.deepEqual(faults.counts, [{ matched: 3, injected: 1 }, { matched: 7, injected: 2 }]);
  faults.reset();
  assert.deepEqual(await outcomes(d, ["SELECT 1", "SELECT 1"]), ["ok", "err 2013"], "counting starts again");
});

test("fail-after: the server runs the command, the caller gets an error", async () => {
  const log: string[] = [];
  const d = driverFor(
    createPipeline([faultInjection([{ action: "fail-after", match: /^UPDATE/, message: "ambiguous" }])])!,
    server,
    { log },
  );
  const e = await d.query("UPDATE t SET a = 1").catch((x) => x);
  assert.ok(e instanceof MysqlError);
  assert.equal(e.sqlMessage, "ambiguous");
  assert.deepEqual(log, ["-1:UPDATE t SET a = 1"]);
});

test("delay, by command type", async () => {
  const d = driverFor(
    createPipeline([faultInjection([{ action: "delay", match: "COM_QUERY", delayMs: 40 }])])!,
    server,
  );
  const start = performance.now();
  await d.query("SELECT 1");
  assert.ok(performance.now() - start >= 35);
});

test("drop closes the connection instead of sending", async () => {
  const log: string[] = [];
  const d = driverFor(
    createPipeline([faultInjection([{ action: "drop", match: (c) => c.sql === "COMMIT" }])])!,
    server,
    { log },
  );
  assert.deepEqual(await outcomes(d, ["BEGIN", "COMMIT", "SELECT 1"]), ["ok", "closed", "closed"]);
  assert.deepEqual(log, ["-1:BEGIN"]);
  assert.throws(() => faultInjection([{ action: "explode" as never }]), /action must be/);
  assert.throws(() => faultInjection([{ action: "delay" }]), /needs delayMs/);
});

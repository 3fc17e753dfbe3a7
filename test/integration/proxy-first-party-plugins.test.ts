/**
 * The first-party plugins run in the proxy as they run in the client: the firewall, rewrite, fault
 * injection, the result cache, the slow query log and metrics, all in one proxy in front of the
 * test server, driven by mysql2 (a client nobody here wrote). The query log and readWriteSplit have
 * their own proxy tests (proxy-client, proxy-replica).
 */
import mysql from "mysql2/promise";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { definePlugin, resultSetResponse, sendResult } from "../../mod.ts";
import { faultInjection } from "../../plugins/fault-injection.ts";
import { firewall } from "../../plugins/firewall.ts";
import { metrics } from "../../plugins/metrics.ts";
import type { QueryLogEntry } from "../../plugins/query-log.ts";
import { resultCache } from "../../plugins/result-cache.ts";
import { rewrite } from "../../plugins/rewrite.ts";
import { slowQueryLog } from "../../plugins/slow-query-log.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
let proxy: RunningProxy;
let client: mysql.Connection;
const refused: string[] = [];
const slow: QueryLogEntry[] = [];
const cache = resultCache({ ttlMs: 60_000, match: (sql) => sql.includes("cache_probe") });
const faults = faultInjection([{
  action: "fail",
  match: /fault_probe/,
  errno: 1213,
  message: "injected deadlock",
}]);
const meter = metrics({ spans: false });

before(async () => {
  env = await testEnv();
  proxy = await startProxy({
    plugins: [
      firewall({ mode: "deny", rules: [/forbidden_probe/], onRefuse: (e) => refused.push(e.sql) }),
      rewrite({ rules: [{ name: "old-to-new", match: /'old_probe'/, replace: "'new_probe'" }] }),
      faults,
      cache,
      slowQueryLog({ thresholdMs: 150, sink: (e) => slow.push(e) }),
      meter,
      // A result set a plugin makes, answered to a client without CLIENT_DEPRECATE_EOF (mysql2).
      definePlugin({
        name: "local-answer",
        readQuery: (_ctx, command) =>
          command.type === "COM_QUERY" && command.sql === "SELECT @@local_probe"
            ? sendResult(resultSetResponse(["v", "n"], [["local", 1], ["answer", 2]]))
            : undefined,
      }),
    ],
  });
  client = await mysql.createConnection({
    host: proxy.host,
    port: proxy.port,
    user: PROXY_USER.user,
    password: PROXY_USER.password,
  });
});

after(async () => {
  await client?.end();
  await proxy?.stop();
});

test("firewall: a denied statement gets the firewall's ERR and never reaches the server", async () => {
  // The server would answer 1146 (no such table): 1148 is the firewall's.
  await assert.rejects(client.query("SELECT * FROM forbidden_probe"), (e: { errno?: number }) => {
    assert.equal(e.errno, 1148);
    return true;
  });
  assert.deepEqual(refused, ["SELECT * FROM forbidden_probe"]);
  const [rows] = await client.query("SELECT 'allowed' AS v");
  assert.deepEqual(rows, [{ v: "allowed" }]);
});

test("rewrite: the server runs the rewritten statement", async () => {
  const [rows] = await client.query("SELECT 'old_probe' AS v");
  assert.deepEqual(rows, [{ v: "new_probe" }]);
});

test("fault injection: the matching statement fails with the configured error", async () => {
  await assert.rejects(
    client.query("SELECT 'fault_probe' AS v"),
    (e: { errno?: number; message?: string }) => {
      assert.equal(e.errno, 1213);
      assert.match(e.message ?? "", /injected deadlock/);
      return true;
    },
  );
  assert.equal(faults.counts[0].injected, 1);
  const [rows] = await client.query("SELECT 'after the fault' AS v");
  assert.deepEqual(rows, [{ v: "after the fault" }]);
});

test("result cache: a repeated read is answered by the proxy until a write through it", async () => {
  const t = uniqueName("cache_probe");
  const admin = await rootConnection();
  try {
    await admin.query(`CREATE TABLE ${env.database}.${t} (id INT PRIMARY KEY, v VARCHAR(10))`);
    await admin.query(`INSERT INTO ${env.database}.${t} VALUES (1, 'a')`);
    const read = `SELECT v FROM ${env.database}.${t} WHERE id = 1`;
    assert.deepEqual((await client.query(read))[0], [{ v: "a" }]);
    // Changed behind the proxy's back: the cached answer is still served.
    await admin.query(`UPDATE ${env.database}.${t} SET v = 'b' WHERE id = 1`);
    assert.deepEqual((await client.query(read))[0], [{ v: "a" }], "answered from the cache");
    assert.ok(cache.stats.hits >= 1, JSON.stringify(cache.stats));
    // A write through the proxy drops the table's cached results.
    await client.query(`UPDATE ${env.database}.${t} SET v = 'c' WHERE id = 1`);
    assert.deepEqual((await client.query(read))[0], [{ v: "c" }]);
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${env.database}.${t}`);
    await admin.close();
  }
});

test("slow query log: a statement over the threshold is logged, a quick one is not", async () => {
  await client.query("SELECT SLEEP(0.3) AS s");
  await client.query("SELECT 'quick' AS v");
  assert.equal(slow.length, 1, JSON.stringify(slow));
  assert.match(slow[0].sql ?? "", /SLEEP/);
  assert.ok(slow[0].responseTimeUs >= 150_000);
});

test("metrics: the proxy's commands are counted by type and outcome", async () => {
  await assert.rejects(client.query("SELECT * FROM mysql.no_such_table_probe"), /doesn't exist/);
  const snap = meter.snapshot();
  assert.ok(snap.commands.COM_QUERY.ok >= 5, JSON.stringify(snap.commands));
  assert.ok(snap.commands.COM_QUERY.error >= 1, "the server's error counts");
  assert.ok(snap.latency.count >= 5);
});

test("a result set a plugin makes reaches a client without DEPRECATE_EOF intact", async () => {
  const [rows, fields] = await client.query("SELECT @@local_probe");
  assert.deepEqual(rows, [{ v: "local", n: 1 }, { v: "answer", n: 2 }]);
  assert.deepEqual((fields as { name: string }[]).map((f) => f.name), ["v", "n"]);
  const [after] = await client.query("SELECT 'next' AS v");
  assert.deepEqual(after, [{ v: "next" }], "the connection is in step afterwards");
});

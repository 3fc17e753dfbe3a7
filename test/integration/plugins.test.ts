/**
 * The first-party plugins against a real MariaDB, through the reference driver that follows the
 * session integration contract: query log and slow query log with real timings, rewrite, result
 * cache (hits, TTL, invalidation by writes), read/write split over two connections (session state
 * replayed), firewall (a refused statement never runs), fault injection (a write that happened
 * while the caller got an error), and metrics with spans.
 */
import { Layer, Tracer } from "effect";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Connection, MysqlError, type PipelineOptions, type Plugin } from "../../mod.ts";
import { faultInjection } from "../../plugins/fault-injection.ts";
import { firewall } from "../../plugins/firewall.ts";
import { metrics } from "../../plugins/metrics.ts";
import { queryLog, type QueryLogEntry } from "../../plugins/query-log.ts";
import { readWriteSplit } from "../../plugins/read-write-split.ts";
import { resultCache } from "../../plugins/result-cache.ts";
import { rewrite } from "../../plugins/rewrite.ts";
import { slowQueryLog } from "../../plugins/slow-query-log.ts";
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
  await admin.query("CREATE TABLE IF NOT EXISTS plugin_kv (k VARCHAR(20) PRIMARY KEY, v INT)");
  await admin.query("CREATE TABLE IF NOT EXISTS plugin_other (k VARCHAR(20) PRIMARY KEY, v INT)");
  await admin.query("DELETE FROM plugin_kv");
  await admin.query("DELETE FROM plugin_other");
  await admin.query("INSERT INTO plugin_kv VALUES ('a', 1), ('b', 2)");
  await admin.query("INSERT INTO plugin_other VALUES ('x', 10)");
});

after(async () => {
  for (const d of drivers) await d.close().catch(() => {});
  await admin?.close();
});

describe("logs", () => {
  test("query log: entries with real timings, rows and errors", async () => {
    const entries: QueryLogEntry[] = [];
    const d = await driver([queryLog({ sink: (e) => entries.push(e) })]);
    await d.query("SELECT v, SLEEP(0.02) AS s FROM plugin_kv WHERE k = 'a'");
    await d.query("SELECT * FROM plugin_missing").catch(() => {});
    assert.equal(entries.length, 2);
    assert.equal(entries[0].fingerprint, "SELECT v, SLEEP(?) AS s FROM plugin_kv WHERE k = ?");
    assert.equal(entries[0].rows, 1);
    assert.ok(entries[0].responseTimeUs >= 20_000);
    assert.equal(entries[0].threadId, d.info.connectionId);
    assert.equal(entries[1].error?.errno, 1146);
  });

  test("slow query log: only what took the threshold or longer", async () => {
    const slow: QueryLogEntry[] = [];
    const d = await driver([slowQueryLog({ thresholdMs: 40, sink: (e) => slow.push(e) })]);
    await d.query("SELECT 1");
    await d.query("SELECT SLEEP(0.05)");
    assert.deepEqual(slow.map((e) => e.sql), ["SELECT SLEEP(0.05)"]);
  });
});

test("rewrite: the server runs the rewritten query", async () => {
  const d = await driver([rewrite([{ match: /FROM legacy_kv/, replace: "FROM plugin_kv" }])]);
  assert.deepEqual((await d.query("SELECT v FROM legacy_kv WHERE k = 'b'")).rows, [{ v: 2 }]);
});

describe("result cache", () => {
  test("hits until a write to the table; other tables keep their entries; never in a transaction", async () => {
    const cache = resultCache({ ttlMs: 60_000 });
    const d = await driver([cache]);
    const read = async (sql: string) => (await d.query(sql)).rows[0];
    assert.deepEqual(await read("SELECT v FROM plugin_kv WHERE k = 'a'"), { v: 1 });
    assert.deepEqual(await read("SELECT v FROM plugin_other WHERE k = 'x'"), { v: 10 });
    await admin.query("UPDATE plugin_kv SET v = 100 WHERE k = 'a'"); // behind the cache's back
    assert.deepEqual(await read("SELECT v FROM plugin_kv WHERE k = 'a'"), { v: 1 }, "served from the cache");
    assert.equal(cache.stats.hits, 1);
    await d.query("UPDATE plugin_kv SET v = 5 WHERE k = 'a'");
    assert.deepEqual(
      await read("SELECT v FROM plugin_kv WHERE k = 'a'"),
      { v: 5 },
      "a write through the pipeline drops it",
    );
    await admin.query("UPDATE plugin_other SET v = 11");
    assert.deepEqual(
      await read("SELECT v FROM plugin_other WHERE k = 'x'"),
      { v: 10 },
      "another table: still cached",
    );
    await d.query("BEGIN");
    assert.deepEqual(
      await read("SELECT v FROM plugin_other WHERE k = 'x'"),
      { v: 11 },
      "inside a transaction: the server",
    );
    await d.query("COMMIT");
  });
});

describe("read/write split", () => {
  test("reads on the replica connection, writes and transactions on the primary, session state replayed", async () => {
    const d = await driver([readWriteSplit()], { backends: twoBackends(env) });
    const id = async (sql: string) => (await d.query(sql)).backend;
    assert.equal(await id("SELECT v FROM plugin_kv"), 1);
    assert.equal(await id("UPDATE plugin_kv SET v = v WHERE k = 'b'"), 0);
    assert.equal(await id("SELECT LAST_INSERT_ID()"), 0);
    await d.query("BEGIN");
    assert.equal(await id("SELECT v FROM plugin_kv"), 0);
    await d.query("COMMIT");
    await d.query("USE mysql");
    await d.query("SET NAMES latin1");
    const r = await d.query("SELECT DATABASE() AS db, @@character_set_client AS cs");
    assert.equal(r.backend, 1);
    assert.deepEqual(r.rows, [{ db: "mysql", cs: "latin1" }], "the replica connection got the session state");
    const replica = await d.query("SELECT @@pseudo_thread_id AS c");
    const primary = await d.query("SELECT CONNECTION_ID() AS c");
    assert.deepEqual([replica.backend, primary.backend], [1, 0]);
    assert.notDeepEqual(replica.rows[0], primary.rows[0], "two server connections");
  });
});

test("firewall: a refused statement never runs", async () => {
  const d = await driver([firewall({ mode: "deny", rules: ["DELETE FROM plugin_kv WHERE k = ''"] })]);
  const e = await d.query("DELETE FROM plugin_kv WHERE k = 'a'").catch((x) => x);
  assert.ok(e instanceof MysqlError);
  assert.equal(e.errno, 1148);
  assert.equal((await admin.query("SELECT COUNT(*) AS n FROM plugin_kv"))[0].n, 2);
});

test("fault injection: fail-after a write that the server did", async () => {
  const d = await driver([
    faultInjection([{
      action: "fail-after",
      match: /^INSERT INTO plugin_other/,
      errno: 2013,
      message: "Lost connection",
    }]),
  ]);
  const e = await d.query("INSERT INTO plugin_other VALUES ('y', 1)").catch((x) => x);
  assert.ok(e instanceof MysqlError);
  assert.equal(e.errno, 2013);
  assert.equal(
    (await admin.query("SELECT COUNT(*) AS n FROM plugin_other WHERE k = 'y'"))[0].n,
    1,
    "the row is there",
  );
});

test("metrics: counts and a span per command", async () => {
  const spans: Tracer.NativeSpan[] = [];
  const tracer = Tracer.make({
    span(options) {
      const s = new Tracer.NativeSpan(options);
      spans.push(s);
      return s;
    },
  });
  const m = metrics();
  const d = await driver([m], { layer: Layer.succeed(Tracer.Tracer)(tracer) });
  await d.query("SELECT * FROM plugin_kv");
  await d.query("SELECT nope FROM plugin_kv").catch(() => {});
  assert.deepEqual(m.snapshot().commands, { COM_QUERY: { ok: 1, error: 1 } });
  assert.equal(spans.length, 2);
  assert.equal(spans[0].attributes.get("db.response.returned_rows"), 2);
  assert.equal(spans[1].attributes.get("db.response.status_code"), "1054");
});

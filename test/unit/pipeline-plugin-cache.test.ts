/**
 * The result cache against the pipeline: a repeated read answered from memory until its TTL,
 * keyed by the normalized query, the user and the database; never for writes, locking or
 * time-dependent reads, nor inside a transaction; dropped by writes to the same table (before and
 * after they run, and at COMMIT), or entirely by a write whose tables cannot be told.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline, okResponse, resultSetResponse, ServerStatus } from "../../mod.ts";
import { resultCache } from "../../plugins/result-cache.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

/** A server whose reads return a number that grows with every query it runs. */
function counting() {
  let n = 0;
  let inTrans = false;
  const log: string[] = [];
  const script: Script = (cmd) => {
    log.push(cmd.sql ?? cmd.type);
    if (cmd.sql === "BEGIN") inTrans = true;
    if (cmd.sql === "COMMIT") inTrans = false;
    const statusFlags = ServerStatus.AUTOCOMMIT | (inTrans ? ServerStatus.IN_TRANS : 0);
    if (/^select/i.test(cmd.sql ?? "")) return resultSetResponse(["n"], [[++n]], { statusFlags });
    return okResponse({ affectedRows: 1, statusFlags });
  };
  return { script, log };
}

function setup(ttlMs = 1000) {
  let clock = 0;
  const cache = resultCache({ ttlMs, now: () => clock });
  const server = counting();
  const d = driverFor(createPipeline([cache])!, server.script);
  const read = async (sql: string) => (await d.query(sql)).rows[0];
  return { cache, d, read, server, tick: (ms: number) => (clock += ms) };
}

test("a repeated read comes from memory until the TTL; spacing and keyword case do not matter", async () => {
  const { cache, read, server, tick } = setup();
  assert.deepEqual(await read("SELECT n FROM t WHERE id = 1"), { n: 1 });
  assert.deepEqual(await read("select  n from t where id = 1 -- again"), { n: 1 });
  assert.deepEqual(await read("SELECT n FROM t WHERE id = 2"), { n: 2 }, "another literal: another key");
  tick(1000);
  assert.deepEqual(await read("SELECT n FROM t WHERE id = 1"), { n: 3 }, "expired");
  assert.equal(server.log.length, 3);
  assert.deepEqual({ hits: cache.stats.hits, misses: cache.stats.misses, stores: cache.stats.stores }, {
    hits: 1,
    misses: 3,
    stores: 3,
  });
});

test("the key holds the user and the database", async () => {
  const cache = resultCache({ ttlMs: 1000 });
  const a = counting();
  const b = counting();
  const p = createPipeline([cache])!;
  await driverFor(p, a.script, { link: { database: "one" } }).query("SELECT 1");
  assert.deepEqual((await driverFor(p, b.script, { link: { database: "two" } }).query("SELECT 1")).rows, [{
    n: 1,
  }]);
  assert.equal(b.log.length, 1, "another database: not from the cache");
  const c = counting();
  await driverFor(p, c.script, { link: { database: "one", user: "other" } }).query("SELECT 1");
  assert.equal(c.log.length, 1, "another user: not from the cache");
  const same = counting();
  await driverFor(p, same.script, { link: { database: "one" } }).query("SELECT 1");
  assert.equal(same.log.length, 0, "same user and database, another connection: from the cache");
});

test("not cached: locking reads, session or time dependent reads, multi-statements", async () => {
  for (
    const sql of [
      "SELECT n FROM t FOR UPDATE",
      "SELECT LAST_INSERT_ID()",
      "SELECT NOW()",
      "SELECT RAND()",
      "SELECT @v",
      "SELECT 1; SELECT 2",
    ]
  ) {
    const { read, server } = setup();
    await read(sql);
    await read(sql);
    assert.equal(server.log.length, 2, sql);
  }
});

test("never inside a transaction", async () => {
  const { d, read, server } = setup();
  await d.query("BEGIN");
  await read("SELECT n FROM t");
  await read("SELECT n FROM t");
  await d.query("COMMIT");
  assert.deepEqual(server.log, ["BEGIN", "SELECT n FROM t", "SELECT n FROM t", "COMMIT"]);
});

test("a write drops the results of the tables it names, and only those", async () => {
  const { cache, d, read } = setup();
  assert.deepEqual(await read("SELECT n FROM orders"), { n: 1 });
  assert.deepEqual(await read("SELECT n FROM users u JOIN orders o ON u.id = o.uid"), { n: 2 });
  assert.deepEqual(await read("SELECT n FROM products"), { n: 3 });
  await d.query("UPDATE shop.orders SET paid = 1");
  assert.deepEqual(await read("SELECT n FROM orders"), { n: 4 });
  assert.deepEqual(await read("SELECT n FROM users u JOIN orders o ON u.id = o.uid"), { n: 5 });
  assert.deepEqual(await read("SELECT n FROM products"), { n: 3 }, "untouched table: still cached");
  assert.ok(cache.stats.invalidations >= 2);
});

test("a write whose tables cannot be told drops everything", async () => {
  const { d, read } = setup();
  await read("SELECT n FROM a");
  await d.query("CALL change_things()");
  assert.deepEqual(await read("SELECT n FROM a"), { n: 2 });
});

test("a read racing a write on another connection is dropped when the write completes", async () => {
  const cache = resultCache({ ttlMs: 10_000 });
  const p = createPipeline([cache])!;
  const server = counting();
  const writer = driverFor(p, server.script);
  const reader = driverFor(p, server.script);
  // The writer's UPDATE is announced (cache dropped), then a reader caches a value read before
  // the write is visible; the UPDATE's completion drops it again.
  const plan = await writer.ps.onQuery(
    new Uint8Array([3, ...new TextEncoder().encode("UPDATE t SET x = 1")]),
  );
  assert.equal(plan._tag, "SendQuery");
  await reader.query("SELECT n FROM t");
  assert.equal(cache.stats.size, 1);
  const entry = plan._tag === "SendQuery" ? plan.queue[0] : undefined;
  await writer.ps.onObserved(entry!, { affectedRows: 1 }, { sentAt: 0, endAt: 1 });
  assert.equal(cache.stats.size, 0);
});

test("the cache is bounded, least recently used first", async () => {
  const cache = resultCache({ ttlMs: 1000, maxEntries: 2 });
  const server = counting();
  const d = driverFor(createPipeline([cache])!, server.script);
  await d.query("SELECT 1");
  await d.query("SELECT 2");
  await d.query("SELECT 1");
  await d.query("SELECT 3");
  assert.equal(cache.stats.size, 2);
  await d.query("SELECT 1");
  assert.equal(server.log.filter((s) => s === "SELECT 1").length, 1, "SELECT 1 was used recently: kept");
  await d.query("SELECT 2");
  assert.equal(
    server.log.filter((s) => s === "SELECT 2").length,
    2,
    "SELECT 2 was the least recently used: gone",
  );
  cache.clear();
  assert.equal(cache.stats.size, 0);
  assert.throws(() => resultCache({ ttlMs: 0 }), /ttlMs/);
});

/**
 * mywire/mysql2 publishes mysql2's tracing channels (`mysql2:query`, `mysql2:execute`,
 * `mysql2:connect`, `mysql2:pool:connect`) with the same context fields as mysql2 itself: each
 * operation runs once through mysql2 and once through the entry, and the subscriber must see the
 * same events with the same fields (errors included). One difference, documented: the connections a
 * pool opens are opened by mywire's pool, whose handshakes are not published on `mysql2:connect`.
 */
import realMysql from "mysql2/promise";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import ours from "../../mysql2-promise.ts";
import { rootOptions } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { TraceRecorder } from "../support/tracing.ts";

let env: TestEnv;
const names = ["mysql2:query", "mysql2:execute", "mysql2:connect", "mysql2:pool:connect"];
const recorder = new TraceRecorder();
const events = (work: () => Promise<unknown>) => recorder.events(work);

function options() {
  return rootOptions(env) as {
    host?: string;
    port?: number;
    user?: string;
    password?: string;
    database?: string;
  };
}

before(async () => {
  env = await testEnv();
  for (const name of names) recorder.subscribe(name);
});

after(() => recorder.stop());

for (
  const [name, work] of [
    ["connect, query with values, execute, a failing query", async (m: typeof ours) => {
      const c = await m.createConnection(options());
      await c.query("SELECT ? AS x", [1]);
      await c.execute("SELECT ? AS y", [2]);
      await c.query("SELECT * FROM no_such_table_traced").catch(() => {});
      await c.end();
    }],
    ["a pool: getConnection, query on it, pool.query", async (m: typeof ours) => {
      const pool = m.createPool({ ...options(), connectionLimit: 1 });
      const c = await pool.getConnection();
      await c.query("SELECT 1");
      c.release();
      await pool.query("SELECT 2");
      await pool.end();
    }],
  ] as const
) {
  test(`the same tracing events as mysql2: ${name}`, async () => {
    const pooled = name.startsWith("a pool");
    const keep = (e: { channel: string }) => !(pooled && e.channel === "mysql2:connect");
    const theirs = (await events(() => work(realMysql as unknown as typeof ours))).filter(keep);
    const mine = await events(() => work(ours));
    assert.ok(theirs.length > 0, "mysql2 published events");
    // The order of start/asyncEnd across channels is the same; compare them as a list.
    assert.deepEqual(mine, theirs);
  });
}

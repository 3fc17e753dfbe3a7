/**
 * The native client's tracing channels (`mywire:connect`, `mywire:query`, `mywire:execute`,
 * `mywire:pool:acquire`) publish the same events with the same context fields as mysql2's own
 * (`mysql2:connect`, `mysql2:query`, `mysql2:execute`, `mysql2:pool:connect`): each operation runs
 * once through mysql2 and once through mywire's API, and a subscriber on each side must see the
 * same list of events (errors included, by their errno).
 */
import realMysql from "mysql2/promise";
import assert from "node:assert/strict";
import dc from "node:diagnostics_channel";
import { after, before, test } from "node:test";
import { connect, createPool } from "../../mod.ts";
import { rootOptions } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { TraceRecorder } from "../support/tracing.ts";

let env: TestEnv;
/** Each of mywire's channels and the name of mysql2's that it mirrors. */
const pairs = [
  ["mywire:connect", "mysql2:connect"],
  ["mywire:query", "mysql2:query"],
  ["mywire:execute", "mysql2:execute"],
  ["mywire:pool:acquire", "mysql2:pool:connect"],
] as const;
const recorder = new TraceRecorder();
const events = (work: () => Promise<unknown>) => recorder.events(work);

function options() {
  return rootOptions(env);
}

before(async () => {
  env = await testEnv();
  // Both sides under mysql2's names, to compare the lists.
  for (const [mine, theirs] of pairs) {
    recorder.subscribe(mine, theirs);
    recorder.subscribe(theirs);
  }
});

after(() => recorder.stop());

test("connect, query with values, execute, a failing query: the events and fields of mysql2's channels", async () => {
  const theirs = await events(async () => {
    const c = await realMysql.createConnection(options() as never);
    await c.query("SELECT ? AS x", [1]);
    await c.execute("SELECT ? AS y", [2]);
    await c.query("SELECT * FROM no_such_table_traced_native").catch(() => {});
    await c.end();
  });
  const mine = await events(async () => {
    const c = await connect(options());
    await c.query("SELECT ? AS x", [1]);
    await c.execute("SELECT ? AS y", [2]);
    await c.query("SELECT * FROM no_such_table_traced_native").catch(() => {});
    await c.close();
  });
  assert.ok(theirs.length >= 7, JSON.stringify(theirs));
  assert.deepEqual(mine, theirs);
  const query = mine.find((e) => e.channel === "mysql2:query")!;
  assert.deepEqual(Object.keys(query.context).sort(), [
    "database",
    "query",
    "serverAddress",
    "serverPort",
    "values",
  ]);
  assert.equal(query.context.query, "SELECT 1 AS x");
});

test("a pool: acquiring a connection is traced as mysql2's pool:connect is", async () => {
  const theirs = await events(async () => {
    const pool = realMysql.createPool({ ...options(), connectionLimit: 1 } as never);
    const c = await pool.getConnection();
    c.release();
    await pool.end();
  });
  const mine = await events(async () => {
    const pool = createPool({ ...options(), max: 1 });
    const c = await pool.getConnection();
    await c.release();
    await pool.close();
  });
  // mysql2's pool also publishes mysql2:connect for the connection it opens; mywire's pool does not.
  const acquired = (list: typeof mine) => list.filter((e) => e.channel === "mysql2:pool:connect");
  assert.equal(acquired(theirs).length, 2, JSON.stringify(theirs));
  assert.deepEqual(acquired(mine), acquired(theirs));
});

test("nothing is published to a channel nobody listens to, and commands work the same", async () => {
  recorder.stop();
  try {
    recorder.seen.length = 0;
    const c = await connect(options());
    const [row] = await c.query<{ x: number }>("SELECT ? AS x", [3]);
    assert.equal(row.x, 3);
    await c.close();
    assert.equal(recorder.seen.length, 0);
    // (Bun's TracingChannel keeps saying hasSubscribers after the last unsubscribe: the client then
    // only builds contexts nobody receives; Node and Deno drop to false.)
    if (!("Bun" in globalThis)) assert.equal(dc.tracingChannel("mywire:query").hasSubscribers, false);
  } finally {
    recorder.resume();
  }
});

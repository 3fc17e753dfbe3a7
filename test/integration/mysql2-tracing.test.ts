/**
 * mywire/mysql2 publishes mysql2's tracing channels (`mysql2:query`, `mysql2:execute`,
 * `mysql2:connect`, `mysql2:pool:connect`) with the same context fields as mysql2 itself: each
 * operation runs once through mysql2 and once through the entry, and the subscriber must see the
 * same events with the same fields (errors included). One difference, documented: the connections a
 * pool opens are opened by mywire's pool, whose handshakes are not published on `mysql2:connect`.
 */
import realMysql from "mysql2/promise";
import assert from "node:assert/strict";
import dc from "node:diagnostics_channel";
import { after, before, test } from "node:test";
import ours from "../../mysql2-promise.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
const seen: { channel: string; event: string; context: Record<string, unknown> }[] = [];
const names = ["mysql2:query", "mysql2:execute", "mysql2:connect", "mysql2:pool:connect"];
const subscriptions: [ReturnType<typeof dc.tracingChannel>, Record<string, (m: unknown) => void>][] = [];

function options() {
  return {
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
  };
}

before(async () => {
  env = await testEnv();
  for (const name of names) {
    const channel = dc.tracingChannel(name);
    const handlers: Record<string, (m: unknown) => void> = {};
    for (const event of ["start", "asyncEnd", "error"]) {
      handlers[event] = (message: unknown) => {
        const { error, result: _r, ...context } = message as Record<string, unknown>;
        seen.push({
          channel: name,
          event,
          context: error === undefined ? context : { ...context, errno: (error as { errno?: number }).errno },
        });
      };
    }
    channel.subscribe(handlers as never);
    subscriptions.push([channel, handlers]);
  }
});

after(() => {
  for (const [channel, handlers] of subscriptions) channel.unsubscribe(handlers as never);
});

/** The events one run of `work` published. */
async function events(work: () => Promise<unknown>) {
  seen.length = 0;
  await work();
  return seen.map((e) => ({ ...e, context: { ...e.context } }));
}

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

/**
 * Per-command `timeout` and `signal` against the real server: a running command is interrupted with
 * KILL QUERY from another connection and rejects at once with TimeoutError or AbortError, a queued
 * one is taken out unsent, and the connection stays usable for the next command. Also: a network
 * that stops answering, `connectTimeout`, streams, prepared statements and the pool.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AbortError,
  connect,
  type Connection,
  ConnectionError,
  type ConnectionOptions,
  createPool,
  definePlugin,
  TimeoutError,
} from "../../mod.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";

let env: TestEnv;
let relay: FaultRelay;
let direct: Connection;
const opened: Connection[] = [];
const table = uniqueName("to_marks");

before(async () => {
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  direct = await rootConnection();
  await direct.query(`CREATE TABLE ${table} (tag VARCHAR(64) NOT NULL)`);
});

after(async () => {
  for (const c of opened) c.destroy();
  await direct?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await direct?.close();
  await relay?.close();
});

async function open(extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const conn = await connect({
    host: relay.host,
    port: relay.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    connectTimeout: 5000,
    ...extra,
  });
  opened.push(conn);
  return conn;
}

/** Whether the server still runs a statement containing `marker` on thread `id`. */
async function running(id: number, marker: string): Promise<boolean> {
  const rows = await direct.query(
    "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE ?",
    [id, `%${marker}%`],
  );
  return rows.length > 0;
}

async function marks(tag: string): Promise<number> {
  const rows = await direct.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tag = ?`, [tag]);
  return Number(rows[0].n);
}

async function tag(conn: Connection, value: string): Promise<string> {
  return (await conn.query<{ tag: string }>("SELECT ? AS tag", [value]))[0].tag;
}

describe("timeout", () => {
  test("a running query is killed, rejects with TimeoutError, and the connection goes on", async () => {
    const conn = await open();
    const thread = conn.threadId;
    const err = await conn.query("SELECT SLEEP(600) AS /* t1 */ s", [], { timeout: 50 }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.code, "QUERY_TIMEOUT");
    assert.equal(err.timeout, 50);
    assert.match(err.message, /SLEEP\(600\)/);
    await eventually(async () => !(await running(thread, "t1")), "the server stopped the query");
    assert.equal(await tag(conn, "after timeout"), "after timeout");
    assert.equal(conn.threadId, thread, "the same session");
    await conn.close();
  });

  test("a prepared statement and a stream time out the same way", async () => {
    const conn = await open();
    const thread = conn.threadId;
    await assert.rejects(conn.execute("SELECT SLEEP(?) AS /* t2 */ s", [600], { timeout: 30 }), TimeoutError);
    await eventually(async () => !(await running(thread, "t2")), "the server stopped the statement");
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (
          const row of conn.stream<{ n: number }>(
            "SELECT seq AS n, SLEEP(seq > 2) AS /* t3 */ s FROM seq_1_to_1000",
            [],
            {
              timeout: 100,
            },
          )
        ) {
          seen.push(row.n);
        }
      })(),
      TimeoutError,
    );
    assert.ok(seen.length < 1000);
    assert.equal(await tag(conn, "after stream"), "after stream");
    assert.equal(conn.threadId, thread);
    await conn.close();
  });

  test("a command that finishes in time is not affected, and settles once", async () => {
    const conn = await open();
    const results = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) => conn.query<{ i: number }>("SELECT ? AS i", [i], { timeout: 60_000 }),
      ),
    );
    assert.deepEqual(results.map((r) => r[0].i), Array.from({ length: 20 }, (_, i) => i));
    await conn.close();
  });

  test("a timeout while queued takes the command out unsent", async () => {
    const conn = await open();
    const slow = conn.query("SELECT SLEEP(600) AS /* t4 */ s", [], { timeout: 200 });
    const queued = conn.query(`INSERT INTO ${table} VALUES ('never')`, [], { timeout: 20 });
    await assert.rejects(queued, TimeoutError);
    await assert.rejects(slow, TimeoutError);
    assert.equal(await tag(conn, "next"), "next");
    assert.equal(await marks("never"), 0);
    await conn.close();
  });
});

describe("signal", () => {
  test("aborting a running query kills it; AbortError carries the reason", async () => {
    const conn = await open();
    const thread = conn.threadId;
    const controller = new AbortController();
    const pending = conn.query("SELECT SLEEP(600) AS /* s1 */ s", [], { signal: controller.signal });
    await eventually(() => running(thread, "s1"), "the query runs");
    const reason = new Error("user left");
    controller.abort(reason);
    const err = await pending.then(() => undefined, (e) => e);
    assert.ok(err instanceof AbortError, String(err));
    assert.equal(err.cause, reason);
    await eventually(async () => !(await running(thread, "s1")), "the server stopped the query");
    assert.equal(await tag(conn, "after abort"), "after abort");
    assert.equal(conn.threadId, thread);
    await conn.close();
  });

  test("an aborted queued command is never sent; the others run", async () => {
    const conn = await open();
    const first = new AbortController();
    const second = new AbortController();
    const slow = conn.query("SELECT SLEEP(600) AS /* s2 */ s", [], { signal: first.signal });
    const queued = conn.query(`INSERT INTO ${table} VALUES ('aborted')`, [], { signal: second.signal });
    const kept = conn.query(`INSERT INTO ${table} VALUES ('kept')`);
    second.abort();
    await assert.rejects(queued, AbortError);
    first.abort();
    await assert.rejects(slow, AbortError);
    await kept;
    assert.equal(await marks("aborted"), 0);
    assert.equal(await marks("kept"), 1);
    await conn.close();
  });

  test("a signal already aborted rejects at the call and sends nothing", async () => {
    const conn = await open({ lazy: true });
    const accepted = relay.accepted;
    await assert.rejects(conn.query("SELECT 1", [], { signal: AbortSignal.abort() }), AbortError);
    await assert.rejects(conn.ping({ signal: AbortSignal.abort() }), AbortError);
    assert.equal(relay.accepted, accepted);
    await conn.close();
  });
});

describe("a network that stops answering", () => {
  test("the command times out; the session is given up and the next command gets a new one", async () => {
    const conn = await open({ connectTimeout: 300 });
    const thread = conn.threadId;
    relay.inject({ action: "stall", direction: "toClient" });
    await assert.rejects(conn.query("SELECT ? AS tag", ["stalled"], { timeout: 50 }), TimeoutError);
    assert.equal(await tag(conn, "fresh"), "fresh");
    assert.notEqual(conn.threadId, thread);
    relay.heal();
    await conn.close();
  });

  test("connectTimeout bounds connecting and authenticating", async () => {
    relay.injectNext({ action: "stall", direction: "toClient" });
    const err = await open({ connectTimeout: 100 }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, "ETIMEDOUT");
    relay.heal();
  });
});

describe("with plugins", () => {
  test("an interrupted command closes the connection instead of a KILL; the next command gets a new one", async () => {
    const seen: string[] = [];
    const watch = definePlugin({
      name: "watch",
      readQuery: (_ctx, command) => {
        if (command.sql !== undefined) seen.push(command.sql);
        return undefined;
      },
    });
    const conn = await open({ plugins: [watch] });
    const thread = conn.threadId;
    await assert.rejects(conn.query("SELECT SLEEP(600) AS /* p1 */ s", [], { timeout: 50 }), TimeoutError);
    await eventually(
      async () => !(await running(thread, "p1")),
      "the server dropped the query with its connection",
    );
    assert.equal(await tag(conn, "plugged"), "plugged");
    assert.notEqual(conn.threadId, thread);
    assert.ok(!seen.some((sql) => /KILL/i.test(sql)), "no KILL went through the plugins");
    await conn.close();
  });
});

describe("pool", () => {
  test("a pooled command times out and its connection is lent again, healthy", async () => {
    const pool = createPool({
      host: relay.host,
      port: relay.port,
      user: env.root.user,
      password: env.root.password,
      database: env.database,
      max: 1,
    });
    try {
      await assert.rejects(pool.query("SELECT SLEEP(600)", [], { timeout: 50 }), TimeoutError);
      const [row] = await pool.query<{ tag: string }>("SELECT ? AS tag", ["pooled"]);
      assert.equal(row.tag, "pooled");
      assert.equal(pool.stats().total, 1);
    } finally {
      await pool.close();
    }
  });
});

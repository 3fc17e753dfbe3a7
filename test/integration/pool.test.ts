/**
 * The pool against the real server through the fault relay: sizes and waiting, the health check,
 * idle and lifetime limits, the session reset on release (no borrower sees another's state),
 * the single-command helpers, closing with a deadline, and bad input.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AbortError,
  type Connection,
  ConnectionError,
  createPool,
  definePlugin,
  type Pool,
  PoolError,
  type PoolOptions,
  sendQuery,
  TimeoutError,
} from "../../mod.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";

let env: TestEnv;
let relay: FaultRelay;
let direct: Connection;
const pools: Pool[] = [];
const table = uniqueName("pool_marks");
const otherDb = uniqueName("mywire_pool");

before(async () => {
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  direct = await rootConnection();
  await direct.query(`CREATE TABLE ${table} (tag VARCHAR(64) NOT NULL, n INT AUTO_INCREMENT PRIMARY KEY)`);
  await direct.query(`CREATE DATABASE ${otherDb}`);
});

after(async () => {
  for (const p of pools) await p.close(0);
  await direct?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await direct?.query(`DROP DATABASE IF EXISTS ${otherDb}`).catch(() => {});
  await direct?.close();
  await relay?.close();
});

function pool(extra: Partial<PoolOptions> = {}): Pool {
  const p = createPool({
    host: relay.host,
    port: relay.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    connectTimeout: 5000,
    ...extra,
  });
  pools.push(p);
  return p;
}

async function marks(tag: string): Promise<number> {
  const rows = await direct.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tag = ?`, [tag]);
  return Number(rows[0].n);
}

describe("lending", () => {
  test("query, execute and stream on free connections; each result is its own", async () => {
    const p = pool({ max: 3 });
    const tags = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const results = await Promise.all(
      tags.map((t, i) =>
        i % 2
          ? p.query<{ tag: string }>("SELECT ? AS tag", [t])
          : p.execute<{ tag: string }>("SELECT ? AS tag", [t])
      ),
    );
    assert.deepEqual(results.map((r) => r[0].tag), tags);
    const streamed: number[] = [];
    for await (const row of p.stream<{ n: number }>("SELECT seq AS n FROM seq_1_to_5")) streamed.push(row.n);
    assert.deepEqual(streamed, [1, 2, 3, 4, 5]);
    assert.ok(p.stats().total <= 3);
    assert.deepEqual({ ...p.stats(), total: 0, idle: 0 }, {
      total: 0,
      idle: 0,
      borrowed: 0,
      waiting: 0,
      pending: 0,
    });
    await p.close();
  });

  test("at most max connections; callers beyond wait in order and get a returned one", async () => {
    const p = pool({ max: 2 });
    const a = await p.acquire();
    const b = await p.acquire();
    assert.deepEqual(p.stats(), { total: 2, idle: 0, borrowed: 2, waiting: 0, pending: 0 });
    const order: string[] = [];
    const c = p.acquire().then((conn) => {
      order.push("c");
      return conn;
    });
    const d = p.acquire().then((conn) => {
      order.push("d");
      return conn;
    });
    await eventually(() => p.stats().waiting === 2, "two callers wait");
    const aThread = a.threadId;
    await a.close();
    const cConn = await c;
    assert.equal(cConn.threadId, aThread, "the returned connection went to the first waiter");
    await b.close();
    const dConn = await d;
    assert.deepEqual(order, ["c", "d"]);
    assert.equal(relay.open >= 2, true);
    await cConn.close();
    await dConn.close();
    assert.deepEqual(p.stats(), { total: 2, idle: 2, borrowed: 0, waiting: 0, pending: 0 });
    await p.close();
  });

  test("queueLimit: one caller more than may wait gets QUEUE_FULL", async () => {
    const p = pool({ max: 1, queueLimit: 1 });
    const held = await p.acquire();
    const waiting = p.acquire();
    await eventually(() => p.stats().waiting === 1, "one waits");
    await assert.rejects(p.acquire(), (e) => e instanceof PoolError && e.code === "QUEUE_FULL");
    await assert.rejects(p.query("SELECT 1"), (e) => e instanceof PoolError && e.code === "QUEUE_FULL");
    await held.close();
    await (await waiting).close();
    await p.close();
  });

  test("acquireTimeout and a per-call timeout or signal end the wait", async () => {
    const p = pool({ max: 1, acquireTimeout: 30 });
    const held = await p.acquire();
    await assert.rejects(p.acquire(), (e) => e instanceof TimeoutError && e.code === "ACQUIRE_TIMEOUT");
    await assert.rejects(
      p.query("SELECT 1", [], { timeout: 10 }),
      (e) => e instanceof TimeoutError && e.code === "ACQUIRE_TIMEOUT",
    );
    const controller = new AbortController();
    const waiting = p.acquire({ signal: controller.signal });
    await eventually(() => p.stats().waiting === 1, "one waits");
    controller.abort(new Error("enough"));
    await assert.rejects(waiting, (e) => e instanceof AbortError && (e.cause as Error).message === "enough");
    assert.equal(p.stats().waiting, 0);
    await held.close();
    assert.equal((await p.query<{ n: number }>("SELECT 1 AS n"))[0].n, 1);
    await p.close();
  });

  test("a connection used after it was given back fails with a clear error", async () => {
    const p = pool({ max: 1 });
    const conn = await p.acquire();
    await conn.close();
    await assert.rejects(conn.query("SELECT 1"), (e) => e instanceof PoolError && e.code === "RELEASED");
    await assert.rejects(conn.execute("SELECT 1"), PoolError);
    await conn.close(); // again: nothing happens
    await p.close();
  });

  test("destroy() on a borrowed connection drops it; the pool opens another", async () => {
    const p = pool({ max: 1 });
    const conn = await p.acquire();
    const thread = conn.threadId;
    conn.destroy();
    assert.equal(p.stats().total, 0);
    const [row] = await p.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
    assert.notEqual(Number(row.id), thread);
    await p.close();
  });
});

describe("keeping the pool healthy", () => {
  test("minIdle connections are opened at once and kept", async () => {
    const before = relay.accepted;
    const p = pool({ minIdle: 2, max: 4, idleTimeout: 10 });
    await eventually(() => p.stats().idle === 2, "two idle connections");
    assert.equal(relay.accepted, before + 2);
    await Promise.all(Array.from({ length: 4 }, () => p.connection((c) => c.query("SELECT SLEEP(0.01)"))));
    await eventually(() => p.stats().total === 2, "back to minIdle after the idle timeout");
    await p.close();
  });

  test("minIdle is refilled after connections are lost", async () => {
    const p = pool({ minIdle: 2, max: 2, pingIdle: 0 });
    await eventually(() => p.stats().idle === 2, "two idle connections");
    const a = await p.acquire();
    const b = await p.acquire();
    a.destroy();
    b.destroy();
    await eventually(() => p.stats().idle === 2, "refilled");
    await p.close();
  });

  test("idle connections beyond minIdle close after idleTimeout", async () => {
    const p = pool({ max: 3, idleTimeout: 20 });
    await Promise.all([1, 2, 3].map(() => p.connection((c) => c.query("SELECT SLEEP(0.01)"))));
    assert.equal(p.stats().total, 3);
    await eventually(() => p.stats().total === 0, "all idle connections closed");
    await p.close();
  });

  test("a connection older than maxLifetime is replaced", async () => {
    const p = pool({ max: 1, maxLifetime: 30 });
    const [first] = await p.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
    await eventually(() => p.stats().total === 0, "the old connection is closed");
    const [second] = await p.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
    assert.notEqual(second.id, first.id);
    await p.close();
  });

  test("pingIdle: a connection lost while idle is found before it is lent, so a write succeeds", async () => {
    const p = pool({ max: 1, pingIdle: 0 });
    await p.query("SELECT 1");
    relay.cutAll();
    await p.query(`INSERT INTO ${table} (tag) VALUES ('after-cut')`);
    assert.equal(await marks("after-cut"), 1);
    await p.close();
  });

  test("without the idle check a write on a dead connection fails (and is not sent twice)", async () => {
    const p = pool({ max: 1, pingIdle: 60_000 });
    await p.query("SELECT 1");
    relay.cutAll();
    await assert.rejects(p.query(`INSERT INTO ${table} (tag) VALUES ('unchecked')`), ConnectionError);
    assert.equal(await marks("unchecked"), 0);
    // The member reconnected: the next command works.
    await p.query(`INSERT INTO ${table} (tag) VALUES ('unchecked-2')`);
    assert.equal(await marks("unchecked-2"), 1);
    await p.close();
  });
});

describe("reset on release", () => {
  async function dirty(conn: Connection): Promise<void> {
    await conn.query("SET @leak = 'secret'");
    await conn.query("SET time_zone = '+07:00'");
    await conn.query("CREATE TEMPORARY TABLE leak_tmp (x INT)");
    await conn.useDatabase(otherDb);
    await conn.query("BEGIN");
    await conn.query(`INSERT INTO ${env.database}.${table} (tag) VALUES ('uncommitted')`);
  }

  async function state(conn: Connection) {
    const [row] = await conn.query<Record<string, unknown>>(
      "SELECT @leak AS leak, @@time_zone AS tz, DATABASE() AS db, @@in_transaction AS tx, CONNECTION_ID() AS id",
    );
    const tmp = await conn.query("SHOW TABLES LIKE 'leak_tmp'");
    return { ...row, id: Number(row.id), tmp: tmp.length };
  }

  for (const method of ["auto", "reset-connection", "change-user"] as const) {
    test(`${method}: the next borrower sees none of the last one's session`, async () => {
      const p = pool({ max: 1, resetOnRelease: method, init: ["SET @pool_init = 1"] });
      const id = await p.connection(async (conn) => {
        await dirty(conn);
        return conn.threadId;
      });
      const after = await p.connection(state);
      assert.deepEqual(after, { leak: null, tz: "SYSTEM", db: env.database, tx: 0, id, tmp: 0 });
      assert.equal(await marks("uncommitted"), 0, "the open transaction was rolled back");
      const [init] = await p.query<{ v: number }>("SELECT @pool_init AS v");
      assert.equal(init.v, 1, "init statements run again after a reset");
      assert.equal((await p.execute<{ n: number }>("SELECT ? AS n", [5]))[0].n, 5);
      await p.close();
    });
  }

  test("a single SET through pool.query is reset too", async () => {
    const p = pool({ max: 1 });
    await p.query("SET @v = 1");
    assert.equal((await p.query<{ v: unknown }>("SELECT @v AS v"))[0].v, null);
    await p.close();
  });

  test("resetOnRelease: false lends the session as it is", async () => {
    const p = pool({ max: 1, resetOnRelease: false });
    await p.query("SET @v = 1");
    assert.equal((await p.query<{ v: unknown }>("SELECT @v AS v"))[0].v, 1);
    await p.close();
  });
});

describe("plugins", () => {
  test("apply to every pooled connection, one pipeline for the pool", async () => {
    const rewrite = definePlugin({
      name: "rewrite",
      readQuery: (_ctx, command) => {
        return command.sql === "SELECT 'original' AS v" ? sendQuery("SELECT 'rewritten' AS v") : undefined;
      },
    });
    const p = pool({ max: 3, plugins: [rewrite] });
    const rows = await Promise.all(
      Array.from({ length: 6 }, () => p.query<{ v: string }>("SELECT 'original' AS v")),
    );
    assert.deepEqual(rows.map((r) => r[0].v), Array(6).fill("rewritten"));
    assert.ok(p.stats().total > 1, "several connections were used");
    await p.close();
  });
});

describe("transactions and closing", () => {
  test("pool.transaction commits, or rolls back when fn throws", async () => {
    const p = pool({ max: 2 });
    const r = await p.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (tag) VALUES ('ptx-commit')`);
      return "done";
    });
    assert.equal(r, "done");
    assert.equal(await marks("ptx-commit"), 1);
    await assert.rejects(
      p.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (tag) VALUES ('ptx-rollback')`);
        throw new Error("no");
      }),
      /no/,
    );
    assert.equal(await marks("ptx-rollback"), 0);
    await p.close();
  });

  test("close() waits for a borrowed connection given back before the deadline", async () => {
    const p = pool({ max: 1 });
    const conn = await p.acquire();
    const closing = p.close(5000);
    await assert.rejects(p.query("SELECT 1"), (e) => e instanceof PoolError && e.code === "POOL_CLOSED");
    assert.equal((await conn.query<{ n: number }>("SELECT 1 AS n"))[0].n, 1);
    await conn.close();
    await closing;
    assert.equal(p.stats().total, 0);
  });

  test("close() closes a connection still borrowed at the deadline", async () => {
    const p = pool({ max: 1 });
    const conn = await p.acquire();
    await p.close(20);
    await assert.rejects(conn.query("SELECT 1"), PoolError);
    assert.equal(p.stats().total, 0);
    await eventually(() => relay.open === 0, "every connection is closed");
  });

  test("callers waiting when the pool closes fail", async () => {
    const p = pool({ max: 1 });
    const held = await p.acquire();
    const waiting = p.acquire();
    await eventually(() => p.stats().waiting === 1, "one waits");
    const closing = p.close(1000);
    await assert.rejects(waiting, (e) => e instanceof PoolError && e.code === "POOL_CLOSED");
    await held.close();
    await closing;
  });
});

describe("bad input", () => {
  test("options out of range are TypeErrors at createPool()", () => {
    const base = { host: relay.host, port: relay.port };
    assert.throws(() => createPool({ ...base, max: 0 }), TypeError);
    assert.throws(() => createPool({ ...base, max: -1 }), TypeError);
    assert.throws(() => createPool({ ...base, minIdle: 5, max: 2 }), TypeError);
    assert.throws(() => createPool({ ...base, queueLimit: -1 }), TypeError);
    assert.throws(() => createPool({ ...base, acquireTimeout: 1.5 }), TypeError);
    assert.throws(() => createPool({ ...base, idleTimeout: -1 }), TypeError);
    assert.throws(() => createPool({ ...base, resetOnRelease: "sometimes" as never }), TypeError);
    assert.throws(() => createPool({ ...base, port: 0 }), TypeError);
    assert.throws(() => createPool(42 as never), TypeError);
  });

  test("a closed pool, a function that is not one, a bad timeout: clear errors at the call", async () => {
    const p = pool({ max: 1 });
    await assert.rejects(p.connection("nope" as never), TypeError);
    await assert.rejects(p.transaction(null as never), TypeError);
    await assert.rejects(p.query("SELECT 1", [], { timeout: -1 }), TypeError);
    await assert.rejects(p.close(-5), TypeError);
    await p.close();
    await assert.rejects(p.query("SELECT 1"), (e) => e instanceof PoolError && e.code === "POOL_CLOSED");
    await assert.rejects(p.acquire(), PoolError);
    await assert.rejects(p.connection(async () => 1), PoolError);
    await p.close(); // closing twice is fine
  });
});

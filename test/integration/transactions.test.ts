/**
 * `transaction(fn, options)` on a connection against the real server: commit and rollback, the
 * isolation level and read-only mode, savepoints for nested calls, retry after a real deadlock, the
 * connection held for the transaction, a connection lost inside one, and bad input.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection, ConnectionError, type ConnectionOptions, MysqlError } from "../../mod.ts";
import { uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";

let env: TestEnv;
let relay: FaultRelay;
let direct: Connection;
const opened: Connection[] = [];
const table = uniqueName("tx_rows");

before(async () => {
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  direct = await open({}, true);
  await direct.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB`);
});

after(async () => {
  for (const c of opened) c.destroy();
  await direct?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await direct?.close();
  await relay?.close();
});

async function open(extra: Partial<ConnectionOptions> = {}, straight = false): Promise<Connection> {
  const conn = await connect({
    host: straight ? env.host : relay.host,
    port: straight ? env.port : relay.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    ...extra,
  });
  if (!straight) opened.push(conn);
  return conn;
}

async function value(id: number): Promise<string | undefined> {
  const rows = await direct.query<{ v: string }>(`SELECT v FROM ${table} WHERE id = ?`, [id]);
  return rows[0]?.v;
}

describe("commit and rollback", () => {
  test("commits when fn resolves and returns its value", async () => {
    const conn = await open();
    const result = await conn.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} VALUES (1, 'committed')`);
      assert.equal(await value(1), undefined, "not visible outside before COMMIT");
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(await value(1), "committed");
    await conn.close();
  });

  test("rolls back when fn throws, and rethrows fn's error", async () => {
    const conn = await open();
    const boom = new Error("boom");
    await assert.rejects(
      conn.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} VALUES (2, 'rolled back')`);
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(await value(2), undefined);
    const [row] = await conn.query<{ t: number }>("SELECT @@in_transaction AS t");
    assert.equal(row.t, 0);
    await conn.close();
  });

  test("a server error inside rolls back too", async () => {
    const conn = await open();
    await assert.rejects(
      conn.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${table} VALUES (?, ?)`, [3, "x"]);
        await tx.query("SELECT * FROM no_such_table_here");
      }),
      (e) => e instanceof MysqlError && e.errno === 1146,
    );
    assert.equal(await value(3), undefined);
    await conn.close();
  });
});

describe("options", () => {
  /** Reads a row twice with a commit from another connection between: same value under a snapshot. */
  async function repeatable(tx: Connection): Promise<boolean> {
    const read = async () => (await tx.query<{ v: string }>(`SELECT v FROM ${table} WHERE id = 5`))[0].v;
    const first = await read();
    await direct.query(`UPDATE ${table} SET v = ? WHERE id = 5`, [`changed-${Math.random()}`]);
    return (await read()) === first;
  }

  test("isolationLevel applies to that transaction only", async () => {
    await direct.query(`REPLACE INTO ${table} VALUES (5, 'start')`);
    const conn = await open();
    assert.equal(await conn.transaction(repeatable, { isolationLevel: "READ COMMITTED" }), false);
    assert.equal(await conn.transaction(repeatable), true, "the session's default (REPEATABLE READ) again");
    assert.equal(await conn.transaction(repeatable, { isolationLevel: "read-committed" as never }), false);
    assert.equal(await conn.transaction(repeatable, { isolationLevel: "REPEATABLE READ" }), true);
    await conn.close();
  });

  test("readOnly refuses writes", async () => {
    const conn = await open();
    await assert.rejects(
      conn.transaction((tx) => tx.query(`INSERT INTO ${table} VALUES (4, 'ro')`), { readOnly: true }),
      (e) => e instanceof MysqlError && e.errno === 1792,
    );
    assert.equal(await value(4), undefined);
    await conn.close();
  });

  test("bad options and a fn that is not a function are TypeErrors at the call", async () => {
    const conn = await open();
    await assert.rejects(conn.transaction("nope" as never), TypeError);
    await assert.rejects(conn.transaction(async () => 1, { isolationLevel: "CHAOS" as never }), TypeError);
    await assert.rejects(conn.transaction(async () => 1, { readOnly: "yes" as never }), TypeError);
    await assert.rejects(conn.transaction(async () => 1, { retries: -1 }), TypeError);
    assert.equal((await conn.query<{ n: number }>("SELECT 1 AS n"))[0].n, 1, "nothing was held");
    await conn.close();
  });
});

describe("nesting", () => {
  test("a nested transaction is a savepoint: its failure undoes only its own work", async () => {
    const conn = await open();
    await conn.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} VALUES (10, 'outer')`);
      await assert.rejects(
        tx.transaction(async (inner) => {
          await inner.query(`INSERT INTO ${table} VALUES (11, 'inner')`);
          throw new Error("inner fails");
        }),
        /inner fails/,
      );
      await tx.transaction(async (inner) => {
        await inner.query(`INSERT INTO ${table} VALUES (12, 'inner ok')`);
        await inner.transaction((deeper) => deeper.query(`INSERT INTO ${table} VALUES (13, 'deeper')`));
      });
    });
    assert.equal(await value(10), "outer");
    assert.equal(await value(11), undefined);
    assert.equal(await value(12), "inner ok");
    assert.equal(await value(13), "deeper");
    await conn.close();
  });

  test("a nested transaction takes no options", async () => {
    const conn = await open();
    await assert.rejects(
      conn.transaction((tx) => tx.transaction(async () => 1, { readOnly: true })),
      TypeError,
    );
    await conn.close();
  });
});

describe("retry", () => {
  test("a real deadlock: the victim's whole transaction runs again and both commit", async () => {
    await direct.query(`REPLACE INTO ${table} VALUES (20, 'a0'), (21, 'b0')`);
    const a = await open();
    const b = await open();
    let calls = 0;
    let arrived = 0;
    let release!: () => void;
    const barrier = new Promise<void>((r) => (release = r));
    const meet = async () => {
      if (++arrived === 2) release();
      await barrier;
    };
    const work = (first: number, second: number, label: string) => async (tx: Connection) => {
      const attempt = ++calls;
      await tx.query(`UPDATE ${table} SET v = ? WHERE id = ?`, [label, first]);
      if (attempt <= 2) await meet();
      await tx.query(`UPDATE ${table} SET v = ? WHERE id = ?`, [label, second]);
      return label;
    };
    const results = await Promise.all([
      a.transaction(work(20, 21, "A"), { retries: { retries: 3, delay: 1 } }),
      b.transaction(work(21, 20, "B"), { retries: { retries: 3, delay: 1 } }),
    ]);
    assert.deepEqual(results, ["A", "B"]);
    assert.equal(calls, 3, "one transaction ran twice");
    const v20 = await value(20);
    assert.equal(await value(21), v20, "the one that committed last wrote both rows");
    await a.close();
    await b.close();
  });

  test("without retries the deadlock reaches the caller", async () => {
    await direct.query(`REPLACE INTO ${table} VALUES (30, 'a0'), (31, 'b0')`);
    const a = await open();
    const b = await open();
    let arrived = 0;
    let release!: () => void;
    const barrier = new Promise<void>((r) => (release = r));
    const work = (first: number, second: number) => async (tx: Connection) => {
      await tx.query(`UPDATE ${table} SET v = 'x' WHERE id = ?`, [first]);
      if (++arrived === 2) release();
      await barrier;
      await tx.query(`UPDATE ${table} SET v = 'y' WHERE id = ?`, [second]);
    };
    const outcomes = await Promise.allSettled([a.transaction(work(30, 31)), b.transaction(work(31, 30))]);
    const failed = outcomes.filter((o) => o.status === "rejected") as PromiseRejectedResult[];
    assert.equal(failed.length, 1);
    assert.ok(failed[0].reason instanceof MysqlError && failed[0].reason.errno === 1213);
    await a.close();
    await b.close();
  });

  test("a lock wait timeout (1205) is retried too", async () => {
    const conn = await open();
    let calls = 0;
    const result = await conn.transaction(async (tx) => {
      if (++calls < 3) {
        await tx.query(
          "BEGIN NOT ATOMIC SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1205, MESSAGE_TEXT = 'fake lock wait'; END",
        );
      }
      return calls;
    }, { retries: 5 });
    assert.equal(result, 3);
    await conn.close();
  });
});

describe("the connection during a transaction", () => {
  test("other calls on the connection wait until the transaction ends", async () => {
    const conn = await open();
    let outside: Promise<unknown> | undefined;
    await conn.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} VALUES (40, 'held')`);
      outside = conn.query<{ v: string; t: number }>(
        `SELECT v, @@in_transaction AS t FROM ${table} WHERE id = 40`,
      );
      await tx.query(`UPDATE ${table} SET v = 'committed' WHERE id = 40`);
    });
    const rows = (await outside) as { v: string; t: number }[];
    assert.deepEqual(
      { ...rows[0] },
      { v: "committed", t: 0 },
      "it ran after COMMIT, outside the transaction",
    );
    await conn.close();
  });

  test("the transaction's connection cannot be used after it ended, nor closed inside", async () => {
    const conn = await open();
    let kept: Connection | undefined;
    await conn.transaction(async (tx) => {
      kept = tx;
      await assert.rejects(tx.close(), TypeError);
    });
    await assert.rejects(kept!.query("SELECT 1"), TypeError);
    await conn.close();
  });

  test("lost inside: the transaction fails, nothing of it runs elsewhere, other callers go on", async () => {
    const conn = await open({ reconnect: true });
    let outside: Promise<unknown> | undefined;
    const err = await conn.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} VALUES (50, 'lost')`);
      outside = conn.query<{ n: number }>("SELECT 7 AS n");
      relay.cutAll();
      await tx.query(`INSERT INTO ${table} VALUES (51, 'after loss')`);
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(await value(50), undefined);
    assert.equal(await value(51), undefined);
    assert.equal(((await outside) as { n: number }[])[0].n, 7);
    await conn.close();
  });
});

/**
 * A connection's life across server sessions, against the real server through the fault relay:
 * lazy connect, idle close, reconnect (unsent commands move to the new session, reads are sent
 * again, writes that may have run never are), temporary errors retried with backoff, and the
 * database, settings and `init` statements replayed on every new session.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection, ConnectionError, type ConnectionOptions, MysqlError } from "../../mod.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";

let env: TestEnv;
let relay: FaultRelay;
let direct: Connection;
const opened: Connection[] = [];
const table = uniqueName("res_marks");
const otherDb = `${"mywire_res"}_${Math.random().toString(36).slice(2, 8)}`;

before(async () => {
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  direct = await rootConnection();
  await direct.query(
    `CREATE TABLE ${table} (tag VARCHAR(64) NOT NULL, n INT NOT NULL AUTO_INCREMENT PRIMARY KEY)`,
  );
  await direct.query(`CREATE DATABASE ${otherDb}`);
  await direct.query(`CREATE TABLE ${table}_counter (id INT PRIMARY KEY, calls INT NOT NULL)`);
  await direct.query(`CREATE PROCEDURE ${table}_flaky(fail_until INT, errno INT)
    BEGIN
      DECLARE c INT;
      UPDATE ${table}_counter SET calls = calls + 1 WHERE id = 1;
      SELECT calls INTO c FROM ${table}_counter WHERE id = 1;
      IF c < fail_until THEN
        IF errno = 1205 THEN SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1205, MESSAGE_TEXT = 'fake lock wait timeout';
        ELSE SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1040, MESSAGE_TEXT = 'fake busy';
        END IF;
      END IF;
      SELECT c AS calls;
    END`);
});

after(async () => {
  for (const c of opened) c.destroy();
  await direct?.query(`DROP TABLE IF EXISTS ${table}, ${table}_counter`).catch(() => {});
  await direct?.query(`DROP PROCEDURE IF EXISTS ${table}_flaky`).catch(() => {});
  await direct?.query(`DROP DATABASE IF EXISTS ${otherDb}`).catch(() => {});
  await direct?.close();
  await relay?.close();
});

async function viaRelay(extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
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

/** Counts how often each promise settles and how; a second settlement fails the test. */
function settleOnce<T>(promise: Promise<T>) {
  const state: { count: number; value?: T; error?: unknown } = { count: 0 };
  const done = promise.then(
    (value) => {
      state.count++;
      state.value = value;
    },
    (error) => {
      state.count++;
      state.error = error;
    },
  );
  return { state, done };
}

async function marks(tag: string): Promise<number> {
  const rows = await direct.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tag = ?`, [tag]);
  return Number(rows[0].n);
}

async function resetCounter(): Promise<void> {
  await direct.query(`REPLACE INTO ${table}_counter VALUES (1, 0)`);
}

async function calls(): Promise<number> {
  const [row] = await direct.query<{ calls: number }>(`SELECT calls FROM ${table}_counter WHERE id = 1`);
  return row.calls;
}

describe("lazy connect", () => {
  test("connects on the first command, not before", async () => {
    const before = relay.accepted;
    const conn = await viaRelay({ lazy: true });
    assert.equal(relay.accepted, before);
    assert.equal(conn.threadId, 0);
    assert.equal(conn.closed, false);
    const [row] = await conn.query<{ tag: string }>("SELECT ? AS tag", ["lazy"]);
    assert.equal(row.tag, "lazy");
    assert.equal(relay.accepted, before + 1);
    assert.ok(conn.threadId > 0);
    assert.match(conn.serverVersion, /MariaDB/);
    await conn.close();
  });

  test("a failed first connect fails the waiting commands; a later command tries again", async () => {
    const conn = await viaRelay({ lazy: true });
    relay.refuse(true);
    const results = await Promise.allSettled([conn.query("SELECT 1"), conn.ping()]);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok((r as PromiseRejectedResult).reason instanceof ConnectionError);
    }
    relay.refuse(false);
    const [row] = await conn.query<{ n: number }>("SELECT 2 AS n");
    assert.equal(row.n, 2);
    await conn.close();
  });
});

describe("idle timeout", () => {
  test("closes an idle connection; the next command reconnects with the database and settings", async () => {
    const conn = await viaRelay({ idleTimeout: 30, init: ["SET @mywire_init = 'ran'"] });
    await conn.useDatabase(otherDb);
    await conn.query("SET NAMES latin1");
    await conn.query("SET time_zone = '+03:00'");
    const firstThread = conn.threadId;
    await eventually(() => relay.open === 0, "the idle connection is closed");
    assert.equal(conn.closed, false);
    const [row] = await conn.query<{ db: string; cs: string; tz: string; init: string }>(
      "SELECT DATABASE() AS db, @@character_set_client AS cs, @@time_zone AS tz, @mywire_init AS init",
    );
    assert.notEqual(conn.threadId, firstThread);
    assert.deepEqual({ ...row }, { db: otherDb, cs: "latin1", tz: "+03:00", init: "ran" });
    await conn.close();
    assert.equal(conn.closed, true);
  });

  test("a connection that keeps working is not closed", async () => {
    const conn = await viaRelay({ idleTimeout: 1000 });
    const thread = conn.threadId;
    for (let i = 0; i < 20; i++) await conn.query("SELECT ? AS i", [i]);
    assert.equal(conn.threadId, thread);
    await conn.close();
  });

  test("a connection kept busy for several idle timeouts is not closed, and closes once idle", async () => {
    const conn = await viaRelay({ idleTimeout: 40 });
    const thread = conn.threadId;
    // Back-to-back commands for at least four idle timeouts: the one timer fires in between and
    // must see that the queue was busy a moment ago.
    const until = Date.now() + 160;
    while (Date.now() < until) await conn.query("SELECT 1");
    assert.equal(conn.threadId, thread);
    assert.equal(relay.open, 1);
    await eventually(() => relay.open === 0, "the connection is closed once idle");
    await conn.close();
  });
});

describe("reconnect", () => {
  test("without reconnect, a lost connection stays closed (as before)", async () => {
    const conn = await viaRelay();
    relay.cutAll();
    await assert.rejects(conn.query("SELECT 1"), ConnectionError);
    assert.equal(conn.closed, true);
    await assert.rejects(conn.query("SELECT 1"), ConnectionError);
  });

  test("a read on a connection lost while idle is sent again on a new one", async () => {
    const conn = await viaRelay({ reconnect: true });
    const first = conn.threadId;
    relay.cutAll();
    const [row] = await conn.query<{ tag: string }>("SELECT ? AS tag", ["again"]);
    assert.equal(row.tag, "again");
    assert.notEqual(conn.threadId, first);
    assert.equal(conn.closed, false);
    await conn.close();
  });

  test("a write on a lost connection fails and is never sent twice", async () => {
    const conn = await viaRelay({ reconnect: true });
    relay.cutAll();
    const err = await conn.query(`INSERT INTO ${table} (tag) VALUES ('w-idle')`).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(await marks("w-idle"), 0);
    // The connection itself goes on.
    await conn.query(`INSERT INTO ${table} (tag) VALUES ('w-idle-2')`);
    assert.equal(await marks("w-idle-2"), 1);
    await conn.close();
  });

  test("lost mid-command: the running write fails (it ran once), queued commands run on the new session", async () => {
    const conn = await viaRelay({ reconnect: true });
    relay.inject({ action: "stall", direction: "toClient" });
    const running = settleOnce(conn.query(`INSERT INTO ${table} (tag) VALUES ('w1')`));
    const queued = [
      settleOnce(conn.query<{ tag: string }>("SELECT ? AS tag", ["q1"])),
      settleOnce(conn.query(`INSERT INTO ${table} (tag) VALUES ('w2')`)),
      settleOnce(conn.query<{ tag: string }>("SELECT ? AS tag", ["q2"])),
      settleOnce(conn.execute<{ tag: string }>("SELECT ? AS tag", ["q3"])),
    ];
    await eventually(async () => (await marks("w1")) === 1, "the server ran the first INSERT");
    relay.cutAll();
    await Promise.all([running.done, ...queued.map((q) => q.done)]);
    assert.ok(running.state.error instanceof ConnectionError, String(running.state.error));
    assert.equal(await marks("w1"), 1, "the write that may have run was not sent again");
    for (const q of queued) assert.equal(q.state.error, undefined, String(q.state.error));
    assert.equal((queued[0].state.value as { tag: string }[])[0].tag, "q1");
    assert.equal(await marks("w2"), 1);
    assert.equal((queued[2].state.value as { tag: string }[])[0].tag, "q2");
    assert.equal((queued[3].state.value as { tag: string }[])[0].tag, "q3");
    for (const s of [running, ...queued]) assert.equal(s.state.count, 1);
    await conn.close();
  });

  test("lost mid-read: the read is sent again and gets its own result", async () => {
    const conn = await viaRelay({ reconnect: true });
    relay.inject({ action: "stall", direction: "toClient" });
    const sent = relay.bytes.toServer;
    const read = settleOnce(conn.query<{ tag: string }>("SELECT ? AS tag, SLEEP(0) AS s", ["mid-read"]));
    const next = settleOnce(conn.query<{ tag: string }>("SELECT ? AS tag", ["next"]));
    await eventually(() => relay.bytes.toServer > sent, "the command went out");
    relay.cutAll();
    await Promise.all([read.done, next.done]);
    assert.equal((read.state.value as { tag: string }[])[0].tag, "mid-read");
    assert.equal((next.state.value as { tag: string }[])[0].tag, "next");
    await conn.close();
  });

  test("retryable marks a command either way", async () => {
    const conn = await viaRelay({ reconnect: true });
    relay.cutAll();
    await assert.rejects(conn.query("SELECT 1", undefined, { retryable: false }), ConnectionError);
    relay.cutAll();
    await conn.query(`INSERT IGNORE INTO ${table} (tag, n) VALUES ('idem', 424242)`, undefined, {
      retryable: true,
    });
    assert.equal(await marks("idem"), 1);
    await conn.close();
  });

  test("lost inside a BEGIN: the queued commands of the transaction fail instead of running outside it", async () => {
    const conn = await viaRelay({ reconnect: true });
    await conn.query("BEGIN");
    relay.inject({ action: "stall", direction: "toClient" });
    const sent = relay.bytes.toServer;
    const insert = settleOnce(conn.query(`INSERT INTO ${table} (tag) VALUES ('tx-a')`));
    const queued = settleOnce(conn.query(`INSERT INTO ${table} (tag) VALUES ('tx-b')`));
    await eventually(() => relay.bytes.toServer > sent, "the INSERT went out");
    relay.cutAll();
    await Promise.all([insert.done, queued.done]);
    assert.ok(insert.state.error instanceof ConnectionError);
    assert.ok(queued.state.error instanceof ConnectionError);
    assert.match((queued.state.error as Error).message, /transaction/);
    assert.equal(await marks("tx-a"), 0, "the lost transaction was rolled back by the server");
    assert.equal(await marks("tx-b"), 0);
    const [row] = await conn.query<{ t: number }>("SELECT @@in_transaction AS t");
    assert.equal(row.t, 0);
    await conn.close();
  });

  test("connecting is retried with backoff", async () => {
    relay.injectNext({ action: "reset" }, 2);
    const before = relay.accepted;
    const conn = await viaRelay({ reconnect: { retries: 3, delay: 1, maxDelay: 5 } });
    assert.equal(relay.accepted, before + 3);
    await conn.ping();
    await conn.close();
  });

  test("gives up after the retries", async () => {
    relay.refuse(true);
    try {
      await assert.rejects(viaRelay({ reconnect: { retries: 2, delay: 1 } }), ConnectionError);
    } finally {
      relay.refuse(false);
    }
  });

  test("a prepared statement is prepared again on the new session", async () => {
    const conn = await viaRelay({ reconnect: true });
    const stmt = await conn.prepare("SELECT ? AS tag");
    assert.equal((await stmt.execute<{ tag: string }>(["one"]))[0].tag, "one");
    relay.cutAll();
    assert.equal((await stmt.execute<{ tag: string }>(["two"]))[0].tag, "two");
    assert.equal((await conn.execute<{ tag: string }>("SELECT ? AS tag", ["three"]))[0].tag, "three");
    await stmt.close();
    await conn.close();
  });
});

describe("temporary errors", () => {
  test("are retried with backoff until they pass", async () => {
    await resetCounter();
    const conn = await viaRelay({ temporaryErrors: [1205], retry: { retries: 3, delay: 1 } });
    const res = await conn.query<{ calls: number }>(`CALL ${table}_flaky(3, 1205)`);
    assert.equal(res[0].calls, 3);
    assert.equal(await calls(), 3);
    await conn.close();
  });

  test("fail with the server's error once the retries are used up", async () => {
    await resetCounter();
    const conn = await viaRelay({
      temporaryErrors: ["ER_LOCK_WAIT_TIMEOUT"],
      retry: { retries: 1, delay: 1 },
    });
    const err = await conn.query(`CALL ${table}_flaky(5, 1205)`).then(() => undefined, (e) => e);
    assert.ok(err instanceof MysqlError);
    assert.equal(err.errno, 1205);
    assert.equal(await calls(), 2);
    await conn.close();
  });

  test("match by errno, code or message pattern, and nothing else is retried", async () => {
    await resetCounter();
    const conn = await viaRelay({ temporaryErrors: [/fake busy/], retry: { retries: 5, delay: 1 } });
    assert.equal((await conn.query<{ calls: number }>(`CALL ${table}_flaky(2, 1040)`))[0].calls, 2);
    await resetCounter();
    await assert.rejects(
      conn.query(`CALL ${table}_flaky(2, 1205)`),
      (e) => e instanceof MysqlError && e.errno === 1205,
    );
    assert.equal(await calls(), 1);
    await conn.close();
  });

  test("are not retried inside a transaction", async () => {
    await resetCounter();
    const conn = await viaRelay({ temporaryErrors: [1205], retry: { retries: 3, delay: 1 } });
    await conn.query("BEGIN");
    await assert.rejects(conn.query(`CALL ${table}_flaky(3, 1205)`), MysqlError);
    await conn.query("ROLLBACK");
    await conn.close();
  });
});

describe("closing", () => {
  test("close() lets queued commands finish; later calls fail with a clear error", async () => {
    const conn = await viaRelay({ lazy: true, reconnect: true });
    const pending = [conn.query("SELECT 1 AS a"), conn.query("SELECT 2 AS b")];
    const closing = conn.close();
    await assert.rejects(
      conn.query("SELECT 3"),
      (e) => e instanceof ConnectionError && /closed/.test(e.message),
    );
    const [a, b] = await Promise.all(pending);
    assert.equal(a[0].a, 1);
    assert.equal(b[0].b, 2);
    await closing;
    assert.equal(conn.closed, true);
  });

  test("destroy() fails queued commands at once, each exactly once", async () => {
    const conn = await viaRelay({ reconnect: true });
    relay.inject({ action: "stall", direction: "toClient" });
    const calls = Array.from({ length: 5 }, (_, i) => settleOnce(conn.query("SELECT ? AS i", [i])));
    conn.destroy();
    await Promise.all(calls.map((c) => c.done));
    for (const c of calls) {
      assert.equal(c.state.count, 1);
      assert.ok(c.state.error instanceof ConnectionError, String(c.state.error));
    }
    assert.equal(conn.closed, true);
    relay.heal();
  });
});

describe("bad input", () => {
  test("out-of-range options are TypeErrors at the call", async () => {
    const base = { host: relay.host, port: relay.port, user: env.root.user, password: env.root.password };
    await assert.rejects(connect({ ...base, lazy: "yes" as never }), TypeError);
    await assert.rejects(connect({ ...base, idleTimeout: -1 }), TypeError);
    await assert.rejects(connect({ ...base, reconnect: { retries: -1 } }), TypeError);
    await assert.rejects(connect({ ...base, reconnect: { delay: 100, maxDelay: 10 } }), TypeError);
    await assert.rejects(connect({ ...base, temporaryErrors: "1205" as never }), TypeError);
    await assert.rejects(connect({ ...base, temporaryErrors: [{}] as never }), TypeError);
    await assert.rejects(connect({ ...base, init: [42] as never }), TypeError);
    await assert.rejects(connect({ ...base, retry: { retries: 1.5 } }), TypeError);
  });

  test("bad per-command options are TypeErrors at the call, and nothing is sent", async () => {
    const conn = await viaRelay({ lazy: true });
    const before = relay.accepted;
    await assert.rejects(conn.query("SELECT 1", [], { timeout: -5 }), TypeError);
    await assert.rejects(conn.query("SELECT 1", [], { signal: "stop" as never }), TypeError);
    await assert.rejects(conn.execute("SELECT 1", [], { retryable: 1 as never }), TypeError);
    assert.equal(relay.accepted, before);
    await conn.close();
  });
});

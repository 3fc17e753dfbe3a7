/**
 * Multiplexing in the proxy, against the test server: Dormando's demo (two clients, one backend
 * connection), then the pinning table as two-session interleavings (client A changes something,
 * client B must not see it, A must keep it), each run with multiplexing on and off; the proxy's own
 * connection ids in CONNECTION_ID() and KILL; a backend connection killed while its client is pinned
 * mid-transaction; a full pool. Clients: mywire's own and mysql2.
 */
import mysql from "mysql2/promise";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Connection, type ConnectionOptions, MysqlError } from "../../mod.ts";
import { resolveClientOptions } from "../../src/client/options.ts";
import { resetSession } from "../../src/client/reset.ts";
import { encodeUtf8, utf8 } from "../../src/protocol/bytes.ts";
import { Command } from "../../src/protocol/constants.ts";
import { ResponseGrammar, responseShapeOf } from "../../src/protocol/response-grammar.ts";
import { decodeErr } from "../../src/protocol/results.ts";
import { Session } from "../../src/session/session.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually as until } from "../support/eventually.ts";
import { connectThrough, PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
const backendUser = { user: uniqueName("mux_be").slice(0, 30), password: "mux-backend-pw" };
const table = uniqueName("mux_t");
const counter = uniqueName("mux_ai");
let serverTimeZone = "";

before(async () => {
  env = await testEnv();
  const admin = await rootConnection();
  await admin.query(`CREATE USER '${backendUser.user}'@'%' IDENTIFIED BY '${backendUser.password}'`);
  await admin.query(`GRANT ALL PRIVILEGES ON *.* TO '${backendUser.user}'@'%'`);
  await admin.query(
    `CREATE TABLE ${env.database}.${table} (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB`,
  );
  await admin.query(`INSERT INTO ${env.database}.${table} VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
  await admin.query(
    `CREATE TABLE ${env.database}.${counter} (id INT AUTO_INCREMENT PRIMARY KEY, who VARCHAR(4))`,
  );
  serverTimeZone = String([...await admin.query("SELECT @@global.time_zone AS tz")][0].tz);
  await admin.close();
});

after(async () => {
  const admin = await rootConnection();
  await admin.query(`DROP USER IF EXISTS '${backendUser.user}'@'%'`);
  await admin.query(`DROP TABLE IF EXISTS ${env.database}.${table}, ${env.database}.${counter}`);
  await admin.close();
});

/** A proxy whose backend login is this file's own user (so PROCESSLIST tells its connections apart). */
function proxyFor(options: Parameters<typeof startProxy>[0] = {}): Promise<RunningProxy> {
  return startProxy({
    backends: [{ host: env.host, port: env.port, ...backendUser }],
    ...options,
  });
}

function client(p: RunningProxy, extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  return connectThrough(p, { database: env.database, ...extra });
}

/** COM_STMT_EXECUTE of a one-parameter statement with a BIGINT value, types sent or omitted. */
function executePayload(id: number, value: bigint, withTypes: boolean): Uint8Array {
  const bytes = [Command.COM_STMT_EXECUTE, id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff, id >>> 24];
  bytes.push(0, 1, 0, 0, 0); // no cursor, iteration count 1
  bytes.push(0); // null bitmap
  bytes.push(withTypes ? 1 : 0);
  if (withTypes) bytes.push(0x08, 0x00); // MYSQL_TYPE_LONGLONG
  const v = new Uint8Array(8);
  new DataView(v.buffer).setBigInt64(0, value, true);
  return new Uint8Array([...bytes, ...v]);
}

function command(code: number, body: string | Uint8Array): Uint8Array {
  const bytes = typeof body === "string" ? encodeUtf8(body) : body;
  return new Uint8Array([code, ...bytes]);
}

/** A protocol session through the proxy, for commands mywire's client does not send that way. */
async function rawSession(p: RunningProxy) {
  const session = await Session.open(
    resolveClientOptions({
      host: p.host,
      port: p.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      database: env.database,
    }).session,
  );
  const roundTrip = (payload: Uint8Array, response = true): Promise<Uint8Array[]> =>
    session.exclusive(async (ch) => {
      await ch.writeCommand(payload);
      if (!response) return [];
      const grammar = new ResponseGrammar(responseShapeOf(payload[0]), session.info.capabilities);
      const packets: Uint8Array[] = [];
      while (!grammar.done) {
        const packet = (await ch.read()).slice();
        packets.push(packet);
        grammar.push(packet);
      }
      return packets;
    });
  /** Executes and returns the one string value of the binary row. */
  const execute = async (id: number, value: bigint, withTypes: boolean): Promise<string> => {
    const packets = await roundTrip(executePayload(id, value, withTypes));
    if (packets[0][0] === 0xff) throw new Error(decodeErr(packets[0]).message);
    const row = packets.find((q, i) => i >= 2 && q[0] === 0x00)!;
    const length = row[2];
    return utf8(row, 3, 3 + length);
  };
  return { session, roundTrip, execute };
}

/** The first value of the first row. */
async function one(c: Connection, sql: string): Promise<unknown> {
  const rows = [...await c.query(sql)] as Record<string, unknown>[];
  return Object.values(rows[0])[0];
}

/** The backend thread that runs this client's statement (the server's own id, not CONNECTION_ID()). */
function backendThread(c: Connection): Promise<unknown> {
  return one(c, "SELECT @@pseudo_thread_id");
}

async function backendProcesses(): Promise<number> {
  const admin = await rootConnection();
  try {
    const rows = [
      ...await admin.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?", [
        backendUser.user,
      ]),
    ];
    return Number(rows[0].n);
  } finally {
    await admin.close();
  }
}

describe("Dormando's demo: two clients, one backend connection", () => {
  let p: RunningProxy;
  before(async () => {
    p = await proxyFor();
  });
  after(() => p.stop());

  test("mywire's client: SHOW PROCESSLIST through the proxy shows one backend connection", async () => {
    const a = await client(p);
    const b = await client(p);
    try {
      assert.equal(await one(a, "SELECT 'a'"), "a");
      assert.equal(await one(b, "SELECT 'b'"), "b");
      const list = [...await b.query("SHOW PROCESSLIST")].filter((r) => r.User === backendUser.user);
      assert.equal(list.length, 1);
      assert.equal(p.proxy.stats().authenticatedClients, 2);
      assert.equal(p.proxy.stats().pool.total, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("clients logging in with different collations share the connection, each with its own", async () => {
    const a = await client(p, { charset: "latin1_swedish_ci" });
    const b = await client(p, { charset: "utf8mb4_unicode_ci" });
    try {
      assert.equal(await one(a, "SELECT @@collation_connection"), "latin1_swedish_ci");
      assert.equal(await one(b, "SELECT @@collation_connection"), "utf8mb4_unicode_ci");
      assert.equal(await one(a, "SELECT @@character_set_results"), "latin1");
      assert.equal(await one(b, "SELECT 'é' AS e"), "é");
      const list = [...await b.query("SHOW PROCESSLIST")].filter((r) => r.User === backendUser.user);
      assert.equal(list.length, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("mysql2: two clients share the backend connection and keep their own time zones", async () => {
    const options = {
      host: p.host,
      port: p.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      database: env.database,
    };
    // mysql2 asks for FOUND_ROWS and LOCAL_FILES, mywire's client does not: another pool family.
    const before = await backendProcesses();
    const direct = await mysql.createConnection({ host: env.host, port: env.port, ...env.root });
    const [[expected]] = await direct.query(
      "SELECT @@collation_connection AS c, @@character_set_results AS r",
    ) as [Record<string, unknown>[], unknown];
    await direct.end();
    const a = await mysql.createConnection(options);
    const b = await mysql.createConnection(options);
    try {
      await a.query("SET time_zone = '+05:00'");
      const [rb] = await b.query("SELECT @@time_zone AS tz") as [Record<string, unknown>[], unknown];
      assert.equal(rb[0].tz, serverTimeZone);
      const [ra] = await a.query("SELECT @@time_zone AS tz") as [Record<string, unknown>[], unknown];
      assert.equal(ra[0].tz, "+05:00");
      const [rows] = await b.query("SHOW PROCESSLIST") as [Record<string, unknown>[], unknown];
      assert.equal(
        rows.filter((r) => r.User === backendUser.user).length,
        before + 1,
        "the mysql2 clients share one",
      );
      const [[seen]] = await b.query("SELECT @@collation_connection AS c, @@character_set_results AS r") as [
        Record<string, unknown>[],
        unknown,
      ];
      assert.deepEqual(seen, expected);
      const [[id]] = await a.query("SELECT CONNECTION_ID() AS id") as [Record<string, unknown>[], unknown];
      assert.equal(Number(id.id), a.threadId);
    } finally {
      await a.end();
      await b.end();
    }
  });
});

for (const multiplex of [true, false]) {
  describe(`the pinning table, multiplexing ${multiplex ? "on" : "off"}`, () => {
    let p: RunningProxy;
    let a: Connection;
    let b: Connection;
    before(async () => {
      p = await proxyFor({ multiplex });
    });
    after(() => p.stop());

    /** Runs `body` with fresh clients A and B, closed after it. */
    function withPair(body: () => Promise<void>): () => Promise<void> {
      return async () => {
        a = await client(p);
        b = await client(p);
        try {
          await body();
        } finally {
          await a.close();
          await b.close();
        }
      };
    }
    function pinnedFor(reason: string): number {
      return (p.proxy.stats().pinned as Record<string, number>)[reason];
    }

    test(
      "replayed: time_zone, character set, sql_mode, isolation, autocommit, database, any variable",
      withPair(async () => {
        const defaults = {
          sqlMode: await one(b, "SELECT @@sql_mode"),
          isolation: await one(b, "SELECT @@tx_isolation"),
          sort: await one(b, "SELECT @@sort_buffer_size"),
          cs: await one(b, "SELECT @@character_set_client"),
        };
        await a.query("SET time_zone = '+05:00'");
        await a.query("SET NAMES latin1");
        await a.query("SET sql_mode = 'ANSI_QUOTES'");
        await a.query("SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE");
        await a.query("SET sort_buffer_size = 1048576");
        await a.query("USE mysql");
        await a.query("SET autocommit = 0");
        // B on the same backend connection (multiplexing) sees none of it.
        assert.equal(await one(b, "SELECT @@time_zone"), serverTimeZone);
        assert.equal(await one(b, "SELECT @@character_set_client"), defaults.cs);
        assert.equal(await one(b, "SELECT @@sql_mode"), defaults.sqlMode);
        assert.equal(await one(b, "SELECT @@tx_isolation"), defaults.isolation);
        assert.equal(await one(b, "SELECT @@sort_buffer_size"), defaults.sort);
        assert.equal(await one(b, "SELECT DATABASE()"), env.database);
        assert.equal(await one(b, "SELECT @@autocommit"), 1);
        // A keeps all of it.
        assert.equal(await one(a, "SELECT @@time_zone"), "+05:00");
        assert.equal(await one(a, "SELECT @@character_set_client"), "latin1");
        assert.equal(await one(a, "SELECT @@sql_mode"), "ANSI_QUOTES");
        assert.equal(await one(a, "SELECT @@tx_isolation"), "SERIALIZABLE");
        assert.equal(await one(a, "SELECT @@sort_buffer_size"), 1048576);
        assert.equal(await one(a, "SELECT DATABASE()"), "mysql");
        assert.equal(await one(a, "SELECT @@autocommit"), 0);
        if (multiplex) {
          assert.equal(p.proxy.stats().pinnedClients, 0, "replayable state pins nobody");
          assert.equal(p.proxy.stats().pool.total, 1);
        }
      }),
    );

    test(
      "an open transaction: B does not see A's insert nor run on A's connection; COMMIT unpins",
      withPair(async () => {
        await a.query("BEGIN");
        await a.query(`INSERT INTO ${table} VALUES (10, 'ten')`);
        if (multiplex) assert.equal(pinnedFor("transaction"), 1);
        const threadA = await backendThread(a);
        assert.notEqual(await backendThread(b), threadA);
        assert.equal(await one(b, `SELECT COUNT(*) FROM ${table} WHERE id = 10`), 0);
        assert.equal(await one(a, `SELECT COUNT(*) FROM ${table} WHERE id = 10`), 1);
        await a.query("COMMIT");
        if (multiplex) assert.equal(pinnedFor("transaction"), 0);
        assert.equal(await one(b, `SELECT COUNT(*) FROM ${table} WHERE id = 10`), 1);
        await b.query(`DELETE FROM ${table} WHERE id = 10`);
      }),
    );

    test(
      "autocommit=0 with work pending, and savepoints: pinned until COMMIT/ROLLBACK",
      withPair(async () => {
        await a.query("SET autocommit = 0");
        await a.query(`INSERT INTO ${table} VALUES (11, 'eleven')`);
        await a.query("SAVEPOINT s1");
        await a.query(`INSERT INTO ${table} VALUES (12, 'twelve')`);
        if (multiplex) assert.equal(pinnedFor("transaction"), 1);
        assert.equal(await one(b, `SELECT COUNT(*) FROM ${table} WHERE id IN (11, 12)`), 0);
        await a.query("ROLLBACK TO SAVEPOINT s1");
        assert.equal(await one(a, `SELECT COUNT(*) FROM ${table} WHERE id IN (11, 12)`), 1);
        await a.query("ROLLBACK");
        if (multiplex) assert.equal(pinnedFor("transaction"), 0);
        assert.equal(await one(a, `SELECT COUNT(*) FROM ${table} WHERE id IN (11, 12)`), 0);
        await a.query("ROLLBACK");
      }),
    );

    test(
      "SET TRANSACTION (the next transaction's characteristics): pinned until that transaction ends",
      withPair(async () => {
        await a.query("SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
        if (multiplex) assert.equal(pinnedFor("transaction"), 1);
        await b.query("BEGIN");
        await b.query(`UPDATE ${table} SET v = 'dirty' WHERE id = 1`);
        await a.query("BEGIN");
        // READ UNCOMMITTED: A's transaction sees B's uncommitted change, so it ran where it was set.
        assert.equal(await one(a, `SELECT v FROM ${table} WHERE id = 1`), "dirty");
        await a.query("COMMIT");
        await b.query("ROLLBACK");
        if (multiplex) assert.equal(pinnedFor("transaction"), 0);
        assert.equal(await one(a, `SELECT v FROM ${table} WHERE id = 1`), "one");
      }),
    );

    test(
      "XA: pinned from XA START to XA COMMIT",
      withPair(async () => {
        await a.query("XA START 'muxxa'");
        await a.query(`INSERT INTO ${table} VALUES (13, 'xa')`);
        await a.query("XA END 'muxxa'");
        await a.query("XA PREPARE 'muxxa'");
        if (multiplex) assert.equal(pinnedFor("xa"), 1);
        assert.equal(await one(b, `SELECT COUNT(*) FROM ${table} WHERE id = 13`), 0);
        await a.query("XA COMMIT 'muxxa'");
        if (multiplex) assert.equal(pinnedFor("xa"), 0);
        assert.equal(await one(b, `SELECT COUNT(*) FROM ${table} WHERE id = 13`), 1);
        await b.query(`DELETE FROM ${table} WHERE id = 13`);
      }),
    );

    test(
      "user variables: SET @x and SELECT @y := stay A's",
      withPair(async () => {
        await a.query("SET @mux_x = 5");
        await a.query("SELECT @mux_y := 7");
        if (multiplex) assert.equal(pinnedFor("user variable"), 1);
        assert.equal(await one(b, "SELECT @mux_x"), null);
        assert.equal(await one(b, "SELECT @mux_y"), null);
        assert.equal(await one(a, "SELECT @mux_x + @mux_y"), 12);
        if (multiplex) assert.equal(pinnedFor("user variable"), 1, "reading a variable pins nobody else");
      }),
    );

    test(
      "temporary tables: visible only to A; dropping the last one unpins",
      withPair(async () => {
        await a.query("CREATE TEMPORARY TABLE mux_tmp (n INT)");
        await a.query("INSERT INTO mux_tmp VALUES (1), (2)");
        if (multiplex) assert.equal(pinnedFor("temporary table"), 1);
        await assert.rejects(
          b.query("SELECT * FROM mux_tmp"),
          (e: unknown) => (e as MysqlError).errno === 1146,
        );
        assert.equal(await one(a, "SELECT COUNT(*) FROM mux_tmp"), 2);
        await a.query("DROP TEMPORARY TABLE mux_tmp");
        if (multiplex) assert.equal(pinnedFor("temporary table"), 0);
      }),
    );

    test(
      "session state only the server's tracker reports (a procedure's temporary table) pins",
      withPair(async () => {
        const admin = await rootConnection();
        const proc = uniqueName("mux_proc");
        await admin.query(
          `CREATE PROCEDURE ${env.database}.${proc}() CREATE TEMPORARY TABLE ${env.database}.mux_ptmp (n INT)`,
        );
        try {
          await a.query(`CALL ${proc}()`);
          if (multiplex) assert.equal(pinnedFor("session state"), 1);
          await assert.rejects(
            b.query("SELECT * FROM mux_ptmp"),
            (e: unknown) => (e as MysqlError).errno === 1146,
          );
          assert.equal(await one(a, "SELECT COUNT(*) FROM mux_ptmp"), 0);
        } finally {
          await admin.query(`DROP PROCEDURE ${env.database}.${proc}`);
          await admin.close();
        }
      }),
    );

    test(
      "GET_LOCK holds A's connection until RELEASE_LOCK",
      withPair(async () => {
        assert.equal(await one(a, "SELECT GET_LOCK('mux_lock', 0)"), 1);
        if (multiplex) assert.equal(pinnedFor("named lock"), 1);
        assert.equal(await one(b, "SELECT IS_FREE_LOCK('mux_lock')"), 0);
        assert.equal(await one(a, "SELECT IS_USED_LOCK('mux_lock') = @@pseudo_thread_id"), 1);
        assert.equal(await one(a, "SELECT RELEASE_LOCK('mux_lock')"), 1);
        if (multiplex) assert.equal(pinnedFor("named lock"), 0);
        assert.equal(await one(b, "SELECT GET_LOCK('mux_lock', 0)"), 1);
        assert.equal(await one(b, "SELECT RELEASE_ALL_LOCKS()"), 1);
      }),
    );

    test(
      "LOCK TABLES and FLUSH TABLES WITH READ LOCK: pinned until UNLOCK TABLES",
      withPair(async () => {
        await a.query(`LOCK TABLES ${table} READ`);
        if (multiplex) assert.equal(pinnedFor("table lock"), 1);
        assert.equal(await one(a, `SELECT COUNT(*) FROM ${table}`), 3);
        await a.query("UNLOCK TABLES");
        if (multiplex) assert.equal(pinnedFor("table lock"), 0);
        await a.query("FLUSH TABLES WITH READ LOCK");
        if (multiplex) assert.equal(pinnedFor("table lock"), 1);
        assert.equal(await one(b, "SELECT 1"), 1);
        await a.query("UNLOCK TABLES");
        if (multiplex) assert.equal(pinnedFor("table lock"), 0);
      }),
    );

    test(
      "text PREPARE: EXECUTE works for A only; DEALLOCATE unpins",
      withPair(async () => {
        await a.query("PREPARE mux_s FROM 'SELECT 42'");
        if (multiplex) assert.equal(pinnedFor("text prepare"), 1);
        await assert.rejects(b.query("EXECUTE mux_s"), (e: unknown) => (e as MysqlError).errno === 1243);
        assert.equal(await one(a, "EXECUTE mux_s"), 42);
        await a.query("DEALLOCATE PREPARE mux_s");
        if (multiplex) assert.equal(pinnedFor("text prepare"), 0);
      }),
    );

    test(
      "SQL_CALC_FOUND_ROWS: FOUND_ROWS() is A's even after B ran a statement",
      withPair(async () => {
        await a.query(`SELECT SQL_CALC_FOUND_ROWS * FROM ${table} LIMIT 1`);
        if (multiplex) assert.equal(pinnedFor("found rows"), 1);
        await b.query(`SELECT SQL_CALC_FOUND_ROWS * FROM ${table} WHERE id = 1`);
        assert.equal(await one(a, "SELECT FOUND_ROWS()"), 3);
        assert.equal(await one(b, "SELECT FOUND_ROWS()"), 1);
        if (multiplex) assert.equal(pinnedFor("found rows"), 0);
      }),
    );

    test(
      "sql_log_bin=0 stays A's",
      withPair(async () => {
        await a.query("SET sql_log_bin = 0");
        if (multiplex) assert.equal(pinnedFor("sql_log_bin"), 1);
        assert.equal(await one(b, "SELECT @@sql_log_bin"), 1);
        assert.equal(await one(a, "SELECT @@sql_log_bin"), 0);
        await a.query("SET sql_log_bin = 1");
        if (multiplex) assert.equal(pinnedFor("sql_log_bin"), 0);
      }),
    );

    test(
      "warnings: SHOW WARNINGS after a statement sees that statement's warnings",
      withPair(async () => {
        const r = await a.query("SELECT CAST('12abc' AS INT) AS n");
        assert.equal(r.warningCount, 1);
        await b.query("SELECT 1");
        const w = [...await a.query("SHOW WARNINGS")];
        assert.equal(w.length, 1);
        assert.equal(w[0].Code, 1292);
        assert.equal([...await b.query("SHOW WARNINGS")].length, 0);
        assert.equal(await one(b, "SELECT @@warning_count"), 0);
        await assert.rejects(a.query("SELECT * FROM mux_no_such_table"));
        assert.equal([...await b.query("SHOW ERRORS")].length, 0);
        assert.equal([...await a.query("SHOW ERRORS")][0].Code, 1146);
      }),
    );

    test(
      "LAST_INSERT_ID() after an insert is A's own, also statements later; B's is its own",
      withPair(async () => {
        const ra = await a.query(`INSERT INTO ${counter} (who) VALUES ('a')`);
        await b.query(`INSERT INTO ${counter} (who) VALUES ('b')`);
        assert.equal(Number(await one(a, "SELECT LAST_INSERT_ID()")), Number(ra.insertId));
        assert.equal(await one(a, "SELECT 'between'"), "between");
        const rb = await b.query(`INSERT INTO ${counter} (who) VALUES ('b2')`);
        assert.equal(await one(b, "SELECT 'between'"), "between");
        assert.equal(Number(await one(a, "SELECT LAST_INSERT_ID()")), Number(ra.insertId));
        assert.equal(Number(await one(a, "SELECT @@last_insert_id")), Number(ra.insertId));
        assert.equal(Number(await one(b, "SELECT LAST_INSERT_ID()")), Number(rb.insertId));
        await a.query("SELECT LAST_INSERT_ID(777)");
        assert.equal(await one(b, "SELECT 'between'"), "between");
        assert.equal(Number(await one(a, "SELECT LAST_INSERT_ID()")), 777);
        const c = await client(p);
        assert.equal(Number(await one(c, "SELECT LAST_INSERT_ID()")), 0, "a new client has none");
        await c.close();
      }),
    );

    test(
      "LAST_INSERT_ID() changed on one connection is not read stale from another that had it before",
      withPair(async () => {
        // B's transactions hold the connection given back last, so A alternates between two.
        await b.query("BEGIN");
        const ra = await a.query(`INSERT INTO ${counter} (who) VALUES ('a')`);
        await a.query("SELECT 'gives back'");
        await b.query("COMMIT");
        assert.equal(Number(await one(a, "SELECT LAST_INSERT_ID()")), Number(ra.insertId));
        await b.query("BEGIN");
        await a.query("SELECT LAST_INSERT_ID(4242)");
        await b.query("COMMIT");
        assert.equal(Number(await one(a, "SELECT LAST_INSERT_ID()")), 4242);
        if (multiplex) assert.equal(p.proxy.stats().pool.total >= 2, true);
      }),
    );

    test(
      "prepared statements (COM_STMT_PREPARE) follow A to another backend connection",
      withPair(async () => {
        const s = await a.prepare(`SELECT v FROM ${table} WHERE id = ?`);
        assert.equal(p.proxy.stats().pinnedClients, 0, "a prepared statement pins nobody");
        // B takes the connection A prepared on (the one given back last) and keeps it.
        await b.query("BEGIN");
        await b.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
        assert.deepEqual([...await s.execute([2])], [{ v: "two" }]);
        if (multiplex) assert.equal(p.proxy.stats().pool.total, 2, "A ran on a second connection");
        await b.query("COMMIT");
        await a.query("SET time_zone = '+01:00'");
        assert.deepEqual([...await s.execute([3])], [{ v: "three" }]);
        await s.close();
        assert.equal(await one(a, "SELECT @@time_zone"), "+01:00");
        assert.equal(p.proxy.stats().pinnedClients, 0);
      }),
    );

    test("COM_STMT_EXECUTE without parameter types, and MariaDB's id 0xFFFFFFFF, on another connection", async () => {
      const raw = await rawSession(p);
      b = await client(p);
      try {
        const [prepareOk] = await raw.roundTrip(
          command(Command.COM_STMT_PREPARE, "SELECT CAST(? + 1 AS CHAR) AS n"),
        );
        assert.equal(prepareOk[0], 0x00);
        const id = new DataView(prepareOk.buffer, prepareOk.byteOffset).getUint32(1, true);
        if (multiplex) assert.equal(id, 1, "the proxy's own statement id");
        assert.equal(await raw.execute(id, 41n, true), "42");
        await b.query("BEGIN");
        await b.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
        // Types omitted, as libmariadb and mysqlnd do after the first execute.
        assert.equal(await raw.execute(id, 9n, false), "10");
        if (multiplex) assert.equal(p.proxy.stats().pool.total, 2, "executed on a second connection");
        assert.equal(await raw.execute(0xffffffff, 99n, true), "100");
        await b.query("COMMIT");
        const unknown = await raw.roundTrip(executePayload(12345, 1n, true));
        assert.equal(decodeErr(unknown[0]).errno, 1243);
        // All four bytes of the id: without multiplexing it is the server's, which can pass 255.
        const idBytes = new Uint8Array(4);
        new DataView(idBytes.buffer).setUint32(0, id, true);
        await raw.roundTrip(command(Command.COM_STMT_CLOSE, idBytes), false);
        const closed = await raw.roundTrip(executePayload(id, 1n, true));
        assert.equal(decodeErr(closed[0]).errno, 1243);
      } finally {
        await raw.session.close();
        await b.close();
      }
    });

    test("COM_CHANGE_USER (mysql2's changeUser) drops the session's state and pins", async () => {
      const c = await mysql.createConnection({
        host: p.host,
        port: p.port,
        user: PROXY_USER.user,
        password: PROXY_USER.password,
        database: env.database,
      });
      try {
        await c.query("SET @mux_cu = 1");
        await c.query("SET time_zone = '+04:00'");
        await c.query("BEGIN");
        await c.query(`INSERT INTO ${table} VALUES (30, 'changed')`);
        if (multiplex) assert.equal(p.proxy.stats().pinnedClients, 1);
        await c.changeUser({ user: PROXY_USER.user, password: PROXY_USER.password, database: env.database });
        if (multiplex) assert.equal(p.proxy.stats().pinnedClients, 0);
        const [[row]] = await c.query("SELECT @mux_cu AS v, @@time_zone AS tz") as [
          Record<string, unknown>[],
          unknown,
        ];
        assert.deepEqual({ ...row }, { v: null, tz: serverTimeZone });
        const [[n]] = await c.query(`SELECT COUNT(*) AS n FROM ${table} WHERE id = 30`) as [
          Record<string, unknown>[],
          unknown,
        ];
        assert.equal(Number(n.n), 0, "the open transaction was rolled back");
      } finally {
        await c.end();
      }
    });

    test("COM_RESET_CONNECTION drops A's state and pins, keeps its database", async () => {
      const s = await Session.open(
        resolveClientOptions({
          host: p.host,
          port: p.port,
          user: PROXY_USER.user,
          password: PROXY_USER.password,
          database: env.database,
        }).session,
      );
      const value = async (sql: string) => Object.values([...await s.query(sql)][0] as object)[0];
      try {
        await s.query("SET @mux_r = 1");
        await s.query("SET time_zone = '+03:00'");
        if (multiplex) assert.equal(p.proxy.stats().pinnedClients, 1);
        assert.equal(await resetSession(s, "reset-connection", undefined), "reset-connection");
        if (multiplex) assert.equal(p.proxy.stats().pinnedClients, 0);
        assert.equal(await value("SELECT @mux_r"), null);
        assert.equal(await value("SELECT @@time_zone"), serverTimeZone);
        assert.equal(await value("SELECT DATABASE()"), env.database);
      } finally {
        await s.close();
      }
    });

    test("nothing leaks and nothing is left: every client gone, no backend connection in use", async () => {
      await until(() => p.proxy.stats().clients === 0, "the clients left");
      assert.equal(p.proxy.stats().pinnedClients, 0);
      if (multiplex) {
        assert.equal(p.proxy.stats().pool.inUse, 0);
        assert.equal(p.proxy.stats().pool.total, p.proxy.stats().pool.idle);
        assert.equal(await backendProcesses(), p.proxy.stats().pool.total);
      } else {
        assert.equal(p.proxy.stats().backendConnections, 0);
      }
    });
  });
}

describe("the proxy's connection ids", () => {
  let p: RunningProxy;
  before(async () => {
    p = await proxyFor();
  });
  after(() => p.stop());

  test("CONNECTION_ID() answers the greeting's id, also inside expressions", async () => {
    const a = await client(p);
    try {
      const rows = [...await a.query("SELECT CONNECTION_ID()")];
      assert.deepEqual(Object.keys(rows[0]), ["CONNECTION_ID()"]);
      assert.equal(Number(rows[0]["CONNECTION_ID()"]), a.threadId);
      assert.equal(await one(a, "SELECT CONNECTION_ID() + 1"), a.threadId + 1);
      const s = await a.prepare("SELECT CONNECTION_ID() AS id");
      assert.equal(Number([...await s.execute([])][0].id), a.threadId);
      await s.close();
    } finally {
      await a.close();
    }
  });

  test("KILL QUERY with the proxy's id interrupts the statement the client runs now", async () => {
    const a = await client(p);
    const b = await client(p);
    try {
      const running = a.query("SELECT SLEEP(30) AS s").then((r) => [...r][0].s, (e) => e);
      await until(async () => (await backendProcessesSleeping()) === 1, "A's statement runs");
      await b.query(`KILL QUERY ${a.threadId}`);
      const outcome = await running;
      if (outcome instanceof MysqlError) assert.equal(outcome.errno, 1317);
      else assert.equal(Number(outcome), 1, "SLEEP interrupted");
      assert.equal(await one(a, "SELECT 'a goes on'"), "a goes on");
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("KILL n closes client n (idle: answered by the proxy); unknown ids get ERR 1094", async () => {
    const a = await client(p);
    const b = await client(p);
    try {
      const before = p.proxy.stats().clients;
      await b.query(`KILL ${a.threadId}`);
      await until(() => p.proxy.stats().clients === before - 1, "A closed");
      await assert.rejects(a.query("SELECT 1"));
      await assert.rejects(b.query("KILL 999999"), (e: unknown) => (e as MysqlError).errno === 1094);
      assert.equal(await one(b, "SELECT 'b goes on'"), "b goes on");
    } finally {
      a.destroy();
      await b.close();
    }
  });
});

async function backendProcessesSleeping(): Promise<number> {
  const admin = await rootConnection();
  try {
    const rows = [
      ...await admin.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND INFO LIKE 'SELECT SLEEP(30)%'",
        [backendUser.user],
      ),
    ];
    return Number(rows[0].n);
  } finally {
    await admin.close();
  }
}

describe("failures with multiplexing", () => {
  test("a backend connection killed while its client is pinned mid-transaction", async () => {
    const p = await proxyFor();
    const a = await client(p);
    const b = await client(p);
    const admin = await rootConnection();
    try {
      await a.query("BEGIN");
      await a.query(`INSERT INTO ${table} VALUES (20, 'lost')`);
      const thread = await backendThread(a);
      await admin.query(`KILL ${thread}`);
      await assert.rejects(a.query("SELECT 1"), (e: unknown) => (e as MysqlError).errno === 2013);
      assert.equal(await one(b, `SELECT COUNT(*) FROM ${table} WHERE id = 20`), 0);
      await until(() => p.proxy.stats().clients === 1, "A closed");
      assert.equal(p.proxy.stats().pool.inUse, 0);
      assert.equal(p.proxy.stats().pinnedClients, 0);
      await until(
        async () => (await backendProcesses()) === p.proxy.stats().pool.total,
        "no leaked connection",
      );
      const c = await client(p);
      assert.equal(await one(c, "SELECT 'still up'"), "still up");
      await c.close();
    } finally {
      a.destroy();
      await b.close();
      await admin.close();
      await p.stop();
    }
  });

  test("close() while a client waits for a pooled connection: the wait ends with an error", async () => {
    const p = await proxyFor({ maxBackendConnections: 1, waitTimeout: 600_000 });
    const a = await client(p);
    const b = await client(p);
    try {
      await a.query("BEGIN");
      const waiting = b.query("SELECT 1").then(() => "answered", (e) => e);
      await until(() => p.proxy.stats().pool.waiting === 1, "B waits");
      await p.stop();
      assert.ok((await waiting) instanceof Error);
      assert.equal(p.proxy.stats().backendConnections, 0);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  test("an idle pooled connection the server dropped: the next statement goes to another one", async () => {
    const p = await proxyFor();
    const a = await client(p);
    const admin = await rootConnection();
    try {
      const thread = await backendThread(a);
      await admin.query(`KILL ${thread}`);
      await until(async () => (await backendProcesses()) === 0, "the backend thread gone");
      // The proxy may or may not have seen the close yet; either way A's statement is answered.
      assert.equal(await one(a, "SELECT 'answered'"), "answered");
      assert.notEqual(await backendThread(a), thread);
      assert.equal(p.proxy.stats().clients, 1);
    } finally {
      await a.close();
      await admin.close();
      await p.stop();
    }
  });

  test("the pool full: a clear ERR 1040 when nobody may wait, a wait served when one may", async () => {
    const full = await proxyFor({ maxBackendConnections: 1, maxWaiting: 0 });
    const waiting = await proxyFor({ maxBackendConnections: 1, maxWaiting: 1, waitTimeout: 60_000 });
    try {
      for (const p of [full, waiting]) {
        const a = await client(p);
        const b = await client(p);
        try {
          await a.query("BEGIN");
          if (p === full) {
            await assert.rejects(b.query("SELECT 1"), (e: unknown) => {
              assert.ok(e instanceof MysqlError);
              assert.equal(e.errno, 1040);
              assert.match(e.message, /all 1 backend connections are in use.*maxBackendConnections/);
              return true;
            });
            await a.query("COMMIT");
            assert.equal(await one(b, "SELECT 'free again'"), "free again");
          } else {
            const queued = one(b, "SELECT 'served'");
            await until(() => p.proxy.stats().pool.waiting === 1, "B waits");
            await a.query("COMMIT");
            assert.equal(await queued, "served");
          }
        } finally {
          await a.close();
          await b.close();
        }
      }
    } finally {
      await full.stop();
      await waiting.stop();
    }
  });
});

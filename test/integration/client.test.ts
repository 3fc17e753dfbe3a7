/**
 * The client against a real MariaDB: connecting with each auth plugin, TLS modes, errors, text
 * queries, placeholders, and the result shape.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection, ConnectionError, MysqlError, ServerStatus } from "../../mod.ts";
import { rootOptions } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
const open: Connection[] = [];

/** Connects as root to the test database and remembers the connection for cleanup. */
async function rootConnection(extra: Record<string, unknown> = {}): Promise<Connection> {
  const conn = await connect({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    ...extra,
  });
  open.push(conn);
  return conn;
}

before(async () => {
  env = await testEnv();
});

after(async () => {
  for (const c of open) await c.close().catch(() => {});
});

describe("connect and authenticate", () => {
  test("mysql_native_password", async () => {
    const { user, password } = env.users.native;
    await using conn = await connect({
      host: env.host,
      port: env.port,
      user,
      password,
      database: env.database,
    });
    const [row] = await conn.query<{ u: string; p: string }>(
      "SELECT CURRENT_USER() AS u, (SELECT plugin FROM mysql.user WHERE CONCAT(user, '@', host) = CURRENT_USER()) AS p",
    ).catch(() => conn.query<{ u: string; p: string }>("SELECT CURRENT_USER() AS u, 'n/a' AS p"));
    assert.match(row.u, new RegExp(`^${user}@`));
    assert.equal(conn.flavor, "mariadb");
    assert.match(conn.serverVersion, /MariaDB/);
    assert.ok(conn.threadId > 0);
  });

  test("client_ed25519", async () => {
    const { user, password } = env.users.ed25519;
    await using conn = await connect({ host: env.host, port: env.port, user, password });
    const [row] = await conn.query<{ u: string }>("SELECT CURRENT_USER() AS u");
    assert.match(row.u, new RegExp(`^${user}@`));
  });

  test("over a Unix socket (the throwaway server's)", async () => {
    // A server given by MYWIRE_TEST_URL has no socket path here; the throwaway server always has one.
    if (env.socketPath === undefined) return assert.ok(process.env.MYWIRE_TEST_URL, "socketPath is missing");
    await using conn = await connect({
      socketPath: env.socketPath,
      user: env.root.user,
      password: env.root.password,
    });
    const [row] = await conn.query<{ one: number }>("SELECT 1 AS one");
    assert.equal(row.one, 1);
  });

  test("a URL works as well as an object", async () => {
    const { user, password } = env.users.native;
    const url = `mysql://${user}:${encodeURIComponent(password)}@${env.host}:${env.port}/${env.database}`;
    await using conn = await connect(url);
    const [row] = await conn.query<{ d: string }>("SELECT DATABASE() AS d");
    assert.equal(row.d, env.database);
  });

  test("wrong password: MysqlError 1045", async () => {
    const err = await connect({
      host: env.host,
      port: env.port,
      user: env.users.native.user,
      password: "wrong",
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof MysqlError, String(err));
    assert.equal(err.errno, 1045);
    assert.equal(err.code, "ER_ACCESS_DENIED_ERROR");
    assert.equal(err.sqlState, "28000");
    assert.equal(err.flavor, "mariadb");
  });

  test("wrong password for an ed25519 user: MysqlError 1045", async () => {
    const err = await connect({
      host: env.host,
      port: env.port,
      user: env.users.ed25519.user,
      password: "nope",
    })
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof MysqlError, String(err));
    assert.equal(err.errno, 1045);
  });

  test("refused port: ConnectionError naming host and port", async () => {
    const { createServer } = await import("node:net");
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, "127.0.0.1", () => resolve((probe.address() as { port: number }).port))
    );
    await new Promise((resolve) => probe.close(resolve));
    const err = await connect({ host: "127.0.0.1", port, user: "x", connectTimeout: 2000 }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof ConnectionError, String(err));
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    // libmysql's CR_CONN_HOST_ERROR, and the connection is unusable.
    assert.equal(err.errno, 2003);
    assert.equal(err.fatal, true);
  });

  test("unknown database: MysqlError 1049", async () => {
    const err = await rootConnection({ database: "no_such_db_here" }).then(() => undefined, (e) => e);
    assert.ok(err instanceof MysqlError);
    assert.equal(err.errno, 1049);
    assert.equal(err.code, "ER_BAD_DB_ERROR");
  });

  test("bad options are TypeErrors at the call", async () => {
    await assert.rejects(connect({ port: 70000 }), TypeError);
    await assert.rejects(connect({ ssl: "sometimes" as never }), TypeError);
    await assert.rejects(connect({ timezone: "Mars/Base" }), TypeError);
    await assert.rejects(connect("http://localhost/"), TypeError);
  });
});

describe("TLS", () => {
  test("a REQUIRE SSL user connects with verify-identity and the test CA", async (t) => {
    assert.ok(env.tls, "the test server has TLS");
    const { user, password } = env.users.ssl;
    await using conn = await connect({
      host: env.tls.serverName,
      port: env.port,
      user,
      password,
      ssl: { mode: "verify-identity", ca: env.tls.caCert },
    });
    assert.equal(conn.tls, true);
    const [row] = await conn.query<{ c: string }>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    assert.ok(String((row as unknown as { Value: string }).Value).length > 0, "a cipher is in use");
    void t;
  });

  test("a REQUIRE SSL user without TLS is refused", async () => {
    const { user, password } = env.users.ssl;
    const err = await connect({ host: env.host, port: env.port, user, password }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof MysqlError, String(err));
    assert.equal(err.errno, 1045);
  });

  test("verify-ca with the wrong CA fails", async () => {
    assert.ok(env.tls);
    const err = await connect({
      host: env.host,
      port: env.port,
      user: env.users.ssl.user,
      password: env.users.ssl.password,
      ssl: { mode: "verify-ca", ca: env.tls.otherCaCert },
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, "TLS");
  });

  test("verify-identity with a name not on the certificate fails", async () => {
    assert.ok(env.tls);
    const err = await connect({
      host: env.host,
      port: env.port,
      user: env.users.ssl.user,
      password: env.users.ssl.password,
      ssl: { mode: "verify-identity", ca: env.tls.caCert, servername: "not-the-server.example" },
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, "TLS");
  });

  test("a REQUIRE X509 user connects with a client certificate", async () => {
    assert.ok(env.tls && env.users.x509);
    await using conn = await connect({
      host: env.tls.serverName,
      port: env.port,
      user: env.users.x509.user,
      password: env.users.x509.password,
      ssl: { mode: "verify-identity", ca: env.tls.caCert, cert: env.tls.clientCert, key: env.tls.clientKey },
    });
    const [row] = await conn.query<{ one: number }>("SELECT 1 AS one");
    assert.equal(row.one, 1);
  });
});

describe("queries", () => {
  test("the result of a statement without rows", async () => {
    const conn = await rootConnection();
    await conn.query("CREATE TEMPORARY TABLE t_ok (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))");
    const res = await conn.query("INSERT INTO t_ok (v) VALUES ('a'), ('b'), ('c')");
    assert.equal(res.length, 0);
    assert.deepEqual(res.fields, []);
    assert.equal(res.affectedRows, 3);
    assert.equal(res.insertId, 1);
    assert.equal(res.warningCount, 0);
    assert.match(res.info, /Records: 3/);
    assert.ok(res.serverStatus & ServerStatus.AUTOCOMMIT);
    const upd = await conn.query("UPDATE t_ok SET v = 'z' WHERE id > 1");
    assert.equal(upd.affectedRows, 2);
  });

  test("rows keyed by column name, with fields", async () => {
    const conn = await rootConnection();
    const res = await conn.query<{ a: number; b: string; c: null }>("SELECT 1 AS a, 'x' AS b, NULL AS c");
    assert.deepEqual([...res], [{ a: 1, b: "x", c: null }]);
    assert.deepEqual(res.fields.map((f) => f.name), ["a", "b", "c"]);
  });

  test("placeholders are escaped client-side", async () => {
    const conn = await rootConnection();
    const tricky = 'it\'s a "test" \\ with\nnewline and \0 nul';
    const [row] = await conn.query<{ s: string; n: number; b: number; i: string }>(
      "SELECT ? AS s, ? AS n, ? AS b, ?? AS i FROM (SELECT 'col' AS `weird``name`) t WHERE 1 IN (?)",
      [tricky, 42, true, "weird`name", [1, 2, 3]],
    );
    assert.equal(row.s, tricky);
    assert.equal(row.n, 42);
    assert.equal(row.b, 1);
    assert.equal(row.i, "col");
  });

  test("placeholder count mismatch rejects before anything is sent", async () => {
    const conn = await rootConnection();
    await assert.rejects(conn.query("SELECT ?, ?", [1]), TypeError);
    const [row] = await conn.query<{ ok: number }>("SELECT 1 AS ok");
    assert.equal(row.ok, 1);
  });

  test("a server error rejects with MysqlError and the connection stays usable", async () => {
    const conn = await rootConnection();
    const err = await conn.query("SELECT * FROM no_such_table").then(() => undefined, (e) => e);
    assert.ok(err instanceof MysqlError);
    assert.equal(err.errno, 1146);
    assert.equal(err.code, "ER_NO_SUCH_TABLE");
    assert.equal(err.sqlState, "42S02");
    assert.equal(err.sql, "SELECT * FROM no_such_table");
    const [row] = await conn.query<{ ok: number }>("SELECT 2 AS ok");
    assert.equal(row.ok, 2);
  });

  test("commands queued without awaiting settle in order, each with its own result", async () => {
    const conn = await rootConnection();
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) => conn.query<{ tag: number }>("SELECT ? AS tag", [i])),
    );
    all.forEach((res, i) => assert.equal(res[0].tag, i));
  });

  test("ping and useDatabase", async () => {
    const conn = await rootConnection({ database: undefined });
    await conn.ping();
    await conn.useDatabase(env.database);
    const [row] = await conn.query<{ d: string }>("SELECT DATABASE() AS d");
    assert.equal(row.d, env.database);
    await assert.rejects(
      conn.useDatabase("no_such_db_2"),
      (e) => e instanceof MysqlError && e.errno === 1049,
    );
  });

  test("a connection used after close() rejects with a clear error", async () => {
    const conn = await rootConnection();
    await conn.close();
    assert.equal(conn.closed, true);
    await assert.rejects(
      conn.query("SELECT 1"),
      (e) => e instanceof ConnectionError && /closed/.test(e.message) && e.errno === 2006 && e.fatal === true,
    );
  });

  test("a connection killed by the server: ConnectionError 2013 (CR_SERVER_LOST), fatal", async () => {
    const victim = await rootConnection({ reconnect: false });
    const killer = await rootConnection();
    const sleeping = victim.query("SELECT SLEEP(30)").then(() => undefined, (e) => e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await killer.query(`KILL ${victim.threadId}`);
    const err = await sleeping;
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.errno, 2013);
    assert.equal(err.fatal, true);
  });

  test("a result with thousands of rows arrives whole", async () => {
    const conn = await rootConnection();
    const res = await conn.query<{ seq: number }>("SELECT seq FROM seq_1_to_20000");
    assert.equal(res.length, 20000);
    assert.equal(res[19999].seq, 20000);
  });

  test("a value of several megabytes", async () => {
    const conn = await rootConnection();
    const [row] = await conn.query<{ s: string }>("SELECT REPEAT('ab', 3000000) AS s");
    assert.equal(row.s.length, 6_000_000);
  });

  test("multiple result sets of a procedure", async () => {
    const conn = await rootConnection();
    await conn.query("DROP PROCEDURE IF EXISTS two_results");
    await conn.query("CREATE PROCEDURE two_results() BEGIN SELECT 1 AS a; SELECT 2 AS b; END");
    const res = await conn.query("CALL two_results()");
    assert.equal(res.results.length, 3);
    assert.deepEqual([...res.results[0]], [{ a: 1 }]);
    assert.deepEqual([...res.results[1]], [{ b: 2 }]);
    assert.equal(res.results[2].length, 0);
    const [row] = await conn.query<{ ok: number }>("SELECT 3 AS ok");
    assert.equal(row.ok, 3);
  });

  test("multipleStatements is off by default", async () => {
    const conn = await rootConnection();
    await assert.rejects(
      conn.query("SELECT 1; SELECT 2"),
      (e) => e instanceof MysqlError && e.errno === 1064,
    );
  });
});

describe("per-query decoding, changedRows, the caller's stack", () => {
  const table = "native_api_t";

  before(async () => {
    const conn = await rootConnection();
    await conn.query(`DROP TABLE IF EXISTS ${table}`);
    await conn.query(
      `CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(20), born DATE, seen DATETIME)`,
    );
    await conn.query(
      `INSERT INTO ${table} VALUES (1, 'a', '2024-02-29', '2024-02-29 13:14:15'), (2, 'b', '1999-12-31', '1999-12-31 23:59:59')`,
    );
  });

  after(async () => {
    const conn = await rootConnection();
    await conn.query(`DROP TABLE IF EXISTS ${table}`);
  });

  test("rowsAsArray and dateStrings per query override the connection's, on query, execute and stream", async () => {
    const conn = await rootConnection();
    const sql = `SELECT id, born, seen FROM ${table} WHERE id = ?`;
    const plain = await conn.query(sql, [1]);
    assert.ok(plain[0].born instanceof Date);
    assert.deepEqual(Object.keys(plain[0]), ["id", "born", "seen"]);
    const arrays = await conn.query(sql, [1], { rowsAsArray: true, dateStrings: true });
    assert.deepEqual([...arrays], [[1, "2024-02-29", "2024-02-29 13:14:15"]]);
    const onlyDates = await conn.execute(sql, [1], { dateStrings: ["DATE"] });
    assert.equal(onlyDates[0].born, "2024-02-29");
    assert.ok(onlyDates[0].seen instanceof Date);
    const executed = await conn.execute(sql, [1], { rowsAsArray: true });
    assert.equal((executed[0] as unknown as unknown[])[0], 1);
    assert.ok((executed[0] as unknown as unknown[])[1] instanceof Date);
    const streamed: unknown[] = [];
    for await (
      const row of conn.stream(`SELECT id, born FROM ${table} ORDER BY id`, [], {
        rowsAsArray: true,
        dateStrings: true,
      })
    ) {
      streamed.push(row);
    }
    assert.deepEqual(streamed, [[1, "2024-02-29"], [2, "1999-12-31"]]);
    const preparedStream: unknown[] = [];
    for await (const row of conn.stream(sql, [2], { prepared: true, dateStrings: true })) {
      preparedStream.push(row);
    }
    assert.deepEqual(preparedStream, [{ id: 2, born: "1999-12-31", seen: "1999-12-31 23:59:59" }]);
    // The connection's own decoding is untouched afterwards.
    const again = await conn.query(sql, [1]);
    assert.ok(again[0].born instanceof Date);
    assert.deepEqual(Object.keys(again[0]), ["id", "born", "seen"]);
  });

  test("a connection with rowsAsArray and dateStrings gives objects and Dates for a query that says so", async () => {
    const conn = await rootConnection({ rowsAsArray: true, dateStrings: true });
    const sql = `SELECT id, born FROM ${table} WHERE id = 1`;
    assert.deepEqual([...await conn.query(sql)], [[1, "2024-02-29"]]);
    const [row] = await conn.query<{ id: number; born: Date }>(sql, undefined, {
      rowsAsArray: false,
      dateStrings: false,
    });
    assert.equal(row.id, 1);
    assert.ok(row.born instanceof Date);
  });

  test("the pool takes the same per-query options", async () => {
    const { createPool } = await import("../../mod.ts");
    const pool = createPool(rootOptions(env, { max: 1 } as never));
    try {
      const sql = `SELECT id, born FROM ${table} WHERE id = ?`;
      assert.deepEqual([...await pool.query(sql, [1], { rowsAsArray: true, dateStrings: true })], [[
        1,
        "2024-02-29",
      ]]);
      assert.deepEqual([...await pool.execute(sql, [2], { rowsAsArray: true, dateStrings: true })], [[
        2,
        "1999-12-31",
      ]]);
      const rows: unknown[] = [];
      for await (const row of pool.stream(sql, [1], { dateStrings: true })) rows.push(row);
      assert.deepEqual(rows, [{ id: 1, born: "2024-02-29" }]);
      const [plain] = await pool.query<{ born: Date }>(sql, [1]);
      assert.ok(plain.born instanceof Date);
    } finally {
      await pool.close();
    }
  });

  test("bad per-query decoding options are TypeErrors", async () => {
    const conn = await rootConnection();
    await assert.rejects(conn.query("SELECT 1", [], { rowsAsArray: "yes" as never }), TypeError);
    await assert.rejects(conn.execute("SELECT 1", [], { dateStrings: ["TIME"] as never }), /dateStrings/);
  });

  test("changedRows: the rows an UPDATE changed, with and without foundRows", async () => {
    for (const foundRows of [false, true]) {
      const conn = await rootConnection({ foundRows });
      const noop = await conn.query(`UPDATE ${table} SET name = name WHERE id = 1`);
      assert.equal(noop.changedRows, 0);
      assert.equal(noop.affectedRows, foundRows ? 1 : 0, `foundRows: ${foundRows}`);
      const change = await conn.execute(
        `UPDATE ${table} SET name = 'a' WHERE id IN (1, 2)`,
      );
      assert.equal(change.changedRows, 1);
      assert.equal(change.affectedRows, foundRows ? 2 : 1, `foundRows: ${foundRows}`);
      assert.match(change.info, /Rows matched: 2 {2}Changed: 1/);
      await conn.query(`UPDATE ${table} SET name = 'b' WHERE id = 2`);
      const select = await conn.query(`SELECT 1`);
      assert.equal(select.changedRows, 0);
    }
  });

  test("a server error's stack shows the caller's function, not only the driver", async () => {
    const conn = await rootConnection();
    async function theCallerOfAFailingQuery() {
      return await conn.query("SELECT * FROM no_such_table_for_stacks");
    }
    async function theCallerOfAFailingExecute() {
      return await conn.execute("SELECT * FROM no_such_table_for_stacks WHERE id = ?", [1]);
    }
    for (
      const [fn, name] of [[theCallerOfAFailingQuery, "theCallerOfAFailingQuery"], [
        theCallerOfAFailingExecute,
        "theCallerOfAFailingExecute",
      ]] as const
    ) {
      const err = await fn().then(() => undefined, (e) => e);
      assert.ok(err instanceof MysqlError, String(err));
      assert.match(err.stack!, /^MysqlError: Table .*no_such_table_for_stacks/);
      const stack = String(err.stack);
      assert.ok(stack.includes(name), stack);
      assert.ok(
        !/[\\/]src[\\/](session|client|protocol)[\\/]/.test(err.stack!),
        `no driver frames: ${err.stack}`,
      );
    }
  });
});

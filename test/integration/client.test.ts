/**
 * The client against a real MariaDB: connecting with each auth plugin, TLS modes, errors, text
 * queries, placeholders, and the result shape.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection, ConnectionError, MysqlError, ServerStatus } from "../../mod.ts";
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
      (e) => e instanceof ConnectionError && /closed/.test(e.message),
    );
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

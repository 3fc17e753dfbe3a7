/**
 * Clients nobody here wrote, through the mywire proxy in front of the test server: the `mariadb`
 * command-line client (libmariadb: mysql_native_password, caching_sha2_password over RSA (over TLS:
 * proxy-tls.test.ts), fast path after a full login, wrong password and unknown user refused with 1045, LOCAL
 * INFILE of the client's own file and its refusal), mysql2 and the mariadb connector from npm
 * (queries, prepared statements, COM_CHANGE_USER), and Python's PyMySQL (no DEPRECATE_EOF: the
 * proxy translates the backend's framing).
 */
import mariadb from "mariadb";
import mysql from "mysql2/promise";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { formatNativePasswordHash, nativePasswordHash } from "../../src/protocol/auth/native-verify.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { mariadbCli } from "../support/mariadb-cli.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";
import { runPython } from "../support/python.ts";

let env: TestEnv;
let proxy: RunningProxy;
let ownLogin: RunningProxy;
let dir: string;
const table = uniqueName("proxy_cli");

/** Runs the mariadb command-line client against `port`; never rejects. */
const cli = mariadbCli;

before(async () => {
  env = await testEnv();
  dir = mkdtempSync(join(tmpdir(), "mywire-proxy-cli-"));
  const admin = await rootConnection();
  await admin.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(40))`);
  await admin.close();
  proxy = await startProxy({
    users: {
      [PROXY_USER.user]: PROXY_USER.password,
      sha2rsa: { password: "rsa-pass", plugin: "caching_sha2_password" },
      asnative: { password: "other-pass", backend: env.users.native },
    },
  });
  // A proxy that logs into the backend as the client itself, knowing only the stored hash.
  ownLogin = await startProxy({
    backends: [{ host: env.host, port: env.port }],
    users: {
      [env.users.native.user]: {
        nativeHash: formatNativePasswordHash(await nativePasswordHash(env.users.native.password)),
      },
    },
  });
});

after(async () => {
  await proxy?.stop();
  await ownLogin?.stop();
  const admin = await rootConnection();
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.close();
  rmSync(dir, { recursive: true, force: true });
});

const login = (user: string, password: string) => [`--user=${user}`, `--password=${password}`];

describe("mariadb command-line client", () => {
  test("mysql_native_password, a query", async () => {
    const r = await cli(proxy.port, [
      ...login(PROXY_USER.user, PROXY_USER.password),
      "--skip-ssl",
      "-e",
      "SELECT 1 + 1, 'proxy'",
    ]);
    assert.equal(r.err, "");
    assert.equal(r.out, "2\tproxy");
  });

  test("wrong password: ERROR 1045 with the server's wording", async () => {
    const r = await cli(proxy.port, [...login(PROXY_USER.user, "wrong"), "--skip-ssl", "-e", "SELECT 1"]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.err,
      /ERROR 1045 \(28000\).*Access denied for user 'proxyuser'@'127\.0\.0\.1' \(using password: YES\)/,
    );
  });

  test("unknown user: ERROR 1045", async () => {
    const r = await cli(proxy.port, [...login("nobody_here", "x"), "--skip-ssl", "-e", "SELECT 1"]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /ERROR 1045 \(28000\).*'nobody_here'@'127\.0\.0\.1'/);
  });

  test("caching_sha2_password without TLS: full path by RSA, then the fast path", async () => {
    const first = await cli(proxy.port, [
      ...login("sha2rsa", "rsa-pass"),
      "--skip-ssl",
      "-e",
      "SELECT 'rsa'",
    ]);
    assert.equal(first.err, "");
    assert.equal(first.out, "rsa");
    const again = await cli(proxy.port, [
      ...login("sha2rsa", "rsa-pass"),
      "--skip-ssl",
      "-e",
      "SELECT 'fast'",
    ]);
    assert.equal(again.out, "fast");
    const wrong = await cli(proxy.port, [...login("sha2rsa", "nope"), "--skip-ssl", "-e", "SELECT 1"]);
    assert.match(wrong.err, /ERROR 1045/);
  });

  test("--default-auth=caching_sha2_password for a user with a clear password", async () => {
    const r = await cli(proxy.port, [
      ...login(PROXY_USER.user, PROXY_USER.password),
      "--skip-ssl",
      "--default-auth=caching_sha2_password",
      "-e",
      "SELECT 'sha2'",
    ]);
    assert.equal(r.err, "");
    assert.equal(r.out, "sha2");
  });

  test("a configured backend login per user, and the client's own login from a stored hash", async () => {
    const mapped = await cli(proxy.port, [
      ...login("asnative", "other-pass"),
      "--skip-ssl",
      "-e",
      "SELECT CURRENT_USER()",
    ]);
    assert.equal(mapped.out, `${env.users.native.user}@%`);
    const own = await cli(ownLogin.port, [
      ...login(env.users.native.user, env.users.native.password),
      "--skip-ssl",
      "-e",
      "SELECT CURRENT_USER()",
    ]);
    assert.equal(own.err, "");
    assert.equal(own.out, `${env.users.native.user}@%`);
  });

  test("LOAD DATA LOCAL INFILE reads the client's file; refused when the client did not enable it", async () => {
    const file = join(dir, "rows.csv");
    writeFileSync(file, "1,alpha\n2,beta\n3,gamma\n");
    const sql =
      `LOAD DATA LOCAL INFILE '${file}' INTO TABLE ${env.database}.${table} FIELDS TERMINATED BY ','`;
    const r = await cli(proxy.port, [
      ...login(PROXY_USER.user, PROXY_USER.password),
      "--skip-ssl",
      "--local-infile=1",
      "-e",
      sql,
    ]);
    assert.equal(r.err, "");
    const admin = await rootConnection();
    try {
      const rows = await admin.query(`SELECT id, name FROM ${table} ORDER BY id`);
      assert.deepEqual([...rows], [{ id: 1, name: "alpha" }, { id: 2, name: "beta" }, {
        id: 3,
        name: "gamma",
      }]);
      const refused = await cli(proxy.port, [
        ...login(PROXY_USER.user, PROXY_USER.password),
        "--skip-ssl",
        "--local-infile=0",
        "-e",
        sql,
      ]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.err, /ERROR/);
      const count = await admin.query(`SELECT COUNT(*) AS n FROM ${table}`);
      assert.equal(Number(count[0].n), 3);
    } finally {
      await admin.close();
    }
  });
});

describe("npm drivers", () => {
  test("mysql2: query, execute, changeUser", async () => {
    const c = await mysql.createConnection({
      host: proxy.host,
      port: proxy.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      database: env.database,
    });
    try {
      const [rows] = await c.query("SELECT 1 AS one, 'x' AS s");
      assert.deepEqual(rows, [{ one: 1, s: "x" }]);
      const [exec] = await c.execute("SELECT ? + 1 AS n", [41]);
      assert.deepEqual(exec, [{ n: 42 }]);
      await c.changeUser({ user: "asnative", password: "other-pass" });
      const [who] = await c.query("SELECT CURRENT_USER() AS u");
      assert.deepEqual(who, [{ u: `${env.users.native.user}@%` }]);
    } finally {
      await c.end();
    }
  });

  test("mysql2: caching_sha2_password without TLS (the RSA key asked for)", async () => {
    const c = await mysql.createConnection({
      host: proxy.host,
      port: proxy.port,
      user: "sha2rsa",
      password: "rsa-pass",
    });
    try {
      const [rows] = await c.query("SELECT 'mysql2 sha2' AS s");
      assert.deepEqual(rows, [{ s: "mysql2 sha2" }]);
    } finally {
      await c.end();
    }
  });

  test("mysql2: a wrong password is refused with 1045", async () => {
    await assert.rejects(
      mysql.createConnection({ host: proxy.host, port: proxy.port, user: PROXY_USER.user, password: "bad" }),
      (e: { errno?: number }) => e.errno === 1045,
    );
  });

  test("mariadb connector: query and prepared statement", async () => {
    const c = await mariadb.createConnection({
      host: proxy.host,
      port: proxy.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      database: env.database,
    });
    try {
      const rows = await c.query("SELECT 2 AS two");
      assert.equal(Number(rows[0].two), 2);
      const exec = await c.execute("SELECT ? AS v", ["hello"]);
      assert.equal(exec[0].v, "hello");
    } finally {
      await c.end();
    }
  });
});

describe("Python PyMySQL", () => {
  test("query, parameters, an error, without DEPRECATE_EOF", async () => {
    const script = `
import json, pymysql
c = pymysql.connect(host="127.0.0.1", port=${proxy.port}, user="${PROXY_USER.user}", password="${PROXY_USER.password}", database="${env.database}")
cur = c.cursor()
cur.execute("SELECT seq, CONCAT('r', seq) FROM seq_1_to_3")
rows = [list(r) for r in cur.fetchall()]
cur.execute("SELECT %s + 1", (41,))
n = cur.fetchone()[0]
err = None
try:
    cur.execute("SELECT * FROM no_such_table_py")
except pymysql.err.ProgrammingError as e:
    err = e.args[0]
cur.execute("SELECT 'after'")
after = cur.fetchone()[0]
print(json.dumps({"rows": rows, "n": n, "err": err, "after": after}))
c.close()
`;
    const r = await runPython(script);
    assert.equal(r.err.trim(), "");
    assert.deepEqual(JSON.parse(r.out), {
      rows: [[1, "r1"], [2, "r2"], [3, "r3"]],
      n: 42,
      err: 1146,
      after: "after",
    });
  });
});

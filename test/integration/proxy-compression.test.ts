/**
 * The compressed protocol (CLIENT_COMPRESS) through the proxy, on either side: clients that ask for
 * it (the `mariadb` CLI's `--compress`, mysql2's `compress: true`, mywire's `compress: true`) get a
 * compressed conversation with the proxy whatever the backend connection does, and a backend with
 * `compress: true` is spoken to compressed (the server's own `Compression` status says which).
 * Results and statements of more than 16 MiB go through compressed, as several compressed packets;
 * a backend URL takes `?compress=true`; LOAD DATA LOCAL INFILE works inside a compressed session.
 * (TLS and compression together: proxy-tls.test.ts.)
 */
import mysql from "mysql2/promise";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "../../mod.ts";
import { uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { type CliResult, mariadbCli } from "../support/mariadb-cli.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
/** Backend connections without compression. */
let plain: RunningProxy;
/** Backend connections with compression. */
let packed: RunningProxy;
/** The same, the backend given as a URL with `?compress=true`. */
let fromUrl: RunningProxy;
let dir: string;

const BIG = 17 * 1024 * 1024 + 5;

/** The mariadb CLI as the default proxy user, in the test database, without TLS. */
function cli(port: number, args: readonly string[]): Promise<CliResult> {
  return mariadbCli(port, [
    `--user=${PROXY_USER.user}`,
    `--password=${PROXY_USER.password}`,
    `--database=${env.database}`,
    "--skip-ssl",
    ...args,
  ]);
}

before(async () => {
  env = await testEnv();
  plain = await startProxy();
  packed = await startProxy({
    backends: [{
      host: env.host,
      port: env.port,
      user: env.root.user,
      password: env.root.password,
      compress: true,
    }],
  });
  const auth = `${encodeURIComponent(env.root.user)}:${encodeURIComponent(env.root.password)}`;
  fromUrl = await startProxy({ backends: [`mysql://${auth}@${env.host}:${env.port}?compress=true`] });
  dir = mkdtempSync(join(tmpdir(), "mywire-proxy-compress-"));
});

after(async () => {
  await plain?.stop();
  await packed?.stop();
  await fromUrl?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("compression on the client side, the backend side, or both", () => {
  for (const [name, which] of [["an uncompressed", () => plain], ["a compressed", () => packed]] as const) {
    const backendState = name === "a compressed" ? "ON" : "OFF";

    test(`mariadb --compress, ${name} backend connection`, async () => {
      const r = await cli(which().port, [
        "--compress",
        "-e",
        "SHOW SESSION STATUS LIKE 'Compression'; SELECT LENGTH(REPEAT('ab', 100000)); SELECT seq FROM seq_1_to_3",
      ]);
      assert.equal(r.err, "");
      assert.equal(r.out, `Compression\t${backendState}\n200000\n1\n2\n3`);
      // Uncompressed clients of the same proxy go on as before.
      const u = await cli(which().port, ["-e", "SELECT 'plain client'"]);
      assert.equal(u.out, "plain client");
    });

    test(`mariadb --compress: a row of more than 16 MiB, ${name} backend connection`, async () => {
      const r = await cli(which().port, [
        "--compress",
        "--max-allowed-packet=64M",
        "-e",
        `SELECT REPEAT('q', ${BIG}), 'end'`,
      ]);
      assert.equal(r.err, "");
      const [value, end] = r.out.split("\t");
      assert.equal(value.length, BIG);
      assert.ok(/^q+$/.test(value));
      assert.equal(end, "end");
    });

    test(`mysql2 compress: true, ${name} backend connection`, async () => {
      const c = await mysql.createConnection({
        host: "127.0.0.1",
        port: which().port,
        user: PROXY_USER.user,
        password: PROXY_USER.password,
        compress: true,
      });
      try {
        const [status] = await c.query("SHOW SESSION STATUS LIKE 'Compression'");
        assert.deepEqual(status, [{ Variable_name: "Compression", Value: backendState }]);
        const [rows] = await c.execute("SELECT ? + 1 AS n, REPEAT('x', 5000) AS pad", [41]);
        assert.deepEqual(rows, [{ n: 42, pad: "x".repeat(5000) }]);
        const [big] = await c.query(`SELECT REPEAT('m', ${BIG}) AS big, 'after' AS next`);
        const row = (big as { big: string; next: string }[])[0];
        assert.equal(row.big.length, BIG);
        assert.equal(row.next, "after");
        // COM_CHANGE_USER inside the compressed conversation: it stays compressed afterwards.
        await c.changeUser({ user: PROXY_USER.user, password: PROXY_USER.password });
        const [again] = await c.query("SELECT CURRENT_USER() IS NOT NULL AS ok, REPEAT('c', 300) AS pad");
        assert.deepEqual(again, [{ ok: 1, pad: "c".repeat(300) }]);
      } finally {
        await c.end();
      }
    });

    test(`mywire compress: true, ${name} backend connection: 16 MiB+ both ways`, async () => {
      const c = await connect({
        host: "127.0.0.1",
        port: which().port,
        user: PROXY_USER.user,
        password: PROXY_USER.password,
        database: env.database,
        compress: true,
      });
      try {
        assert.equal(c.compressed, true);
        const [status] = await c.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Compression'");
        assert.equal(status.Value, backendState);
        const up = "y".repeat(BIG);
        const [sent] = await c.query<{ n: number; tail: string }>(
          "SELECT LENGTH(?) AS n, RIGHT(?, 3) AS tail",
          [up, up + "end"],
        );
        assert.deepEqual({ ...sent }, { n: BIG, tail: "end" });
        const [down] = await c.query<{ big: string; next: string }>(
          `SELECT REPEAT('z', ${BIG}) AS big, 'after' AS next`,
        );
        assert.equal(down.big.length, BIG);
        assert.ok(/^z+$/.test(down.big));
        assert.equal(down.next, "after");
        const rows = await c.execute<{ seq: number }>("SELECT seq FROM seq_1_to_20000 WHERE seq > ?", [10]);
        assert.equal(rows.length, 19990);
      } finally {
        await c.close();
      }
    });
  }

  test("a backend URL with ?compress=true; LOAD DATA LOCAL INFILE inside the compressed conversation", async () => {
    const table = uniqueName("proxy_compress");
    const file = join(dir, "rows.csv");
    writeFileSync(
      file,
      Array.from({ length: 2000 }, (_, i) => `${i},${"v".repeat(i % 90)}`).join("\n") + "\n",
    );
    const r = await cli(fromUrl.port, [
      "--compress",
      "--local-infile=1",
      "-e",
      `SHOW SESSION STATUS LIKE 'Compression';
       CREATE TABLE ${table} (id INT PRIMARY KEY, v VARCHAR(100));
       LOAD DATA LOCAL INFILE '${file}' INTO TABLE ${table} FIELDS TERMINATED BY ',';
       SELECT COUNT(*), SUM(LENGTH(v)) FROM ${table};
       DROP TABLE ${table}`,
    ]);
    assert.equal(r.err, "");
    let sum = 0;
    for (let i = 0; i < 2000; i++) sum += i % 90;
    assert.equal(r.out, `Compression\tON\n2000\t${sum}`);
  });
});

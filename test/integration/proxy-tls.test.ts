/**
 * TLS termination in the proxy, with clients nobody here wrote: the `mariadb` command-line client
 * sends an SSLRequest (and its TLS ClientHello right behind it), the proxy upgrades the connection
 * server-side and takes the HandshakeResponse41 at sequence id 2; caching_sha2_password then takes
 * the full path with the password in clear inside TLS; mysql2 and mywire's own client over TLS too
 * (caching_sha2 full path, then the fast path from the proxy's cache). On Node, Deno and Bun: each
 * adapter's `Socket.acceptTls` (Deno and Bun: their `node:tls` over the accepted connection).
 */
import mysql from "mysql2/promise";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "../../mod.ts";
import { makeTestCertificates, type TestCertificates } from "../support/certs.ts";
import { testEnv } from "../support/env.ts";
import { type CliResult, mariadbCli } from "../support/mariadb-cli.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let proxy: RunningProxy;
let certs: TestCertificates;
let dir: string;

function cli(args: readonly string[]): Promise<CliResult> {
  return mariadbCli(proxy.port, args);
}

before(async () => {
  await testEnv();
  dir = mkdtempSync(join(tmpdir(), "mywire-proxy-tls-"));
  certs = makeTestCertificates(dir);
  proxy = await startProxy({
    users: {
      [PROXY_USER.user]: PROXY_USER.password,
      sha2tls: { password: "tls-pass", plugin: "caching_sha2_password" },
      tlsonly: { password: "only-pass", requireTls: true },
    },
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
});

after(async () => {
  await proxy?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS for the proxy's clients", () => {
  test("mariadb CLI: caching_sha2_password full path in clear inside TLS, the certificate verified", async () => {
    const r = await cli([
      "--user=sha2tls",
      "--password=tls-pass",
      "--ssl",
      `--ssl-ca=${certs.caCertPath}`,
      "--ssl-verify-server-cert",
      "-e",
      "SELECT 'tls'",
    ]);
    assert.equal(r.err, "");
    assert.equal(r.out, "tls");
    // Verified against another CA, the same login fails: the session really is TLS with the proxy's certificate.
    const other = join(dir, "other-ca.pem");
    writeFileSync(other, certs.otherCaCert);
    const refused = await cli([
      "--user=sha2tls",
      "--password=tls-pass",
      "--ssl",
      `--ssl-ca=${other}`,
      "--ssl-verify-server-cert",
      "-e",
      "SELECT 'tls'",
    ]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /ERROR 2026/);
  });

  test("mariadb CLI: native login over TLS; a wrong password is still refused", async () => {
    const ok = await cli([
      `--user=${PROXY_USER.user}`,
      `--password=${PROXY_USER.password}`,
      "--ssl",
      `--ssl-ca=${certs.caCertPath}`,
      "-e",
      "SELECT 1",
    ]);
    assert.equal(ok.out, "1");
    const bad = await cli([
      `--user=${PROXY_USER.user}`,
      "--password=nope",
      "--ssl",
      `--ssl-ca=${certs.caCertPath}`,
      "-e",
      "SELECT 1",
    ]);
    assert.match(bad.err, /ERROR 1045/);
  });

  test("requireTls: refused without TLS (1045), let in with it", async () => {
    const plain = await cli(["--user=tlsonly", "--password=only-pass", "--skip-ssl", "-e", "SELECT 1"]);
    assert.match(plain.err, /ERROR 1045/);
    const secure = await cli([
      "--user=tlsonly",
      "--password=only-pass",
      "--ssl",
      `--ssl-ca=${certs.caCertPath}`,
      "-e",
      "SELECT 2",
    ]);
    assert.equal(secure.out, "2");
  });

  test("mysql2 over TLS, verifying the proxy's certificate", async () => {
    const c = await mysql.createConnection({
      host: "127.0.0.1",
      port: proxy.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      ssl: { ca: certs.caCert },
    });
    try {
      const [rows] = await c.query("SELECT 'secure' AS s");
      assert.deepEqual(rows, [{ s: "secure" }]);
    } finally {
      await c.end();
    }
  });

  test("mywire's client: caching_sha2 full path over TLS, then the fast path; a large result", async () => {
    for (const round of ["full", "fast"]) {
      const c = await connect({
        host: "127.0.0.1",
        port: proxy.port,
        user: "sha2tls",
        password: "tls-pass",
        ssl: { ca: certs.caCert, mode: "verify-ca" },
      });
      try {
        assert.equal(c.tls, true, round);
        const [row] = await c.query<{ s: string }>("SELECT 'over tls' AS s");
        assert.equal(row.s, "over tls", round);
        // More than one TLS record each way: a 3 MB result and a 1 MB statement.
        const big = await c.query<{ n: number }>(
          `SELECT LENGTH(REPEAT('x', 3000000)) + 0 * LENGTH('${"y".repeat(1_000_000)}') AS n`,
        );
        assert.equal(Number(big[0].n), 3_000_000, round);
        const rows = await c.query<{ v: string }>("SELECT REPEAT('z', 3000000) AS v");
        assert.equal(rows[0].v.length, 3_000_000, round);
      } finally {
        await c.close();
      }
    }
    const wrong = await connect({
      host: "127.0.0.1",
      port: proxy.port,
      user: "sha2tls",
      password: "not-it",
      ssl: { ca: certs.caCert, mode: "verify-ca" },
    }).then((c) => c.close().then(() => undefined), (e: Error) => e);
    assert.equal((wrong as { errno?: number } | undefined)?.errno, 1045);
  });

  test("TLS and compression together: the mariadb CLI and mywire's client", async () => {
    const r = await cli([
      "--user=sha2tls",
      "--password=tls-pass",
      "--ssl",
      `--ssl-ca=${certs.caCertPath}`,
      "--compress",
      "-e",
      "SELECT LENGTH(REPEAT('t', 200000)), 'tls+zlib'",
    ]);
    assert.equal(r.err, "");
    assert.equal(r.out, "200000\ttls+zlib");
    const c = await connect({
      host: "127.0.0.1",
      port: proxy.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      ssl: { ca: certs.caCert, mode: "verify-ca" },
      compress: true,
    });
    try {
      assert.equal(c.tls, true);
      assert.equal(c.compressed, true);
      const [row] = await c.query<{ v: string }>("SELECT REPEAT('w', 2000000) AS v");
      assert.equal(row.v.length, 2_000_000);
    } finally {
      await c.close();
    }
  });
});

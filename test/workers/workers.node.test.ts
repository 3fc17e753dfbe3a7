/**
 * mywire in workerd, the Cloudflare Workers runtime (run locally by miniflare), against the test
 * server. The test Worker (worker.ts) is bundled with esbuild exactly as a user would, with no flag
 * beyond `--bundle --platform=neutral --conditions=workerd,worker --format=esm`, and runs without
 * `nodejs_compat`; each case is one HTTP request to it. The example in examples/cloudflare-worker/
 * is bundled from the built package (`mywire` resolved through its `exports`) and run the same way.
 *
 * TLS: Workers verify the server's certificate against their root store and the host name, and take
 * no CA. miniflare adds the certificates of NODE_EXTRA_CA_CERTS (read when it is imported) to
 * workerd's store, so the harness's CA stands in for a public one; the server's certificate names
 * localhost and 127.0.0.1. The modes Workers cannot honour must fail with a clear error.
 *
 * Node only (a `*.node.test.ts` file, see test/run.ts): miniflare is a Node library that starts workerd.
 */
import type { Miniflare } from "miniflare";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Connection } from "../../mod.ts";
import { rootConnection } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import {
  BIN,
  buildPackage,
  COMPATIBILITY_DATE,
  databaseUrl,
  esbuild,
  installExample,
  nodeImports,
  type Reply,
  workerConfig,
  workerdLog,
} from "./bundle.ts";

let env: TestEnv;
let tls: NonNullable<TestEnv["tls"]>;
let mf: Miniflare;
let bundle: string;
let direct: Connection;
let work: string;
const log = workerdLog();

async function call(path: string): Promise<Reply> {
  const response = await mf.dispatchFetch(`http://worker/${path}`);
  const text = await response.text();
  try {
    return JSON.parse(text) as Reply;
  } catch {
    assert.fail(
      `the Worker answered ${response.status} with something other than JSON: ${text.slice(0, 500)}`,
    );
  }
}

/** The value of a case that must succeed. */
async function value(path: string): Promise<Record<string, unknown>> {
  const reply = await call(path);
  assert.equal(reply.ok, true, `${path} failed in workerd: ${JSON.stringify(reply.error)}`);
  return reply.value!;
}

/** The error of a case that must fail. */
async function failure(path: string): Promise<NonNullable<Reply["error"]>> {
  const reply = await call(path);
  assert.equal(reply.ok, false, `${path} should have failed, got ${JSON.stringify(reply.value)}`);
  return reply.error!;
}

before(async () => {
  env = await testEnv();
  assert.ok(env.tls, "the Workers tests need a test server with TLS (the throwaway server has it)");
  tls = env.tls;
  direct = await rootConnection();
  // Read by miniflare when it is imported: workerd then trusts the harness's CA.
  process.env.NODE_EXTRA_CA_CERTS = tls.caCertPath;
  const { Miniflare } = await import("miniflare");
  bundle = esbuild("test/workers/worker.ts");
  mf = new Miniflare({
    modules: true,
    script: bundle,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: [],
    bindings: { MYWIRE_TEST: JSON.stringify(workerConfig(env)) },
    handleRuntimeStdio: log.handleRuntimeStdio,
  });
  await mf.ready;
  work = mkdtempSync(join(tmpdir(), "mywire-workers-"));
});

after(async () => {
  await mf?.dispose();
  await direct?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the bundle", () => {
  test("imports no Node module and holds no node:net / node:tls", () => {
    assert.deepEqual(nodeImports(bundle), []);
    assert.doesNotMatch(bundle, /node:(net|tls)\b/);
    // The Workers socket API is left to the runtime, not bundled or stubbed.
    assert.match(bundle, /import\(\s*["']cloudflare:sockets["']\s*\)/);
  });
});

describe("in workerd", () => {
  test("a text query runs on the Workers adapter", async () => {
    const v = await value("query");
    assert.deepEqual(v.rows, [{ sum: 2, text: "héllo" }]);
    assert.equal(v.userAgent, "Cloudflare-Workers");
  });

  test("execute (a prepared statement with parameters)", async () => {
    const v = await value("execute");
    assert.deepEqual(v.rows, [{ total: 42, label: "n=7" }]);
  });

  test("a stream left early leaves the connection usable", async () => {
    const v = await value("stream");
    assert.deepEqual(v.seen, [1, 2, 3]);
    assert.equal(v.after, 1);
  });

  test("a transaction commits, and one that throws rolls back", async () => {
    const v = await value("transaction");
    assert.deepEqual(v.values, [1, 2]);
    assert.equal(v.rolledBack, "roll back");
  });

  test("a pool runs concurrent queries on up to max connections", async () => {
    const v = await value("pool");
    assert.deepEqual(v.values, [0, 1, 2, 3, 4, 5]);
    assert.ok(
      (v.connections as number) >= 1 && (v.connections as number) <= 3,
      `connections ${v.connections}`,
    );
    assert.equal(v.two, 2);
  });

  test("ed25519 authentication", async () => {
    const v = await value("ed25519");
    assert.equal(v.who, `${env.users.ed25519.user}@%`);
  });

  test("the compressed protocol", async () => {
    const v = await value("compression");
    assert.equal(v.compressed, true);
    assert.equal(v.server, "ON");
    assert.equal(v.length, 300_000);
  });

  test("a timeout interrupts the running query with KILL QUERY", async () => {
    const v = await value("timeout");
    assert.equal(v.timeoutError, true, JSON.stringify(v.error));
    assert.equal((v.error as { code: string }).code, "QUERY_TIMEOUT");
    assert.equal(v.after, 1);
    assert.equal(v.sameThread, true);
    const rows = await direct.query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE '%SLEEP(600)%'",
      [v.threadId],
    );
    assert.equal(rows.length, 0, "the SLEEP still runs on the server");
  });
});

describe("TLS in workerd", () => {
  test("verify-identity to 127.0.0.1 (the certificate's IP SAN)", async () => {
    const v = await value(`tls?mode=verify-identity&host=127.0.0.1`);
    assert.equal(v.tls, true);
    assert.notEqual(v.cipher, "");
    assert.equal(v.one, 1);
  });

  test("verify-identity to localhost (the certificate's DNS SAN), and ssl: true", async () => {
    const v = await value(`tls?mode=verify-identity&host=localhost`);
    assert.equal(v.tls, true);
    assert.notEqual(v.cipher, "");
    const t = await value(`tls?mode=true&host=localhost`);
    assert.equal(t.tls, true);
  });

  test("verify-identity to 127.0.0.1 checking another name the certificate has (servername)", async () => {
    const v = await value(`tls?mode=verify-identity&host=127.0.0.1&servername=localhost`);
    assert.equal(v.tls, true);
    assert.notEqual(v.cipher, "");
  });

  test("disabled: plain text", async () => {
    const v = await value("tls?mode=disabled");
    assert.equal(v.tls, false);
    assert.equal(v.cipher, "");
  });

  test("preferred: plain text (Workers cannot do TLS without verifying, and preferred does not ask for it)", async () => {
    const v = await value("tls?mode=preferred");
    assert.equal(v.tls, false);
  });

  test("a certificate not valid for the name checked fails at connect with ConnectionError TLS", async () => {
    const e = await failure("tls?mode=verify-identity&host=127.0.0.1&servername=wrong.example");
    assert.equal(e.name, "ConnectionError");
    assert.equal(e.code, "TLS");
    assert.match(e.message, /TLS handshake with 127\.0\.0\.1:\d+ failed/);
    assert.match(e.message, /did not accept the server's certificate for "wrong\.example"/);
    assert.doesNotMatch(e.message, /^internal error/);
    // The reason itself is only in workerd's log.
    await eventually(() => /Hostname mismatch/.test(log.text()), "workerd logs the reason of the failure");
  });

  for (
    const [mode, extra, reason] of [
      ["required", "", /cannot use TLS with verify "none"/],
      ["verify-ca", "", /cannot use TLS with verify "ca"/],
      ["verify-identity", "&ca=1", /cannot verify against a given CA/],
      ["verify-identity", "&cert=1", /cannot present a client certificate/],
    ] as const
  ) {
    test(`${mode}${extra ? ` with ${extra.slice(1, -2)}` : ""}: refused before anything is sent`, async () => {
      const e = await failure(`tls?mode=${mode}${extra}`);
      assert.equal(e.name, "ConnectionError");
      assert.equal(e.code, "TLS");
      assert.match(e.message, reason);
    });
  }
});

describe("the cross-request rule", () => {
  test("a connection kept from an earlier request fails with CROSS_REQUEST", async () => {
    const opened = await value("keep-connection");
    assert.equal(typeof opened.id, "number");
    const e = await failure("use-kept-connection");
    assert.equal(e.name, "ConnectionError");
    assert.equal(e.code, "CROSS_REQUEST");
    assert.match(e.message, /opened by another request/);
  });

  test("a pool kept from an earlier request fails too, instead of reconnecting silently", async () => {
    const opened = await value("keep-pool");
    assert.equal(typeof opened.id, "number");
    const e = await failure("use-kept-pool");
    assert.equal(e.code, "CROSS_REQUEST");
  });

  test("a pool kept from an earlier request fails from its idle check as well", async () => {
    await value("keep-pool?pingIdle=0");
    const e = await failure("use-kept-pool");
    assert.equal(e.code, "CROSS_REQUEST");
  });
});

describe("examples/cloudflare-worker", () => {
  test("type-checks and bundles against the built package with no flags, and answers a query", async () => {
    const app = installExample("cloudflare-worker", work, buildPackage(work));
    const wrangler = readFileSync(join(app, "wrangler.toml"), "utf8");
    assert.doesNotMatch(wrangler.replace(/#.*$/gm, ""), /nodejs_compat/);
    const main = wrangler.match(/^main\s*=\s*"([^"]+)"/m)?.[1];
    assert.ok(main, "wrangler.toml names its main module");
    // It type-checks against the package's declarations, resolved as a Workers bundler does.
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: "esnext",
          moduleResolution: "bundler",
          customConditions: ["workerd", "worker"],
          lib: ["es2023", "dom"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ["src"],
      }),
    );
    execFileSync(join(BIN, "tsc"), ["-p", app], { stdio: ["ignore", "pipe", "pipe"] });
    const code = esbuild(main, app);
    assert.deepEqual(nodeImports(code), []);
    const { Miniflare } = await import("miniflare");
    const example = new Miniflare({
      modules: true,
      script: code,
      compatibilityDate: wrangler.match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1],
      compatibilityFlags: [],
      bindings: { DATABASE_URL: `${databaseUrl(env, env.users.ssl, "localhost")}?ssl-mode=verify-identity` },
      handleRuntimeStdio: log.handleRuntimeStdio,
    });
    try {
      const response = await example.dispatchFetch("http://example/?name=Workers");
      const text = await response.text();
      assert.equal(response.status, 200, text);
      const body = JSON.parse(text) as { greeting: string; tls: boolean; version: string };
      assert.equal(body.greeting, "hello, Workers");
      assert.equal(body.tls, true);
      assert.match(body.version, /MariaDB/i);
    } finally {
      await example.dispose();
    }
  });
});

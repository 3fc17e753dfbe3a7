/**
 * Workers' TLS with a server certificate from a CA that workerd does not trust (the harness's own
 * CA, not added to its store here, unlike in workers.node.test.ts): verify-identity must fail inside
 * `connect()` with a ConnectionError "TLS" that names the host name checked, and never reach the
 * point of logging in. Its own file, so its own process: miniflare reads NODE_EXTRA_CA_CERTS once,
 * when it is imported.
 */
import type { Miniflare } from "miniflare";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { COMPATIBILITY_DATE, esbuild, type Reply, workerConfig, workerdLog } from "./bundle.ts";

let mf: Miniflare;
const log = workerdLog();

before(async () => {
  const env = await testEnv();
  assert.ok(env.tls, "the Workers tests need a test server with TLS (the throwaway server has it)");
  delete process.env.NODE_EXTRA_CA_CERTS;
  const { Miniflare } = await import("miniflare");
  mf = new Miniflare({
    modules: true,
    script: esbuild("test/workers/worker.ts"),
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: [],
    bindings: { MYWIRE_TEST: JSON.stringify(workerConfig(env)) },
    handleRuntimeStdio: log.handleRuntimeStdio,
  });
});

after(async () => {
  await mf?.dispose();
});

for (const host of ["127.0.0.1", "localhost"]) {
  test(`verify-identity to ${host} with a certificate from an untrusted CA fails at connect`, async () => {
    const response = await mf.dispatchFetch(`http://worker/tls?mode=verify-identity&host=${host}`);
    const reply = (await response.json()) as Reply;
    assert.equal(reply.ok, false, `connected anyway: ${JSON.stringify(reply.value)}`);
    assert.equal(reply.error?.name, "ConnectionError");
    assert.equal(reply.error?.code, "TLS");
    assert.match(
      reply.error!.message,
      new RegExp(`TLS handshake with ${host.replace(/\./g, "\\.")}:\\d+ failed`),
    );
    assert.match(reply.error!.message, new RegExp(`certificate for "${host.replace(/\./g, "\\.")}"`));
    await eventually(
      () => /certificate is not trusted/.test(log.text()),
      "workerd logs why it did not trust it",
    );
  });
}

test("plain text still works in the same Worker (only TLS verification failed)", async () => {
  const response = await mf.dispatchFetch("http://worker/tls?mode=disabled");
  const reply = (await response.json()) as Reply;
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  assert.equal(reply.value?.tls, false);
});

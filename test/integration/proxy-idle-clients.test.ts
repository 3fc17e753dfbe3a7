/**
 * 1,000 idle clients through one multiplexing proxy: all log in and stay connected, while the
 * backend sees only the pool's few connections (at most `maxBackendConnections`); any of them can
 * still run a statement at once, and when they leave nothing is left open. The proxy runs in this
 * process, so about 2,000 sockets are open at the peak.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Connection } from "../../mod.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { connectThrough, type RunningProxy, startProxy } from "../support/proxy.ts";

const CLIENTS = 1000;
const MAX_BACKEND = 8;

let proxy: RunningProxy;
let admin: Connection;
const clients: Connection[] = [];
// The proxy's own backend login, so that the server's connections of it are the pool's alone.
const backendUser = uniqueName("idle");
const backendPassword = "idle-backend-pw";

before(async () => {
  const env = await testEnv();
  admin = await rootConnection();
  await admin.query(`CREATE USER '${backendUser}'@'%' IDENTIFIED BY '${backendPassword}'`);
  proxy = await startProxy({
    backends: [{ host: env.host, port: env.port, user: backendUser, password: backendPassword }],
    maxBackendConnections: MAX_BACKEND,
    healthCheck: false,
  });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await proxy?.stop();
  await admin?.query(`DROP USER IF EXISTS '${backendUser}'@'%'`);
  await admin?.close();
});

/** The server's connections logged in as the proxy's backend user. */
async function backendThreads(): Promise<number> {
  const [{ n }] = await admin.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?",
    [backendUser],
  );
  return Number(n);
}

test(`${CLIENTS} idle clients share at most ${MAX_BACKEND} backend connections`, async () => {
  for (let i = 0; i < CLIENTS; i += 50) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(50, CLIENTS - i) },
        () => connectThrough(proxy),
      ),
    );
    clients.push(...batch);
  }
  const s = proxy.proxy.stats();
  assert.equal(s.clients, CLIENTS);
  assert.equal(s.authenticatedClients, CLIENTS);
  assert.ok(s.pool.total >= 1 && s.pool.total <= MAX_BACKEND, `pool of ${s.pool.total}`);
  assert.equal(s.pool.inUse, 0, "idle clients hold no backend connection");
  const threads = await backendThreads();
  assert.ok(threads >= 1 && threads <= MAX_BACKEND, `the server sees only the pool (${threads})`);
  // Any client can still run a statement, also many at once.
  for (const i of [0, 1, 499, 998, 999]) {
    assert.deepEqual([...await clients[i].query("SELECT 1 AS one")], [{ one: 1 }]);
  }
  const all = await Promise.all(clients.slice(0, 200).map((c) => c.query("SELECT 2 AS two")));
  assert.ok(all.every((r) => r[0].two === 2));
  assert.ok(proxy.proxy.stats().pool.total <= MAX_BACKEND);
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await eventually(() => proxy.proxy.stats().clients === 0, "every client gone from the proxy");
});

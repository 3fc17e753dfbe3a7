/**
 * The proxy's backends: health checks (connect, login, ping, read_only, replication lag) mark each
 * backend up or down in `stats().backends`, and clients of the default choice move to the next
 * backend when one cannot be reached, and back when it returns. Backend 0 is a relay to the test
 * server that can refuse connections (a server that is down); backend 1 is the test server.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, createProxy } from "../../mod.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";
import { connectThrough, PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
let relay: FaultRelay;
let proxy: RunningProxy;

before(async () => {
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  proxy = await startProxy({
    backends: [
      { host: relay.host, port: relay.port, user: env.root.user, password: env.root.password },
      { host: env.host, port: env.port, user: env.root.user, password: env.root.password },
    ],
    healthCheck: { interval: 50, timeout: 2000 },
  });
});

after(async () => {
  await proxy?.stop();
  await relay?.close();
});

const viaProxy = () => connectThrough(proxy);

const states = () => proxy.proxy.stats().backends.map((b) => b.state);

test("health checks find both backends up, with what they read of each", async () => {
  await eventually(() => states().join() === "up,up", "both backends checked up");
  const [first, second] = proxy.proxy.stats().backends;
  assert.equal(first.address, `${relay.host}:${relay.port}`);
  assert.equal(second.address, `${env.host}:${env.port}`);
  for (const b of [first, second]) {
    assert.equal(b.type, "rw");
    assert.equal(b.configuredType, "rw");
    assert.equal(b.readOnly, false);
    assert.equal(b.replicationLag, undefined, "the test server replicates from nobody");
    assert.equal(typeof b.checkedAt, "number");
    assert.equal(b.error, undefined);
  }
});

test("a backend that goes down is marked down, new clients go to the next one, and come back", async () => {
  await eventually(() => states().join() === "up,up", "both backends up");
  relay.refuse(true);
  try {
    await eventually(() => states()[0] === "down", "backend 0 marked down by its health check");
    assert.match(proxy.proxy.stats().backends[0].error ?? "", /./, "the reason is kept");
    const conn = await viaProxy();
    try {
      assert.deepEqual([...await conn.query("SELECT 1 AS one")], [{ one: 1 }]);
      const [first, second] = proxy.proxy.stats().backends;
      assert.equal(first.connectedClients, 0);
      assert.equal(second.connectedClients, 1);
    } finally {
      await conn.close();
    }
  } finally {
    relay.refuse(false);
  }
  await eventually(() => states()[0] === "up", "backend 0 up again");
  const conn = await viaProxy();
  try {
    await conn.query("SELECT 1");
    assert.equal(
      proxy.proxy.stats().backends[0].connectedClients,
      1,
      "the first read-write backend is the default again",
    );
  } finally {
    await conn.close();
  }
});

test("a client connecting before the health check noticed fails over to the next backend", async () => {
  const p = createProxy({
    backends: [
      { host: relay.host, port: relay.port, user: env.root.user, password: env.root.password },
      { host: env.host, port: env.port, user: env.root.user, password: env.root.password },
    ],
    users: { [PROXY_USER.user]: PROXY_USER.password },
    healthCheck: false,
  });
  relay.refuse(true);
  try {
    const address = await p.listen({ host: "127.0.0.1", port: 0 });
    if ("path" in address) throw new Error("expected TCP");
    const conn = await connect({ ...address, user: PROXY_USER.user, password: PROXY_USER.password });
    try {
      assert.deepEqual([...await conn.query("SELECT 2 AS two")], [{ two: 2 }]);
      const [first, second] = p.stats().backends;
      assert.equal(first.state, "down", "the failed connect marked it");
      assert.equal(first.checkedAt, undefined, "no health check ran");
      assert.equal(second.connectedClients, 1);
    } finally {
      await conn.close();
    }
  } finally {
    relay.refuse(false);
    await p.close();
  }
});

test("bad healthCheck and backend type options are TypeErrors naming them", () => {
  const base = { backends: ["mysql://u:p@127.0.0.1:3306"], users: {} };
  assert.throws(() => createProxy({ ...base, healthCheck: { interval: -1 } }), /healthCheck\.interval/);
  assert.throws(
    () => createProxy({ ...base, healthCheck: { every: 5 } as never }),
    /healthCheck: unknown option "every"/,
  );
  assert.throws(
    () => createProxy({ ...base, backends: [{ host: "h", type: "replica" as never }] }),
    /backends\[0\]\.type must be "rw" or "ro"/,
  );
  assert.throws(() => createProxy({ ...base, backends: ["mysql://u@h:3306?type=primary"] }), /type must be/);
  assert.equal(
    createProxy({ ...base, backends: ["mysql://u@h:3306?type=ro"] }).stats().backends[0].type,
    "ro",
  );
});

/**
 * The proxy in front of a real primary and a real replica: a second throwaway MariaDB replicates
 * one database of the test server (GTID from the primary's current position, `read_only` on).
 * The health checks see the replica read-only and its lag, and take it out when replication
 * stops; the `readWriteSplit` plugin sends plain reads to it and writes and transactions to the
 * primary. examples/proxy-read-write-split/ runs as a user runs it: `mywire proxy --config` with
 * the built package. Node only: the replica is started with node:child_process.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sqlString, startThrowawayServer, type ThrowawayServer } from "../../dev/throwaway-server.ts";
import { connect, type Connection } from "../../mod.ts";
import { readWriteSplit } from "../../plugins/read-write-split.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { connectThrough, type RunningProxy, startProxy } from "../support/proxy.ts";
import { buildPackage, installExample } from "../workers/bundle.ts";

let env: TestEnv;
let replica: ThrowawayServer;
let replicaRoot: Connection;
let primaryRoot: Connection;
let proxy: RunningProxy;
const db = uniqueName("rwsplit");

before(async () => {
  env = await testEnv();
  primaryRoot = await rootConnection();
  await primaryRoot.query(`CREATE DATABASE ${db}`);
  await primaryRoot.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, v VARCHAR(20))`);
  const [{ pos }] = await primaryRoot.query<{ pos: string }>("SELECT @@global.gtid_binlog_pos AS pos");
  replica = await startThrowawayServer({
    serverId: 2,
    extraArgs: [`--replicate-do-db=${db}`, "--read-only=ON"],
  });
  replicaRoot = await connect({
    host: replica.host,
    port: replica.port,
    user: replica.rootUser,
    password: replica.rootPassword,
  });
  await replicaRoot.query(`CREATE DATABASE ${db}`);
  await replicaRoot.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, v VARCHAR(20))`);
  await replicaRoot.query(`SET GLOBAL gtid_slave_pos = ${sqlString(pos)}`);
  await replicaRoot.query(
    `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${env.port}, MASTER_USER=${
      sqlString(env.root.user)
    }, MASTER_PASSWORD=${sqlString(env.root.password)}, MASTER_USE_GTID=slave_pos`,
  );
  await replicaRoot.query("START SLAVE");
  proxy = await startProxy({
    backends: [
      { host: env.host, port: env.port, user: env.root.user, password: env.root.password },
      {
        host: replica.host,
        port: replica.port,
        user: replica.rootUser,
        password: replica.rootPassword,
        type: "ro",
      },
      // the replica once more, configured read-write: its health check finds it read-only
      { host: replica.host, port: replica.port, user: replica.rootUser, password: replica.rootPassword },
    ],
    healthCheck: { interval: 50, maxReplicationLag: 5 },
    plugins: [readWriteSplit()],
  });
});

after(async () => {
  await proxy?.stop();
  await replicaRoot?.query("STOP SLAVE").catch(() => {});
  await replicaRoot?.close();
  await replica?.stop();
  await primaryRoot?.query(`DROP DATABASE IF EXISTS ${db}`);
  await primaryRoot?.close();
});

const viaProxy = () => connectThrough(proxy);

async function serverId(conn: Connection, sql = "SELECT @@server_id AS id"): Promise<number> {
  const [{ id }] = await conn.query<{ id: number }>(sql);
  return Number(id);
}

test("health checks see the primary writable and the replica read-only, caught up", async () => {
  await eventually(() => proxy.proxy.stats().backends.every((b) => b.state === "up"), "all backends up");
  await eventually(() => proxy.proxy.stats().backends[1].replicationLag === 0, "the replica caught up");
  const [primary, ro, configuredRw] = proxy.proxy.stats().backends;
  assert.equal(primary.type, "rw");
  assert.equal(primary.readOnly, false);
  assert.equal(primary.replicationLag, undefined);
  assert.equal(ro.type, "ro");
  assert.equal(ro.readOnly, true);
  assert.equal(configuredRw.configuredType, "rw");
  assert.equal(configuredRw.type, "ro", "a read-write backend found read-only takes no writes");
  assert.equal(configuredRw.readOnly, true);
});

test("reads go to the replica, writes and transactions to the primary, and writes replicate", async () => {
  await eventually(() => proxy.proxy.stats().backends[1].state === "up", "the replica up");
  const conn = await viaProxy();
  try {
    assert.equal(await serverId(conn), 2, "a plain read runs on the replica");
    await conn.query(`INSERT INTO ${db}.t VALUES (1, 'written')`);
    const [{ id: primaryId }] = await primaryRoot.query<{ id: number }>("SELECT @@server_id AS id");
    await conn.query("BEGIN");
    assert.equal(await serverId(conn), Number(primaryId), "inside a transaction: the primary");
    await conn.query("COMMIT");
    await eventually(async () => {
      const rows = await conn.query<{ v: string }>(`SELECT v FROM ${db}.t WHERE id = 1`);
      return rows.length === 1 && rows[0].v === "written";
    }, "the write read back from the replica");
  } finally {
    await conn.close();
  }
});

test("a replica whose replication stops is taken out, and reads stay on the primary", async () => {
  await replicaRoot.query("STOP SLAVE");
  try {
    await eventually(() => proxy.proxy.stats().backends[1].state === "down", "the stopped replica down");
    const ro = proxy.proxy.stats().backends[1];
    assert.equal(ro.replicationLag, null);
    assert.equal(ro.error, "replication is stopped");
    const conn = await viaProxy();
    try {
      assert.equal(await serverId(conn), 1, "no replica is up: the read runs on the primary");
    } finally {
      await conn.close();
    }
  } finally {
    await replicaRoot.query("START SLAVE");
  }
  await eventually(() => proxy.proxy.stats().backends[1].state === "up", "the replica up again");
});

test("examples/proxy-read-write-split runs with `mywire proxy --config` from the built package", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mywire-rwsplit-"));
  let child: ChildProcess | undefined;
  try {
    const app = installExample("proxy-read-write-split", dir, buildPackage(dir));
    const e = encodeURIComponent;
    child = spawn(
      process.execPath,
      [join(app, "node_modules/mywire/dist/src/cli/main.js"), "proxy", "--config", "proxy.config.ts"],
      {
        cwd: app,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          LISTEN: "127.0.0.1:0",
          PRIMARY_URL: `mysql://${e(env.root.user)}:${e(env.root.password)}@${env.host}:${env.port}`,
          REPLICA_URL: `mysql://${e(replica.rootUser)}:${
            e(replica.rootPassword)
          }@${replica.host}:${replica.port}`,
          PROXY_USER: "app",
          PROXY_PASSWORD: "app-secret",
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      let err = "";
      child!.stderr!.on("data", (d) => (err += d));
      child!.stdout!.on("data", (d) => {
        out += d;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child!.on("exit", (code) => reject(new Error(`mywire proxy exited (${code}): ${err}`)));
    });
    const conn = await connect({ host: "127.0.0.1", port, user: "app", password: "app-secret" });
    try {
      // the first check has to find the replica up before reads go there
      await eventually(async () => await serverId(conn) === 2, "a read on the replica", 500);
      await conn.query(`INSERT INTO ${db}.t VALUES (2, 'example')`);
      assert.equal(
        await serverId(conn, "SELECT @@server_id AS id FOR UPDATE"),
        1,
        "a locking read: the primary",
      );
    } finally {
      await conn.close();
    }
  } finally {
    child?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * COM_BINLOG_DUMP through the proxy: mywire's own replication client (`binlog()`, src/binlog)
 * pointed at the proxy registers (COM_REGISTER_SLAVE), sets its user variables and streams the
 * dump over its backend connection, which is the dump's alone; it reads the same events as
 * directly from the server, non-blocking and blocking (with heartbeats), and when the replica
 * closes, its dedicated backend connection closes too (the server's Binlog Dump thread goes).
 * And a replication client nobody here wrote: `mariadb-binlog --read-from-remote-server` prints
 * the same through the proxy as straight from the server.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { binlog, type BinlogEvent, connect, type Connection, type ConnectionOptions } from "../../mod.ts";
import { testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type CliResult, runTool } from "../support/mariadb-cli.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const SCHEMA = `mywire_proxy_binlog_${runtime}_${Math.random().toString(36).slice(2, 8)}`;

let proxy: RunningProxy;
let direct: ConnectionOptions;
let throughProxy: ConnectionOptions;
let conn: Connection;

before(async () => {
  const env = await testEnv();
  direct = { host: env.host, port: env.port, user: env.root.user, password: env.root.password };
  conn = await connect(direct);
  await conn.query(`CREATE DATABASE ${SCHEMA}`);
  await conn.query(`CREATE TABLE ${SCHEMA}.t (id INT PRIMARY KEY, label VARCHAR(40), data MEDIUMBLOB)`);
  proxy = await startProxy();
  throughProxy = { host: proxy.host, port: proxy.port, user: PROXY_USER.user, password: PROXY_USER.password };
});

after(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${SCHEMA}`).catch(() => {});
  await conn?.close();
  await proxy?.stop();
});

/** The current end of the binlog. */
async function mark(): Promise<{ file: string; position: number }> {
  const [row] = await conn.query<{ File: string; Position: number }>("SHOW MASTER STATUS");
  return { file: row.File, position: Number(row.Position) };
}

/** This test's row events, without what differs between two reads. */
function ours(events: readonly BinlogEvent[]): unknown[] {
  return events
    .filter((e) => "schema" in e && e.schema === SCHEMA && e.type.endsWith("Rows"))
    .map((e) => ({ ...e }));
}

/** `mariadb-binlog` reading `file` from `position` on a server (or the proxy), rows decoded. */
function remoteBinlog(at: ConnectionOptions, from: { file: string; position: number }): Promise<CliResult> {
  return runTool("mariadb-binlog", [
    "--no-defaults",
    "--read-from-remote-server",
    `--host=${at.host}`,
    `--port=${at.port}`,
    `--user=${at.user}`,
    `--password=${at.password}`,
    `--start-position=${from.position}`,
    "--base64-output=decode-rows",
    "--verbose",
    from.file,
  ]);
}

/** Binlog Dump threads on the server now. */
async function dumpThreads(): Promise<number> {
  const rows = await conn.query<{ Command: string }>("SHOW PROCESSLIST");
  return rows.filter((r) => r.Command === "Binlog Dump").length;
}

/** No backend connection is held for a client: none outside the pool, none of the pool's in use. */
function dumpConnectionGone(): boolean {
  const s = proxy.proxy.stats();
  // backendConnections counts the pool's too: the idle ones other clients left are not the dump's
  return s.backendConnections === s.pool.total && s.pool.inUse === 0;
}

describe("COM_BINLOG_DUMP through the proxy", () => {
  test("non-blocking: the same events as directly from the server, a 1 MB row included", async () => {
    const from = await mark();
    await conn.query(`INSERT INTO ${SCHEMA}.t VALUES (1, 'one', NULL), (2, 'two', REPEAT('b', 1000000))`);
    await conn.query(`UPDATE ${SCHEMA}.t SET label = 'uno' WHERE id = 1`);
    await conn.query(`DELETE FROM ${SCHEMA}.t WHERE id = 2`);
    const read = async (options: ConnectionOptions) => {
      const events: BinlogEvent[] = [];
      for await (const e of binlog({ ...options, ...from, blocking: false })) events.push(e);
      return events;
    };
    const viaProxy = ours(await read(throughProxy));
    const types = new Set(viaProxy.map((e) => (e as BinlogEvent).type));
    assert.deepEqual([...types].sort(), ["DeleteRows", "UpdateRows", "WriteRows"]);
    assert.deepEqual(viaProxy, ours(await read(direct)));
    await eventually(dumpConnectionGone, "the dump's backend connection closed");
  });

  test("blocking: heartbeats and a new event, then the replica closes and so does its backend connection", async () => {
    const before = await dumpThreads();
    const stream = binlog({
      ...throughProxy,
      heartbeatInterval: 300,
      onlyEvents: ["Heartbeat", "WriteRows"],
      onlyTables: [`${SCHEMA}.t`],
    });
    const it = stream[Symbol.asyncIterator]();
    const timeout = setTimeout(() => stream.close(), 60_000);
    try {
      const first = await it.next();
      assert.equal(first.done, false);
      assert.equal(first.value.type, "Heartbeat");
      assert.equal(await dumpThreads(), before + 1);
      await conn.query(`INSERT INTO ${SCHEMA}.t VALUES (3, 'three', NULL)`);
      let e = await it.next();
      while (!e.done && e.value.type === "Heartbeat") e = await it.next();
      assert.ok(!e.done && e.value.type === "WriteRows");
      assert.deepEqual(e.value.rows, [{ id: 3, label: "three", data: null }]);
    } finally {
      clearTimeout(timeout);
      await stream.close();
    }
    await eventually(dumpConnectionGone, "the dump's backend connection closed");
    await eventually(async () => (await dumpThreads()) === before, "the server's Binlog Dump thread ended");
  });

  test("mariadb-binlog --read-from-remote-server through the proxy prints what it prints directly", async () => {
    const from = await mark();
    await conn.query(`INSERT INTO ${SCHEMA}.t VALUES (10, 'from mariadb-binlog', NULL)`);
    await conn.query(`UPDATE ${SCHEMA}.t SET label = 'changed' WHERE id = 10`);
    const viaProxy = await remoteBinlog(throughProxy, from);
    assert.equal(viaProxy.err, "");
    assert.equal(viaProxy.code, 0);
    assert.match(viaProxy.out, new RegExp(`### INSERT INTO \`${SCHEMA}\`\\.\`t\``));
    assert.match(viaProxy.out, /### {3}@2='from mariadb-binlog'/);
    assert.match(viaProxy.out, /### {3}@2='changed'/);
    // Byte for byte the same as reading the server directly (the events carry their own times).
    const straight = await remoteBinlog(direct, from);
    assert.equal(viaProxy.out, straight.out);
    await eventually(dumpConnectionGone, "the dump's backend connection closed");
  });
});

/**
 * sysbench (libmariadb, server-side prepared statements in transactions) through a multiplexing
 * proxy with fewer backend connections than clients: 8 threads of `oltp_read_only` and 4 of
 * `oltp_read_write` over 2 pooled connections, with no errors but the server's own deadlocks
 * (1213) and no reconnects; afterwards no client, pin or borrowed connection is left. Throughput is
 * not asserted (bench/proxy.ts measures).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootConnection, uniqueName } from "../support/db.ts";
import { testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";
import { run, sysbench, sysbenchOptions } from "../support/sysbench.ts";

let proxy: RunningProxy;
const database = uniqueName("mux_sb");

before(async () => {
  await testEnv();
  const admin = await rootConnection();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.close();
  proxy = await startProxy({ maxBackendConnections: 2, waitTimeout: 60_000 });
});

after(async () => {
  await proxy?.stop();
  const admin = await rootConnection();
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.close();
});

describe("sysbench through a multiplexing proxy", () => {
  test("more clients than backend connections, transactions and prepared statements", async () => {
    const bin = await sysbench();
    const common = sysbenchOptions(proxy.port, PROXY_USER, database);
    const prepare = await run(bin, ["oltp_read_write", ...common, "prepare"]);
    assert.equal(prepare.code, 0, prepare.err + prepare.out);
    try {
      for (const [workload, threads] of [["oltp_read_only", 8], ["oltp_read_write", 4]] as const) {
        const r = await run(bin, [
          workload,
          ...common,
          `--threads=${threads}`,
          "--time=2",
          "--mysql-ignore-errors=1213",
          "run",
        ]);
        assert.equal(r.code, 0, r.err + r.out);
        assert.ok(Number(/transactions:\s+(\d+)/.exec(r.out)?.[1]) > 0, r.out);
        assert.equal(Number(/reconnects:\s+(\d+)/.exec(r.out)?.[1]), 0, r.out);
        assert.ok(proxy.proxy.stats().pool.total <= 2);
        await eventually(() => proxy.proxy.stats().clients === 0, "sysbench's clients gone");
        const stats = proxy.proxy.stats();
        assert.equal(stats.pinnedClients, 0);
        assert.equal(stats.pool.inUse, 0);
        assert.equal(stats.pool.waiting, 0);
      }
    } finally {
      const cleanup = await run(bin, ["oltp_read_write", ...common, "cleanup"]);
      assert.equal(cleanup.code, 0, cleanup.err + cleanup.out);
    }
  });
});

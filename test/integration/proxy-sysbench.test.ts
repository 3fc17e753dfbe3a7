/**
 * sysbench (its own MySQL driver, libmariadb) through the mywire proxy: prepares a table
 * (multi-row INSERTs, CREATE INDEX), runs `oltp_read_only` from 4 threads and `oltp_write_only`
 * from one, a few seconds each, as transactions of server-side prepared statements, and cleans up,
 * with no errors (none ignored) and no reconnects. Throughput
 * is not asserted here (bench/proxy.ts measures). Installs Debian's sysbench when missing, as root.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootConnection, uniqueName } from "../support/db.ts";
import { testEnv } from "../support/env.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";
import { run, sysbench, sysbenchOptions } from "../support/sysbench.ts";

let proxy: RunningProxy;
const database = uniqueName("proxy_sb");

before(async () => {
  await testEnv();
  const admin = await rootConnection();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.close();
  proxy = await startProxy();
});

after(async () => {
  await proxy?.stop();
  const admin = await rootConnection();
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.close();
});

describe("sysbench", () => {
  test("prepare, oltp_read_only (4 threads), oltp_write_only, cleanup through the proxy without errors", async () => {
    const bin = await sysbench();
    const common = sysbenchOptions(proxy.port, PROXY_USER, database);
    const prepare = await run(bin, ["oltp_read_write", ...common, "prepare"]);
    assert.equal(prepare.code, 0, prepare.err + prepare.out);
    try {
      // Reads from 4 threads; writes from 1 (several writers may deadlock, which is the server's doing).
      for (const [workload, threads] of [["oltp_read_only", 4], ["oltp_write_only", 1]] as const) {
        const r = await run(bin, [
          workload,
          ...common,
          `--threads=${threads}`,
          "--time=2",
          "--mysql-ignore-errors=none",
          "run",
        ]);
        assert.equal(r.code, 0, r.err + r.out);
        const transactions = Number(/transactions:\s+(\d+)/.exec(r.out)?.[1]);
        const errors = Number(/ignored errors:\s+(\d+)/.exec(r.out)?.[1]);
        const reconnects = Number(/reconnects:\s+(\d+)/.exec(r.out)?.[1]);
        assert.ok(transactions > 0, r.out);
        assert.equal(errors, 0, r.out);
        assert.equal(reconnects, 0, r.out);
      }
    } finally {
      const cleanup = await run(bin, ["oltp_read_write", ...common, "cleanup"]);
      assert.equal(cleanup.code, 0, cleanup.err + cleanup.out);
    }
  });
});

/**
 * SELECT 1 round trips of mywire, mysql2 and mariadb in one Node process, interleaved in short
 * batches, so that a noisy machine slows all three alike: prints each driver's median batch rate,
 * the CPU time this process spent per query (user + system: the driver's own cost, whatever the
 * server does) and the ratios. A check of per-command overhead that holds up on a shared machine
 * (the (a) workload of bench/run.ts runs each driver in its own process, one after the other).
 *
 *   node bench/interleaved.ts            # starts a throwaway server
 *   taskset -c 0 node bench/interleaved.ts
 *   MYWIRE_BENCH_URL=mysql://root:pw@127.0.0.1:3306/ node bench/interleaved.ts
 *
 * On a 2-core machine the round trip rate is bimodal (near 11,000/s or near 40,000/s, per
 * connection, whatever the driver: it depends on whether the server's thread and the client wake
 * each other across cores); under `taskset -c 0` the server (a child of this process) and the
 * client share one core, and the rates hold steady from run to run.
 */
import { startThrowawayServer, type ThrowawayServer } from "../dev/throwaway-server.ts";
import mariadbDriver from "./drivers/mariadb.ts";
import mysql2Driver from "./drivers/mysql2.ts";
import mywireDriver from "./drivers/mywire.ts";
import type { BenchConnection, ConnectionSettings } from "./drivers/types.ts";
import { benchUrlSettings } from "./server-url.ts";

const BATCH = 200;
const BATCHES = 80;

async function main(): Promise<void> {
  let server: ThrowawayServer | undefined;
  let settings: ConnectionSettings;
  const fromUrl = benchUrlSettings("mysql");
  if (fromUrl) {
    settings = fromUrl;
  } else {
    server = await startThrowawayServer({ log: () => {} });
    settings = {
      host: server.host,
      port: server.port,
      user: server.rootUser,
      password: server.rootPassword,
      database: "mysql",
    };
  }
  try {
    const drivers = [mywireDriver, mysql2Driver, mariadbDriver];
    const conns: BenchConnection[] = [];
    for (const d of drivers) conns.push(await d.connect(settings));
    const rates: number[][] = drivers.map(() => []);
    const cpu: number[][] = drivers.map(() => []);
    for (let b = -5; b < BATCHES; b++) {
      for (let i = 0; i < conns.length; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let q = 0; q < BATCH; q++) await conns[i].query("SELECT 1");
        const t1 = performance.now();
        const used = process.cpuUsage(c0);
        if (b >= 0) {
          rates[i].push((BATCH * 1000) / (t1 - t0));
          cpu[i].push((used.user + used.system) / BATCH);
        }
      }
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
    const m = rates.map(median);
    drivers.forEach((d, i) =>
      console.log(
        `${d.label.padEnd(8)} ${Math.round(m[i]).toLocaleString("en-US")} queries/s, ${
          median(cpu[i]).toFixed(1)
        } us CPU per query`,
      )
    );
    // Each batch against the peer's batch run right after it, then the median of those ratios:
    // steadier on a busy machine than the ratio of the medians.
    const ratio = (peer: number) => median(rates[0].map((r, b) => r / rates[peer][b])).toFixed(2);
    console.log(`mywire / mysql2 ${ratio(1)}x, mywire / mariadb ${ratio(2)}x (median of per-batch ratios)`);
    // CPU per query: peer / mywire, so that above 1 mywire costs less.
    const cpuRatio = (peer: number) => median(cpu[0].map((c, b) => cpu[peer][b] / c)).toFixed(2);
    console.log(`CPU per query, peer / mywire: mysql2 ${cpuRatio(1)}x, mariadb ${cpuRatio(2)}x`);
    for (const c of conns) await c.close();
  } finally {
    await server?.stop();
  }
}

await main();

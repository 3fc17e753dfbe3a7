/**
 * What giving failed commands the caller's stack costs the commands that succeed
 * (client/call-site.ts: the stack is captured only on failure, through one extra await):
 * `SELECT 1` on one native connection, by `query` and by `execute`, with it on (as shipped) and off
 * (`setStacksOnFailure(false)`, only for this measurement), rounds interleaved in one Node process
 * on one throwaway MariaDB, in short blocks that alternate between the two (so both see the same
 * load), reported as ops/s over all blocks and as the ratio on / off. Nobody subscribes to the tracing channels, so
 * their `hasSubscribers` checks are in both columns.
 *
 *   node bench/call-site.ts [--blocks N]
 */
import { startThrowawayServer } from "../dev/throwaway-server.ts";
import { connect } from "../mod.ts";
import { setStacksOnFailure } from "../src/client/call-site.ts";

const blocksArg = process.argv.indexOf("--blocks");
const BLOCKS = blocksArg > 0 ? Number(process.argv[blocksArg + 1]) : 400;
const BLOCK_OPS = 50;

async function main(): Promise<void> {
  const server = await startThrowawayServer();
  try {
    const conn = await connect({
      host: server.host,
      port: server.port,
      user: server.rootUser,
      password: server.rootPassword,
    });
    const modes: Record<string, boolean> = { "caller stack on": true, "off": false };
    const workloads: { name: string; run: () => Promise<unknown> }[] = [
      { name: "SELECT 1 (query)", run: () => conn.query("SELECT 1") },
      { name: "SELECT 1 (execute)", run: () => conn.execute("SELECT 1") },
    ];
    console.log(
      `Node ${process.version}, ${BLOCKS} blocks of ${BLOCK_OPS} commands per mode and workload, the modes alternating block by block\n`,
    );
    console.log(`| workload | caller stack on (ops/s) | off (ops/s) | on / off |`);
    console.log(`| --- | ---: | ---: | ---: |`);
    const names = Object.keys(modes);
    for (const w of workloads) {
      for (let i = 0; i < 500; i++) await w.run(); // warm-up
      // Short blocks, alternating, so both modes see the same machine (a shared machine's speed
      // changes from second to second): the total time of each mode's blocks gives its rate.
      const time: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
      for (let block = 0; block < BLOCKS; block++) {
        for (let k = 0; k < names.length; k++) {
          const n = names[(block + k) % names.length];
          setStacksOnFailure(modes[n]);
          const start = performance.now();
          for (let i = 0; i < BLOCK_OPS; i++) await w.run();
          time[n] += performance.now() - start;
        }
      }
      setStacksOnFailure(true);
      const rate = (n: string) => (BLOCKS * BLOCK_OPS) / (time[n] / 1000);
      const on = rate("caller stack on"), off = rate("off");
      console.log(
        `| ${w.name} | ${Math.round(on).toLocaleString("en")} | ${Math.round(off).toLocaleString("en")} | ${
          (on / off).toFixed(3)
        }x |`,
      );
    }
    await conn.close();
  } finally {
    await server.stop();
  }
}

await main();

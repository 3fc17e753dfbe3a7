/**
 * Soak: mixed reads and writes through a pool of 16 at full speed for a fixed time (two minutes by
 * default), reporting queries per second, errors and wrong results (goal: 0), and memory at the
 * start and the end (heap after a full GC where the runtime allows it, and RSS; goal: no growth).
 * Every read checks that its result is its own (`SELECT ? AS tag`).
 *
 * Run: `node --expose-gc bench/soak.ts [seconds]` (starts a throwaway MariaDB; MYWIRE_BENCH_URL uses
 * another). Writes bench/results/soak.md.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startThrowawayServer } from "../dev/throwaway-server.ts";
import { type ConnectionOptions, createPool, parseUrl } from "../mod.ts";

const seconds = Number(process.argv[2] ?? 120);
const WORKERS = 32;

function memory(): { heapMB: number; rssMB: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20 };
}

async function main(): Promise<void> {
  const external = process.env.MYWIRE_BENCH_URL;
  const server = external ? undefined : await startThrowawayServer({});
  const base: ConnectionOptions = external
    ? parseUrl(external)
    : { host: server!.host, port: server!.port, user: server!.rootUser, password: server!.rootPassword };
  try {
    const pool = createPool({ ...base, max: 16 });
    await pool.query("CREATE DATABASE IF NOT EXISTS soak");
    await pool.query(
      "CREATE OR REPLACE TABLE soak.t (id INT AUTO_INCREMENT PRIMARY KEY, w INT, v VARCHAR(40))",
    );
    let ops = 0, errors = 0, wrong = 0, reads = 0, writes = 0, transactions = 0;
    const firstErrors: string[] = [];
    const fail = (e: unknown) => {
      errors++;
      if (firstErrors.length < 5) firstErrors.push(String(e));
    };
    const worker = async (w: number, until: number) => {
      let i = 0;
      while (performance.now() < until) {
        const tag = w * 1_000_000 + i++;
        const kind = i % 10;
        try {
          if (kind < 6) {
            const [row] = await pool.execute<{ tag: number }>("SELECT ? AS tag", [tag]);
            if (row.tag !== tag) wrong++;
            reads++;
          } else if (kind < 9) {
            await pool.execute("INSERT INTO soak.t (w, v) VALUES (?, ?)", [w, `value-${tag}`]);
            writes++;
          } else {
            await pool.transaction(async (tx) => {
              await tx.execute("UPDATE soak.t SET v = ? WHERE w = ? ORDER BY id DESC LIMIT 1", [
                `tx-${tag}`,
                w,
              ]);
              const [row] = await tx.query<{ tag: number }>("SELECT ? AS tag", [tag]);
              if (row.tag !== tag) wrong++;
            });
            transactions++;
          }
          ops++;
        } catch (error) {
          fail(error);
        }
      }
    };
    // Warm up, then measure memory at the start.
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w, performance.now() + 3000)));
    ops =
      errors =
      wrong =
      reads =
      writes =
      transactions =
        0;
    const start = memory();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w, t0 + seconds * 1000)));
    const elapsed = (performance.now() - t0) / 1000;
    const end = memory();
    const stats = pool.stats();
    await pool.close();
    const report = [
      "# Soak",
      "",
      `${new Date().toISOString().slice(0, 16)} UTC, ${process.release.name} ${process.versions.node}, `
      + `pool of 16, ${WORKERS} workers, ${seconds} s of 60% reads, 30% inserts, 10% transactions.`,
      "",
      "| figure | value |",
      "| --- | ---: |",
      `| operations/s | ${Math.round(ops / elapsed).toLocaleString("en")} |`,
      `| reads / inserts / transactions | ${reads} / ${writes} / ${transactions} |`,
      `| errors | ${errors} |`,
      `| results that were not their own | ${wrong} |`,
      `| heap at start / end (MB, after GC) | ${start.heapMB.toFixed(1)} / ${end.heapMB.toFixed(1)} |`,
      `| RSS at start / end (MB) | ${start.rssMB.toFixed(0)} / ${end.rssMB.toFixed(0)} |`,
      `| pool at the end (total / idle / borrowed / waiting) | ${stats.total} / ${stats.idle} / ${stats.borrowed} / ${stats.waiting} |`,
      ...(firstErrors.length ? ["", "First errors:", "", ...firstErrors.map((e) => `- ${e}`)] : []),
      "",
    ].join("\n");
    console.log(report);
    writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "results", "soak.md"), report);
  } finally {
    await server?.stop();
  }
}

await main();

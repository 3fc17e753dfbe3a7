/**
 * What the plugin pipeline costs the real client: `SELECT 1` round trips per second through
 * `connect()` with no `plugins` option (the pipeline-free path), with `plugins: []`, and with one
 * no-op plugin written as a plain function, an async function and an Effect. Rounds alternate
 * between the connections so that load on the machine falls on all of them alike; the median of
 * the rounds is reported with its ratio to the pipeline-free path.
 *
 * Run: `node bench/pipeline-client.ts` (starts a throwaway MariaDB; MYWIRE_BENCH_URL uses another).
 */
import { Effect } from "effect";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startThrowawayServer } from "../dev/throwaway-server.ts";
import { connect, type Connection, type ConnectionOptions, definePlugin, parseUrl } from "../mod.ts";

const ROUNDS = 9;
const ROUND_MS = 400;

const variants: [string, ConnectionOptions][] = [
  ["no plugins option (pipeline-free path)", {}],
  ["plugins: []", { plugins: [] }],
  ["one no-op plugin, plain function", {
    plugins: [definePlugin({ name: "noop", readQuery: () => undefined })],
  }],
  ["one no-op plugin, async function", {
    plugins: [definePlugin({ name: "noop", readQuery: async () => undefined })],
  }],
  ["one no-op plugin, Effect", { plugins: [definePlugin({ name: "noop", readQuery: () => Effect.void })] }],
];

async function round(conn: Connection): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ROUND_MS) {
    await conn.query("SELECT 1");
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const external = process.env.MYWIRE_BENCH_URL;
  const server = external ? undefined : await startThrowawayServer({});
  const base: ConnectionOptions = external
    ? parseUrl(external)
    : { host: server!.host, port: server!.port, user: server!.rootUser, password: server!.rootPassword };
  try {
    const conns = await Promise.all(variants.map(([, o]) => connect({ ...base, ...o })));
    for (const c of conns) for (let i = 0; i < 300; i++) await c.query("SELECT 1");
    const samples = conns.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < conns.length; i++) samples[i].push(await round(conns[(i + r) % conns.length]));
    }
    // samples[i] holds rounds of connection (i + r) % n: regroup them by connection.
    const byConn = conns.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < conns.length; i++) byConn[(i + r) % conns.length].push(samples[i][r]);
    }
    const medians = byConn.map(median);
    const lines = [
      "| path | SELECT 1 / s (median of " + ROUNDS + " rounds) | vs pipeline-free |",
      "| --- | ---: | ---: |",
      ...variants.map(([name], i) =>
        `| ${name} | ${Math.round(medians[i]).toLocaleString("en")} | ${
          ((medians[i] / medians[0] - 1) * 100).toFixed(1)
        } % |`
      ),
    ];
    const report = `# Plugin pipeline overhead in the client\n\n${
      new Date().toISOString().slice(0, 16)
    } UTC, Node ${process.versions.node}, through connect() against MariaDB on the same machine.\n\n${
      lines.join("\n")
    }\n`;
    console.log(report);
    const out = join(dirname(fileURLToPath(import.meta.url)), "results", "pipeline-client.md");
    writeFileSync(out, report);
    for (const c of conns) await c.close();
  } finally {
    await server?.stop();
  }
}

await main();

/**
 * What the plugin pipeline costs: `SELECT 1` round trips per second against a throwaway MariaDB (or
 * MYWIRE_BENCH_URL) without a pipeline, with `createPipeline([])` (which is `undefined`: the session
 * calls nothing, so this is the same path by construction, measured again to show the noise), and
 * with one no-op plugin (plain, async, and Effect); plus the pipeline's own cost per command in
 * memory, without I/O. Each path has its own connection and the same reading code (the pipeline's
 * ResultCollector); the plugin paths call `onQuery` first, as the wired session will, so the paths
 * differ only in the pipeline call. Paths take turns in batches so drift hits all of them alike.
 *
 *   node bench/pipeline.ts [--rounds 7] [--ms 1000]
 *
 * Writes bench/pipeline-results.md and prints the same table.
 */
import { Effect } from "effect";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startThrowawayServer, type ThrowawayServer } from "../dev/throwaway-server.ts";
import { connect, createPipeline, definePlugin, type Plugin, ServerStatus } from "../mod.ts";
import { ResultCollector } from "../src/pipeline/collector.ts";
import { decodeCommand } from "../src/pipeline/command.ts";
import type { Injection } from "../src/pipeline/queue.ts";
import { openConnection } from "../test/integration/pipeline-connection.ts";
import type { TestEnv } from "../test/support/env.ts";
import {
  DRIVER_CAPS,
  type DriverConnection,
  PipelineDriver,
  scriptedConnection,
} from "../test/unit/pipeline-driver.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = option("rounds", 7);
const ROUND_MS = option("ms", 1000);

const SELECT1 = new Uint8Array([3, ...new TextEncoder().encode("SELECT 1")]);
const noop = {
  plain: definePlugin({ name: "noop", readQuery: () => undefined }),
  async: definePlugin({ name: "noop-async", readQuery: async () => undefined }),
  effect: definePlugin({ name: "noop-effect", readQuery: () => Effect.void }),
};

/** SELECT 1 on a link with no pipeline at all: write, collect the response, decode the rows. */
function plainQuery(link: DriverConnection, capabilities: number): () => Promise<unknown> {
  const entry: Injection = {
    id: 0,
    command: decodeCommand(SELECT1),
    original: true,
    resultsetIsNeeded: true,
    streamed: true,
    observed: false,
    expectsResponse: true,
    injectedBy: undefined,
  };
  return async () => {
    await link.writeCommand(SELECT1);
    const c = new ResultCollector(entry, { capabilities, extendedTypeInfo: true, keepRows: true });
    while (c.push(await link.read()) !== "done");
    return c.finish().rows;
  };
}

/** Runs `op` `n` times; returns the elapsed milliseconds. */
async function batch(op: () => Promise<unknown>, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await op();
  return performance.now() - start;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Nanoseconds per `onQuery` of one plugin, in memory (no socket). */
async function pipelineCost(plugin: Plugin): Promise<number> {
  const pipeline = createPipeline([plugin])!;
  const driver = new PipelineDriver(
    pipeline.open({ server: { capabilities: DRIVER_CAPS }, statusFlags: () => ServerStatus.AUTOCOMMIT }),
    async () => scriptedConnection(() => ({ _tag: "Ok" }), 0),
  );
  const ps = driver.ps;
  for (let i = 0; i < 20_000; i++) await ps.onQuery(SELECT1);
  const n = 200_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) await ps.onQuery(SELECT1);
  return ((performance.now() - start) * 1e6) / n;
}

async function main(): Promise<void> {
  let server: ThrowawayServer | undefined;
  let env: TestEnv;
  const external = process.env.MYWIRE_BENCH_URL;
  if (external) {
    const url = new URL(external);
    env = {
      host: url.hostname,
      port: Number(url.port || 3306),
      root: { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) },
      database: url.pathname.slice(1) || "mysql",
    } as TestEnv;
  } else {
    console.error("starting a throwaway MariaDB ...");
    server = await startThrowawayServer({ log: (line) => console.error(`  ${line}`) });
    env = {
      host: server.host,
      port: server.port,
      root: { user: server.rootUser, password: server.rootPassword },
      database: "mysql",
    } as TestEnv;
  }
  try {
    const conn = await connect({
      host: env.host,
      port: env.port,
      user: env.root.user,
      password: env.root.password,
      ssl: "disabled",
    });
    const raw = await openConnection(env);
    const caps = raw.info.capabilities;
    // With a plugin, the session calls onQuery first and then, the plan being "send the client's
    // command, streamed", runs its usual path: exactly what the wiring adds to a query.
    const links: DriverConnection[] = [];
    const withPlugin = async (plugin: Plugin) => {
      const { link, info } = await openConnection(env);
      links.push(link);
      const ps = createPipeline([plugin])!.open({
        server: { capabilities: info.capabilities, mariadbCapabilities: info.mariadbCapabilities },
        statusFlags: () => ServerStatus.AUTOCOMMIT,
      });
      const query = plainQuery(link, info.capabilities);
      return async () => {
        const plan = await ps.onQuery(SELECT1);
        if (plan._tag !== "SendQuery" || !plan.queue[0].streamed || plan.queue.length !== 1) {
          throw new Error("unexpected plan");
        }
        return query();
      };
    };
    const empty = createPipeline([]);
    const plain = plainQuery(raw.link, caps);
    const variants: Record<string, () => Promise<unknown>> = {
      "Connection.query (the client today)": () => conn.query("SELECT 1"),
      "no pipeline": plain,
      "createPipeline([]) (undefined: same path)": empty === undefined
        ? plainQuery((await openConnection(env)).link, caps)
        : () => Promise.reject(new Error("not undefined")),
      "1 no-op plugin (plain function)": await withPlugin(noop.plain),
      "1 no-op plugin (async function)": await withPlugin(noop.async),
      "1 no-op plugin (Effect)": await withPlugin(noop.effect),
    };
    // Batches of BATCH round trips, the variants taking turns, so load changes on the machine hit
    // every variant alike; a round is ROUND_MS of batches per variant; figures are per-round rates.
    const BATCH = 50;
    const names = Object.keys(variants);
    const rounds: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
    for (const op of Object.values(variants)) await batch(op, 500); // warm up
    for (let r = 0; r < ROUNDS; r++) {
      const time: Record<string, number> = Object.fromEntries(names.map((k) => [k, 0]));
      const ops: Record<string, number> = Object.fromEntries(names.map((k) => [k, 0]));
      const roundStart = performance.now();
      while (performance.now() - roundStart < ROUND_MS * names.length) {
        for (const name of names) {
          time[name] += await batch(variants[name], BATCH);
          ops[name] += BATCH;
        }
      }
      for (const name of names) rounds[name].push((ops[name] * 1000) / time[name]);
      console.error(`round ${r + 1}/${ROUNDS} done`);
    }
    const base = median(rounds["no pipeline"]);
    const lines = [
      `# Pipeline overhead: SELECT 1 round trips`,
      ``,
      `${process.release.name} ${process.version}, ${ROUNDS} rounds of about ${ROUND_MS} ms per path (batches of 50 round trips, paths taking turns), median of the rounds; one connection per path, TLS off.`,
      ``,
      `| path | SELECT 1 / s | vs no pipeline |`,
      `| --- | ---: | ---: |`,
      ...Object.entries(rounds).map(([name, xs]) => {
        const m = median(xs);
        return `| ${name} | ${Math.round(m).toLocaleString("en")} | ${((m / base - 1) * 100).toFixed(1)} % |`;
      }),
      ``,
      `Pipeline cost per command in memory (\`onQuery\` with one no-op plugin, no socket):`,
      ``,
      `| hook | ns / command |`,
      `| --- | ---: |`,
    ];
    for (const [name, plugin] of Object.entries(noop)) {
      lines.push(`| ${name} | ${Math.round(await pipelineCost(plugin)).toLocaleString("en")} |`);
    }
    const report = lines.join("\n") + "\n";
    console.log(report);
    writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "pipeline-results.md"), report);
    await conn.close();
    raw.link.close();
    for (const l of links) l.close();
  } finally {
    await server?.stop();
  }
}

await main();

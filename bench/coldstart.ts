/**
 * `npm run bench:coldstart`: how long a fresh process takes from start to the first `SELECT 1`
 * result, and its RSS once connected, for mywire (the built package, imported as `mywire`) and
 * mysql2, on Node, Deno and Bun, against one throwaway MariaDB. Hyperfine-style: each sample is a
 * new process (bench/coldstart-child.mjs), the drivers alternate, the first runs are a warm-up
 * (to fill the OS file cache), and the table gives the medians and the ratios mywire / mysql2.
 *
 *   node bench/coldstart.ts [--runs 20] [--warmup 3] [--runtime node,deno,bun] [--out DIR]
 *
 * Start to first result is measured from outside: from just before the spawn to the moment the
 * child's line arrives (the child prints it as soon as the result is in, before closing). The
 * child also reports how much of it was the import and the connect, by its own clock.
 * mywire is imported from dist/ (`npm run build` first; `npm run bench:coldstart` does it).
 * MYWIRE_BENCH_URL=mysql://user:pw@host:port/ uses that server instead of a throwaway one.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startThrowawayServer, type ThrowawayServer } from "../dev/throwaway-server.ts";
import { benchUrlSettings } from "./server-url.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CHILD = join(ROOT, "bench", "coldstart-child.mjs");
const RUNTIMES = ["node", "deno", "bun"] as const;
const DRIVERS = ["mywire", "mysql2"] as const;
type RuntimeName = (typeof RUNTIMES)[number];
type Driver = (typeof DRIVERS)[number];

interface Settings {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** One cold start as the child reported it, plus the wall time seen from here. */
interface Sample {
  wallMs: number;
  importMs: number;
  connectMs: number;
  rss: number;
}

interface Row {
  runtime: RuntimeName;
  driver: Driver;
  version: string;
  samples: Sample[];
  failures: string[];
}

function parseArgs(argv: string[]): { runs: number; warmup: number; runtimes: RuntimeName[]; out: string } {
  let runs = 20;
  let warmup = 3;
  let runtimes: RuntimeName[] = [...RUNTIMES];
  let out = join(ROOT, "bench", "results");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--runs") runs = Number(value());
    else if (arg === "--warmup") warmup = Number(value());
    else if (arg === "--runtime") {
      runtimes = value().split(",").map((r) => {
        if (!(RUNTIMES as readonly string[]).includes(r)) throw new Error(`unknown runtime ${r}`);
        return r as RuntimeName;
      });
    } else if (arg === "--out") out = resolve(value());
    else {throw new Error(
        `unknown option ${arg}; usage: node bench/coldstart.ts [--runs N] [--warmup N] [--runtime node,deno,bun] [--out DIR]`,
      );}
  }
  if (!(runs >= 1 && Number.isInteger(runs)) || !(warmup >= 0 && Number.isInteger(warmup))) {
    throw new Error("--runs and --warmup take whole numbers (--runs at least 1)");
  }
  return { runs, warmup, runtimes, out };
}

/** The command line that runs the child on a runtime (Node: this very binary). */
function command(runtime: RuntimeName, driver: Driver, settings: Settings): [string, string[]] {
  const args = [CHILD, driver, JSON.stringify(settings)];
  if (runtime === "node") return [process.execPath, args];
  const bin = join(ROOT, "node_modules", ".bin", runtime);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: npm install`);
  if (runtime === "deno") return [bin, ["run", "-A", "--no-check", "--no-lock", ...args]];
  return [bin, args];
}

/** Runs one child; resolves with its sample once it has exited. */
function coldStart(runtime: RuntimeName, driver: Driver, settings: Settings): Promise<Sample> {
  const [cmd, args] = command(runtime, driver, settings);
  return new Promise((done, fail) => {
    const started = performance.now();
    let wallMs: number | undefined;
    let stdout = "";
    let stderr = "";
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NODE_OPTIONS: "" },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (chunk: Buffer) => {
      wallMs ??= performance.now() - started;
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split("\n")[0];
      if (code !== 0 || wallMs === undefined || !line) {
        fail(new Error(`${runtime} ${driver}: exit ${code ?? signal}: ${stderr.trim().slice(0, 500)}`));
        return;
      }
      const report = JSON.parse(line) as { importMs: number; connectMs: number; rss: number };
      done({ wallMs, importMs: report.importMs, connectMs: report.connectMs, rss: report.rss });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function runtimeVersion(runtime: RuntimeName): Promise<string> {
  if (runtime === "node") return Promise.resolve(`Node ${process.version}`);
  const bin = join(ROOT, "node_modules", ".bin", runtime);
  return new Promise((done) => {
    const child = spawn(bin, ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.on("close", () => {
      const v = out.trim().split("\n")[0].replace(/^deno /, "").split(" ")[0];
      done(`${runtime === "deno" ? "Deno" : "Bun"} ${v}`);
    });
    child.on("error", () => done(runtime));
  });
}

const MiB = 1024 * 1024;

function table(rows: Row[]): string {
  const lines = [
    "| runtime | driver | start to first result | of which import | of which connect | RSS after connect | time mywire / mysql2 | RSS mywire / mysql2 |",
    "| ------- | ------ | --------------------: | --------------: | ---------------: | ----------------: | -------------------: | ------------------: |",
  ];
  for (const row of rows) {
    if (row.samples.length === 0) {
      lines.push(`| ${row.version} | ${row.driver} | failed: ${row.failures[0] ?? "no samples"} | | | | | |`);
      continue;
    }
    const wall = median(row.samples.map((s) => s.wallMs));
    const rss = median(row.samples.map((s) => s.rss));
    let ratios = " | | |";
    if (row.driver === "mywire") {
      const peer = rows.find((r) =>
        r.runtime === row.runtime && r.driver === "mysql2" && r.samples.length > 0
      );
      if (peer) {
        const peerWall = median(peer.samples.map((s) => s.wallMs));
        const peerRss = median(peer.samples.map((s) => s.rss));
        ratios = ` | **${(wall / peerWall).toFixed(2)}x** | **${(rss / peerRss).toFixed(2)}x** |`;
      }
    }
    lines.push(
      `| ${row.version} | ${row.driver} | ${wall.toFixed(0)} ms | ${
        median(row.samples.map((s) => s.importMs)).toFixed(0)
      } ms | ${median(row.samples.map((s) => s.connectMs)).toFixed(0)} ms | ${
        (rss / MiB).toFixed(0)
      } MiB${ratios}`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, "dist", "src", "entry", "node.js"))) {
    throw new Error("dist/ is missing or stale: npm run build (npm run bench:coldstart does it)");
  }
  let server: ThrowawayServer | undefined;
  let settings: Settings;
  const fromUrl = benchUrlSettings("mysql");
  if (fromUrl) {
    settings = fromUrl;
  } else {
    console.log("starting a throwaway MariaDB ...");
    server = await startThrowawayServer({ log: (line) => console.log(`  ${line}`) });
    settings = { host: server.host, port: server.port, user: server.rootUser, password: server.rootPassword };
  }
  const rows: Row[] = [];
  try {
    for (const runtime of args.runtimes) {
      const version = await runtimeVersion(runtime);
      const byDriver = new Map<Driver, Row>();
      for (const driver of DRIVERS) {
        const row: Row = { runtime, driver, version, samples: [], failures: [] };
        byDriver.set(driver, row);
        rows.push(row);
      }
      console.log(`${version}: ${args.warmup} warm-up + ${args.runs} runs per driver ...`);
      for (let i = 0; i < args.warmup + args.runs; i++) {
        // alternate which driver goes first, so neither always follows the other
        const order = i % 2 === 0 ? DRIVERS : [...DRIVERS].reverse();
        for (const driver of order) {
          const row = byDriver.get(driver)!;
          try {
            const sample = await coldStart(runtime, driver, settings);
            if (i >= args.warmup) row.samples.push(sample);
          } catch (error) {
            row.failures.push((error as Error).message);
            console.log(`  ${(error as Error).message}`);
          }
        }
      }
    }
  } finally {
    await server?.stop();
  }
  const text = table(rows);
  console.log(`\n${text}\n`);
  console.log(
    `median of ${args.runs} fresh processes each, after ${args.warmup} warm-up runs; `
      + "start to first result measured from the spawn to the child's first line",
  );
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "coldstart.md"), text + "\n");
  writeFileSync(
    join(args.out, "coldstart.json"),
    JSON.stringify({ runs: args.runs, warmup: args.warmup, date: new Date().toISOString(), rows }, null, 2)
      + "\n",
  );
  console.log(`wrote ${join(args.out, "coldstart.md")} and coldstart.json`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/**
 * `npm run bench`: starts one throwaway MariaDB, loads the benchmark data, then runs every workload
 * with every driver on every runtime, each (workload, driver, runtime) in its own child process
 * (bench/child.ts), and writes the report to bench/results/ (results.md, results.svg,
 * results.json) and prints the table.
 *
 *   node bench/run.ts [--quick] [--only node:mywire,bun:bunsql,...] [--workload a,b,...] [--cpu-prof] [--out DIR]
 *
 * --quick      short rounds and fewer rows (a smoke test of the harness, not figures to quote)
 * --only       runtime:driver pairs to run (default: all six)
 * --workload   workload letters or ids to run (default: all; one alone: --workload g)
 * --cpu-prof   Node children run with `--cpu-prof` and write bench/results/profiles/<driver>-<workload>.cpuprofile;
 *              `node bench/profile.ts <file>` prints the top functions (timings are then not comparable)
 * --out        where to write the report: default bench/results for a full run, bench/results/partial
 *              for a quick, filtered or profiled one (so it does not replace the full figures)
 *
 * MYWIRE_BENCH_URL=mysql://user:pw@host:port/ runs against that server instead of a throwaway one
 * (it needs the `mariadb` command-line client, and DROPs and recreates the database `bench`; it
 * leaves the server's global settings alone).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runMariadbCli, startThrowawayServer, type ThrowawayServer } from "../dev/throwaway-server.ts";
import type { ChildResult, Job } from "./child.ts";
import type { ConnectionSettings } from "./drivers/types.ts";
import {
  type BenchReport,
  formatOps,
  median,
  renderMarkdown,
  renderSvg,
  type Target,
  TARGETS,
} from "./report.ts";
import { benchUrlSettings } from "./server-url.ts";
import {
  defaultTiming,
  SERVER_TUNING_SQL,
  SETUP_SQL,
  type Timing,
  workloadById,
  workloads,
} from "./workloads.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "bench", "results");
const CHILD = join(ROOT, "bench", "child.ts");
/** A child that takes longer than this is killed and reported as failed. */
const CHILD_TIMEOUT_MS = 120_000;

const quickTiming: Timing = {
  warmupMs: 200,
  roundMs: 200,
  rounds: 3,
  countedRounds: 1,
  streamRows: 100_000,
  inserts: 1000,
  largeRounds: 3,
  largeRows: 20_000,
};

interface Args {
  out?: string;
  quick: boolean;
  cpuProf: boolean;
  targets: Target[];
  workloads: string[];
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    "usage: node bench/run.ts [--quick] [--only runtime:driver,...] [--workload a,b,...] [--cpu-prof] [--out DIR]\n"
      + `  runtime:driver pairs: ${TARGETS.map((t) => `${t.runtime}:${t.driver}`).join(", ")}\n`
      + `  workloads: ${workloads.map((w) => `${w.letter} (${w.id})`).join(", ")}`,
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    cpuProf: false,
    targets: [...TARGETS],
    workloads: workloads.map((w) => w.id),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const eq = arg.indexOf("=");
      const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (!v) usage(`${arg} needs a value`);
      return v.split(",").map((s) => s.trim()).filter(Boolean);
    };
    if (arg === "--quick") args.quick = true;
    else if (arg === "--out" || arg.startsWith("--out=")) args.out = resolve(value().join(","));
    else if (arg === "--cpu-prof") args.cpuProf = true;
    else if (arg === "--only" || arg.startsWith("--only=")) {
      args.targets = value().map((pair) => {
        const [runtime, driver] = pair.split(":");
        const target = TARGETS.find((t) => t.runtime === runtime && t.driver === driver);
        if (!target) usage(`unknown runtime:driver ${pair}`);
        return target;
      });
    } else if (arg === "--workload" || arg.startsWith("--workload=")) {
      args.workloads = value().map((w) => {
        try {
          return workloadById(w).id;
        } catch (error) {
          usage((error as Error).message);
        }
      });
    } else if (arg === "--help" || arg === "-h") usage();
    else usage(`unknown argument ${arg}`);
  }
  return args;
}

/** The runtime's executable: Node is the one running this; Deno and Bun come from node_modules/.bin. */
function executable(runtime: Target["runtime"]): string | undefined {
  if (runtime === "node") return process.execPath;
  const local = join(ROOT, "node_modules", ".bin", runtime);
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, runtime))) return join(dir, runtime);
  }
  return undefined;
}

function commandFor(
  target: Target,
  workload: string,
  cpuProf: boolean,
): { command: string; args: string[] } | undefined {
  const command = executable(target.runtime);
  if (!command) return undefined;
  if (target.runtime === "deno") return { command, args: ["run", "-A", "--no-check", CHILD] };
  if (target.runtime === "bun") return { command, args: [CHILD] };
  const args: string[] = [];
  if (cpuProf) {
    args.push(
      "--cpu-prof",
      `--cpu-prof-dir=${join(RESULTS, "profiles")}`,
      `--cpu-prof-name=${target.driver}-${workload}.cpuprofile`,
    );
  }
  return { command, args: [...args, CHILD] };
}

const running = new Set<ChildProcess>();

/** Runs one child and returns its result line (or a failed result saying why there is none). */
function runChild(target: Target, job: Job, cpuProf: boolean): Promise<ChildResult> {
  const base: ChildResult = {
    driver: target.driver,
    workload: job.workload,
    runtime: target.runtime,
    runtimeVersion: "",
    status: "failed",
    rounds: [],
    notes: [],
  };
  const cmd = commandFor(target, job.workload, cpuProf);
  if (!cmd) return Promise.resolve({ ...base, status: "n/a", notes: [`${target.runtime} not found`] });
  return new Promise((resolveResult) => {
    const child = spawn(cmd.command, cmd.args, {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_JOB: JSON.stringify(job),
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PROMPT: "1",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, CHILD_TIMEOUT_MS);
    const finish = (why: string) => {
      clearTimeout(timer);
      running.delete(child);
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      if (line) {
        try {
          resolveResult(JSON.parse(line.slice("BENCH_RESULT ".length)) as ChildResult);
          return;
        } catch {
          // fall through
        }
      }
      const detail = stderr.trim().split("\n").slice(-5).join(" | ");
      resolveResult({
        ...base,
        error: timedOut ? `killed after ${CHILD_TIMEOUT_MS / 1000} s` : `${why}: ${detail}`,
      });
    };
    child.on("error", (error) => finish(`could not start ${cmd.command}: ${error.message}`));
    child.on("close", (code, signal) => finish(signal ? `exited on ${signal}` : `exit code ${code}`));
  });
}

/** The version in a package.json under ROOT ("" for the project's own). */
function versionOf(pkg: string): string {
  try {
    const path = pkg ? join(ROOT, "node_modules", pkg, "package.json") : join(ROOT, "package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** The commit of the checkout, with "+ changes" when mod.ts or src/ differ from it. */
function gitDescribe(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    const commit = git("rev-parse", "--short=10", "HEAD");
    return git("status", "--porcelain", "--", "mod.ts", "src") ? `${commit} + uncommitted changes` : commit;
  } catch {
    return "?";
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const timing = args.quick ? quickTiming : defaultTiming;
  const started = Date.now();
  const log = (line: string) => console.error(line);

  let server: ThrowawayServer | undefined;
  let settings: ConnectionSettings;
  const fromUrl = benchUrlSettings("bench");
  if (fromUrl) {
    settings = fromUrl;
    log(`using ${settings.host}:${settings.port} (MYWIRE_BENCH_URL)`);
  } else {
    log("starting a throwaway MariaDB ...");
    server = await startThrowawayServer({ log: (line) => log(`  ${line}`) });
    settings = {
      host: server.host,
      port: server.port,
      user: server.rootUser,
      password: server.rootPassword,
      database: "bench",
    };
  }
  const stopAll = () => {
    for (const child of running) child.kill("SIGKILL");
  };
  process.once("SIGINT", () => {
    stopAll();
    void (server?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  });

  try {
    const cli = {
      host: settings.host,
      port: settings.port,
      user: settings.user,
      password: settings.password,
    };
    const setupStart = Date.now();
    await runMariadbCli(cli, (server ? SERVER_TUNING_SQL : "") + SETUP_SQL);
    const serverVersion = (await runMariadbCli(cli, "SELECT VERSION()")).trim();
    log(`data loaded in ${((Date.now() - setupStart) / 1000).toFixed(1)} s (server ${serverVersion})`);

    const results: (ChildResult & { seconds: number })[] = [];
    for (const workloadId of args.workloads) {
      const workload = workloadById(workloadId);
      for (const target of args.targets) {
        const job: Job = {
          driver: target.driver,
          workload: workload.id,
          settings: { ...settings, rowsAsArray: workload.rowsAsArray === true },
          timing,
        };
        const t0 = Date.now();
        const result = await runChild(target, job, args.cpuProf);
        const seconds = (Date.now() - t0) / 1000;
        results.push({ ...result, seconds });
        const figure = result.status === "ok"
          ? `${formatOps(median(result.rounds))} ${workload.unit}`.padEnd(24)
            + ` rounds ${result.rounds.map(formatOps).join(" ")}`
          : result.status === "n/a"
          ? `n/a (${result.notes.join("; ")})`
          : `FAILED: ${result.error}`;
        log(
          `(${workload.letter}) ${workload.id.padEnd(19)} ${target.runtime.padEnd(4)} ${
            target.driver.padEnd(7)
          } `
            + `${figure}  [${seconds.toFixed(1)} s]`,
        );
      }
    }

    const runtimeVersions: Record<string, string> = {};
    for (const r of results) if (r.runtimeVersion) runtimeVersions[r.runtime] = r.runtimeVersion;
    const cpu = cpus();
    const report: BenchReport = {
      date: new Date().toISOString(),
      quick: args.quick,
      cpuProfiled: args.cpuProf,
      machine: {
        cpu: cpu[0]?.model ?? "?",
        cores: cpu.length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        os: `${platform()} ${release()}`,
      },
      server: serverVersion,
      versions: {
        mywire: versionOf(""),
        mywireCommit: gitDescribe(),
        mysql2: versionOf("mysql2"),
        mariadb: versionOf("mariadb"),
        ...runtimeVersions,
      },
      timing,
      seconds: 0,
      workloads: workloads.filter((w) => args.workloads.includes(w.id)).map((
        { id, letter, title, unit, description },
      ) => ({ id, letter, title, unit, description })),
      targets: args.targets,
      results,
    };
    report.seconds = Math.round((Date.now() - started) / 1000);
    const partial = args.quick || args.cpuProf || args.targets.length < TARGETS.length
      || args.workloads.length < workloads.length;
    const out = args.out ?? (partial ? join(RESULTS, "partial") : RESULTS);
    mkdirSync(out, { recursive: true });
    const markdown = renderMarkdown(report);
    writeFileSync(join(out, "results.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(out, "results.md"), markdown);
    writeFileSync(join(out, "results.svg"), renderSvg(report));
    console.log("\n" + markdown);
    const shown = relative(process.cwd(), out) || ".";
    log(`written: ${shown}/results.md, results.svg, results.json (${report.seconds} s in all)`);
    if (results.some((r) => r.status === "failed")) process.exitCode = 1;
  } finally {
    stopAll();
    await server?.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

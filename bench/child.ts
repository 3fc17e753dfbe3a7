/**
 * One benchmark process: one driver, one workload, on whichever runtime runs it (Node, Deno or
 * Bun). bench/run.ts starts it with the job in the BENCH_JOB environment variable (JSON) and reads
 * one line from its stdout, `BENCH_RESULT {json}`. Runs alone in its process so that drivers do not
 * share a heap, a JIT or a garbage collector, and so that the peak RSS is this job's own.
 *
 * By hand: BENCH_JOB='{"driver":"mywire","workload":"mixed","settings":{...}}' node bench/child.ts
 */
import { readFileSync } from "node:fs";
import type { BenchDriver, ConnectionSettings } from "./drivers/types.ts";
import { defaultTiming, NotAvailable, type Timing, workloadById } from "./workloads.ts";

export interface Job {
  driver: string;
  workload: string;
  settings: ConnectionSettings;
  timing?: Partial<Timing>;
}

export interface ChildResult {
  driver: string;
  workload: string;
  runtime: string;
  runtimeVersion: string;
  status: "ok" | "n/a" | "failed";
  /** Ops per second of each round. */
  rounds: number[];
  /** Resident set size after connecting, before the workload, in bytes. */
  baselineRss?: number;
  /** Peak resident set size of the whole process (VmHWM), in bytes. */
  peakRss?: number;
  /** Milliseconds spent in garbage collection during the workload (Node only: its `gc` performance entries). */
  gcMs?: number;
  /** Wall time of the workload (warm-up and rounds), ms: what `gcMs` is a share of. */
  workloadMs?: number;
  /** The JS type of each column of one result row (constructor name for objects), to compare drivers. */
  types?: Record<string, string>;
  notes: string[];
  error?: string;
}

async function loadDriver(id: string): Promise<BenchDriver> {
  // Literal specifiers, so each runtime loads only the adapter it is asked for.
  switch (id) {
    case "mywire":
      return (await import("./drivers/mywire.ts")).default;
    case "mysql2":
      return (await import("./drivers/mysql2.ts")).default;
    case "mariadb":
      return (await import("./drivers/mariadb.ts")).default;
    case "bunsql":
      return (await import("./drivers/bunsql.ts")).default;
    default:
      throw new Error(`unknown driver ${id}`);
  }
}

function runtimeInfo(): { runtime: string; version: string } {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Deno) return { runtime: "deno", version: g.Deno.version.deno };
  if (g.Bun) return { runtime: "bun", version: g.Bun.version };
  return { runtime: "node", version: process.versions.node };
}

/** VmRSS and VmHWM from /proc/self/status (Linux), in bytes; process.memoryUsage elsewhere. */
function memory(): { rss: number; peak?: number } {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = (key: string) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    const rss = kb("VmRSS");
    if (rss !== undefined) return { rss, peak: kb("VmHWM") };
  } catch {
    // not Linux
  }
  const usage = process as { resourceUsage?: () => { maxRSS: number } };
  return {
    rss: process.memoryUsage().rss,
    peak: usage.resourceUsage ? usage.resourceUsage().maxRSS * 1024 : undefined,
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.env.BENCH_JOB ?? "null") as Job | null;
  if (!job) throw new Error("BENCH_JOB is not set (bench/run.ts sets it)");
  const { runtime, version } = runtimeInfo();
  const result: ChildResult = {
    driver: job.driver,
    workload: job.workload,
    runtime,
    runtimeVersion: version,
    status: "ok",
    rounds: [],
    notes: [],
  };
  try {
    const driver = await loadDriver(job.driver);
    const workload = workloadById(job.workload);
    const conn = await driver.connect(job.settings);
    try {
      result.notes.push(...relevantNotes(conn.notes, workload.id));
      result.baselineRss = memory().rss;
      const gc = await gcMeter();
      const started = performance.now();
      const { rounds, sample } = await workload.run(conn, { ...defaultTiming, ...job.timing });
      result.workloadMs = Math.round(performance.now() - started);
      result.gcMs = gc?.stop();
      result.rounds = rounds;
      if (sample && typeof sample === "object") result.types = typesOf(sample as Record<string, unknown>);
    } finally {
      await conn.close();
    }
  } catch (error) {
    if (error instanceof NotAvailable) {
      result.status = "n/a";
      if (result.notes.length === 0) result.notes.push(error.message);
    } else {
      result.status = "failed";
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      result.error = text.replace(/\s*\n\s*/g, " ");
    }
  }
  result.peakRss = memory().peak;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

/**
 * Sums the durations of the runtime's `gc` performance entries until `stop()`: Node reports one per
 * collection; Deno and Bun report none (then `undefined`, and the report shows no GC time).
 */
async function gcMeter(): Promise<{ stop(): number | undefined } | undefined> {
  if (runtimeInfo().runtime !== "node") return undefined;
  try {
    const { PerformanceObserver } = await import("node:perf_hooks");
    let total = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) total += entry.duration;
    });
    observer.observe({ entryTypes: ["gc"] });
    return {
      stop() {
        for (const entry of observer.takeRecords()) total += entry.duration;
        observer.disconnect();
        return Math.round(total);
      },
    };
  } catch {
    return undefined;
  }
}

function typesOf(row: Record<string, unknown>): Record<string, string> {
  const types: Record<string, string> = {};
  for (const [key, value] of Object.entries(row)) {
    types[key] = value === null
      ? "null"
      : typeof value === "object"
      ? (value as object).constructor?.name ?? "object"
      : typeof value;
  }
  return types;
}

/** An adapter's notes that concern this workload (a missing execute() does not matter to SELECT 1). */
function relevantNotes(notes: readonly string[], workload: string): string[] {
  return notes.filter((note) => {
    if (/execute/.test(note)) return workload === "mixedPrepared" || workload === "insert";
    if (/stream/.test(note)) return workload === "stream";
    return true;
  });
}

await main();
// Some drivers keep timers or sockets alive a little after close(); the result is out, leave now.
process.exit(0);

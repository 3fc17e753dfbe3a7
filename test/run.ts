/**
 * The test runner behind `npm test`: starts one throwaway MariaDB for the whole run (or provisions
 * the server of MYWIRE_TEST_URL), then runs the same test files on Node (`node --test`), Deno
 * (`deno test`) and Bun (`bun test`), one runtime after the other, and stops the server whatever
 * happens (a failing runner, Ctrl-C, SIGTERM).
 *
 *   node test/run.ts [--runtime node|deno|bun]... [files...]
 *
 * Without files: every `test/**\/*.test.ts`. A file named `*.node.test.ts` runs on Node only: it
 * drives the other runtimes (or tools) itself, e.g. packing the tarball and running it under Deno
 * and Bun; the summary line of Deno and Bun says how many such files they left to Node. The test processes find the server through
 * MYWIRE_TEST_CONFIG (a JSON TestEnv, see test/support/env.ts). Prints a summary line per runtime
 * and, last, the total `N passed, N failed`. Exits 0 only when every runtime passed.
 * MYWIRE_TEST_TIMEOUT_MINUTES bounds each runtime's run (default 30).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { provisionUrl, type StartedTestEnv, startTestEnv, type TestEnv } from "./support/env.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNTIMES = ["node", "deno", "bun"] as const;
type Runtime = (typeof RUNTIMES)[number];

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Outcome extends Counts {
  runtime: Runtime;
  exitCode: number | null;
  seconds: number;
  note?: string;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("usage: node test/run.ts [--runtime node|deno|bun]... [files...]");
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { runtimes: Runtime[]; files: string[] } {
  const runtimes: Runtime[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === "--runtime" || arg === "-r") value = argv[++i];
    else if (arg.startsWith("--runtime=")) value = arg.slice("--runtime=".length);
    else if (arg === "--help" || arg === "-h") usage();
    else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
    else {
      files.push(arg);
      continue;
    }
    for (const name of (value ?? "").split(",")) {
      if (!(RUNTIMES as readonly string[]).includes(name)) usage(`unknown runtime ${JSON.stringify(name)}`);
      if (!runtimes.includes(name as Runtime)) runtimes.push(name as Runtime);
    }
  }
  return { runtimes: runtimes.length ? runtimes : [...RUNTIMES], files };
}

/** Every `*.test.ts` under `dir`, as paths relative to ROOT with forward slashes, sorted. */
function findTests(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".test.ts")) found.push(toRootRelative(path));
    }
  };
  walk(dir);
  return found.sort();
}

/** A test file that runs on Node only (it drives other runtimes or tools itself). */
function isNodeOnly(file: string): boolean {
  return file.endsWith(".node.test.ts");
}

function toRootRelative(path: string): string {
  return relative(ROOT, resolve(path)).split(sep).join("/");
}

function resolveFiles(args: readonly string[]): string[] {
  if (args.length === 0) return findTests(join(ROOT, "test"));
  const files: string[] = [];
  for (const arg of args) {
    const path = isAbsolute(arg) ? arg : resolve(process.cwd(), arg);
    if (!existsSync(path)) usage(`no such file: ${arg}`);
    if (statSync(path).isDirectory()) files.push(...findTests(path));
    else files.push(toRootRelative(path));
  }
  return files;
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

function lastNumber(text: string, pattern: RegExp): number {
  let value = 0;
  for (const match of text.matchAll(pattern)) value = Number(match[1]);
  return value;
}

/** Node's spec reporter: `ℹ pass N`, `ℹ fail N`, `ℹ cancelled N`, `ℹ skipped N`, `ℹ todo N`. */
function nodeCounts(output: string): Counts | undefined {
  if (!/ℹ pass \d+/.test(output)) return undefined;
  return {
    passed: lastNumber(output, /^ℹ pass (\d+)$/gm),
    failed: lastNumber(output, /^ℹ fail (\d+)$/gm) + lastNumber(output, /^ℹ cancelled (\d+)$/gm),
    skipped: lastNumber(output, /^ℹ skipped (\d+)$/gm) + lastNumber(output, /^ℹ todo (\d+)$/gm),
  };
}

/** Bun: ` N pass`, ` N skip`, ` N fail`. */
function bunCounts(output: string): Counts | undefined {
  if (!/^\s*\d+ pass$/m.test(output)) return undefined;
  return {
    passed: lastNumber(output, /^\s*(\d+) pass$/gm),
    // an error between tests (a file that does not load) is already one of the failures
    failed: lastNumber(output, /^\s*(\d+) fail$/gm),
    skipped: lastNumber(output, /^\s*(\d+) (?:skip|todo)$/gm),
  };
}

/**
 * Deno runs a node:test `describe` as a test with steps, and its summary counts suites too; the
 * JUnit report lists every test and step (`suite > test`), so count its leaves: the test cases.
 */
function denoCounts(junitPath: string, output: string): Counts | undefined {
  if (existsSync(junitPath)) {
    const xml = readFileSync(junitPath, "utf8");
    const cases: { name: string; body: string }[] = [];
    for (
      const match of xml.matchAll(/<testcase\b[^>]*\bname="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)
    ) {
      cases.push({ name: match[1], body: match[2] ?? "" });
    }
    const parents = new Set<string>();
    for (const { name } of cases) {
      const parts = name.split(" &gt; ");
      for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join(" &gt; "));
    }
    const failedCase = (body: string) => /<failure\b|<error\b/.test(body);
    const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
    for (const { name, body } of cases) {
      if (parents.has(name)) {
        // a suite is not a test case, unless it failed by itself (in a hook) with no failed step
        const prefix = name + " &gt; ";
        if (failedCase(body) && !cases.some((c) => c.name.startsWith(prefix) && failedCase(c.body))) {
          counts.failed++;
        }
      } else if (failedCase(body)) counts.failed++;
      else if (/<skipped\b/.test(body)) counts.skipped++;
      else counts.passed++;
    }
    if (cases.length > 0 || /<testsuites\b/.test(xml)) return counts;
  }
  const summary = output.match(/\| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/);
  if (!summary) return undefined;
  return {
    passed: Number(summary[1]) + Number(summary[2] ?? 0),
    failed: Number(summary[3]) + Number(summary[4] ?? 0),
    skipped: Number(output.match(/\| (\d+) ignored/)?.[1] ?? 0),
  };
}

let current: ChildProcess | undefined;
let interrupted: NodeJS.Signals | undefined;

interface Batch {
  /** Counts from this run's output, or undefined when it printed no summary. */
  counts?: Counts;
  exitCode: number | null;
  note?: string;
}

/** Runs one test command, echoing its output, and reads its counts with `parse`. */
function runBatch(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  parse: (output: string) => Counts | undefined,
  deadline: number,
): Promise<Batch> {
  return new Promise((done) => {
    let output = "";
    let note: string | undefined;
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["inherit", "pipe", "pipe"] });
    current = child;
    const collect = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
      stream.write(chunk);
      output += chunk.toString("utf8");
    };
    child.stdout?.on("data", collect(process.stdout));
    child.stderr?.on("data", collect(process.stderr));
    const timer = setTimeout(() => {
      note = "timed out";
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }, Math.max(0, deadline - Date.now()));
    let spawnError: Error | undefined;
    child.on("error", (error) => {
      spawnError = error;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      const counts = parse(output.replace(ANSI, "").replace(/\r/g, ""));
      if (spawnError) note = `could not run ${command}: ${spawnError.message}`;
      else if (signal) note ??= `killed by ${signal}`;
      done({ counts, exitCode: spawnError ? 127 : signal ? 128 : code, note });
    });
  });
}

async function runRuntime(
  runtime: Runtime,
  files: readonly string[],
  env: NodeJS.ProcessEnv,
  workDir: string,
): Promise<Outcome> {
  const timeoutMinutes = Number(process.env.MYWIRE_TEST_TIMEOUT_MINUTES) || 30;
  const deadline = Date.now() + timeoutMinutes * 60_000;
  const started = Date.now();
  const batches: Batch[] = [];
  if (runtime === "node") {
    const args = ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files];
    console.log(`\n━━ node: node ${args.join(" ")}\n`);
    batches.push(await runBatch("node", args, env, nodeCounts, deadline));
  } else if (runtime === "bun") {
    // Bun takes a bare argument for a name filter: explicit paths start with ./ . Its default
    // 5 s per test is too short for tests that wait on a server.
    const args = ["test", "--timeout=300000", ...files.map((f) => (isAbsolute(f) ? f : "./" + f))];
    console.log(`\n━━ bun: bun ${args.join(" ")}\n`);
    batches.push(await runBatch("bun", args, env, bunCounts, deadline));
  } else {
    // One `deno test` per file: a file that does not load stops a whole `deno test` run, and
    // would hide every other file's results. Starting deno costs about 0.1 s.
    console.log(
      `\n━━ deno: deno test -A --no-check --junit-path=... <file>, for each of ${files.length} files\n`,
    );
    for (const [i, file] of files.entries()) {
      if (interrupted || Date.now() > deadline) break;
      const junitPath = join(workDir, `deno-junit-${i}.xml`);
      rmSync(junitPath, { force: true });
      batches.push(
        await runBatch(
          "deno",
          ["test", "-A", "--no-check", `--junit-path=${junitPath}`, file],
          env,
          (output) => denoCounts(junitPath, output),
          deadline,
        ),
      );
    }
  }
  const outcome: Outcome = {
    runtime,
    exitCode: batches.find((b) => b.exitCode !== 0)?.exitCode ?? 0,
    seconds: (Date.now() - started) / 1000,
    passed: 0,
    failed: 0,
    skipped: 0,
  };
  const notes = new Set<string>();
  for (const batch of batches) {
    outcome.passed += batch.counts?.passed ?? 0;
    outcome.skipped += batch.counts?.skipped ?? 0;
    let failed = batch.counts?.failed ?? 0;
    if (batch.note) {
      notes.add(batch.note === "timed out" ? `timed out after ${timeoutMinutes} min` : batch.note);
    }
    // A run that failed without reporting a failed test (a crash, a file that did not load)
    // still counts as one failure, so the total never says 0 failed for a failed run.
    if (batch.exitCode !== 0 && failed === 0) {
      failed = 1;
      notes.add(
        batch.counts
          ? `exit code ${batch.exitCode} without a failed test in the summary`
          : `exit code ${batch.exitCode} and no test summary`,
      );
    }
    outcome.failed += failed;
  }
  if (interrupted && batches.length < (runtime === "deno" ? files.length : 1)) notes.add("interrupted");
  if (notes.size) outcome.note = [...notes].join("; ");
  return outcome;
}

function describe(outcome: Outcome): string {
  const parts = [`${outcome.passed} passed`, `${outcome.failed} failed`];
  if (outcome.skipped) parts.push(`${outcome.skipped} skipped`);
  return `${outcome.runtime}: ${parts.join(", ")} (${outcome.seconds.toFixed(1)} s)${
    outcome.note ? ` [${outcome.note}]` : ""
  }`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const runtimes = args.runtimes;
  const files = resolveFiles(args.files);
  if (files.length === 0) usage("no test files found");

  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      current?.kill("SIGKILL");
      return;
    }
    interrupted = signal;
    console.error(`\n${signal}: stopping the tests and the server ...`);
    current?.kill(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

  const workDir = mkdtempSync(join(tmpdir(), "mywire-run-"));
  let started: StartedTestEnv | undefined;
  const outcomes: Outcome[] = [];
  try {
    let env: TestEnv;
    const setupStart = Date.now();
    if (process.env.MYWIRE_TEST_CONFIG) {
      env = JSON.parse(readFileSync(process.env.MYWIRE_TEST_CONFIG, "utf8")) as TestEnv;
      console.log(`using the server of MYWIRE_TEST_CONFIG: ${env.host}:${env.port}`);
    } else if (process.env.MYWIRE_TEST_URL) {
      console.log("provisioning the server of MYWIRE_TEST_URL ...");
      env = await provisionUrl(process.env.MYWIRE_TEST_URL);
    } else {
      console.log("starting a throwaway MariaDB ...");
      started = await startTestEnv((line) => console.log(`  ${line}`));
      env = started.env;
    }
    console.log(
      `test server ${env.host}:${env.port} ready in ${((Date.now() - setupStart) / 1000).toFixed(1)} s${
        env.tls ? " (TLS on)" : ""
      }`,
    );

    const configPath = join(workDir, "test-env.json");
    writeFileSync(configPath, JSON.stringify(env, null, 2));
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter),
      MYWIRE_TEST_CONFIG: configPath,
      DENO_NO_UPDATE_CHECK: "1",
      DENO_NO_PROMPT: "1",
    };
    if (process.stdout.isTTY && !process.env.NO_COLOR) childEnv.FORCE_COLOR ??= "1";
    delete childEnv.MYWIRE_TEST_URL;
    delete childEnv.NODE_TEST_CONTEXT; // when this runs under node --test itself

    for (const runtime of runtimes) {
      if (interrupted) break;
      const mine = runtime === "node" ? files : files.filter((f) => !isNodeOnly(f));
      if (mine.length === 0) continue;
      const outcome = await runRuntime(runtime, mine, childEnv, workDir);
      const left = files.length - mine.length;
      if (left > 0) {
        outcome.note = [outcome.note, `${left} node-only file${left === 1 ? "" : "s"} left to node`].filter(
          Boolean,
        ).join("; ");
      }
      outcomes.push(outcome);
    }
  } finally {
    if (started) {
      console.log("\nstopping the test server ...");
      await started.stop().catch((error) => console.error("could not stop the test server:", error));
    }
    rmSync(workDir, { recursive: true, force: true });
  }

  console.log(`\n━━ summary (${files.length} file${files.length === 1 ? "" : "s"})`);
  for (const outcome of outcomes) console.log(describe(outcome));
  if (interrupted) console.log(`interrupted by ${interrupted}`);
  const passed = outcomes.reduce((n, o) => n + o.passed, 0);
  const failed = outcomes.reduce((n, o) => n + o.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  if (interrupted) return 130;
  return outcomes.every((o) => o.exitCode === 0 && o.failed === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

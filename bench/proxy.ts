/**
 * What the mywire proxy adds: statements through the proxy against the same statements straight to
 * the server, in one run, against a throwaway MariaDB (or MYWIRE_BENCH_URL). mywire's client runs
 * `SELECT 1` (latency at 1 client: median µs per statement, and what the proxy adds) and a
 * 1,000-row SELECT, then `SELECT 1` from 16 clients at once (throughput ratio proxy / direct);
 * each through a proxy without plugins and through one with a plugin that parses every statement
 * (the query log computing fingerprints), and through one with `multiplex: false`. Paths take turns in short batches so drift hits them
 * alike. Each proxy runs in its own Node process (bench/proxy-child.ts). Where Debian's sysbench is
 * installed, also `oltp_point_select` and `oltp_read_only` at 1 and 16 threads, direct and through
 * the proxy. Not yet: 64/256 clients, TLS frontend, CPU seconds (see docs/proxy.md).
 *
 *   node bench/proxy.ts [--rounds 5] [--ms 800]
 *
 * Writes bench/proxy-results.md and prints the same table.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startThrowawayServer, type ThrowawayServer } from "../dev/throwaway-server.ts";
import { connect, type Connection } from "../mod.ts";

const CHILD = fileURLToPath(new URL("./proxy-child.ts", import.meta.url));

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = option("rounds", 5);
const ROUND_MS = option("ms", 800);
const CLIENTS = 16;

interface Target {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Statements per second of `op` on `conns` (each runs `op` in a loop for `ms`). */
async function rate(
  conns: Connection[],
  op: (c: Connection) => Promise<unknown>,
  ms: number,
): Promise<number> {
  const end = performance.now() + ms;
  let n = 0;
  const start = performance.now();
  await Promise.all(conns.map(async (c) => {
    while (performance.now() < end) {
      await op(c);
      n++;
    }
  }));
  return n / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  let server: ThrowawayServer | undefined;
  let base: Omit<Target, "name">;
  const url = process.env.MYWIRE_BENCH_URL;
  if (url) {
    const u = new URL(url);
    base = {
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    };
  } else {
    server = await startThrowawayServer({ log: (line) => console.error(`  ${line}`) });
    base = { host: server.host, port: server.port, user: server.rootUser, password: server.rootPassword };
  }
  const children: ChildProcess[] = [];
  const targets: Target[] = [{ name: "direct", ...base }];
  const backendUrl = `mysql://${encodeURIComponent(base.user)}:${
    encodeURIComponent(base.password)
  }@${base.host}:${base.port}`;
  for (
    const [name, mode] of [
      ["proxy", "plain"],
      ["proxy, multiplex: false", "no-multiplex"],
      ["proxy + parsing plugin", "parsing"],
    ] as const
  ) {
    const child = spawn(process.execPath, [CHILD, backendUrl, mode], { stdio: ["pipe", "pipe", "inherit"] });
    children.push(child);
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
      child.once("exit", (code) => reject(new Error(`proxy child exited with ${code}`)));
    });
    targets.push({ name, host: "127.0.0.1", port, user: "bench", password: "bench-pass" });
  }
  const open = (t: Target) => connect({ host: t.host, port: t.port, user: t.user, password: t.password });
  const single = await Promise.all(targets.map(open));
  const many = await Promise.all(
    targets.map((t) => Promise.all(Array.from({ length: CLIENTS }, () => open(t)))),
  );
  const workloads = [
    {
      name: "SELECT 1, 1 client",
      conns: (i: number) => [single[i]],
      op: (c: Connection) => c.query("SELECT 1"),
    },
    {
      name: "SELECT of 1,000 rows, 1 client",
      conns: (i: number) => [single[i]],
      op: (c: Connection) => c.query("SELECT seq, 'abcdefghij' AS s FROM mysql.seq_1_to_1000"),
    },
    {
      name: `SELECT 1, ${CLIENTS} clients`,
      conns: (i: number) => many[i],
      op: (c: Connection) => c.query("SELECT 1"),
    },
  ];
  const rows: string[] = [];
  for (const w of workloads) {
    const rates: number[][] = targets.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < targets.length; i++) rates[i].push(await rate(w.conns(i), w.op, ROUND_MS));
    }
    const med = rates.map(median);
    const perStatement = med.map((q) => (w.conns(0).length / q) * 1e6);
    const cells = targets.map((_, i) =>
      i === 0
        ? `${Math.round(med[i])}/s (${perStatement[i].toFixed(0)} µs)`
        : `${Math.round(med[i])}/s (${perStatement[i].toFixed(0)} µs, +${
          (perStatement[i] - perStatement[0]).toFixed(0)
        } µs, ${((med[i] / med[0]) * 100).toFixed(1)} %)`
    );
    rows.push(`| ${w.name} | ${cells.join(" | ")} |`);
  }
  for (const c of [...single, ...many.flat()]) await c.close();
  const sysbenchTable = existsSync(SYSBENCH) ? await sysbenchRows(targets.slice(0, 2), base) : "";
  for (const child of children) {
    child.stdin!.end();
    await new Promise((resolve) => child.once("exit", resolve));
  }
  await server?.stop();
  const table = [
    `| workload (median of ${ROUNDS} rounds of ${ROUND_MS} ms) | ${targets.map((t) => t.name).join(" | ")} |`,
    `| --- | ${targets.map(() => "---").join(" | ")} |`,
    ...rows,
  ].join("\n");
  const text =
    `# The proxy against direct connections\n\n\`node bench/proxy.ts\` on ${
      new Date().toISOString().slice(0, 10)
    }, `
    + `Node ${process.versions.node}; statements/s (time per statement per client, added by the proxy, `
    + `throughput as % of direct). The proxies multiplex (a pool of backend connections shared by the `
    + `clients) but the one with \`multiplex: false\` (one backend connection per client).\n\n${table}\n`
    + (sysbenchTable
      ? `\nsysbench ${SYSBENCH_SECONDS} s runs, direct then through the proxy (no plugin):\n\n${sysbenchTable}\n`
      : "");
  writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "proxy-results.md"), text);
  console.log(text);
}

const SYSBENCH = "/usr/bin/sysbench";
const SYSBENCH_SECONDS = 5;

/** Runs a command; resolves with its stdout, rejects with its stderr. */
function sh(file: string, argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${file} ${argv.join(" ")}: ${stderr || stdout}`)) : resolve(String(stdout)),
    );
  });
}

/** sysbench oltp_point_select and oltp_read_only at 1 and 16 threads, direct and through the proxy. */
async function sysbenchRows(targets: Target[], base: Omit<Target, "name">): Promise<string> {
  const admin = await connect({ host: base.host, port: base.port, user: base.user, password: base.password });
  await admin.query("DROP DATABASE IF EXISTS proxy_bench");
  await admin.query("CREATE DATABASE proxy_bench");
  const opts = (t: Target) => [
    "--db-driver=mysql",
    `--mysql-host=${t.host}`,
    `--mysql-port=${t.port}`,
    `--mysql-user=${t.user}`,
    `--mysql-password=${t.password}`,
    "--mysql-db=proxy_bench",
    "--mysql-ssl=off",
    "--tables=1",
    "--table-size=10000",
  ];
  await sh(SYSBENCH, ["oltp_read_only", ...opts(targets[0]), "prepare"]);
  const lines = [
    "| sysbench | threads | direct tps (p95 ms) | proxy tps (p95 ms) | proxy / direct |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const workload of ["oltp_point_select", "oltp_read_only"]) {
    for (const threads of [1, 16]) {
      const results = [];
      for (const t of targets) {
        const out = await sh(SYSBENCH, [
          workload,
          ...opts(t),
          `--threads=${threads}`,
          `--time=${SYSBENCH_SECONDS}`,
          "run",
        ]);
        const tps = Number(/transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(out)?.[1]);
        const p95 = Number(/95th percentile:\s+([\d.]+)/.exec(out)?.[1]);
        results.push({ tps, p95 });
      }
      const [d, p] = results;
      lines.push(
        `| ${workload} | ${threads} | ${d.tps.toFixed(0)} (${d.p95}) | ${p.tps.toFixed(0)} (${p.p95}) | ${
          ((p.tps / d.tps) * 100).toFixed(1)
        } % |`,
      );
    }
  }
  await admin.query("DROP DATABASE proxy_bench");
  await admin.close();
  return lines.join("\n");
}

await main();

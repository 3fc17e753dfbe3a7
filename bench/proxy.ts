/**
 * What the mywire proxy adds, against the same statements straight to the server, in one run,
 * against a throwaway MariaDB with TLS (or MYWIRE_BENCH_URL, then without the TLS rows). Six
 * paths: direct; through the proxy without plugins (multiplexing, and with `multiplex: false`: one
 * backend connection per client); through it with a plugin that parses every
 * statement (the query log computing fingerprints: a readQuery hook); direct over TLS; through the
 * proxy with TLS between client and proxy. Each proxy runs in its own Node process
 * (bench/proxy-child.ts), which reports its CPU time and `stats()`.
 *
 * 1. Latency at 1 client, mywire's client: `SELECT 1` and a 1,000-row SELECT, each statement
 *    timed; p50 and p99 per path and what the proxy adds (the TLS proxy against direct TLS). Paths
 *    take turns in short rounds so drift hits them alike.
 * 2. Debian's sysbench (when installed): `oltp_point_select` and `oltp_read_only` at 1, 16, 64 and
 *    256 threads on every path: transactions/s, p99 latency, throughput as % of direct (TLS: of
 *    direct TLS), the proxy process's CPU seconds per 100k statements, and clients per backend
 *    connection (sampled mid-run from `stats()`).
 *
 *   node bench/proxy.ts [--rounds 5] [--ms 800] [--seconds 4] [--threads 1,16,64,256]
 *
 * Writes bench/proxy-results.md and prints the same tables.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startThrowawayServer, type ThrowawayServer } from "../dev/throwaway-server.ts";
import { connect, type Connection } from "../mod.ts";
import { makeTestCertificates } from "../test/support/certs.ts";

const CHILD = fileURLToPath(new URL("./proxy-child.ts", import.meta.url));
const SYSBENCH = "/usr/bin/sysbench";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROUNDS = Number(option("rounds", "5"));
const ROUND_MS = Number(option("ms", "800"));
const SECONDS = Number(option("seconds", "4"));
const THREADS = option("threads", "1,16,64,256").split(",").map(Number);

interface Target {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly tls: boolean;
  /** The path this one is compared with. */
  readonly baseline: number;
  /** The proxy's process, for CPU and stats. */
  readonly child?: ProxyChild;
}

/** A proxy process and its request/answer line protocol. */
class ProxyChild {
  readonly process: ChildProcess;
  readonly #lines: Interface;
  readonly #waiting: ((line: string) => void)[] = [];
  readonly port: Promise<number>;

  constructor(argv: string[]) {
    this.process = spawn(process.execPath, [CHILD, ...argv], { stdio: ["pipe", "pipe", "inherit"] });
    this.#lines = createInterface({ input: this.process.stdout! });
    this.port = new Promise((resolve, reject) => {
      this.#waiting.push((line) => resolve(Number(line)));
      this.process.once("exit", (code) => reject(new Error(`proxy child exited with ${code}`)));
    });
    this.#lines.on("line", (line) => this.#waiting.shift()?.(line));
  }

  /** Sends a request line; resolves with the JSON answer. */
  ask<T>(request: "cpu" | "stats"): Promise<T> {
    return new Promise((resolve) => {
      this.#waiting.push((line) => resolve(JSON.parse(line) as T));
      this.process.stdin!.write(`${request}\n`);
    });
  }

  async stop(): Promise<void> {
    this.process.stdin!.end();
    await new Promise((resolve) => this.process.once("exit", resolve));
  }
}

/** A difference with its sign, in whole units. */
function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(0)}`;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

/** Times each run of `op` on `conn` for `ms`; returns the durations in µs. */
async function timed(
  conn: Connection,
  op: (c: Connection) => Promise<unknown>,
  ms: number,
): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = performance.now();
    await op(conn);
    out.push((performance.now() - t) * 1000);
  }
  return out;
}

/** Runs a command (in `cwd`); resolves with its stdout, rejects with its stderr. */
function sh(file: string, argv: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { maxBuffer: 16 * 1024 * 1024, cwd },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${file} ${argv.join(" ")}: ${stderr || stdout}`)) : resolve(String(stdout)),
    );
  });
}

async function main(): Promise<void> {
  let server: ThrowawayServer | undefined;
  let certDir: string | undefined;
  let base: { host: string; port: number; user: string; password: string };
  const url = process.env.MYWIRE_BENCH_URL;
  let certs: ReturnType<typeof makeTestCertificates> | undefined;
  if (url) {
    const u = new URL(url);
    base = {
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    };
  } else {
    certDir = mkdtempSync(join(tmpdir(), "mywire-proxy-bench-"));
    certs = makeTestCertificates(certDir);
    // sysbench 1.0's --mysql-ssl=on reads these three names from its working directory
    copyFileSync(certs.caCertPath, join(certDir, "cacert.pem"));
    copyFileSync(certs.clientCertPath, join(certDir, "client-cert.pem"));
    copyFileSync(certs.clientKeyPath, join(certDir, "client-key.pem"));
    server = await startThrowawayServer({ tls: certs, log: (line) => console.error(`  ${line}`) });
    base = { host: server.host, port: server.port, user: server.rootUser, password: server.rootPassword };
  }
  const backendUrl = `mysql://${encodeURIComponent(base.user)}:${
    encodeURIComponent(base.password)
  }@${base.host}:${base.port}`;
  const targets: Target[] = [{ name: "direct", ...base, tls: false, baseline: 0 }];
  const proxied = async (name: string, argv: string[], tls: boolean, baseline: number) => {
    const child = new ProxyChild([backendUrl, ...argv]);
    const port = await child.port;
    targets.push({
      name,
      host: "127.0.0.1",
      port,
      user: "bench",
      password: "bench-pass",
      tls,
      baseline,
      child,
    });
  };
  await proxied("proxy", ["plain"], false, 0);
  await proxied("proxy, multiplex: false", ["no-multiplex"], false, 0);
  await proxied("proxy + readQuery plugin", ["parsing"], false, 0);
  if (certs) {
    // The TLS paths are compared with direct TLS (its own index).
    const directTls = targets.length;
    targets.push({ name: "direct, TLS", ...base, tls: true, baseline: directTls });
    await proxied(
      "proxy, TLS to the proxy",
      ["plain", certs.serverCertPath, certs.serverKeyPath],
      true,
      directTls,
    );
  }

  // 1. latency at one client
  const open = (t: Target) =>
    connect({
      host: t.host,
      port: t.port,
      user: t.user,
      password: t.password,
      ssl: t.tls ? { mode: "verify-ca", ca: certs!.caCert } : undefined,
    });
  const conns = await Promise.all(targets.map(open));
  const latencyRows: string[] = [];
  for (
    const w of [
      { name: "`SELECT 1`", op: (c: Connection) => c.query("SELECT 1") },
      {
        name: "1,000-row SELECT",
        op: (c: Connection) => c.query("SELECT seq, 'abcdefghij' AS s FROM mysql.seq_1_to_1000"),
      },
    ]
  ) {
    const samples: number[][] = targets.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < targets.length; i++) samples[i].push(...await timed(conns[i], w.op, ROUND_MS));
    }
    const p50 = samples.map((s) => percentile(s, 50));
    const p99 = samples.map((s) => percentile(s, 99));
    const cells = targets.map((t, i) => {
      const b = t.baseline;
      return i === b
        ? `${p50[i].toFixed(0)} / ${p99[i].toFixed(0)} µs`
        : `${p50[i].toFixed(0)} / ${p99[i].toFixed(0)} µs (${signed(p50[i] - p50[b])} / ${
          signed(p99[i] - p99[b])
        })`;
    });
    latencyRows.push(`| ${w.name} | ${cells.join(" | ")} |`);
  }
  for (const c of conns) await c.close();

  // 2. sysbench
  let sysbenchTable = "";
  if (existsSync(SYSBENCH)) {
    const admin = await connect(base);
    await admin.query("DROP DATABASE IF EXISTS proxy_bench");
    await admin.query("CREATE DATABASE proxy_bench");
    const opts = (t: Target) => [
      "--db-driver=mysql",
      `--mysql-host=${t.host}`,
      `--mysql-port=${t.port}`,
      `--mysql-user=${t.user}`,
      `--mysql-password=${t.password}`,
      "--mysql-db=proxy_bench",
      `--mysql-ssl=${t.tls ? "on" : "off"}`,
      "--tables=1",
      "--table-size=10000",
      "--percentile=99",
    ];
    await sh(SYSBENCH, ["oltp_read_only", ...opts(targets[0]), "prepare"]);
    const lines = [
      `| sysbench | threads | ${targets.map((t) => t.name).join(" | ")} |`,
      `| --- | --- | ${targets.map(() => "---").join(" | ")} |`,
    ];
    for (const workload of ["oltp_point_select", "oltp_read_only"]) {
      for (const threads of THREADS) {
        const tps: number[] = [];
        const cells: string[] = [];
        for (const t of targets) {
          const cpu0 = await t.child?.ask<{ seconds: number }>("cpu");
          const run = sh(SYSBENCH, [
            workload,
            ...opts(t),
            `--threads=${threads}`,
            `--time=${SECONDS}`,
            "run",
          ], certDir);
          let ratio = "";
          if (t.child) {
            await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
            const s = await t.child.ask<{ clients: number; backendConnections: number }>("stats");
            ratio = `${s.clients}:${s.backendConnections}`;
          }
          const out = await run;
          const cpu1 = await t.child?.ask<{ seconds: number }>("cpu");
          const rate = Number(/transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(out)?.[1]);
          const queries = Number(/queries:\s+(\d+)/.exec(out)?.[1]);
          const p99 = /99th percentile:\s+([\d.]+)/.exec(out)?.[1];
          tps.push(rate);
          const i = tps.length - 1;
          let cell = `${rate.toFixed(0)} tps, p99 ${p99} ms`;
          if (i !== t.baseline) cell += `, ${((rate / tps[t.baseline]) * 100).toFixed(1)} %`;
          if (cpu0 && cpu1 && queries > 0) {
            cell += `, ${(((cpu1.seconds - cpu0.seconds) / queries) * 1e5).toFixed(1)} CPU s/100k, ${ratio}`;
          }
          cells.push(cell);
        }
        lines.push(`| ${workload} | ${threads} | ${cells.join(" | ")} |`);
      }
    }
    await admin.query("DROP DATABASE proxy_bench");
    await admin.close();
    sysbenchTable = lines.join("\n");
  }
  for (const t of targets) await t.child?.stop();
  await server?.stop();
  if (certDir) rmSync(certDir, { recursive: true, force: true });

  const text =
    `# The proxy against direct connections\n\n\`node bench/proxy.ts\` on ${
      new Date().toISOString().slice(0, 10)
    }, Node ${process.versions.node}, MariaDB behind; load average before the run: ${
      (await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ")
    }.\n\n`
    + `Latency at 1 client (mywire's client), p50 / p99 per statement, and what the proxy adds to the `
    + `direct path it is compared with (the TLS proxy: to direct TLS); ${ROUNDS} rounds of ${ROUND_MS} ms:\n\n`
    + `| statement | ${targets.map((t) => t.name).join(" | ")} |\n| --- | ${
      targets.map(() => "---").join(" | ")
    } |\n`
    + `${latencyRows.join("\n")}\n`
    + (sysbenchTable
      ? `\nsysbench, ${SECONDS} s per run: transactions/s, p99 latency, % of the direct path, the proxy `
        + `process's CPU seconds per 100k statements, clients : backend connections mid-run:\n\n${sysbenchTable}\n`
      : "");
  writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "proxy-results.md"), text);
  console.log(text);
}

await main();

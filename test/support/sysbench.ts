/**
 * sysbench for the proxy tests: its path (Debian's package installed with apt-get when missing and
 * this is root), and running a program to its end with its exit code and output.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";

/** Runs `file` with `args`; resolves with its exit code, stdout and stderr (never rejects). */
export function run(
  file: string,
  args: readonly string[],
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          out: String(stdout),
          err: String(stderr),
        }),
    );
  });
}

/** sysbench's path, installed with apt-get when missing and possible. */
export async function sysbench(): Promise<string> {
  for (const p of ["/usr/bin/sysbench", "/usr/local/bin/sysbench"]) if (existsSync(p)) return p;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get")) {
    throw new Error("sysbench is missing: install Debian's sysbench");
  }
  let r = await run("/usr/bin/apt-get", ["install", "-y", "--no-install-recommends", "sysbench"]);
  if (r.code !== 0) {
    await run("/usr/bin/apt-get", ["update"]);
    r = await run("/usr/bin/apt-get", ["install", "-y", "--no-install-recommends", "sysbench"]);
  }
  if (!existsSync("/usr/bin/sysbench")) {
    throw new Error(`apt-get could not install sysbench: ${r.err.trim()}`);
  }
  return "/usr/bin/sysbench";
}

/** sysbench's connection and table options for a run through the proxy at `port` on `database`. */
export function sysbenchOptions(
  port: number,
  login: { user: string; password: string },
  database: string,
): string[] {
  return [
    "--db-driver=mysql",
    "--mysql-host=127.0.0.1",
    `--mysql-port=${port}`,
    `--mysql-user=${login.user}`,
    `--mysql-password=${login.password}`,
    `--mysql-db=${database}`,
    "--mysql-ssl=off",
    "--tables=1",
    "--table-size=2000",
  ];
}

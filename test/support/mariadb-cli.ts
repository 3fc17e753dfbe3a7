/**
 * The MariaDB command-line tools (libmariadb clients nobody here wrote), for the real-client tests:
 * `mariadbCli` runs the `mariadb` client against a port on 127.0.0.1 over TCP, in batch mode
 * without column names; `runTool` runs any of them (e.g. `mariadb-binlog`).
 */
import { execFile } from "node:child_process";

/** What a run of a tool gave: its exit code and output (the client's trimmed). */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `file` with `args` (up to 60 s, 64 MiB of output); never rejects: a failure is in `code`, `err`. */
export function runTool(file: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          out: String(stdout),
          err: String(stderr).trim(),
        }),
    );
  });
}

/** Runs `mariadb` with `args` against `port`; never rejects (a failure is in `code` and `err`). */
export async function mariadbCli(port: number, args: readonly string[]): Promise<CliResult> {
  const r = await runTool("mariadb", [
    "--no-defaults",
    "--protocol=TCP",
    "--host=127.0.0.1",
    `--port=${port}`,
    "--batch",
    "--skip-column-names",
    ...args,
  ]);
  return { ...r, out: r.out.trim() };
}

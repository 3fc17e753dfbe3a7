/**
 * The `mariadb` command-line client (libmariadb) run against a port on 127.0.0.1 over TCP, in batch
 * mode without column names, for the tests with clients nobody here wrote.
 */
import { execFile } from "node:child_process";

/** What a run of the client gave: its exit code and trimmed output. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `mariadb` with `args` against `port`; never rejects (a failure is in `code` and `err`). */
export function mariadbCli(port: number, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      "mariadb",
      [
        "--no-defaults",
        "--protocol=TCP",
        "--host=127.0.0.1",
        `--port=${port}`,
        "--batch",
        "--skip-column-names",
        ...args,
      ],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          out: String(stdout).trim(),
          err: String(stderr).trim(),
        }),
    );
  });
}

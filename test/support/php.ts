/**
 * PHP with mysqlnd (mysqli and PDO MySQL), for the proxy's real-client tests: `ensurePhp()` finds a
 * `php` with both extensions, installing Debian's `php-cli php-mysql` with apt-get (as root,
 * `apt-get update` first when that fails) when there is none, as the harness installs
 * mariadb-server; otherwise it throws an Error saying what to install.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";

function run(
  file: string,
  args: readonly string[],
  input = "",
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          out: String(stdout),
          err: String(stderr),
        }),
    );
    child.stdin?.end(input);
  });
}

async function usable(): Promise<boolean> {
  const r = await run("php", [
    "-r",
    "exit(extension_loaded('mysqli') && extension_loaded('pdo_mysql') ? 0 : 1);",
  ]);
  return r.code === 0;
}

let found: Promise<void> | undefined;

/** Makes sure `php` with mysqli and pdo_mysql runs, installing it when missing and possible. */
export function ensurePhp(): Promise<void> {
  return found ??= (async () => {
    if (await usable()) return;
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    if (!isRoot || !existsSync("/usr/bin/apt-get")) {
      throw new Error("PHP with mysqli and PDO MySQL is missing: install php-cli and php-mysql");
    }
    const packages = ["install", "-y", "--no-install-recommends", "php-cli", "php-mysql"];
    let r = await run("/usr/bin/apt-get", packages);
    if (r.code !== 0) {
      await run("/usr/bin/apt-get", ["update"]);
      r = await run("/usr/bin/apt-get", packages);
    }
    if (!(await usable())) throw new Error(`apt-get could not install php-cli php-mysql: ${r.err.trim()}`);
  })();
}

/** Runs a PHP script (read from stdin) and resolves with its exit code and output. */
export async function runPhp(script: string): Promise<{ code: number; out: string; err: string }> {
  await ensurePhp();
  return run("php", [], script);
}

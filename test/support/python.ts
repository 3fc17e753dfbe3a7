/**
 * Python with PyMySQL, for the proxy's real-client tests: `ensurePymysql()` finds a python3 that
 * can `import pymysql`, installing Debian's `python3-pymysql` with apt-get (as root, `apt-get
 * update` first when the package is unknown) when none can, as the harness installs mariadb-server;
 * otherwise it throws an Error saying what to install.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";

function run(
  file: string,
  args: readonly string[],
  input?: string,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }, (error, stdout, stderr) => {
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
        out: String(stdout),
        err: String(stderr),
      });
    });
    child.stdin?.end(input ?? "");
  });
}

/** Python interpreters to try: Debian's first (where apt's python3-pymysql goes), then PATH's. */
const CANDIDATES = ["/usr/bin/python3", "python3"];

async function withPymysql(): Promise<string | undefined> {
  for (const python of CANDIDATES) {
    if (python.startsWith("/") && !existsSync(python)) continue;
    const r = await run(python, ["-c", "import pymysql"]);
    if (r.code === 0) return python;
  }
  return undefined;
}

let found: Promise<string> | undefined;

/** The path of a python3 that has PyMySQL, installing it when missing and possible. */
export function ensurePymysql(): Promise<string> {
  return found ??= (async () => {
    const python = await withPymysql();
    if (python !== undefined) return python;
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    if (!isRoot || !existsSync("/usr/bin/apt-get")) {
      throw new Error("PyMySQL is missing: install python3-pymysql (Debian/Ubuntu) or `pip install pymysql`");
    }
    let r = await run("/usr/bin/apt-get", ["install", "-y", "--no-install-recommends", "python3-pymysql"]);
    if (r.code !== 0) {
      await run("/usr/bin/apt-get", ["update"]);
      r = await run("/usr/bin/apt-get", ["install", "-y", "--no-install-recommends", "python3-pymysql"]);
    }
    const after = await withPymysql();
    if (after === undefined) throw new Error(`apt-get could not install python3-pymysql: ${r.err.trim()}`);
    return after;
  })();
}

/** Runs a Python script (with PyMySQL) and resolves with its exit code and output. */
export async function runPython(script: string): Promise<{ code: number; out: string; err: string }> {
  return run(await ensurePymysql(), ["-"], script);
}

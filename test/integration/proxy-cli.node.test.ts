/**
 * `mywire proxy` (src/cli/proxy.ts) as a child process on Node, in front of the test server: with
 * flags and with a JSON `--config`, the `mariadb` command-line client queries through it, and it
 * exits 0 on SIGTERM; bad arguments exit 2 with a message.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type TestEnv, testEnv } from "../support/env.ts";

const SCRIPT = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const NODE = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url));

let env: TestEnv;
let dir: string;

/** Starts `mywire proxy ...args`; resolves with the process and its port once it listens. */
function startCli(
  args: string[],
): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  const child = spawn(NODE, [SCRIPT, "proxy", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), exited });
    });
    exited.then((code) => reject(new Error(`mywire proxy exited (${code}): ${err}`)));
  });
}

function mariadbCli(port: number, user: string, password: string, sql: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "mariadb",
      [
        "--no-defaults",
        "--protocol=TCP",
        "--host=127.0.0.1",
        `--port=${port}`,
        `--user=${user}`,
        `--password=${password}`,
        "--skip-ssl",
        "--batch",
        "--skip-column-names",
        "-e",
        sql,
      ],
      { timeout: 30_000 },
      (error, stdout, stderr) => (error ? reject(new Error(String(stderr))) : resolve(String(stdout).trim())),
    );
  });
}

before(async () => {
  env = await testEnv();
  dir = mkdtempSync(join(tmpdir(), "mywire-proxy-cli-"));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("mywire proxy", () => {
  test("flags: --listen, --backend, --user; SIGTERM exits 0", async () => {
    const backend = `mysql://${env.root.user}:${
      encodeURIComponent(env.root.password)
    }@${env.host}:${env.port}`;
    const { child, port, exited } = await startCli([
      "--listen",
      "127.0.0.1:0",
      "--backend",
      backend,
      "--user",
      "cli:cli-pass",
    ]);
    try {
      assert.equal(await mariadbCli(port, "cli", "cli-pass", "SELECT 40 + 2"), "42");
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
  });

  test("--config: a JSON file with createProxy's options", async () => {
    const file = join(dir, "proxy.json");
    writeFileSync(
      file,
      JSON.stringify({
        listen: "127.0.0.1:0",
        backends: [{ host: env.host, port: env.port, user: env.root.user, password: env.root.password }],
        users: { fromconfig: { password: "cfg-pass", plugin: "caching_sha2_password" } },
      }),
    );
    const { child, port, exited } = await startCli(["--config", file]);
    try {
      assert.equal(await mariadbCli(port, "fromconfig", "cfg-pass", "SELECT 'configured'"), "configured");
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
  });

  test("bad arguments: exit code 2 and a message", async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        NODE,
        [SCRIPT, "proxy", "--listen", "127.0.0.1:0", "--user", "nocolon"],
        (error, _out, stderr) =>
          resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr: String(stderr) }),
      );
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--user must be NAME:PASSWORD/);
  });
});

/**
 * examples/deno-deploy/ as a user runs it: the built package installed as node_modules/mywire,
 * `npm:mywire` resolved by Deno from there (`nodeModulesDir: "manual"`, the `deno` export
 * condition), `deno run main.ts` serving HTTP, and requests to it querying the test server through
 * the one pool the isolate shares. Node starts Deno itself (a `*.node.test.ts` file: Node only, see test/run.ts).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type TestEnv, testEnv } from "../support/env.ts";
import { BIN, buildPackage, databaseUrl, installExample } from "./bundle.ts";

let env: TestEnv;
let work: string;
let deno: ChildProcess | undefined;
let output = "";

/** Starts the example with Deno on a free port; resolves with its address once it listens. */
function serve(app: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(BIN, "deno"), ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts"], {
      cwd: app,
      env: { ...process.env, DATABASE_URL: url, PORT: "0", DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    deno = child;
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const port = output.match(/Listening on https?:\/\/[^:/]+:(\d+)/)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`deno exited with ${code} before listening:\n${output}`)));
  });
}

before(async () => {
  env = await testEnv();
  work = mkdtempSync(join(tmpdir(), "mywire-deno-deploy-"));
});

after(() => {
  deno?.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the Deno Deploy example serves queries from npm:mywire, request after request", async () => {
  const app = installExample("deno-deploy", work, buildPackage(work));
  // What `deno init` plus an npm install gives: Deno uses the node_modules folder as it is.
  writeFileSync(join(app, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
  const base = await serve(app, databaseUrl(env, env.users.native));
  for (const name of ["Deno", "Deploy", "again"]) {
    const response = await fetch(`${base}/?name=${name}`);
    const text = await response.text();
    assert.equal(response.status, 200, `${text}\n${output}`);
    const body = JSON.parse(text) as { greeting: string; version: string };
    assert.equal(body.greeting, `hello, ${name}`);
    assert.match(body.version, /MariaDB/i);
  }
});

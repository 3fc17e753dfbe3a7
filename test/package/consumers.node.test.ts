/**
 * The package as a stranger gets it: `npm pack` of this checkout (the dist/ that `npm run build`
 * made), installed into a throwaway project outside the repository, then used from there on Node
 * (ESM, and `tsc --noEmit` under `moduleResolution: nodenext` with no skipLibCheck), Deno (an
 * `npm:mywire` specifier resolved from that project's node_modules) and Bun, each running a query
 * against the test server; and the `mywire` bin through `npx`. Node only: it drives Deno and Bun.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { testEnv } from "../support/env.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "node_modules", ".bin");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in `cwd` with node_modules/.bin (Node 24, deno, bun, tsc) first on PATH. */
function run(command: string, args: readonly string[], cwd: string, timeout = 240_000): Promise<Run> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${BIN}:${process.env.PATH ?? ""}`,
      DENO_NO_UPDATE_CHECK: "1",
    };
    delete env.NODE_TEST_CONTEXT;
    execFile(
      command,
      args,
      { cwd, env, timeout, maxBuffer: 64 << 20, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code !== "number") return fail(error);
        done({ code: error ? (error as { code: number }).code : 0, stdout, stderr });
      },
    );
  });
}

function ok(result: Run, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

// What the consumer runs: connect, one query, the entry it resolved, and whether Effect was loaded.
const PROGRAM = (specifier: string) => `
import { connect, ColumnType } from "${specifier}";
const url = process.argv[2] ?? globalThis.Deno?.args[0];
const conn = await connect(url);
const rows = await conn.query("SELECT 1 + 1 AS two, CAST(? AS CHAR) AS echo", ["hi"]);
await conn.close();
console.log(JSON.stringify({ two: rows[0].two, echo: rows[0].echo, json: ColumnType.JSON }));
`;

// Only a secondary entry, no "mywire": each must bring the runtime adapters itself.
const EFFECT_PROGRAM = (prefix: string) => `
import { Effect } from "${prefix}effect";
import { MysqlClient } from "${prefix}mywire/effect";
const url = process.argv[2] ?? globalThis.Deno?.args[0];
const query = Effect.gen(function* () {
  const client = yield* MysqlClient;
  return yield* client.query("SELECT 40 + 2 AS n");
});
const rows = await Effect.runPromise(Effect.provide(query, MysqlClient.layer(url)));
console.log(JSON.stringify({ n: rows[0].n }));
`;

const MYSQL2_PROGRAM = (specifier: string) => `
import mysql from "${specifier}";
const url = process.argv[2] ?? globalThis.Deno?.args[0];
const conn = await mysql.createConnection(url);
const [rows] = await conn.query("SELECT 6 * 7 AS n");
await conn.end();
console.log(JSON.stringify({ n: rows[0].n }));
`;

const WORKER_USING_MYSQL2 = `
import mysql from "mywire/mysql2/promise";
export default { async fetch() { const c = await mysql.createConnection("mysql://u@127.0.0.1/"); return new Response(String(c)); } };
`;

const TYPED_PROGRAM = `
import { connect, createPool, MysqlError, parseUrl, type QueryResult } from "mywire";
import { MysqlClient } from "mywire/effect";
import { queryLog } from "mywire/plugins/query-log.ts";

export async function main(url: string): Promise<number> {
  const pool = createPool({ ...parseUrl(url), max: 2, plugins: [queryLog({ sink: () => {} })] });
  const rows: QueryResult = await pool.query("SELECT 1 AS one");
  await pool.close();
  const conn = await connect(url);
  await conn.close();
  const failed: unknown = new Error();
  if (failed instanceof MysqlError) return failed.errno;
  return typeof MysqlClient === "function" ? rows.length : -1;
}
`;

describe("the packed tarball in a project outside the repository", () => {
  let work: string;
  let project: string;
  let tarball: string;
  let url: string;

  before(async () => {
    assert.ok(existsSync(join(ROOT, "dist", "mod.js")), "dist/ is missing: run `npm run build` first");
    url = (await testEnv()).url;
    work = mkdtempSync(join(tmpdir(), "mywire-consumer-"));
    // --ignore-scripts: dist/ was just built by `npm run check`; prepack would rebuild it under the other tests.
    const packed = JSON.parse(
      ok(
        await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT),
        "npm pack",
      ),
    );
    tarball = join(work, packed[0].filename);
    project = join(work, "app");
    await run("mkdir", ["-p", project], work);
    const typesNode =
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies["@types/node"];
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        dependencies: { mywire: `file:${tarball}` },
        devDependencies: { "@types/node": typesNode },
      }),
    );
    ok(
      await run(
        "npm",
        ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
        project,
      ),
      "npm install",
    );
    writeFileSync(join(project, "main.mjs"), PROGRAM("mywire"));
    writeFileSync(join(project, "deno-main.ts"), PROGRAM("npm:mywire"));
    writeFileSync(join(project, "typed.ts"), TYPED_PROGRAM);
    writeFileSync(join(project, "effect-only.mjs"), EFFECT_PROGRAM(""));
    writeFileSync(join(project, "deno-effect-only.ts"), EFFECT_PROGRAM("npm:"));
    writeFileSync(join(project, "mysql2-only.mjs"), MYSQL2_PROGRAM("mywire/mysql2/promise"));
    writeFileSync(join(project, "deno-mysql2-only.ts"), MYSQL2_PROGRAM("npm:mywire/mysql2/promise"));
    writeFileSync(join(project, "worker-mysql2.mjs"), WORKER_USING_MYSQL2);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          types: ["node"],
        },
        files: ["typed.ts"],
      }),
    );
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const expected = { two: 2, echo: "hi", json: 0xf5 };

  test("the tarball holds the build, the licence and no sources, tests or lock file", async () => {
    const list = ok(await run("tar", ["tzf", tarball], work), "tar");
    const files = list.split("\n").filter(Boolean);
    assert.ok(files.includes("package/LICENSE"));
    assert.ok(files.includes("package/dist/mod.js"));
    assert.ok(files.includes("package/dist/src/entry/cloudflare.js"));
    assert.deepEqual(
      files.filter((f) => /^package\/(test|bench|src)\/|package-lock|\.ts$/.test(f) && !f.endsWith(".d.ts")),
      [],
    );
  });

  test("Node: import from the installed package, connect and query", async () => {
    const out = ok(await run("node", ["main.mjs", url], project), "node main.mjs");
    assert.deepEqual(JSON.parse(out.trim()), expected);
  });

  test("Node: the package type-checks under moduleResolution nodenext, strict, without skipLibCheck", async () => {
    ok(await run(join(BIN, "tsc"), ["-p", "tsconfig.json"], project), "tsc --noEmit");
  });

  test("Deno: npm:mywire from the project's node_modules", async () => {
    const out = ok(
      await run("deno", [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        "--node-modules-dir=manual",
        "deno-main.ts",
        url,
      ], project),
      "deno run",
    );
    assert.deepEqual(JSON.parse(out.trim()), expected);
  });

  test("Deno: the installed package type-checks (deno check of an npm:mywire program)", async () => {
    writeFileSync(
      join(project, "deno-typed.ts"),
      TYPED_PROGRAM.replaceAll('from "mywire', 'from "npm:mywire'),
    );
    ok(await run("deno", ["check", "--node-modules-dir=manual", "deno-typed.ts"], project), "deno check");
  });

  test("Bun: import from the installed package", async () => {
    const out = ok(await run("bun", ["main.mjs", url], project), "bun main.mjs");
    assert.deepEqual(JSON.parse(out.trim()), expected);
  });

  for (
    const [name, file, denoFile] of [
      ["mywire/effect", "effect-only.mjs", "deno-effect-only.ts"],
      ["mywire/mysql2/promise", "mysql2-only.mjs", "deno-mysql2-only.ts"],
    ] as const
  ) {
    test(`${name} alone (no import of mywire) connects on Node, Deno and Bun`, async () => {
      const want = { n: 42 };
      assert.deepEqual(JSON.parse(ok(await run("node", [file, url], project), `node ${file}`).trim()), want);
      const deno = await run("deno", [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        "--node-modules-dir=manual",
        denoFile,
        url,
      ], project);
      assert.deepEqual(JSON.parse(ok(deno, `deno ${denoFile}`).trim()), want);
      assert.deepEqual(JSON.parse(ok(await run("bun", [file, url], project), `bun ${file}`).trim()), want);
    });
  }

  test("a Worker bundle of mywire/mysql2/promise from the installed package holds no Node adapter", async () => {
    const out = ok(
      await run(join(BIN, "esbuild"), [
        "worker-mysql2.mjs",
        "--bundle",
        "--format=esm",
        "--platform=neutral",
        "--conditions=workerd,worker",
      ], project),
      "esbuild",
    );
    assert.doesNotMatch(out, /node:net|node:tls/);
    assert.match(out, /cloudflare:sockets/);
  });

  test("the mywire bin runs on Node through npx", async () => {
    const result = await run("npx", ["--no-install", "mywire", "--help"], project);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /mywire binlog --url/);
  });
});

/**
 * What the workerd tests share: bundling a Worker the way a user would (esbuild's CLI with only the
 * flags a Worker needs), the Node imports left in a bundle, and the test Worker's configuration.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestEnv } from "../support/env.ts";
import type { WorkerConfig } from "./worker.ts";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The project's own tools (esbuild, tsc). */
export const BIN = join(ROOT, "node_modules", ".bin");
/** The only esbuild flags a Worker bundle may need. */
export const ESBUILD_FLAGS = [
  "--bundle",
  "--platform=neutral",
  "--conditions=workerd,worker",
  "--format=esm",
];
/** A date the installed workerd supports; the tests use no compatibility flags at all. */
export const COMPATIBILITY_DATE = "2025-09-01";

/** Bundles `entry` (relative to `cwd`) with esbuild's CLI and ESBUILD_FLAGS only; returns the code. */
export function esbuild(entry: string, cwd: string = ROOT): string {
  return execFileSync(join(BIN, "esbuild"), [entry, ...ESBUILD_FLAGS], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

/** The Node modules a bundle imports (as `import`/`export ... from`, `import()` or `require()`). */
export function nodeImports(code: string): string[] {
  return [
    ...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["'](node:[^"']+)["']/g),
  ]
    .map((m) => m[1]);
}

/** The test Worker's `MYWIRE_TEST` binding for the test server. */
export function workerConfig(env: TestEnv): WorkerConfig {
  return {
    host: env.host,
    port: env.port,
    database: env.database,
    root: env.root,
    native: env.users.native,
    ed25519: env.users.ed25519,
    ssl: env.users.ssl,
    x509: env.users.x509,
    caCert: env.tls?.caCert,
    clientCert: env.tls?.clientCert,
    clientKey: env.tls?.clientKey,
    serverName: env.tls?.serverName,
  };
}

/** One answer of the test Worker (see worker.ts). */
export interface Reply {
  ok: boolean;
  value?: Record<string, unknown>;
  error?: { name: string; code?: string; message: string; connectionError?: boolean };
}

/**
 * Collects what workerd prints (instead of passing it through to the test output), for
 * miniflare's `handleRuntimeStdio`: workerd's own log is the only place that gives the reason of a
 * failed TLS verification.
 */
export function workerdLog(): {
  handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream): void;
  text(): string;
} {
  let text = "";
  return {
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) {
        stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      }
    },
    text: () => text,
  };
}

/**
 * The package as a user installs it, in `dir`/mywire: package.json and a fresh dist/ built from the
 * working tree (its dependencies come from the repository's node_modules). Returns its path.
 */
export function buildPackage(dir: string): string {
  const pkg = join(dir, "mywire");
  mkdirSync(pkg);
  copyFileSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  execFileSync(join(BIN, "tsc"), ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
  return pkg;
}

/** Copies `examples/<name>` to `dir`/app with `pkg` installed as its node_modules/mywire. */
export function installExample(name: string, dir: string, pkg: string): string {
  const app = join(dir, "app");
  cpSync(join(ROOT, "examples", name), app, { recursive: true });
  mkdirSync(join(app, "node_modules"));
  symlinkSync(pkg, join(app, "node_modules", "mywire"), "dir");
  return app;
}

/** mysql://user:password@host:port/database for `user`, with every part encoded. */
export function databaseUrl(env: TestEnv, user: { user: string; password: string }, host = env.host): string {
  const e = encodeURIComponent;
  return `mysql://${e(user.user)}:${e(user.password)}@${host}:${env.port}/${e(env.database)}`;
}

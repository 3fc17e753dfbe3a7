/**
 * `npm run build`: dist/ as users import it. tsc writes the declarations (their `.ts` specifiers
 * rewritten to `.js` by declaration-paths.ts); esbuild writes the JavaScript, one file per public
 * entry with shared chunks (`--splitting`), so a class is the same object through every entry and
 * Node loads a handful of files instead of one per module.
 *
 * One rewrite: the entries that serve any runtime import `src/entry/adapters.ts` (every adapter,
 * each loaded on demand); in dist/ that import becomes `#mywire/adapters`, which package.json's
 * `imports` resolves per runtime (adapters-cloudflare.js under `workerd`/`worker`), so a Worker
 * bundle of `mywire/effect` or `mywire/mysql2` never holds the Node adapter.
 *
 *   node scripts/build.ts
 */
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { adaptersPlugin } from "./adapters-plugin.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");

/** Every public entry, and the two adapter sets `#mywire/adapters` resolves to. */
const ENTRIES = [
  "mod.ts",
  "effect.ts",
  "cloudflare.ts",
  "mysql2.ts",
  "mysql2-promise.ts",
  "prisma.ts",
  "plugins/*.ts",
  "src/entry/*.ts",
  "src/cli/main.ts",
];

rmSync(join(ROOT, "dist"), { recursive: true, force: true });
execFileSync(join(BIN, "tsc"), ["-p", "tsconfig.build.json", "--emitDeclarationOnly"], {
  cwd: ROOT,
  stdio: "inherit",
});
execFileSync(process.execPath, [join(ROOT, "scripts", "declaration-paths.ts")], {
  cwd: ROOT,
  stdio: "inherit",
});
await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  bundle: true,
  splitting: true,
  format: "esm",
  target: "es2022",
  platform: "neutral",
  packages: "external",
  external: ["node:*", "cloudflare:sockets"],
  outbase: ".",
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  plugins: [adaptersPlugin(ROOT, "external")],
});
console.log("build: dist/ written");

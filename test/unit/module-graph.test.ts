/**
 * What each entry point loads, read from the source's static imports (an `import()` inside a
 * function is not followed: it loads only when called): no entry of the Promise API loads Effect,
 * the Workers entry holds no Node code and no other runtime's adapter, and each runtime's entry
 * holds only its own adapters. This is what a bundler sees, so it also bounds a Worker bundle.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// `import x from "y"`, `import "y"`, `export ... from "y"`; `import type` / `export type` load nothing.
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm;

/** Every module reachable from `entry` by static imports: project files and bare specifiers. */
function staticGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, spec] of source.matchAll(STATIC_IMPORT)) {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(resolve(ROOT, entry));
  return { files, bare };
}

const rel = (files: Set<string>) => [...files].map((f) => f.slice(ROOT.length + 1));
const adapters = (files: Set<string>) =>
  rel(files).filter((f) => /^src\/runtime\/(node|deno|bun|cloudflare)\.ts$/.test(f));

test("the graph walker sees imports (a file known to import effect)", () => {
  assert.ok(staticGraph("effect.ts").bare.has("effect"));
  assert.ok(staticGraph("src/entry/node.ts").bare.has("node:net"));
});

for (
  const entry of ["mod.ts", "cloudflare.ts", "src/entry/node.ts", "src/entry/deno.ts", "src/entry/bun.ts"]
) {
  test(`${entry} loads no Effect module`, () => {
    const { bare } = staticGraph(entry);
    assert.deepEqual([...bare].filter((s) => s === "effect" || s.startsWith("effect/")), []);
  });
}

test("the Workers entry holds no node: import and only the Workers adapter", () => {
  const { files, bare } = staticGraph("cloudflare.ts");
  assert.deepEqual([...bare].filter((s) => s.startsWith("node:")), []);
  assert.deepEqual(adapters(files), ["src/runtime/cloudflare.ts"]);
});

test("each runtime's entry holds only its own adapter statically; mod.ts none", () => {
  assert.deepEqual(adapters(staticGraph("src/entry/node.ts").files), ["src/runtime/node.ts"]);
  assert.deepEqual(adapters(staticGraph("src/entry/deno.ts").files), ["src/runtime/deno.ts"]);
  assert.deepEqual(adapters(staticGraph("src/entry/bun.ts").files), ["src/runtime/bun.ts"]);
  assert.deepEqual(adapters(staticGraph("mod.ts").files), []);
});

test("first-party plugins do not pull in an entry point (and so no adapter)", () => {
  for (
    const name of ["query-log", "read-write-split", "result-cache", "firewall", "rewrite", "slow-query-log"]
  ) {
    const { files } = staticGraph(`plugins/${name}.ts`);
    assert.deepEqual(rel(files).filter((f) => f.startsWith("src/entry/") || f === "mod.ts"), [], name);
    assert.deepEqual(adapters(files), [], name);
  }
});

test("the entries that serve any runtime bring the adapters registry; the Workers entry only its own", () => {
  for (const entry of ["mod.ts", "effect.ts", "mysql2.ts", "mysql2-promise.ts", "prisma.ts"]) {
    assert.ok(rel(staticGraph(entry).files).includes("src/entry/adapters.ts"), entry);
  }
  const workers = rel(staticGraph("cloudflare.ts").files);
  assert.ok(!workers.includes("src/entry/adapters.ts"));
  assert.ok(workers.includes("src/entry/adapters-cloudflare.ts"));
});

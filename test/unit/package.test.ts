/**
 * The package as users import it: `import "mywire"` resolves through package.json's exports to the
 * TypeScript source on Deno and Bun and to the tsc build in dist/ on Node, and both expose the API.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

test("import 'mywire' resolves to the right entry for this runtime and exposes the API", async () => {
  const resolved = import.meta.resolve("mywire");
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined || g.Deno !== undefined) assert.match(resolved, /\/mod\.ts$/);
  else assert.match(resolved, /\/dist\/mod\.js$/);
  const mywire = await import("mywire");
  assert.equal(typeof mywire.connect, "function");
  assert.equal(typeof mywire.MysqlError, "function");
  assert.equal(mywire.ColumnType.JSON, 0xf5);
});

test("import 'mywire/plugins/query-log.ts' and 'mywire/effect' resolve the same way", async () => {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  const native = g.Bun !== undefined || g.Deno !== undefined;
  const plugin = import.meta.resolve("mywire/plugins/query-log.ts");
  assert.match(plugin, native ? /\/plugins\/query-log\.ts$/ : /\/dist\/plugins\/query-log\.js$/);
  const { queryLog } = await import("mywire/plugins/query-log.ts");
  assert.equal(typeof queryLog, "function");
  const effect = await import("mywire/effect");
  assert.equal(typeof effect.MysqlClient, "function");
});

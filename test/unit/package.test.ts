/**
 * The package as users import it: `import "mywire"` resolves through package.json's exports
 * conditions to the tsc build of this runtime's own entry (dist/src/entry/<runtime>.js), which
 * exposes the API.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

const g = globalThis as { Bun?: unknown; Deno?: unknown };
const runtime = g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";

test("import 'mywire' resolves to this runtime's entry and exposes the API", async () => {
  const resolved = import.meta.resolve("mywire");
  assert.match(resolved, new RegExp(`/dist/src/entry/${runtime}\\.js$`));
  const mywire = await import("mywire");
  assert.equal(typeof mywire.connect, "function");
  assert.equal(typeof mywire.MysqlError, "function");
  assert.equal(mywire.ColumnType.JSON, 0xf5);
});

test("import 'mywire/plugins/query-log.ts' and 'mywire/effect' resolve to the build", async () => {
  const plugin = import.meta.resolve("mywire/plugins/query-log.ts");
  assert.match(plugin, /\/dist\/plugins\/query-log\.js$/);
  const { queryLog } = await import("mywire/plugins/query-log.ts");
  assert.equal(typeof queryLog, "function");
  const effect = await import("mywire/effect");
  assert.equal(typeof effect.MysqlClient, "function");
});

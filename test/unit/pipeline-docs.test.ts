/**
 * The two examples of docs/plugins.md ("Writing a plugin"), as written there, run against the
 * pipeline: a plain async plugin, and an Effect plugin with a service from a Layer.
 */
import { Context, Effect, Layer } from "effect";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createPipeline,
  definePlugin,
  errorResponse,
  MysqlError,
  okResponse,
  type Plugin,
  resultSetResponse,
  sendQuery,
  sendResult,
} from "../../mod.ts";
import { driverFor } from "./pipeline-driver.ts";

const guard = definePlugin({
  name: "guard",
  state: () => ({ queries: 0 }), // per connection: ctx.state
  global: () => ({ queries: 0 }), // shared by every connection using this plugin: ctx.global
  async readQuery(ctx, command) {
    if (command.type !== "COM_QUERY") return; // nothing returned: go on as decided so far
    ctx.state.queries++;
    ctx.global.queries++;
    if (/^\s*delete\b(?![\s\S]*\bwhere\b)/i.test(command.sql)) {
      return sendResult(errorResponse({ errno: 1105, sqlState: "HY000", message: "DELETE needs a WHERE" }));
    }
    return sendQuery(`${command.sql} /* app=shop conn=${ctx.connectionId} */`);
  },
});

const lines: string[] = [];

class AuditLog extends Context.Service<AuditLog, {
  readonly write: (line: string) => Effect.Effect<void>;
}>()("app/AuditLog") {
  static readonly layer = Layer.succeed(AuditLog)({
    write: (line) => Effect.sync(() => void lines.push(line)),
  });
}

const audit = definePlugin({
  name: "audit",
  readQuery(ctx) {
    ctx.queries.observe(); // ask for readQueryResult on the client's own command
  },
  readQueryResult: (ctx, result) =>
    Effect.gen(function*() {
      const log = yield* AuditLog;
      yield* log.write(`${ctx.client.user} ${result.query} ${result.responseTime} µs`);
    }),
});

test("the plain example: rewrites, refuses DELETE without WHERE, counts", async () => {
  const seen: string[] = [];
  const d = driverFor(createPipeline([guard])!, (cmd) => {
    seen.push(cmd.sql ?? "");
    return cmd.sql?.startsWith("SELECT") ? resultSetResponse(["a"], [[1]]) : okResponse();
  });
  await d.query("SELECT 1");
  const e = await d.query("DELETE FROM t").catch((x) => x);
  assert.ok(e instanceof MysqlError);
  assert.equal(e.sqlMessage, "DELETE needs a WHERE");
  assert.match(seen[0], /^SELECT 1 \/\* app=shop conn=\d+ \*\/$/);
  assert.equal(seen.length, 1);
});

test("the Effect example: a service from the Layer, and the type says it is needed", async () => {
  const typed: Plugin<AuditLog> = audit;
  const pipeline = createPipeline([typed], { layer: AuditLog.layer })!;
  await driverFor(pipeline, () => okResponse()).query("UPDATE t SET a = 1");
  assert.match(lines[0], /^app UPDATE t SET a = 1 \d+ µs$/);
  await pipeline.dispose();
});

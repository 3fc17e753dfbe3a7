/**
 * The metrics plugin against the pipeline: command counters and a latency histogram, read through
 * `snapshot()` and through Effect's metric registry, and one client span per command through the
 * Tracer given in the pipeline's Layer.
 */
import { Layer, Metric, Tracer } from "effect";
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline, errorResponse, okResponse, resultSetResponse } from "../../mod.ts";
import { metrics } from "../../plugins/metrics.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

const server: Script = (cmd) => {
  if (cmd.sql === "FAIL") return errorResponse({ errno: 1064, sqlState: "42000", message: "syntax" });
  return cmd.sql?.startsWith("SELECT")
    ? resultSetResponse(["a"], [[1], [2]])
    : okResponse({ affectedRows: 3 });
};

/** An Effect Tracer that keeps every span it makes. */
function recordingTracer(): { spans: Tracer.NativeSpan[]; tracer: Tracer.Tracer } {
  const spans: Tracer.NativeSpan[] = [];
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options);
      spans.push(span);
      return span;
    },
  });
  return { spans, tracer };
}

test("counters by command and outcome, a latency histogram, and spans through the Layer's tracer", async () => {
  const { spans, tracer } = recordingTracer();
  const plugin = metrics({ prefix: "unit", boundaries: [1, 10, 100] });
  const pipeline = createPipeline([plugin], { layer: Layer.succeed(Tracer.Tracer)(tracer) })!;
  const d = driverFor(pipeline, server);
  await d.query("SELECT a FROM t");
  await d.query("UPDATE t SET a = 1");
  await d.query("FAIL").catch(() => {});
  await d.command(new Uint8Array([0x0e]));
  const snap = plugin.snapshot();
  assert.deepEqual(snap.commands, { COM_QUERY: { ok: 2, error: 1 }, COM_PING: { ok: 1, error: 0 } });
  assert.equal(snap.latency.count, 4);
  assert.equal(snap.latency.counts.reduce((a, b) => a + b, 0), 4);
  assert.deepEqual(snap.latency.boundaries, [1, 10, 100]);

  assert.equal(spans.length, 4);
  const [select, update, failed, ping] = spans;
  assert.equal(select.name, "SELECT shop");
  assert.equal(select.kind, "client");
  assert.equal(select.attributes.get("db.query.text"), "SELECT a FROM t");
  assert.equal(select.attributes.get("db.system.name"), "mariadb");
  assert.equal(select.attributes.get("db.namespace"), "shop");
  assert.equal(select.attributes.get("db.response.returned_rows"), 2);
  assert.equal(update.attributes.get("db.response.affected_rows"), 3);
  assert.equal(failed.attributes.get("db.response.status_code"), "1064");
  assert.equal(failed.status._tag, "Ended");
  assert.equal(ping.attributes.get("db.operation.name"), "COM_PING");
  for (const s of spans) assert.equal(s.status._tag, "Ended");

  const outcome = await pipeline.run(Metric.snapshot, "test", "readQuery");
  assert.ok(outcome.ok);
  const counter = (outcome.value as readonly { id: string }[]).filter((m) => m.id === "unit_commands_total");
  assert.ok(counter.length >= 2, "the counter is in Effect's registry, one series per attribute set");
  await pipeline.dispose();
});

test("spans can be turned off, and the SQL text left out", async () => {
  const spans: string[] = [];
  const tracer = Tracer.make({
    span(options) {
      spans.push(options.name);
      return new Tracer.NativeSpan(options);
    },
  });
  const p = createPipeline([metrics({ spans: false })], { layer: Layer.succeed(Tracer.Tracer)(tracer) })!;
  await driverFor(p, server).query("SELECT 1");
  assert.deepEqual(spans, []);
  const { spans: made, tracer: t2 } = recordingTracer();
  const q = createPipeline([metrics({ queryText: false })], { layer: Layer.succeed(Tracer.Tracer)(t2) })!;
  await driverFor(q, server).query("SELECT secret");
  assert.equal(made.length, 1);
  assert.equal(made[0].attributes.get("db.query.text"), undefined);
  assert.equal(made[0].attributes.get("db.operation.name"), "SELECT");
});

test("db.system.name by the server's flavour and server.address/port as the opentelemetry plugin names them", async () => {
  const { spans: made, tracer } = recordingTracer();
  const layer = Layer.succeed(Tracer.Tracer)(tracer);
  // A MySQL server reached at its own address (no backends): "mysql", and the address split.
  const mysql = createPipeline([metrics()], { layer })!;
  await driverFor(mysql, server, {
    link: {
      server: { version: "8.4.0", flavor: "mysql", address: "db.example:3307" },
    },
  }).query("SELECT 1");
  // Before the greeting names a flavour: "mysql" too (never undefined, never the raw flavour).
  const unknown = createPipeline([metrics()], { layer })!;
  await driverFor(unknown, server, { link: { server: { flavor: undefined, address: "/run/mysqld.sock" } } })
    .query("SELECT 2");
  assert.equal(made.length, 2);
  assert.equal(made[0].attributes.get("db.system.name"), "mysql");
  assert.equal(made[0].attributes.get("server.address"), "db.example");
  assert.equal(made[0].attributes.get("server.port"), 3307);
  assert.equal(made[1].attributes.get("db.system.name"), "mysql");
  assert.equal(made[1].attributes.get("server.address"), "/run/mysqld.sock");
  assert.equal(made[1].attributes.get("server.port"), undefined);
  await mysql.dispose();
  await unknown.dispose();
});

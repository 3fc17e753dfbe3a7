/**
 * plugins/opentelemetry.ts against the real server with OpenTelemetry's SDK (in-memory exporter,
 * AsyncLocalStorage context manager): one client span per command with the semantic-convention
 * attributes, the values of a query left out of `db.query.text`, errors with their errno, and each
 * span a child of the span active where the command was called, through a connection and a pool.
 */
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, type Connection, createPool, type Pool } from "../../mod.ts";
import { openTelemetry } from "../../plugins/opentelemetry.ts";
import { rootOptions } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");
let conn: Connection;
let pool: Pool;

before(async () => {
  env = await testEnv();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const options = {
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    plugins: [openTelemetry({ tracer })],
    backends: [{ host: env.host, port: env.port }],
  };
  conn = await connect(options);
  pool = createPool({ ...options, max: 2 });
});

after(async () => {
  await conn?.close();
  await pool?.close();
  context.disable();
});

test("one client span per command, children of the caller's span, with the conventions' attributes", async () => {
  exporter.reset();
  const parentId = await tracer.startActiveSpan("request", async (parent) => {
    await conn.query("SELECT ? AS secret", ["hunter2"]);
    await conn.execute("SELECT ? + 1 AS n", [41]);
    await pool.query("SELECT 1");
    await pool.connection(async (c) => {
      await c.query("SELECT 2");
    });
    await conn.query("SELECT * FROM no_such_table_otel").catch(() => {});
    parent.end();
    return parent.spanContext().spanId;
  });
  const spans = exporter.getFinishedSpans().filter((s) => s.name !== "request");
  const db = spans.filter((s) =>
    s.attributes["db.system.name"] !== undefined && s.attributes["db.query.text"]
  );
  const texts = db.map((s) => s.attributes["db.query.text"]);
  assert.ok(texts.includes("SELECT ? AS secret"), JSON.stringify(texts));
  assert.ok(!JSON.stringify(texts).includes("hunter2"), "the query's values are left out");
  // execute: one span for the COM_STMT_PREPARE (its first run) and one for the COM_STMT_EXECUTE.
  const prepared = db.filter((s) => s.attributes["db.query.text"] === "SELECT ? + ? AS n");
  assert.deepEqual(prepared.map((s) => s.attributes["db.operation.name"]), ["PREPARE", "SELECT"]);
  assert.ok(texts.includes("SELECT * FROM no_such_table_otel"));
  for (const s of db) {
    assert.equal(s.kind, SpanKind.CLIENT);
    assert.equal(s.attributes["db.system.name"], "mariadb");
    assert.equal(s.attributes["db.namespace"], env.database);
    assert.equal(s.attributes["server.address"], env.host);
    assert.equal(s.attributes["server.port"], env.port);
    assert.equal(s.parentSpanContext?.spanId, parentId, `${s.name} is a child of the caller's span`);
  }
  const select = db.find((s) => s.attributes["db.query.text"] === "SELECT ? AS secret")!;
  assert.equal(select.attributes["db.operation.name"], "SELECT");
  assert.equal(select.name, `SELECT ${env.database}`);
  assert.equal(select.attributes["db.response.returned_rows"], 1);
  const failed = db.find((s) => s.attributes["db.query.text"] === "SELECT * FROM no_such_table_otel")!;
  assert.equal(failed.status.code, SpanStatusCode.ERROR);
  assert.equal(failed.attributes["db.response.status_code"], "1146");
  assert.equal(failed.attributes["error.type"], "1146");
});

test("without backends, server.address and server.port are the connection's own host and port", async () => {
  exporter.reset();
  const plain = await connect(rootOptions(env, { plugins: [openTelemetry({ tracer })] }));
  try {
    await plain.query("SELECT 'no backends' AS nb");
  } finally {
    await plain.close();
  }
  const [span] = exporter.getFinishedSpans().filter((s) =>
    s.attributes["db.query.text"] === "SELECT ? AS nb"
  );
  assert.ok(span, "the span was exported");
  assert.equal(span.attributes["server.address"], env.host);
  assert.equal(span.attributes["server.port"], env.port);
  assert.equal(span.attributes["db.system.name"], "mariadb");
});

test("commands called outside any span start their own trace", async () => {
  exporter.reset();
  await conn.query("SELECT 'outside' AS o");
  const [span] = exporter.getFinishedSpans().filter((s) => s.attributes["db.query.text"] === "SELECT ? AS o");
  assert.ok(span);
  assert.equal(span.parentSpanContext, undefined);
  assert.equal(trace.getActiveSpan(), undefined);
});

test("bad options are a TypeError", () => {
  assert.throws(() => openTelemetry({ queryText: "all" as never }), /queryText/);
});

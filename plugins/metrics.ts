/**
 * Metrics and traces, written with Effect: a counter of commands (by command type and outcome), a
 * latency histogram (milliseconds from sending a command to the last packet of its response), and
 * an OpenTelemetry-style client span per command ("db.system.name", "db.query.text",
 * "db.operation.name", "db.namespace", "server.address", "server.port": named as the
 * opentelemetry plugin names them, see semconv.ts). They go through Effect's `Metric` and
 * `Tracer`: give the pipeline a Layer with an exporter (e.g. effect's Otlp modules) and they reach
 * your collector. `snapshot()` reads the same figures without Effect.
 */
// Its hooks return Effects: it brings Effect support along (a Worker needs nothing more).
import "../src/effect/register.ts";
import { Clock, Effect, Exit, Metric, type Tracer } from "effect";
import { classifyQuery, definePlugin, type Plugin, type QueryResultData } from "../src/api.ts";
import { dbSystemName, serverAttributes } from "./semconv.ts";

/** Options of `metrics`. */
export interface MetricsOptions {
  /** Metric name prefix. Default "mywire". */
  readonly prefix?: string;
  /** Histogram bucket upper bounds in milliseconds. Default 0.5 ms to ~16 s, doubling. */
  readonly boundaries?: readonly number[];
  /** One span per command. Default true. */
  readonly spans?: boolean;
  /** Put the SQL text on spans (it may hold personal data). Default true. */
  readonly queryText?: boolean;
}

/** What `snapshot()` returns. */
export interface MetricsSnapshot {
  /** Commands by type and outcome: `{ COM_QUERY: { ok: 10, error: 1 } }`. */
  readonly commands: Readonly<Record<string, { ok: number; error: number }>>;
  readonly latency: {
    /** Bucket upper bounds in milliseconds (the last bucket is everything above). */
    readonly boundaries: readonly number[];
    /** Counts per bucket: one more than the boundaries. */
    readonly counts: readonly number[];
    readonly count: number;
    /** Sum of all latencies in milliseconds. */
    readonly sumMs: number;
  };
}

/** A metrics plugin, with its figures. */
export type MetricsPlugin = Plugin & { snapshot(): MetricsSnapshot };

const DEFAULT_BOUNDARIES = Metric.exponentialBoundaries({ start: 0.5, factor: 2, count: 16 });

/** Metrics and spans for every command (see the module comment). */
export function metrics(options: MetricsOptions = {}): MetricsPlugin {
  const prefix = options.prefix ?? "mywire";
  const boundaries = [...(options.boundaries ?? DEFAULT_BOUNDARIES)].sort((a, b) => a - b);
  const spans = options.spans ?? true;
  const queryText = options.queryText ?? true;
  const commandsTotal = Metric.counter(`${prefix}_commands_total`, {
    description: "Commands sent, by type and outcome",
  });
  const duration = Metric.histogram(`${prefix}_command_duration_ms`, {
    description: "Milliseconds from sending a command to the last packet of its response",
    boundaries,
  });
  const commands: Record<string, { ok: number; error: number }> = {};
  const counts = new Array<number>(boundaries.length + 1).fill(0);
  let count = 0;
  let sumMs = 0;

  const record = (r: QueryResultData) => {
    const ms = r.responseTime / 1000;
    const outcome = r.error === undefined ? "ok" : "error";
    (commands[r.command.type] ??= { ok: 0, error: 0 })[outcome]++;
    let i = 0;
    while (i < boundaries.length && ms > boundaries[i]) i++;
    counts[i]++;
    count++;
    sumMs += ms;
    const attributes = { command: r.command.type, outcome };
    return Effect.andThen(
      Metric.update(Metric.withAttributes(commandsTotal, attributes), 1),
      Metric.update(Metric.withAttributes(duration, attributes), ms),
    );
  };

  const plugin = definePlugin({
    name: "metrics",
    state: () => ({ span: undefined as Tracer.Span | undefined }),
    readQuery: (ctx, command) =>
      Effect.gen(function*() {
        ctx.queries.observe();
        if (!spans) return;
        // A span left open (the command was answered locally, or failed in a plugin) ends now.
        if (ctx.state.span) ctx.state.span.end(yield* Clock.currentTimeNanos, Exit.succeed(undefined));
        const operation = command.sql !== undefined ? classifyQuery(command.sql).verb : command.type;
        ctx.state.span = yield* Effect.makeSpan(
          `${operation || command.type} ${ctx.client.database ?? ""}`.trim(),
          {
            kind: "client",
            attributes: {
              "db.system.name": dbSystemName(ctx.server.flavor),
              "db.operation.name": operation || command.type,
              "db.namespace": ctx.client.database,
              "db.user": ctx.client.user,
              ...serverAttributes(ctx),
              "mywire.command": command.type,
              ...(queryText && command.sql !== undefined ? { "db.query.text": command.sql } : {}),
            },
          },
        );
      }),
    readQueryResult: (ctx, r) =>
      Effect.gen(function*() {
        yield* record(r);
        const span = ctx.state.span;
        if (!r.original || span === undefined) return;
        ctx.state.span = undefined;
        span.attribute("db.response.returned_rows", r.rowCount);
        span.attribute("db.response.affected_rows", Number(r.affectedRows));
        if (r.error) {
          span.attribute("db.response.status_code", String(r.error.errno));
          span.attribute("error.type", r.error.sqlState);
        }
        span.end(yield* Clock.currentTimeNanos, r.error ? Exit.fail(r.error) : Exit.succeed(undefined));
      }),
    disconnectClient: (ctx) =>
      Effect.gen(function*() {
        if (ctx.state.span) ctx.state.span.end(yield* Clock.currentTimeNanos, Exit.succeed(undefined));
        ctx.state.span = undefined;
      }),
  });

  return {
    ...plugin,
    snapshot: () => ({
      commands: structuredClone(commands),
      latency: { boundaries, counts: [...counts], count, sumMs },
    }),
  };
}

/**
 * OpenTelemetry client spans, one per command, with the current database semantic conventions:
 * `db.system.name` (`mysql` or `mariadb`, by the server's flavour), `db.namespace`,
 * `db.operation.name`, `db.query.text` (the statement's fingerprint by default: the values a query
 * carries are left out), `server.address`, `server.port`, `db.response.status_code` and
 * `error.type` on errors, `db.response.returned_rows`. Spans are children of the span active where
 * the command is called (through a connection or a pool), by `@opentelemetry/api`'s context, so a
 * registered context manager (the SDK's AsyncLocalStorage one) is what links them. Uses
 * `@opentelemetry/api` (an optional peer: install it, with an SDK, to use this plugin).
 *
 * `server.address` and `server.port` are the backend's with `backends` configured, else the
 * connection's own host and port (or socket path); see semconv.ts, shared with the metrics plugin.
 */
import { context, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { classifyQuery, definePlugin, fingerprint, type Plugin } from "../src/api.ts";
import { dbSystemName, serverAttributes } from "./semconv.ts";

/** Options of `openTelemetry`. */
export interface OpenTelemetryOptions {
  /** The tracer to use. Default `trace.getTracer("mywire")` (the global provider's). */
  readonly tracer?: Tracer;
  /**
   * What `db.query.text` holds: `"fingerprint"` (default: literals replaced by `?`), `"raw"` (the
   * SQL as sent, values included: it may hold personal data), or `false` (none).
   */
  readonly queryText?: "fingerprint" | "raw" | false;
}

/** A client span per command (see the module comment). */
export function openTelemetry(options: OpenTelemetryOptions = {}): Plugin {
  const queryText = options.queryText ?? "fingerprint";
  if (queryText !== "fingerprint" && queryText !== "raw" && queryText !== false) {
    throw new TypeError(
      `invalid option queryText: ${String(queryText)} is not "fingerprint", "raw" or false`,
    );
  }
  const tracer = () => options.tracer ?? trace.getTracer("mywire");
  return definePlugin({
    name: "opentelemetry",
    state: () => ({ span: undefined as Span | undefined }),
    readQuery(ctx, command) {
      ctx.queries.observe();
      // A span left open (the command was answered locally, or failed in a plugin) ends now.
      ctx.state.span?.end();
      const operation = command.type === "COM_STMT_PREPARE"
        ? "PREPARE"
        : (command.sql !== undefined ? classifyQuery(command.sql).verb : "") || command.type;
      const database = ctx.client.database;
      const attributes: Record<string, string | number> = {
        "db.system.name": dbSystemName(ctx.server.flavor),
        "db.operation.name": operation,
        ...serverAttributes(ctx),
      };
      if (database !== undefined && database !== "") attributes["db.namespace"] = database;
      if (command.sql !== undefined && queryText !== false) {
        attributes["db.query.text"] = queryText === "raw" ? command.sql : fingerprint(command.sql);
      }
      ctx.state.span = tracer().startSpan(
        database ? `${operation} ${database}` : operation,
        { kind: SpanKind.CLIENT, attributes },
        context.active(),
      );
    },
    readQueryResult(ctx, result) {
      const span = ctx.state.span;
      if (!result.original || span === undefined) return;
      ctx.state.span = undefined;
      if (result.error !== undefined) {
        span.setAttribute("db.response.status_code", String(result.error.errno));
        span.setAttribute("error.type", String(result.error.errno));
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.message });
      } else span.setAttribute("db.response.returned_rows", result.rowCount);
      span.end();
    },
    disconnectClient(ctx) {
      ctx.state.span?.end();
      ctx.state.span = undefined;
    },
  });
}

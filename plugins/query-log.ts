/**
 * Query log: one structured entry per command, with its timings (microseconds from sending to the
 * first and to the last packet of the response), its outcome, and its fingerprint. Results stream
 * to the caller as usual: the log sees the outcome, never buffers rows. Put it first in the plugin
 * list: a command answered locally by an earlier plugin never reaches the server, nor the log.
 */
import {
  definePlugin,
  fingerprint,
  type Plugin,
  type PluginContext,
  type QueryResultData,
} from "../src/api.ts";

/** One logged command. */
export interface QueryLogEntry {
  /** When the command was sent (ISO 8601). */
  readonly time: string;
  /** The pipeline's number for the connection. */
  readonly connection: number;
  /** The server's thread id. */
  readonly threadId: number;
  readonly user: string;
  readonly database: string | undefined;
  /** The backend's address, when backends are configured. */
  readonly backend: string | undefined;
  /** The command type ("COM_QUERY", "COM_STMT_EXECUTE", ...). */
  readonly command: string;
  readonly sql: string | undefined;
  /** The SQL with literals replaced (see `fingerprint`). */
  readonly fingerprint: string | undefined;
  /** Microseconds to the first packet of the response. */
  readonly queryTimeUs: number;
  /** Microseconds to the last packet of the response. */
  readonly responseTimeUs: number;
  readonly rows: number;
  readonly affectedRows: number | bigint;
  readonly insertId: number | bigint;
  readonly warnings: number;
  readonly error: { readonly errno: number; readonly sqlState: string; readonly message: string } | undefined;
  /** The injecting plugin, for commands a plugin queued (with `includeInjected`). */
  readonly injectedBy: string | undefined;
}

/** Options of `queryLog`. */
export interface QueryLogOptions {
  /** Where entries go; default: one JSON line each on the console. */
  readonly sink?: (entry: QueryLogEntry) => void;
  /** Log only the entries it accepts. */
  readonly filter?: (entry: QueryLogEntry) => boolean;
  /** Also log commands other plugins injected. Default false. */
  readonly includeInjected?: boolean;
  /** Compute fingerprints. Default true. */
  readonly fingerprints?: boolean;
  /** Plugin name. Default "query-log". */
  readonly name?: string;
}

/** JSON with bigints as strings. */
export function jsonLine(entry: object): string {
  return JSON.stringify(entry, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Builds the log entry of a result (shared with the slow query log). */
export function logEntry(ctx: PluginContext, r: QueryResultData, fingerprints: boolean): QueryLogEntry {
  const sql = r.query;
  return {
    time: new Date(Date.now() - r.responseTime / 1000).toISOString(),
    connection: ctx.connectionId,
    threadId: ctx.server.threadId,
    user: ctx.client.user,
    database: ctx.client.database,
    backend: ctx.backend?.address,
    command: r.command.type,
    sql,
    fingerprint: fingerprints && sql !== undefined ? fingerprint(sql) : undefined,
    queryTimeUs: r.queryTime,
    responseTimeUs: r.responseTime,
    rows: r.rowCount,
    affectedRows: r.affectedRows,
    insertId: r.insertId,
    warnings: r.warningCount,
    error: r.error,
    injectedBy: r.injectedBy,
  };
}

/** A structured query log (see the module comment). */
export function queryLog(options: QueryLogOptions = {}): Plugin {
  const sink = options.sink ?? ((e: QueryLogEntry) => console.log(jsonLine(e)));
  const filter = options.filter;
  const fingerprints = options.fingerprints ?? true;
  return definePlugin({
    name: options.name ?? "query-log",
    readQuery(ctx) {
      ctx.queries.observe();
    },
    readQueryResult(ctx, r) {
      if (!r.original && !options.includeInjected) return;
      const entry = logEntry(ctx, r, fingerprints);
      if (filter === undefined || filter(entry)) sink(entry);
    },
  });
}

/**
 * Slow query log: the query log's entries for commands whose response took at least `thresholdMs`
 * (from sending the command to the last packet of its response), as MySQL's slow query log
 * (`long_query_time`), measured where the application is.
 */
import type { Plugin } from "../src/api.ts";
import { queryLog, type QueryLogEntry } from "./query-log.ts";

/** Options of `slowQueryLog`. */
export interface SlowQueryLogOptions {
  /** Log commands that took this long or longer, in milliseconds. */
  readonly thresholdMs: number;
  /** Where entries go; default: one JSON line each on the console. */
  readonly sink?: (entry: QueryLogEntry) => void;
  /** Also time commands other plugins injected. Default false. */
  readonly includeInjected?: boolean;
}

/** A slow query log (see the module comment). Throws `TypeError` for a bad threshold. */
export function slowQueryLog(options: SlowQueryLogOptions): Plugin {
  const { thresholdMs } = options;
  if (typeof thresholdMs !== "number" || !(thresholdMs >= 0)) {
    throw new TypeError("slowQueryLog needs thresholdMs, a number of milliseconds (0 or more)");
  }
  const thresholdUs = thresholdMs * 1000;
  return queryLog({
    name: "slow-query-log",
    sink: options.sink,
    includeInjected: options.includeInjected,
    filter: (e) => e.responseTimeUs >= thresholdUs,
  });
}

/**
 * Result cache: answers a repeated read from memory for `ttlMs`. The key is the normalized query
 * (comments, spacing and keyword case normalized; literals kept) with the user and the default
 * database. Only plain reads are cached (no locking reads, no session or time dependent functions,
 * no multi-statements), never inside a transaction, and every write (INSERT, UPDATE, DELETE, DDL)
 * drops the cached results of the tables it names, before it runs and again when it is done (and
 * at COMMIT or ROLLBACK for writes inside a transaction); a write whose tables cannot be told
 * (CALL, DROP DATABASE) drops everything. Shared by every connection that uses the same plugin.
 */
import {
  classifyQuery,
  definePlugin,
  normalizeQuery,
  type Plugin,
  type PluginContext,
  rawResponse,
  sendResult,
  ServerStatus,
} from "../src/api.ts";

/** Options of `resultCache`. */
export interface ResultCacheOptions {
  /** How long a result is served from memory, in milliseconds. */
  readonly ttlMs: number;
  /** Most results kept (least recently used go first). Default 1000. */
  readonly maxEntries?: number;
  /** Results with more rows are not kept. Default 10000. */
  readonly maxRows?: number;
  /** Which reads to cache (after the built-in checks). Default: all. */
  readonly match?: (sql: string) => boolean;
  /** Milliseconds clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** Counters of a result cache. */
export interface ResultCacheStats {
  hits: number;
  misses: number;
  stores: number;
  invalidations: number;
  readonly size: number;
}

interface Entry {
  readonly packets: readonly Uint8Array[];
  readonly expires: number;
  /** Bare table names, lower case. */
  readonly tables: readonly string[];
}

interface State {
  /** The key of the read in flight, and the tables it reads. */
  pending: string | undefined;
  tables: readonly string[];
  /** Tables written since the transaction began. */
  written: Set<string>;
  /** Whether the command in flight is a write, COMMIT or ROLLBACK (invalidate again when done). */
  after: readonly string[] | "all" | undefined;
}

/** A result cache plugin, with its counters and a way to empty it. */
export type ResultCachePlugin = Plugin & { readonly stats: ResultCacheStats; clear(): void };

function bare(table: string): string {
  const dot = table.lastIndexOf(".");
  return (dot < 0 ? table : table.slice(dot + 1)).toLowerCase();
}

/** A result cache (see the module comment). Throws `TypeError` for bad options. */
export function resultCache(options: ResultCacheOptions): ResultCachePlugin {
  const { ttlMs } = options;
  if (typeof ttlMs !== "number" || !(ttlMs > 0)) throw new TypeError("resultCache needs ttlMs > 0");
  const maxEntries = options.maxEntries ?? 1000;
  const maxRows = options.maxRows ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const stats: ResultCacheStats = {
    hits: 0,
    misses: 0,
    stores: 0,
    invalidations: 0,
    get size() {
      return cache.size;
    },
  };

  const invalidate = (tables: readonly string[] | "all") => {
    if (tables === "all") {
      stats.invalidations += cache.size;
      cache.clear();
      return;
    }
    const names = new Set(tables.map(bare));
    for (const [key, entry] of cache) {
      if (entry.tables.some((t) => names.has(t))) {
        cache.delete(key);
        stats.invalidations++;
      }
    }
  };

  const inTransaction = (ctx: PluginContext) =>
    ctx.inTransaction || (ctx.server.statusFlags & ServerStatus.AUTOCOMMIT) === 0;

  const plugin = definePlugin({
    name: "result-cache",
    state: (): State => ({ pending: undefined, tables: [], written: new Set(), after: undefined }),
    readQuery(ctx, command) {
      ctx.state.pending = undefined;
      ctx.state.after = undefined;
      if (command.type !== "COM_QUERY") return;
      const sql = command.sql;
      const info = classifyQuery(sql);
      if (info.kind === "write" || info.kind === "ddl") {
        const tables = info.writesUnknown ? "all" : info.writtenTables;
        invalidate(tables);
        if (tables !== "all") { for (const t of tables) ctx.state.written.add(t); }
        ctx.state.after = info.writesUnknown ? "all" : tables;
        ctx.queries.observe();
        return;
      }
      if (info.transaction === "commit" || info.transaction === "rollback") {
        ctx.state.after = [...ctx.state.written];
        ctx.state.written.clear();
        ctx.queries.observe();
        return;
      }
      if (!info.readOnly || info.nondeterministic || inTransaction(ctx)) return;
      if (options.match !== undefined && !options.match(sql)) return;
      const key = `${ctx.client.user}\u0000${ctx.client.database ?? ""}\u0000${normalizeQuery(sql)}`;
      const hit = cache.get(key);
      if (hit !== undefined && hit.expires > now()) {
        cache.delete(key); // least recently used first: move it to the end
        cache.set(key, hit);
        stats.hits++;
        return sendResult(rawResponse(hit.packets));
      }
      if (hit !== undefined) cache.delete(key);
      stats.misses++;
      ctx.state.pending = key;
      ctx.state.tables = info.tables.map(bare);
      ctx.queries.observe({ resultsetIsNeeded: true });
    },
    readQueryResult(ctx, r) {
      if (!r.original) return;
      const after = ctx.state.after;
      if (after !== undefined) {
        invalidate(after);
        ctx.state.after = undefined;
        return;
      }
      const key = ctx.state.pending;
      ctx.state.pending = undefined;
      if (key === undefined || r.packets === undefined || r.error !== undefined) return;
      if (r.kind !== "resultset" || r.results.length !== 1 || r.rowCount > maxRows) return;
      if ((r.statusFlags & ServerStatus.IN_TRANS) !== 0) return;
      cache.set(key, { packets: r.packets, expires: now() + ttlMs, tables: ctx.state.tables });
      stats.stores++;
      while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    },
  });
  return { ...plugin, stats, clear: () => cache.clear() };
}

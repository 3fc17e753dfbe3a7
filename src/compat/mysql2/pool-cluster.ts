/**
 * mysql2's PoolCluster: named pools (`add(id, options)`), picked by a pattern (`"*"`, `"replica*"`)
 * and a selector (`"RR"` round robin, the default; `"RANDOM"`; `"ORDER"`: the first that works).
 * A pool whose connections fail `removeNodeErrorCount` times in a row (default 5) is taken out
 * (event `remove`), or, with `restoreNodeTimeout`, set aside for that long (events `offline`, then
 * `online`). With `canRetry` (default true), a failed attempt goes on to the next matching pool.
 */
import type { QueryCallback, QueryOptions } from "./arguments.ts";
import type { DoneCallback } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { callerStack, toMysql2Error } from "./errors.ts";
import { queryOnLentConnection } from "./lent-query.ts";
import type { Mysql2PoolOptions } from "./options.ts";
import { Pool, type PoolConnection } from "./pool.ts";
import type { Query } from "./query.ts";

/** Options of `createPoolCluster()`. */
export interface PoolClusterOptions {
  /** Try the next pool when getting a connection fails. Default true. */
  canRetry?: boolean;
  /** Consecutive failures before a pool is taken out. Default 5. */
  removeNodeErrorCount?: number;
  /** Milliseconds a failing pool is set aside before it is tried again; 0 (default): taken out for good. */
  restoreNodeTimeout?: number;
  /** The selector when `of()` names none: `"RR"`, `"RANDOM"` or `"ORDER"`. Default `"RR"`. */
  defaultSelector?: Selector;
}

/** How a pool is picked among those matching a pattern. */
export type Selector = "RR" | "RANDOM" | "ORDER";

interface Node {
  readonly id: string;
  readonly pool: Pool;
  errors: number;
  offlineUntil: number;
}

function matcher(pattern: string): (id: string) => boolean {
  if (pattern === "*" || pattern === "") return () => true;
  if (!pattern.includes("*")) return (id) => id === pattern;
  const re = new RegExp(
    "^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$",
  );
  return (id) => re.test(id);
}

/** A set of pools reached by pattern and selector. */
export class PoolCluster extends Emitter {
  readonly #nodes = new Map<string, Node>();
  readonly #options: Required<PoolClusterOptions>;
  #turn = 0;
  #anonymous = 0;
  _closed = false;

  constructor(options: PoolClusterOptions = {}) {
    super();
    const selector = options.defaultSelector ?? "RR";
    if (!["RR", "RANDOM", "ORDER"].includes(selector)) {
      throw new TypeError(
        `invalid pool cluster option defaultSelector: ${String(selector)} is not RR, RANDOM or ORDER`,
      );
    }
    this.#options = {
      canRetry: options.canRetry ?? true,
      removeNodeErrorCount: options.removeNodeErrorCount ?? 5,
      restoreNodeTimeout: options.restoreNodeTimeout ?? 0,
      defaultSelector: selector,
    };
  }

  /** Adds a pool under `id` (or an anonymous one for `add(options)`). */
  add(id: string | Mysql2PoolOptions, options?: Mysql2PoolOptions | string): void {
    if (typeof id !== "string") {
      options = id;
      id = `CLUSTER::${++this.#anonymous}`;
    }
    if (this.#nodes.has(id)) throw new TypeError(`a pool named "${id}" is already in the cluster`);
    this.#nodes.set(id, { id, pool: new Pool(options ?? {}), errors: 0, offlineUntil: 0 });
  }

  /** Removes the pools matching `pattern` and ends them. */
  remove(pattern: string): void {
    const match = matcher(pattern);
    for (const node of [...this.#nodes.values()]) {
      if (match(node.id)) this.#drop(node);
    }
  }

  #drop(node: Node): void {
    this.#nodes.delete(node.id);
    node.pool.end();
    this.emit("remove", node.id);
  }

  /** The pools matching `pattern`, in the order `selector` tries them. */
  #candidates(pattern: string, selector: Selector): Node[] {
    const match = matcher(pattern);
    const now = Date.now();
    const nodes = [...this.#nodes.values()].filter((n) => match(n.id) && n.offlineUntil <= now);
    if (nodes.length === 0) return nodes;
    if (selector === "RANDOM") {
      const start = Math.floor(Math.random() * nodes.length);
      return [...nodes.slice(start), ...nodes.slice(0, start)];
    }
    if (selector === "RR") {
      const start = this.#turn++ % nodes.length;
      return [...nodes.slice(start), ...nodes.slice(0, start)];
    }
    return nodes;
  }

  #failed(node: Node): void {
    node.errors++;
    if (node.errors < this.#options.removeNodeErrorCount) return;
    if (this.#options.restoreNodeTimeout > 0) {
      node.offlineUntil = Date.now() + this.#options.restoreNodeTimeout;
      node.errors = 0;
      this.emit("offline", node.id);
      setTimeout(() => {
        if (this.#nodes.get(node.id) === node) this.emit("online", node.id);
      }, this.#options.restoreNodeTimeout);
    } else this.#drop(node);
  }

  /** Lends a connection from a pool matching `pattern` (default `"*"`). */
  getConnection(
    pattern?: string | ((error: Error | null, connection: PoolConnection) => void),
    selector?: Selector | ((error: Error | null, connection: PoolConnection) => void),
    callback?: (error: Error | null, connection: PoolConnection) => void,
  ): void {
    if (typeof pattern === "function") {
      callback = pattern;
      pattern = "*";
    } else if (typeof selector === "function") {
      callback = selector;
      selector = undefined;
    }
    const stack = callerStack();
    const done = callback as (error: Error | null, connection: PoolConnection) => void;
    if (this._closed) {
      queueMicrotask(() =>
        done(toMysql2Error(new Error("PoolCluster is closed."), stack), undefined as never)
      );
      return;
    }
    const nodes = this.#candidates(
      pattern ?? "*",
      (selector as Selector | undefined) ?? this.#options.defaultSelector,
    );
    if (nodes.length === 0) {
      queueMicrotask(() =>
        done(toMysql2Error(new Error(`Pool does not exist. (${String(pattern)})`), stack), undefined as never)
      );
      return;
    }
    const attempt = (i: number) => {
      const node = nodes[i];
      node.pool.getConnection((error, conn) => {
        if (error || conn === undefined) {
          this.#failed(node);
          if (this.#options.canRetry && i + 1 < nodes.length) attempt(i + 1);
          else done(error, undefined as never);
          return;
        }
        node.errors = 0;
        done(null, conn);
      });
    };
    attempt(0);
  }

  /** The pools matching `pattern`, as one namespace with `getConnection`, `query` and `execute`. */
  of(pattern: string, selector?: Selector): PoolNamespace {
    return new PoolNamespace(this, pattern, selector ?? this.#options.defaultSelector);
  }

  /** Ends every pool. */
  end(callback?: DoneCallback): void {
    this._closed = true;
    const pools = [...this.#nodes.values()].map((n) =>
      new Promise<void>((resolve) => n.pool.end(() => resolve()))
    );
    this.#nodes.clear();
    Promise.all(pools).then(() => callback?.(null));
  }
}

/** The pools of a cluster that match one pattern. */
export class PoolNamespace {
  readonly #cluster: PoolCluster;
  readonly #pattern: string;
  readonly #selector: Selector;

  constructor(cluster: PoolCluster, pattern: string, selector: Selector) {
    this.#cluster = cluster;
    this.#pattern = pattern;
    this.#selector = selector;
  }

  /** Lends a connection from one of the pools. */
  getConnection(callback: (error: Error | null, connection: PoolConnection) => void): void {
    this.#cluster.getConnection(this.#pattern, this.#selector, callback);
  }

  #once(
    method: "query" | "execute",
    sqlOrOptions: string | QueryOptions,
    values: unknown,
    callback?: QueryCallback,
  ): Query {
    return queryOnLentConnection((cb) => this.getConnection(cb), method, sqlOrOptions, values, callback);
  }

  /** Runs a text query on a connection of one of the pools. */
  query(sqlOrOptions: string | QueryOptions, values?: unknown, callback?: QueryCallback): Query {
    return this.#once("query", sqlOrOptions, values, callback);
  }

  /** Runs a prepared statement on a connection of one of the pools. */
  execute(sqlOrOptions: string | QueryOptions, values?: unknown, callback?: QueryCallback): Query {
    return this.#once("execute", sqlOrOptions, values, callback);
  }
}

/** Creates an empty cluster; `add()` pools to it. */
export function createPoolCluster(options?: PoolClusterOptions): PoolCluster {
  return new PoolCluster(options);
}

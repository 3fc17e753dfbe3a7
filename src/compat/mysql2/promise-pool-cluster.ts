/** mysql2's promise PoolCluster: the callback cluster (`.poolCluster`) with promise methods. */
import type { QueryOptions } from "./arguments.ts";
import { Emitter } from "./emitter.ts";
import type { Mysql2Field } from "./fields.ts";
import type { Mysql2PoolOptions } from "./options.ts";
import { type PoolCluster, type PoolNamespace, type Selector } from "./pool-cluster.ts";
import type { PoolConnection } from "./pool.ts";
import { forwardEvents, type QueryTuple } from "./promise-connection.ts";
import { PromisePoolConnection } from "./promise-pool.ts";

function lend(run: (cb: (error: Error | null, conn: PoolConnection) => void) => void) {
  return new Promise<PromisePoolConnection>((resolve, reject) => {
    run((
      error,
      conn,
    ) => (error || conn === undefined ? reject(error) : resolve(new PromisePoolConnection(conn))));
  });
}

function tuple(run: (cb: (error: Error | null, rows?: unknown, fields?: unknown) => void) => void) {
  return new Promise<QueryTuple>((resolve, reject) => {
    run((error, rows, fields) => (error ? reject(error) : resolve([rows, fields as Mysql2Field[]])));
  });
}

/** A namespace of a promise cluster. */
export class PromisePoolNamespace {
  readonly #ns: PoolNamespace;

  constructor(ns: PoolNamespace) {
    this.#ns = ns;
  }

  /** Borrows a connection from one of the pools. */
  getConnection(): Promise<PromisePoolConnection> {
    return lend((cb) => this.#ns.getConnection(cb));
  }

  /** Runs a text query on one of the pools. */
  // deno-lint-ignore no-explicit-any
  query<T = any>(sqlOrOptions: string | QueryOptions, values?: unknown): Promise<QueryTuple<T>> {
    return tuple((cb) => this.#ns.query(sqlOrOptions, values, cb));
  }

  /** Runs a prepared statement on one of the pools. */
  // deno-lint-ignore no-explicit-any
  execute<T = any>(sqlOrOptions: string | QueryOptions, values?: unknown): Promise<QueryTuple<T>> {
    return tuple((cb) => this.#ns.execute(sqlOrOptions, values, cb));
  }
}

/** A cluster with mysql2's promise API. */
export class PromisePoolCluster extends Emitter {
  /** The callback cluster underneath. */
  readonly poolCluster: PoolCluster;

  constructor(cluster: PoolCluster) {
    super();
    this.poolCluster = cluster;
    forwardEvents(cluster, this, ["remove", "offline", "online", "warn", "error"]);
  }

  /** Adds a pool. */
  add(id: string | Mysql2PoolOptions, options?: Mysql2PoolOptions | string): void {
    this.poolCluster.add(id, options);
  }

  /** Removes pools. */
  remove(pattern: string): void {
    this.poolCluster.remove(pattern);
  }

  /** Borrows a connection from a pool matching `pattern`. */
  getConnection(pattern = "*", selector?: Selector): Promise<PromisePoolConnection> {
    return lend((cb) => this.poolCluster.getConnection(pattern, selector as Selector, cb));
  }

  /** The pools matching `pattern`. */
  of(pattern: string, selector?: Selector): PromisePoolNamespace {
    return new PromisePoolNamespace(this.poolCluster.of(pattern, selector));
  }

  /** Ends every pool. */
  end(): Promise<void> {
    return new Promise((resolve) => this.poolCluster.end(() => resolve()));
  }
}

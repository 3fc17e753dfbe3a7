/**
 * mysql2's promise Pool and PoolConnection (what `mysql2/promise` `createPool()` returns, and
 * `pool.promise()`): `getConnection()` resolves to a connection with `release()`, `query` and
 * `execute` resolve to `[rows, fields]`, and the pool's events are forwarded. The callback pool is
 * `.pool`.
 */
import type { QueryOptions } from "./arguments.ts";
import { Emitter } from "./emitter.ts";
import { callerStack } from "./errors.ts";
import type { Mysql2Field } from "./fields.ts";
import type { Pool, PoolConnection } from "./pool.ts";
import { forwardEvents, PromiseConnection, type QueryTuple } from "./promise-connection.ts";
import { Query } from "./query.ts";

/** A pooled connection with the promise API. */
export class PromisePoolConnection extends PromiseConnection {
  declare readonly connection: PoolConnection;

  constructor(connection: PoolConnection) {
    super(connection);
  }

  /** Gives the connection back to its pool. */
  release(): void {
    this.connection.release();
  }

  /** Closes it for good; the pool opens another when needed. */
  override destroy(): void {
    this.connection.destroy();
  }

  /** `using conn = await pool.getConnection()` releases it. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** `await using` releases it too. */
  override [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/** A pool with mysql2's promise API. */
export class PromisePool extends Emitter implements AsyncDisposable {
  /** The callback pool underneath. */
  readonly pool: Pool;

  constructor(pool: Pool) {
    super();
    this.pool = pool;
    forwardEvents(pool, this, ["acquire", "connection", "enqueue", "release", "error"]);
  }

  /** The pool's options as given. */
  get config(): Readonly<Record<string, unknown>> {
    return this.pool.config;
  }

  /** Borrows a connection; give it back with `release()`. */
  getConnection(): Promise<PromisePoolConnection> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((error, conn) => {
        if (error || conn === undefined) reject(error);
        else resolve(new PromisePoolConnection(conn));
      });
    });
  }

  /** Gives a connection back. */
  releaseConnection(connection: PromisePoolConnection | PoolConnection): void {
    (connection as PromisePoolConnection).release();
  }

  #call(
    method: "query" | "execute",
    sqlOrOptions: string | QueryOptions,
    values: unknown,
  ): Promise<QueryTuple> {
    const stack = callerStack();
    return new Promise((resolve, reject) => {
      this.pool.getConnection((error, conn) => {
        if (error || conn === undefined) {
          reject(error);
          return;
        }
        conn._run(
          method,
          new Query("", undefined),
          sqlOrOptions,
          values,
          (err, rows, fields) => {
            conn.release();
            if (err) reject(err);
            else resolve([rows, fields as Mysql2Field[]]);
          },
          stack,
        );
      });
    });
  }

  /** Runs a text query on a free connection. */
  // deno-lint-ignore no-explicit-any
  query<T = any>(sqlOrOptions: string | QueryOptions, values?: unknown): Promise<QueryTuple<T>> {
    return this.#call("query", sqlOrOptions, values);
  }

  /** Runs a prepared statement on a free connection. */
  // deno-lint-ignore no-explicit-any
  execute<T = any>(sqlOrOptions: string | QueryOptions, values?: unknown): Promise<QueryTuple<T>> {
    return this.#call("execute", sqlOrOptions, values);
  }

  /** Closes the pool. */
  end(): Promise<void> {
    return new Promise((resolve, reject) => this.pool.end((error) => (error ? reject(error) : resolve())));
  }

  /** Fills placeholders as the pool's connections would. */
  format(sql: string, values?: unknown): string {
    return this.pool.format(sql, values);
  }

  /** A value as an SQL literal. */
  escape(value: unknown): string {
    return this.pool.escape(value);
  }

  /** An identifier in backticks. */
  escapeId(id: string | readonly string[], forbidQualified?: boolean): string {
    return this.pool.escapeId(id, forbidQualified);
  }

  /** `await using pool = createPool(...)` ends it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }
}

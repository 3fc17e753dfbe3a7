/**
 * mysql2's callback Pool and PoolConnection on mywire's native pool: `getConnection(cb)` lends a
 * PoolConnection (`release()` gives it back, `destroy()` drops it), `query`/`execute` borrow one
 * for a single command, `end()` closes the pool, and the events mysql2 emits: `connection` (the
 * first time a new server connection is lent), `acquire`, `release`, `enqueue` (a caller has to
 * wait). As in mysql2, a connection goes back as its borrower left it (no session reset) and a
 * caller waits for a free connection without a time limit unless `waitForConnections: false`.
 */
import type { Connection as NativeConnection } from "../../client/connection.ts";
import { PoolError } from "../../client/errors.ts";
import { Pool as NativePool } from "../../client/pool.ts";
import type { QueryCallback, QueryOptions } from "./arguments.ts";
import { Connection, type DoneCallback } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { callerStack, toMysql2Error } from "./errors.ts";
import { escape, escapeId, format } from "./format.ts";
import { queryOnLentConnection } from "./lent-query.ts";
import { type Mysql2PoolOptions, type ResolvedPool, resolvePoolOptions } from "./options.ts";
import { PromisePool, PromisePoolConnection } from "./promise-pool.ts";
import type { Query } from "./query.ts";
import { channels, serverContext, shouldTrace } from "./tracing.ts";

/** A connection lent by a Pool. */
export class PoolConnection extends Connection {
  #pool: Pool | undefined;
  #native: NativeConnection;
  _released = false;

  constructor(pool: Pool, native: NativeConnection) {
    super(pool._resolved.connection, native);
    this.#pool = pool;
    this.#native = native;
  }

  /** For the pool: lent again, over this native handle. */
  _relend(native: NativeConnection): void {
    this.#native = native;
    this._released = false;
    this._attach(native);
  }

  /** Gives the connection back to its pool (after the commands already called). */
  release(): void {
    if (this._released || this.#pool === undefined) return;
    this._released = true;
    const native = this.#native;
    const pool = this.#pool;
    pool.emit("release", this);
    native.close().catch(() => {});
  }

  /** Closes the connection for good; the pool opens another when needed. */
  override destroy(): void {
    this._released = true;
    this.#pool?._forget(this);
    this.#pool = undefined;
    this.#native.destroy();
  }

  /** In mysql2 this releases the connection (and warns that it is deprecated); so it does here. */
  override end(callback?: DoneCallback): void {
    this.emit(
      "warn",
      new Error("Calling conn.end() to release a pooled connection is deprecated. Use conn.release()."),
    );
    this.release();
    callback?.(null);
  }

  /**
   * On a pooled connection only the database can change (`USE`); another user would need a
   * session of its own, which the pool cannot lend: that is an error here, never a silent switch.
   */
  override changeUser(
    options: Parameters<Connection["changeUser"]>[0],
    callback?: DoneCallback,
  ): void {
    const stack = callerStack();
    const { database, ...rest } = options ?? {};
    const other = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (other.length > 0) {
      const error = toMysql2Error(
        new TypeError(
          `changeUser() on a pooled connection can change only the database, not ${other.join(", ")}`,
        ),
        stack,
      );
      queueMicrotask(() => {
        if (callback) callback(error);
        else if (this.listenerCount("error") > 0) this.emit("error", error);
      });
      return;
    }
    if (database === undefined) {
      queueMicrotask(() => callback?.(null));
      return;
    }
    this._inOrder(
      (native) => {
        native.useDatabase(database).then(
          () => callback?.(null),
          (error) => callback?.(toMysql2Error(error, stack)),
        );
      },
      (error) => callback?.(error),
    );
  }

  /** `using conn = ...` releases it. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** The promise API over this connection. */
  override promise(): PromisePoolConnection {
    return new PromisePoolConnection(this);
  }
}

/** A pool with mysql2's callback API. */
export class Pool extends Emitter {
  /** The pool's options as given. */
  readonly config: Readonly<Record<string, unknown>>;
  /** For PoolConnection: the resolved options. */
  readonly _resolved: ResolvedPool;
  readonly #native: NativePool;
  readonly #known = new Map<number, PoolConnection>();
  _closed = false;

  constructor(options: Mysql2PoolOptions | string) {
    super();
    this._resolved = resolvePoolOptions(options);
    this.config = this._resolved.connection.config;
    this.#native = new NativePool(this._resolved.native);
  }

  /** The native mywire pool underneath. */
  get native(): NativePool {
    return this.#native;
  }

  /** For PoolConnection.destroy: forgets a connection. */
  _forget(conn: PoolConnection): void {
    if (this.#known.get(conn.threadId) === conn) this.#known.delete(conn.threadId);
  }

  #wrap(native: NativeConnection): PoolConnection {
    const id = native.threadId;
    let conn = this.#known.get(id);
    if (conn !== undefined) {
      conn._relend(native);
      return conn;
    }
    if (this.#known.size >= 2 * this._resolved.connectionLimit) {
      for (const [key, c] of this.#known) if (c._released) this.#known.delete(key);
    }
    conn = new PoolConnection(this, native);
    this.#known.set(id, conn);
    this.emit("connection", conn);
    return conn;
  }

  /**
   * Lends a connection: `callback(err, connection)`; give it back with `connection.release()`.
   * Inside mysql2's `mysql2:pool:connect` tracing channel when someone listens.
   */
  getConnection(callback: (error: Error | null, connection: PoolConnection) => void): void {
    const channel = channels?.poolConnect;
    if (shouldTrace(channel)) {
      channel.traceCallback(
        (wrapped: typeof callback) => this.#getConnection(wrapped),
        0,
        serverContext(this.config),
        null,
        callback,
      );
    } else this.#getConnection(callback);
  }

  #getConnection(callback: (error: Error | null, connection: PoolConnection) => void): void {
    const stack = callerStack();
    if (this._closed) {
      queueMicrotask(() => callback(toMysql2Error(new Error("Pool is closed."), stack), undefined as never));
      return;
    }
    const stats = this.#native.stats();
    if (stats.idle === 0 && stats.total + stats.pending >= this._resolved.connectionLimit) {
      if (!this._resolved.waitForConnections) {
        queueMicrotask(() =>
          callback(toMysql2Error(new Error("No connections available."), stack), undefined as never)
        );
        return;
      }
      this.emit("enqueue");
    }
    this.#native.acquire().then(
      (native) => {
        const conn = this.#wrap(native);
        this.emit("acquire", conn);
        callback(null, conn);
      },
      (error) => {
        if (error instanceof PoolError && error.code === "QUEUE_FULL") {
          error = new Error("Queue limit reached.");
        }
        if (error instanceof PoolError && error.code === "POOL_CLOSED") error = new Error("Pool is closed.");
        callback(toMysql2Error(error, stack), undefined as never);
      },
    );
  }

  /** Gives a connection back (same as `connection.release()`). */
  releaseConnection(connection: PoolConnection): void {
    connection.release();
  }

  #once(
    method: "query" | "execute",
    sqlOrOptions: string | QueryOptions,
    values: unknown,
    callback?: QueryCallback,
  ): Query {
    return queryOnLentConnection((cb) => this.getConnection(cb), method, sqlOrOptions, values, callback);
  }

  /** Runs a text query on a free connection (events and `.stream()` work as on a connection). */
  query(sqlOrOptions: string | QueryOptions, callback?: QueryCallback): Query;
  query(sqlOrOptions: string | QueryOptions, values: unknown, callback?: QueryCallback): Query;
  query(sqlOrOptions: string | QueryOptions, values?: unknown, callback?: QueryCallback): Query {
    return this.#once("query", sqlOrOptions, values, callback);
  }

  /** Runs a prepared statement on a free connection. */
  execute(sqlOrOptions: string | QueryOptions, callback?: QueryCallback): Query;
  execute(sqlOrOptions: string | QueryOptions, values: unknown, callback?: QueryCallback): Query;
  execute(sqlOrOptions: string | QueryOptions, values?: unknown, callback?: QueryCallback): Query {
    return this.#once("execute", sqlOrOptions, values, callback);
  }

  /** Closes every connection (borrowed ones once given back, or after 10 s). */
  end(callback?: DoneCallback): void {
    this._closed = true;
    this.#native.close().then(() => callback?.(null), (error) => callback?.(error));
  }

  /** Fills placeholders as the pool's connections would. */
  format(sql: string, values?: unknown): string {
    return format(sql, values, this._resolved.connection.decode.timezone);
  }

  /** A value as an SQL literal. */
  escape(value: unknown): string {
    return escape(value, false, this._resolved.connection.decode.timezone);
  }

  /** An identifier in backticks. */
  escapeId(id: string | readonly string[], forbidQualified?: boolean): string {
    return escapeId(id, forbidQualified);
  }

  /** The promise API over this pool. */
  promise(): PromisePool {
    return new PromisePool(this);
  }
}

/** Creates a pool with mysql2's options (no connection opens before the first use). */
export function createPool(options: Mysql2PoolOptions | string): Pool {
  return new Pool(options);
}

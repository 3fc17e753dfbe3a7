/**
 * mysql2's promise API over a callback connection (what `mysql2/promise` `createConnection()`
 * resolves to, and `connection.promise()` returns): every command returns a Promise, `query` and
 * `execute` resolve to `[rows, fields]` (or `[ResultSetHeader, undefined]`), and errors carry the
 * stack of the caller of these methods. The callback connection is `.connection`.
 */
import type { QueryOptions } from "./arguments.ts";
import type { Connection, DoneCallback, PreparedStatementInfo } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { callerStack, type CallSite } from "./errors.ts";
import type { Mysql2Field } from "./fields.ts";
import { Query } from "./query.ts";

/**
 * What `query<T>()` and `execute<T>()` resolve to: `[rows, fields]`, or `[ResultSetHeader,
 * undefined]` for a statement without rows. `T` says which (as in mysql2's types, it is not checked).
 */
// deno-lint-ignore no-explicit-any
export type QueryTuple<T = any> = [T, Mysql2Field[]];

/** A row as mysql2's types call it. */
// deno-lint-ignore no-explicit-any
export interface RowDataPacket extends Record<string, any> {}

/** A column of a result, as mysql2's types call it. */
export type FieldPacket = Mysql2Field;

/** A statement from `prepare()`, with a promise `execute`. */
export interface PromisePreparedStatementInfo {
  readonly columns: unknown[];
  readonly parameters: unknown[];
  // deno-lint-ignore no-explicit-any
  execute<T = any>(values?: readonly unknown[]): Promise<QueryTuple<T>>;
  close(): Promise<void>;
}

/** Forwards these events of `from` to `to`. */
export function forwardEvents(from: Emitter, to: Emitter, names: readonly string[]): void {
  for (const name of names) {
    from.on(name, (...args: unknown[]) => {
      if (name === "error" && to.listenerCount("error") === 0) return;
      to.emit(name, ...args);
    });
  }
}

/** A connection with mysql2's promise API. */
export class PromiseConnection extends Emitter implements AsyncDisposable {
  /** The callback connection underneath. */
  readonly connection: Connection;

  constructor(connection: Connection) {
    super();
    this.connection = connection;
    forwardEvents(connection, this, ["error", "connect", "end", "warn"]);
  }

  /** The server's id of this connection. */
  get threadId(): number {
    return this.connection.threadId;
  }

  /** The options it was created with. */
  get config(): Readonly<Record<string, unknown>> {
    return this.connection.config;
  }

  #call(method: "query" | "execute", sqlOrOptions: string | QueryOptions, values: unknown, stack: CallSite) {
    return new Promise<QueryTuple>((resolve, reject) => {
      this.connection._run(method, new Query("", undefined), sqlOrOptions, values, (error, rows, fields) => {
        if (error) reject(error);
        else resolve([rows, fields as Mysql2Field[]]);
      }, stack);
    });
  }

  /** Runs a text query; resolves to `[rows, fields]` or `[ResultSetHeader, undefined]`. */
  // deno-lint-ignore no-explicit-any
  query<T = any>(sqlOrOptions: string | QueryOptions, values?: unknown): Promise<QueryTuple<T>> {
    return this.#call("query", sqlOrOptions, values, callerStack());
  }

  /** Runs a prepared statement; resolves to `[rows, fields]` or `[ResultSetHeader, undefined]`. */
  // deno-lint-ignore no-explicit-any
  execute<T = any>(sqlOrOptions: string | QueryOptions, values?: unknown): Promise<QueryTuple<T>> {
    return this.#call("execute", sqlOrOptions, values, callerStack());
  }

  #done(run: (cb: DoneCallback) => void): Promise<void> {
    return new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())));
  }

  /** Checks that the server answers. */
  ping(): Promise<void> {
    return this.#done((cb) => this.connection.ping(cb));
  }

  /** `START TRANSACTION`. */
  beginTransaction(): Promise<void> {
    return this.#done((cb) => this.connection.beginTransaction(cb));
  }

  /** `COMMIT`. */
  commit(): Promise<void> {
    return this.#done((cb) => this.connection.commit(cb));
  }

  /** `ROLLBACK`. */
  rollback(): Promise<void> {
    return this.#done((cb) => this.connection.rollback(cb));
  }

  /** Logs in as another user or to another database (see the callback connection). */
  changeUser(options: Parameters<Connection["changeUser"]>[0]): Promise<void> {
    return this.#done((cb) => this.connection.changeUser(options, cb));
  }

  /** Prepares a statement. */
  prepare(sqlOrOptions: string | QueryOptions): Promise<PromisePreparedStatementInfo> {
    return new Promise((resolve, reject) => {
      this.connection.prepare(sqlOrOptions, (error, statement?: PreparedStatementInfo) => {
        if (error || statement === undefined) {
          reject(error);
          return;
        }
        resolve({
          columns: statement.columns,
          parameters: statement.parameters,
          execute: (values) =>
            new Promise((res, rej) => {
              statement.execute(
                values,
                (err, rows, fields) => (err ? rej(err) : res([rows as never, fields as Mysql2Field[]])),
              );
            }),
          close: () => {
            statement.close();
            return Promise.resolve();
          },
        });
      });
    });
  }

  /** Kept for mysql2 compatibility (cached statements are closed by the cache). */
  unprepare(sql: string): void {
    this.connection.unprepare(sql);
  }

  /** Closes the connection after the commands already called. */
  end(): Promise<void> {
    return this.#done((cb) => this.connection.end(cb));
  }

  /** Closes the connection at once. */
  destroy(): void {
    this.connection.destroy();
  }

  /** Same as `destroy()`. */
  close(): void {
    this.connection.destroy();
  }

  /** Holds back rows of a running event-style query. */
  pause(): void {
    this.connection.pause();
  }

  /** Lets them flow again. */
  resume(): void {
    this.connection.resume();
  }

  /** Fills placeholders as the connection would. */
  format(sql: string, values?: unknown): string {
    return this.connection.format(sql, values);
  }

  /** A value as an SQL literal. */
  escape(value: unknown): string {
    return this.connection.escape(value);
  }

  /** An identifier in backticks. */
  escapeId(id: string | readonly string[], forbidQualified?: boolean): string {
    return this.connection.escapeId(id, forbidQualified);
  }

  /** `await using` ends the connection at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }
}

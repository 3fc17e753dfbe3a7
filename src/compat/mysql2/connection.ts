/**
 * mysql2's callback Connection (`createConnection()` of `mysql2`) on a native mywire connection:
 * `query`/`execute` with callbacks or events or `.stream()`, `prepare`, `ping`,
 * `beginTransaction`/`commit`/`rollback`, `changeUser`, `end`/`destroy`, `pause`/`resume`,
 * `format`/`escape`/`escapeId`, and `promise()` for the promise API. Commands run one at a time in
 * the order called; the native connection under it decodes rows to one canonical form that
 * decode.ts turns into mysql2's values, per query.
 */
import { connect, type Connection as NativeConnection } from "../../client/connection.ts";
import { type QueryOptions as NativeQueryOptions, ROW_DECODING } from "../../client/query-options.ts";
import type { QueryResult } from "../../session/result.ts";
import { callArguments, type QueryCallback, type QueryOptions } from "./arguments.ts";
import { rowShaper } from "./decode.ts";
import { Emitter } from "./emitter.ts";
import { callerStack, type CallSite, toMysql2Error } from "./errors.ts";
import { toMysql2Field } from "./fields.ts";
import { escape, escapeId, format } from "./format.ts";
import { directDecoding, nestsTables, shapingDecoding } from "./native-decoding.ts";
import type { DecodeSettings, Mysql2ConnectionOptions, ResolvedConnection } from "./options.ts";
import { PromiseConnection } from "./promise-connection.ts";
import { Query } from "./query.ts";
import { toMysql2Part, toMysql2Result } from "./results.ts";
import { channels, serverContext, shouldTrace } from "./tracing.ts";

/**
 * The native command options of a call: its timeout, and the decoding that gives mysql2's rows
 * directly when the query's settings allow, else the canonical one decode.ts shapes (see
 * native-decoding.ts).
 */
function commandOptions(
  args: { readonly timeout?: number; readonly settings: DecodeSettings },
): NativeQueryOptions {
  return { timeout: args.timeout, [ROW_DECODING]: directDecoding(args.settings) ?? shapingDecoding };
}

/** A callback with only an error. */
export type DoneCallback = (error: Error | null) => void;

function noop(): void {}

/** A statement prepared with `connection.prepare()`, as mysql2's PreparedStatementInfo. */
export interface PreparedStatementInfo {
  /** The statement's result columns. */
  readonly columns: unknown[];
  /** Its parameters. */
  readonly parameters: unknown[];
  /** Executes it with `values`. */
  execute(values: readonly unknown[] | undefined, callback?: QueryCallback): Query;
  /** Closes it on the server. */
  close(): void;
}

/** A connection with mysql2's callback API. */
export class Connection extends Emitter {
  /** The options it was created with (mysql2's `connection.config`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The server's id of this connection (what KILL takes); null before it connected. */
  threadId: number = null as never; // typed as mysql2 types it; null at run time until connected
  /** The error that ended the connection, if one did (mysql2's name; ORMs look at it). */
  _fatalError: Error | null = null;
  /** Always null: protocol errors are fatal errors here. */
  readonly _protocolError: Error | null = null;
  /** True once `end()` or `destroy()` was called. */
  _closing = false;
  /** True once connected and authenticated. */
  authorized = false;
  #resolved: ResolvedConnection;
  #native: Promise<NativeConnection>;
  #current: NativeConnection | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** Dispatches called and not yet done; 0: a new command may be sent at once. */
  #queued = 0;
  #running = new Set<Query>();
  #paused = false;

  /** Connects with `resolved`, or adopts an already open native connection (for the pool). */
  constructor(resolved: ResolvedConnection, native?: NativeConnection) {
    super();
    this.#resolved = resolved;
    this.config = resolved.config;
    if (native !== undefined) {
      this.#native = Promise.resolve(native);
      this.#adopted(native);
    } else {
      const stack = callerStack();
      this.#native = connect(resolved.native).then(
        (conn) => {
          this.#adopted(conn);
          if (this.listenerCount("connect") > 0) this.emit("connect", { threadId: this.threadId });
          return conn;
        },
        (error) => {
          const e = toMysql2Error(error, stack);
          (e as { fatal?: boolean }).fatal = true;
          this._fatalError = e;
          if (this.listenerCount("error") > 0) this.emit("error", e);
          throw e;
        },
      );
      this.#native.catch(noop);
      const connectChannel = channels?.connect;
      if (shouldTrace(connectChannel)) {
        const config = this.config;
        connectChannel.tracePromise(() => this.#native, {
          ...serverContext(config),
          user: typeof config.user === "string" ? config.user : "",
        }).catch(noop);
      }
    }
  }

  #adopted(conn: NativeConnection): void {
    this.#current = conn;
    this.threadId = conn.threadId;
    this.authorized = true;
  }

  /** For the pool: the native connection this wrapper now stands for. */
  _attach(native: NativeConnection): void {
    this.#native = Promise.resolve(native);
    this.#adopted(native);
    this._closing = false;
  }

  /** The decoding settings of this connection. */
  get _settings(): DecodeSettings {
    return this.#resolved.decode;
  }

  /** mysql2's socket; here only `destroyed`, which tools check before reusing a connection. */
  get stream(): { readonly destroyed: boolean } {
    const self = this;
    return {
      get destroyed() {
        return self._closing || self._fatalError !== null || self.#current?.closed === true;
      },
    };
  }

  /** `"connected"` once connected, `"disconnected"` after it closed or failed, else `"connecting"`. */
  get state(): string {
    if (this._fatalError !== null || this._closing || this.#current?.closed) return "disconnected";
    return this.#current === undefined ? "connecting" : "connected";
  }

  /** The server's version string. */
  get serverVersion(): string {
    return this.#current?.serverVersion ?? "";
  }

  /**
   * Runs `dispatch` once the commands called before it were sent (keeps the call order): at once
   * when nothing is waiting, else after them. A dispatch that returns a promise holds back the
   * commands after it until it settles (a stream learning its columns first).
   */
  #enqueue(
    dispatch: (native: NativeConnection) => Promise<void> | void,
    onConnectError: (e: Error) => void,
  ): void {
    const current = this.#current;
    if (this.#queued === 0 && current !== undefined) {
      const pending = dispatch(current);
      if (pending !== undefined) this.#hold(pending);
      return;
    }
    this.#hold(this.#chain.then(async () => {
      let native: NativeConnection;
      try {
        native = await this.#native;
      } catch (error) {
        onConnectError(error as Error);
        return;
      }
      await dispatch(native);
    }));
  }

  #hold(pending: Promise<void>): void {
    this.#queued++;
    this.#chain = pending.catch(noop).then(() => {
      this.#queued--;
    });
  }

  /** For the pool's connections: runs `dispatch` in call order, like every command. */
  _inOrder(
    dispatch: (native: NativeConnection) => Promise<void> | void,
    onConnectError: (e: Error) => void,
  ): void {
    this.#enqueue(dispatch, onConnectError);
  }

  /** Calls back once connected (or with the connection error). */
  connect(callback?: DoneCallback): void {
    this.#native.then(() => callback?.(null), (error) => callback?.(error));
  }

  /** Fills placeholders as this connection would (its time zone; `queryFormat` when set). */
  format(sql: string, values?: unknown): string {
    const custom = this.#resolved.queryFormat;
    if (custom !== undefined) return custom.call(this, sql, values);
    return format(sql, values, this.#resolved.decode.timezone);
  }

  /** A value as an SQL literal. */
  escape(value: unknown): string {
    return escape(value, false, this.#resolved.decode.timezone);
  }

  /** An identifier in backticks (`a.b` as `a`.`b`: mysql2's connection ignores `forbidQualified`). */
  escapeId(id: string | readonly string[], _forbidQualified?: boolean): string {
    return escapeId(id, false);
  }

  /**
   * Runs a text query with `?` placeholders filled client-side. With a callback: `(err, rows,
   * fields)`. Without: listen to the returned Query's events, or read `query(...).stream()`.
   */
  query(sqlOrOptions: string | QueryOptions, callback?: QueryCallback): Query;
  query(sqlOrOptions: string | QueryOptions, values: unknown, callback?: QueryCallback): Query;
  query(sqlOrOptions: string | QueryOptions, values?: unknown, callback?: QueryCallback): Query {
    const stack = callerStack();
    return this._run("query", new Query("", undefined), sqlOrOptions, values, callback, stack);
  }

  /** Runs a prepared statement (binary protocol), prepared once and cached. Same forms as `query`. */
  execute(sqlOrOptions: string | QueryOptions, callback?: QueryCallback): Query;
  execute(sqlOrOptions: string | QueryOptions, values: unknown, callback?: QueryCallback): Query;
  execute(sqlOrOptions: string | QueryOptions, values?: unknown, callback?: QueryCallback): Query {
    const stack = callerStack();
    return this._run("execute", new Query("", undefined), sqlOrOptions, values, callback, stack);
  }

  /**
   * For `query`, `execute` and the pool: runs a command into the given Query object, inside
   * mysql2's `mysql2:query` / `mysql2:execute` tracing channel when someone listens.
   */
  _run(
    method: "query" | "execute",
    q: Query,
    sqlOrOptions: string | QueryOptions,
    values: unknown,
    callback: QueryCallback | undefined,
    stack: CallSite,
  ): Query {
    if (typeof values === "function" && callback === undefined) {
      callback = values as QueryCallback;
      values = undefined;
    }
    const channel = channels?.[method];
    if (!shouldTrace(channel)) return this.#command(method, q, sqlOrOptions, values, callback, stack);
    const sql = typeof sqlOrOptions === "object" && sqlOrOptions !== null ? sqlOrOptions.sql : sqlOrOptions;
    const given = values ?? (typeof sqlOrOptions === "object" ? sqlOrOptions?.values : undefined);
    let text = sql;
    if (method === "query") {
      try {
        text = this.format(sql, given);
      } catch {
        // The command reports the error; the trace shows the SQL as given.
      }
    }
    const context = { query: text, values: given, ...serverContext(this.config) };
    if (callback !== undefined) {
      channel.traceCallback(
        (wrapped: QueryCallback) => this.#command(method, q, sqlOrOptions, values, wrapped, stack),
        0,
        context,
        this,
        callback,
      );
      return q;
    }
    channel.tracePromise(
      () =>
        new Promise<void>((resolve, reject) => {
          q.once("error", reject);
          q.once("end", () => resolve());
          this.#command(method, q, sqlOrOptions, values, undefined, stack);
        }),
      context,
    ).catch(noop);
    return q;
  }

  #command(
    method: "query" | "execute",
    q: Query,
    sqlOrOptions: string | QueryOptions,
    values: unknown,
    callback: QueryCallback | undefined,
    stack: CallSite,
  ): Query {
    let args: ReturnType<typeof callArguments>;
    try {
      args = callArguments(method, sqlOrOptions, values, callback, this.#resolved.decode);
    } catch (error) {
      queueMicrotask(() => this.#fail(q, callback, toMysql2Error(error, stack)));
      return q;
    }
    q.sql = args.sql;
    (q as { values: unknown }).values = args.values;
    this.#enqueue(
      (native) => {
        this.#running.add(q);
        q.once("end", () => this.#running.delete(q));
        if (this.#paused) q.pause();
        return method === "query"
          ? this.#dispatchQuery(native, q, args, stack)
          : this.#dispatchExecute(native, q, args, stack);
      },
      (error) => this.#fail(q, args.callback, error),
    );
    return q;
  }

  #fail(q: Query, callback: QueryCallback | undefined, error: Error): void {
    if (callback !== undefined) {
      callback(error);
      q.emit("end");
    } else q.fail(error);
  }

  #dispatchQuery(
    native: NativeConnection,
    q: Query,
    args: ReturnType<typeof callArguments>,
    stack: CallSite,
  ): Promise<void> | void {
    let sql: string;
    try {
      sql = this.format(args.sql, args.values);
    } catch (error) {
      this.#fail(q, args.callback, toMysql2Error(error, stack, args.sql));
      return;
    }
    q.sql = sql;
    if (args.callback !== undefined) {
      this.#settle(q, args, native.query(sql, undefined, commandOptions(args)), stack);
      return;
    }
    return this.#streamQuery(native, q, sql, args, stack);
  }

  #dispatchExecute(
    native: NativeConnection,
    q: Query,
    args: ReturnType<typeof callArguments>,
    stack: CallSite,
  ): void {
    let params = args.values ?? [];
    if (Array.isArray(params) && params.includes(undefined)) {
      this.#fail(
        q,
        args.callback,
        toMysql2Error(
          new TypeError(
            "Bind parameters must not contain undefined. To pass SQL NULL specify JS null",
          ),
          stack,
          args.sql,
        ),
      );
      return;
    }
    if (!Array.isArray(params) && (typeof params !== "object" || params === null)) params = [params];
    this.#settle(
      q,
      args,
      native.execute(args.sql, params as readonly unknown[], commandOptions(args)),
      stack,
      true,
    );
  }

  /** Hands a whole result to the callback, or to the Query's events. */
  #settle(
    q: Query,
    args: ReturnType<typeof callArguments>,
    pending: Promise<QueryResult<unknown>>,
    stack: CallSite,
    binary = false,
  ): void {
    const direct = directDecoding(args.settings) !== undefined;
    pending.then(
      async (result) => {
        let shaped: ReturnType<typeof toMysql2Result>;
        try {
          shaped = toMysql2Result(result, args.settings, binary, direct);
        } catch (error) {
          this.#fail(q, args.callback, toMysql2Error(error, stack, q.sql));
          return;
        }
        if (args.callback !== undefined) {
          args.callback(null, shaped[0], shaped[1]);
          q.emit("end");
          return;
        }
        await this.#deliverWhole(q, result, args.settings, binary, direct);
        q.finish();
      },
      (error) => this.#fail(q, args.callback, this.#noteFatal(toMysql2Error(error, stack, q.sql))),
    );
  }

  #noteFatal(error: Error): Error {
    if ((error as { fatal?: boolean }).fatal === true && this._fatalError === null) {
      this._fatalError = error;
      if (this.listenerCount("error") > 0) this.emit("error", error);
    }
    return error;
  }

  /** Feeds every result of a whole response to the Query's events (or stream). */
  async #deliverWhole(
    q: Query,
    result: QueryResult<unknown>,
    s: DecodeSettings,
    binary: boolean,
    direct: boolean,
  ): Promise<void> {
    const all = result.results ?? [result];
    for (let index = 0; index < all.length; index++) {
      const [rows, fields] = toMysql2Part(all[index], s, binary, direct);
      q.deliverFields(fields as never);
      if (fields === undefined) await q.deliver(rows, index);
      else for (const row of rows as unknown[]) await q.deliver(row, index);
      if (q.cancelled) return;
    }
  }

  /**
   * Streams a text query's rows. The native stream hands out values only, so the columns are
   * learned first by preparing the same SQL (one round trip; closed at once); a statement that
   * cannot be prepared, or has no result set, runs as a whole query instead.
   */
  async #streamQuery(
    native: NativeConnection,
    q: Query,
    sql: string,
    args: ReturnType<typeof callArguments>,
    stack: CallSite,
  ): Promise<void> {
    let columns: readonly import("../../protocol/results.ts").ColumnDefinition[] | undefined;
    try {
      const statement = await native.prepare(sql);
      columns = statement.columns;
      statement.close().catch(noop);
    } catch {
      columns = undefined;
    }
    if (columns === undefined || columns.length === 0) {
      this.#settle(q, args, native.query(sql, undefined, commandOptions(args)), stack);
      return;
    }
    const iterator = native.stream(sql, undefined, commandOptions(args))[Symbol.asyncIterator]();
    const first = iterator.next();
    void this.#pump(q, iterator, first, columns, args.settings, stack);
  }

  async #pump(
    q: Query,
    iterator: AsyncIterator<unknown>,
    first: Promise<IteratorResult<unknown>>,
    columns: readonly import("../../protocol/results.ts").ColumnDefinition[],
    s: DecodeSettings,
    stack: CallSite,
  ): Promise<void> {
    // Rows decoded directly (see native-decoding.ts) are mysql2's already, or only to be nested.
    const direct = directDecoding(s) !== undefined;
    const shape = !direct
      ? rowShaper(columns, s)
      : nestsTables(s)
      ? rowShaper(columns, s, false, false)
      : undefined;
    let failed: Error | undefined;
    try {
      let next = await first;
      q.deliverFields(columns.map(toMysql2Field));
      while (next.done !== true) {
        await q.deliver(shape === undefined ? next.value : shape(next.value as unknown[]));
        if (q.cancelled) {
          await iterator.return?.();
          break;
        }
        next = await iterator.next();
      }
    } catch (error) {
      failed = this.#noteFatal(toMysql2Error(error, stack, q.sql));
    }
    if (failed !== undefined) q.fail(failed);
    else q.finish();
  }

  /** Prepares a statement explicitly (mysql2's PreparedStatementInfo). */
  prepare(
    sqlOrOptions: string | QueryOptions,
    callback?: (error: Error | null, statement?: PreparedStatementInfo) => void,
  ): void {
    const stack = callerStack();
    const sql = typeof sqlOrOptions === "string" ? sqlOrOptions : sqlOrOptions?.sql;
    this.#enqueue(
      async (native) => {
        try {
          const statement = await native.prepare(sql);
          const info: PreparedStatementInfo = {
            columns: statement.columns.map(toMysql2Field),
            parameters: [],
            execute: (values, cb) => {
              const q = new Query(sql, values);
              statement.execute(values ?? [], {}).then(
                (result) => {
                  const shaped = toMysql2Result(result, this.#resolved.decode, true);
                  if (cb) cb(null, shaped[0], shaped[1]);
                  q.emit("end");
                },
                (error) => this.#fail(q, cb, toMysql2Error(error, stack, sql)),
              );
              return q;
            },
            close: () => {
              statement.close().catch(noop);
            },
          };
          callback?.(null, info);
        } catch (error) {
          callback?.(toMysql2Error(error, stack, sql));
        }
      },
      (error) => callback?.(error),
    );
  }

  /** Kept for mysql2 compatibility: cached statements are closed by the cache (LRU). */
  unprepare(_sql: string): void {}

  #simple(
    work: (native: NativeConnection) => Promise<unknown>,
    callback: DoneCallback | undefined,
    stack: CallSite,
  ): void {
    this.#enqueue(
      (native) => {
        work(native).then(
          () => callback?.(null),
          (error) => {
            const e = this.#noteFatal(toMysql2Error(error, stack));
            if (callback) callback(e);
            else if (this.listenerCount("error") > 0) this.emit("error", e);
          },
        );
      },
      (error) => callback?.(error),
    );
  }

  /** Checks that the server answers. */
  ping(callback?: DoneCallback): void {
    this.#simple((n) => n.ping(), callback, callerStack());
  }

  /** `START TRANSACTION`. */
  beginTransaction(callback?: DoneCallback): void {
    this.#simple((n) => n.query("START TRANSACTION"), callback, callerStack());
  }

  /** `COMMIT`. */
  commit(callback?: DoneCallback): void {
    this.#simple((n) => n.query("COMMIT"), callback, callerStack());
  }

  /** `ROLLBACK`. */
  rollback(callback?: DoneCallback): void {
    this.#simple((n) => n.query("ROLLBACK"), callback, callerStack());
  }

  /**
   * Logs in again as another user (or to another database). Here that is a new server session
   * with the new credentials (COM_CHANGE_USER also starts a fresh session), so `threadId` changes.
   */
  changeUser(
    options: Pick<Mysql2ConnectionOptions, "user" | "password" | "database" | "charset">,
    callback?: DoneCallback,
  ): void {
    const stack = callerStack();
    if (typeof options === "function") {
      callback = options as DoneCallback;
      options = {};
    }
    this.#enqueue(
      (old) => {
        const native = {
          ...this.#resolved.native,
          user: options.user ?? this.#resolved.native.user,
          password: options.password ?? this.#resolved.native.password,
          database: options.database ?? this.#resolved.native.database,
          charset: options.charset ?? this.#resolved.native.charset,
        };
        this.#resolved = { ...this.#resolved, native };
        // Until the new session is up, commands wait for it (not for the one being closed).
        this.#current = undefined;
        const next = old.close().catch(noop).then(() => connect(native));
        this.#native = next;
        next.then(
          (conn) => {
            this.#adopted(conn);
            callback?.(null);
          },
          (error) => {
            const e = toMysql2Error(error, stack);
            this._fatalError = e;
            if (callback) callback(e);
            else if (this.listenerCount("error") > 0) this.emit("error", e);
          },
        );
        next.catch(noop);
      },
      (error) => callback?.(error),
    );
  }

  /** Holds back `result` events of the running query (and the ones after) until `resume()`. */
  pause(): void {
    this.#paused = true;
    for (const q of this.#running) q.pause();
  }

  /** Lets `result` events flow again. */
  resume(): void {
    this.#paused = false;
    for (const q of this.#running) q.resume();
  }

  /** Closes the connection after the commands already called. */
  end(callback?: DoneCallback): void {
    this._closing = true;
    const stack = callerStack();
    this.#hold(this.#chain.then(async () => {
      try {
        const native = await this.#native;
        await native.close();
        this.emit("end");
        callback?.(null);
      } catch (error) {
        if (callback) callback(toMysql2Error(error, stack));
      }
    }));
  }

  /** Closes the connection at once: commands still queued fail. */
  destroy(): void {
    this._closing = true;
    if (this.#current !== undefined) this.#current.destroy();
    else this.#native.then((c) => c.destroy(), noop);
  }

  /** Same as `destroy()` (mysql2 has both names). */
  close(): void {
    this.destroy();
  }

  /** The promise API over this connection. */
  promise(): PromiseConnection {
    return new PromiseConnection(this);
  }
}

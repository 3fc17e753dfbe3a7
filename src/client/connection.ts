/**
 * The public connection: `connect()` and the `Connection` it returns (text queries with client-side
 * placeholders, prepared statements, streaming, ping, changing database, transactions, closing).
 * Promises only; the Effect API sits beside it. The connection's life across server sessions (lazy
 * connect, idle close, reconnect, replay, timeouts) is the `ReconnectingQueue` underneath.
 */
import { encodeParam } from "../protocol/binary-params.ts";
import type { ServerFlavor } from "../protocol/errors.ts";
import { formatQuery, namedToPositional } from "../protocol/escape.ts";
import type { ColumnDefinition } from "../protocol/results.ts";
import type { BoundParam } from "../protocol/statements.ts";
import { parseTimezone } from "../protocol/values.ts";
import { shouldTrace } from "../runtime/diagnostics.ts";
import { type ConnectionOptions, parseUrl } from "../session/connection-options.ts";
import type { RowDecoding } from "../session/response.ts";
import type { QueryResult } from "../session/result.ts";
import type { SessionRows } from "../session/rows.ts";
import type { PreparedStatement } from "../session/session.ts";
import { isReadOnlySql } from "../sql/read-only.ts";
import { withStackOnFailure } from "./call-site.ts";
import { checkCommandOptions, type CommandOptions, type Live } from "./job.ts";
import { resolveClientOptions } from "./options.ts";
import { checkQueryOptions, type QueryOptions, rowDecodingFor } from "./query-options.ts";
import { ReconnectingQueue } from "./reconnecting-queue.ts";
import { type RowSource, RowStream } from "./row-stream.ts";
import { clientChannels, serverContext } from "./tracing.ts";
import { runSavepoint, runTransaction, transactionLender, type TransactionOptions } from "./transaction.ts";

/** Placeholder values: a list for `?` / `??`, or an object for `:name`. */
export type QueryParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** Options of `stream()`: the per-query options, and `prepared` for the binary protocol. */
export interface StreamOptions extends QueryOptions {
  /** Run it as a prepared statement (binary protocol); `params` must then be an array. */
  readonly prepared?: boolean;
}

/** What a pool does when a borrowed connection is closed or destroyed (see `Pool`). */
export interface Lender {
  /** `close()` on a borrowed connection: gives it back. */
  release(): Promise<void>;
  /** `destroy()` on a borrowed connection: the pool drops it. */
  discard(): void;
  /** The error for a call after the connection went back to the pool. */
  released(): Error;
}

/** A connection to a MySQL or MariaDB server. Commands run one at a time in the order called. */
export class Connection implements AsyncDisposable {
  #queue: ReconnectingQueue | undefined;
  readonly #timezone: number | "local";
  readonly #lender: Lender | undefined;
  /** Set on the connection a transaction's function gets: its commands carry this token. */
  readonly #owner: symbol | undefined;

  private constructor(queue: ReconnectingQueue, lender?: Lender, owner?: symbol) {
    this.#queue = queue;
    this.#timezone = parseTimezone(queue.options.session.values.timezone);
    this.#lender = lender;
    this.#owner = owner;
  }

  /** Opens a connection (used by `connect`); a `lazy` one connects on its first command. */
  static async open(options: ConnectionOptions | string): Promise<Connection> {
    const resolved = resolveClientOptions(typeof options === "string" ? parseUrl(options) : options);
    const queue = new ReconnectingQueue(resolved);
    if (!resolved.lazy) {
      const channel = clientChannels.connect;
      if (shouldTrace(channel)) {
        const session = resolved.session;
        const context = { ...serverContext(session), user: session.user ?? "" };
        await channel.tracePromise(() => queue.start(), context);
      } else await queue.start();
    }
    return new Connection(queue);
  }

  /**
   * A connection over an existing queue, for the pool: `close()` and `destroy()` go to `lender`, and
   * once it is released every call fails with `lender.released()`. Not for applications.
   */
  static lend(queue: ReconnectingQueue, lender: Lender, owner?: symbol): Connection {
    return new Connection(queue, lender, owner);
  }

  /** Cuts a lent connection off its queue: from now on every call fails (the pool took it back). */
  static detach(conn: Connection): void {
    conn.#queue = undefined;
  }

  /** The queue, or the error for a connection that went back to its pool. */
  #use(): ReconnectingQueue {
    const queue = this.#queue;
    if (queue === undefined) throw this.#lender!.released();
    return queue;
  }

  /** The server's thread id for this connection (what `KILL` takes); 0 before it connected. */
  get threadId(): number {
    const queue = this.#queue;
    return queue?.session?.info.connectionId ?? queue?.info?.connectionId ?? 0;
  }

  /** The server's version string, e.g. "10.11.6-MariaDB" ("" before it connected). */
  get serverVersion(): string {
    return this.#queue?.info?.version ?? "";
  }

  /** `"mariadb"` or `"mysql"` (`"mysql"` before it connected). */
  get flavor(): ServerFlavor {
    return this.#queue?.info?.flavor ?? "mysql";
  }

  /** Whether the connection is encrypted with TLS. */
  get tls(): boolean {
    return this.#queue?.info?.tls ?? false;
  }

  /** Whether the compressed protocol is in use. */
  get compressed(): boolean {
    return this.#queue?.info?.compressed ?? false;
  }

  /**
   * True once the connection is closed, destroyed, or (without `reconnect`) broken. A connection
   * closed for being idle is not: its next command reconnects.
   */
  get closed(): boolean {
    return this.#queue === undefined || this.#queue.closed;
  }

  #format(sql: string, params: QueryParams, noBackslashEscapes: boolean): string {
    return formatQuery(sql, params, { timezone: this.#timezone, noBackslashEscapes });
  }

  /**
   * Runs a text query. `?` placeholders take values from `params` (escaped client-side; arrays
   * expand for `IN (?)`), `??` take identifiers. Resolves to the rows with the outcome as properties.
   * `options` sets a timeout, an AbortSignal, and whether it may be sent again after a lost connection.
   */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options?: QueryOptions,
  ): Promise<QueryResult<Row>> {
    let queue: ReconnectingQueue;
    let text = sql;
    let escapesOff: boolean;
    let decoding: RowDecoding | undefined;
    try {
      queue = this.#use();
      if (typeof sql !== "string") throw new TypeError("query() expects the SQL as a string");
      checkCommandOptions(options);
      checkQueryOptions(options);
      decoding = this.#decoding(queue, options);
      escapesOff = queue.noBackslashEscapes;
      if (params !== undefined) text = this.#format(sql, params, escapesOff);
    } catch (error) {
      return Promise.reject(error);
    }
    const channel = clientChannels.query;
    if (shouldTrace(channel)) {
      const context = { query: text, values: params, ...serverContext(queue.options.session) };
      return withStackOnFailure(
        channel.tracePromise(
          () => this.#runQuery<Row>(queue, sql, text, params, escapesOff, decoding, options),
          context,
        ),
      );
    }
    return withStackOnFailure(this.#runQuery<Row>(queue, sql, text, params, escapesOff, decoding, options));
  }

  /** `query()` once its arguments were checked: runs it in turn on the queue. */
  #runQuery<Row>(
    queue: ReconnectingQueue,
    sql: string,
    text: string,
    params: QueryParams | undefined,
    escapesOff: boolean,
    decoding: RowDecoding | undefined,
    options: QueryOptions | undefined,
  ): Promise<QueryResult<Row>> {
    let ran = text;
    return queue.run({
      owner: this.#owner,
      sql: text,
      timeout: options?.timeout,
      signal: options?.signal,
      retryable: options?.retryable ?? (() => isReadOnlySql(text)),
      work: (live) => {
        // Formatted again if this session escapes differently from what was assumed at the call.
        ran = params !== undefined && live.session.noBackslashEscapes !== escapesOff
          ? this.#format(sql, params, live.session.noBackslashEscapes)
          : text;
        return live.session.query(ran, decoding);
      },
      succeeded: () => queue.settings.observe(ran),
    }) as Promise<QueryResult<Row>>;
  }

  /** The decoding of a command with these options (undefined: the connection's own). */
  #decoding(queue: ReconnectingQueue, options: QueryOptions | undefined): RowDecoding | undefined {
    if (options === undefined) return undefined;
    const session = queue.options.session;
    return rowDecodingFor(session.values, session.rowsAsArray, options);
  }

  /**
   * Runs a prepared statement (binary protocol): prepared once per connection and kept in a bounded
   * cache, then executed with `params` bound by type (integral numbers as integers, so `LIMIT ?`
   * works; bigint, Date, Uint8Array, boolean, null, strings; objects as JSON). With an object of
   * parameters, `:name` placeholders are sent as `?` with the values of those keys.
   */
  execute<Row = Record<string, unknown>>(
    sql: string,
    params: QueryParams = [],
    options?: QueryOptions,
  ): Promise<QueryResult<Row>> {
    const channel = clientChannels.execute;
    if (shouldTrace(channel) && this.#queue !== undefined) {
      const context = { query: sql, values: params, ...serverContext(this.#queue.options.session) };
      return withStackOnFailure(
        channel.tracePromise(() => this.#execute<Row>(sql, params, options), context),
      );
    }
    return withStackOnFailure(this.#execute<Row>(sql, params, options));
  }

  /** `execute()` after the call: prepares (or finds) the statement and executes it in turn. */
  async #execute<Row>(
    sql: string,
    params: QueryParams,
    options: QueryOptions | undefined,
  ): Promise<QueryResult<Row>> {
    const queue = this.#use();
    if (!Array.isArray(params) && typeof params === "object" && params !== null) {
      ({ sql, params } = namedToPositional(sql, params as Readonly<Record<string, unknown>>));
    }
    const bound = this.#bind(sql, params as readonly unknown[]);
    checkCommandOptions(options);
    checkQueryOptions(options);
    const decoding = this.#decoding(queue, options);
    return await (queue.run({
      owner: this.#owner,
      sql,
      timeout: options?.timeout,
      signal: options?.signal,
      retryable: options?.retryable ?? (() => isReadOnlySql(sql)),
      work: async (live) => {
        const lease = live.statements.acquire(sql);
        try {
          const statement = await lease.statement;
          checkParamCount(statement, bound);
          return await live.session.execute(statement, bound, decoding);
        } finally {
          lease.release();
        }
      },
    }) as Promise<QueryResult<Row>>);
  }

  /**
   * Streams the rows of a query as they arrive. While the loop body runs, the socket is not read, so
   * a slow consumer holds the server back instead of buffering rows. Leaving the loop early (break,
   * an exception) reads and discards the rest, and the connection stays usable. `prepared: true`
   * runs it as a prepared statement (binary protocol). Other commands wait until the stream ends.
   * A `timeout` or `signal` interrupts the query (KILL QUERY) and the loop throws.
   */
  stream<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options: StreamOptions = {},
  ): AsyncGenerator<Row, void, undefined> {
    return new RowStream<Row>(() => this.#openStream(sql, params, options));
  }

  /** Takes the connection for a stream and sends its query (on the stream's first `next()`). */
  async #openStream(
    sql: string,
    params: QueryParams | undefined,
    options: StreamOptions,
  ): Promise<RowSource> {
    const queue = this.#use();
    if (typeof sql !== "string") throw new TypeError("stream() expects the SQL as a string");
    checkCommandOptions(options);
    checkQueryOptions(options);
    const decoding = this.#decoding(queue, options);
    let bound: BoundParam[] | undefined;
    let text = sql;
    if (options.prepared) {
      if (params !== undefined && !Array.isArray(params)) {
        throw new TypeError("stream(..., { prepared: true }) takes its parameters as an array");
      }
      bound = this.#bind(sql, (params ?? []) as readonly unknown[]);
    } else if (params !== undefined) {
      text = this.#format(sql, params, queue.noBackslashEscapes);
    }
    const lease = await queue.lease({
      owner: this.#owner,
      sql: text,
      timeout: options.timeout,
      signal: options.signal,
    });
    const { session, statements } = lease.live;
    const cached = bound === undefined ? undefined : statements.acquire(sql);
    const release = () => {
      cached?.release();
      lease.release();
    };
    try {
      let rows: SessionRows;
      if (cached !== undefined) {
        const statement = await cached.statement;
        checkParamCount(statement, bound!);
        rows = await session.openRows(sql, { statement, params: bound! }, decoding);
      } else {
        if (params !== undefined && session.noBackslashEscapes !== queue.noBackslashEscapes) {
          text = this.#format(sql, params, session.noBackslashEscapes);
        }
        rows = await session.openRows(text, undefined, decoding);
      }
      return { rows, interruption: () => lease.interruption, release };
    } catch (error) {
      release();
      throw lease.interruption ?? error;
    }
  }

  /**
   * Prepares a statement explicitly; it stays open until `close()` on it (not in the cache). After a
   * reconnect it is prepared again on the new session when next executed.
   */
  async prepare(sql: string, options?: CommandOptions): Promise<Statement> {
    const queue = this.#use();
    if (typeof sql !== "string") throw new TypeError("prepare() expects the SQL as a string");
    checkCommandOptions(options);
    const prepared = new WeakMap<Live, PreparedStatement>();
    const prepareOn = async (live: Live): Promise<PreparedStatement> => {
      let statement = prepared.get(live);
      if (statement === undefined) {
        statement = await live.session.prepare(sql);
        prepared.set(live, statement);
      }
      return statement;
    };
    const owner = this.#owner;
    const first = await queue.run({
      owner,
      sql,
      timeout: options?.timeout,
      signal: options?.signal,
      retryable: true,
      dirties: true,
      work: prepareOn,
    });
    const bind = (params: readonly unknown[]) => this.#bind(sql, params);
    const use = () => this.#use();
    let closed = false;
    /** Runs a command about the statement on the connection it was prepared on (if it still is). */
    const onStatement = (
      retryable: boolean,
      work: (live: Live, statement: PreparedStatement) => Promise<void>,
    ): Promise<void> => {
      let queue: ReconnectingQueue;
      try {
        queue = use();
      } catch (error) {
        return Promise.reject(error);
      }
      return queue.run({
        owner,
        sql,
        retryable,
        work: async (live) => {
          const statement = prepared.get(live);
          if (statement !== undefined) await work(live, statement);
        },
      });
    };
    return {
      paramCount: first.params.length,
      columns: first.columns,
      execute<Row = Record<string, unknown>>(params: readonly unknown[] = [], options?: CommandOptions) {
        if (closed) return Promise.reject(new TypeError("statement is closed"));
        try {
          const queue = use();
          const bound = bind(params);
          checkCommandOptions(options);
          return queue.run({
            owner,
            sql,
            timeout: options?.timeout,
            signal: options?.signal,
            retryable: options?.retryable ?? (() => isReadOnlySql(sql)),
            work: async (live) => {
              const statement = await prepareOn(live);
              checkParamCount(statement, bound);
              return await live.session.execute(statement, bound);
            },
          }) as Promise<QueryResult<Row>>;
        } catch (error) {
          return Promise.reject(error);
        }
      },
      reset() {
        if (closed) return Promise.reject(new TypeError("statement is closed"));
        return onStatement(true, (live, statement) => live.session.resetStatement(statement.id));
      },
      close() {
        if (closed) return Promise.resolve();
        closed = true;
        return onStatement(false, (live, statement) => live.session.closeStatement(statement.id));
      },
    };
  }

  #bind(sql: string, params: readonly unknown[]): BoundParam[] {
    if (typeof sql !== "string") throw new TypeError("the SQL must be a string");
    if (!Array.isArray(params)) throw new TypeError("prepared statement parameters must be an array");
    return params.map((value, i) => encodeParam(value, this.#timezone, i));
  }

  /** Checks that the server answers (COM_PING). */
  ping(options?: CommandOptions): Promise<void> {
    try {
      const queue = this.#use();
      checkCommandOptions(options);
      return queue.run({
        owner: this.#owner,
        timeout: options?.timeout,
        signal: options?.signal,
        retryable: true,
        work: (live) => live.session.ping(),
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Changes the default database (COM_INIT_DB); a new session after a reconnect uses it too. */
  useDatabase(name: string): Promise<void> {
    let queue: ReconnectingQueue;
    try {
      queue = this.#use();
    } catch (error) {
      return Promise.reject(error);
    }
    if (typeof name !== "string" || name === "") {
      return Promise.reject(new TypeError("useDatabase() expects a database name"));
    }
    return queue.run({
      owner: this.#owner,
      sql: `USE ${name}`,
      retryable: true,
      work: async (live) => {
        await live.session.initDb(name);
        queue.settings.database = name;
      },
    });
  }

  /**
   * Runs `fn` in a transaction: BEGIN (with the isolation level and access mode asked for), then
   * COMMIT when `fn` resolves or ROLLBACK when it throws. The connection is `fn`'s alone meanwhile:
   * run the transaction's statements through the `tx` argument (other calls on this connection wait
   * until the transaction ends). `tx.transaction()` nests with a savepoint. With `retries`, the whole
   * transaction runs again after a deadlock (1213) or lock wait timeout (1205).
   */
  transaction<T>(fn: (tx: Connection) => Promise<T>, options?: TransactionOptions): Promise<T> {
    let queue: ReconnectingQueue;
    try {
      queue = this.#use();
    } catch (error) {
      return Promise.reject(error);
    }
    const facade = (owner: symbol) => Connection.lend(queue, transactionLender(queue), owner);
    return this.#owner === undefined
      ? runTransaction(queue, fn, options, facade, Connection.detach)
      : runSavepoint(queue, this.#owner, fn, options, facade, Connection.detach);
  }

  /**
   * Waits for queued commands, says goodbye (COM_QUIT) and closes the socket. On a connection
   * borrowed from a pool: gives it back instead.
   */
  close(): Promise<void> {
    if (this.#lender !== undefined) {
      if (this.#queue === undefined) return Promise.resolve();
      return this.#lender.release();
    }
    return this.#queue!.close();
  }

  /**
   * Gives a connection borrowed from a pool back (the same as `close()` on it, under mysql2's name);
   * a TypeError on a connection of its own, which has no pool to go back to.
   */
  release(): Promise<void> {
    if (this.#lender === undefined) {
      return Promise.reject(
        new TypeError("release() is for pooled connections: use close() to close this one"),
      );
    }
    return this.close();
  }

  /** Closes the connection at once: queued and running commands fail. */
  destroy(): void {
    if (this.#lender !== undefined) {
      if (this.#queue !== undefined) this.#lender.discard();
      return;
    }
    this.#queue!.destroy();
  }

  /** `await using conn = await connect(...)` closes the connection at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A statement prepared with `Connection.prepare`. */
export interface Statement {
  /** How many `?` parameters it takes. */
  readonly paramCount: number;
  /** The columns of its result set (empty when it returns none). */
  readonly columns: readonly ColumnDefinition[];
  /** Executes it with these parameters. */
  execute<Row = Record<string, unknown>>(
    params?: readonly unknown[],
    options?: CommandOptions,
  ): Promise<QueryResult<Row>>;
  /** Resets it on the server (COM_STMT_RESET): discards long data sent for it and closes its cursor. */
  reset(): Promise<void>;
  /** Closes it on the server. */
  close(): Promise<void>;
}

function checkParamCount(statement: PreparedStatement, bound: readonly BoundParam[]): void {
  if (statement.params.length !== bound.length) {
    throw new TypeError(
      `the statement takes ${statement.params.length} parameter(s) but ${bound.length} were given: ${
        statement.sql.slice(0, 200)
      }`,
    );
  }
}

/** Connects to a server: `connect({ host, user, password, database })` or `connect("mysql://...")`. */
export function connect(options: ConnectionOptions | string): Promise<Connection> {
  return Connection.open(options);
}

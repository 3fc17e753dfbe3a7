/**
 * The public connection: `connect()` and the `Connection` it returns (text queries with client-side
 * placeholders, ping, changing database, closing). Promises only; the Effect API sits beside it.
 */
import { encodeParam } from "../protocol/binary-params.ts";
import type { ServerFlavor } from "../protocol/errors.ts";
import { formatQuery } from "../protocol/escape.ts";
import type { ColumnDefinition } from "../protocol/results.ts";
import type { BoundParam } from "../protocol/statements.ts";
import { parseTimezone } from "../protocol/values.ts";
import type { QueryResult } from "../session/result.ts";
import { type PreparedStatement, Session } from "../session/session.ts";
import { type ConnectionOptions, parseUrl, resolveOptions } from "./options.ts";
import { StatementCache } from "./statement-cache.ts";

/** Placeholder values: a list for `?` / `??`, or an object for `:name`. */
export type QueryParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** A connection to a MySQL or MariaDB server. Commands run one at a time in the order called. */
export class Connection implements AsyncDisposable {
  private readonly session: Session;
  private readonly timezone: number | "local";
  private readonly statements: StatementCache;

  private constructor(session: Session) {
    this.session = session;
    this.timezone = parseTimezone(session.options.values.timezone);
    this.statements = new StatementCache(session.options.statementCacheSize, session);
  }

  /** Opens a connection (used by `connect`). */
  static async open(options: ConnectionOptions | string): Promise<Connection> {
    const resolved = resolveOptions(typeof options === "string" ? parseUrl(options) : options);
    return new Connection(await Session.open(resolved));
  }

  /** The server's thread id for this connection (what `KILL` takes). */
  get threadId(): number {
    return this.session.info.connectionId;
  }

  /** The server's version string, e.g. "10.11.6-MariaDB". */
  get serverVersion(): string {
    return this.session.info.version;
  }

  /** `"mariadb"` or `"mysql"`. */
  get flavor(): ServerFlavor {
    return this.session.info.flavor;
  }

  /** Whether the connection is encrypted with TLS. */
  get tls(): boolean {
    return this.session.info.tls;
  }

  /** Whether the compressed protocol is in use. */
  get compressed(): boolean {
    return this.session.info.compressed;
  }

  /** True once the connection is closed or broken. */
  get closed(): boolean {
    return this.session.closed;
  }

  /**
   * Runs a text query. `?` placeholders take values from `params` (escaped client-side; arrays
   * expand for `IN (?)`), `??` take identifiers. Resolves to the rows with the outcome as properties.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<QueryResult<Row>> {
    if (typeof sql !== "string") return Promise.reject(new TypeError("query() expects the SQL as a string"));
    let text = sql;
    if (params !== undefined) {
      try {
        text = formatQuery(sql, params, {
          timezone: this.timezone,
          noBackslashEscapes: this.session.noBackslashEscapes,
        });
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.session.query(text) as Promise<QueryResult<Row>>;
  }

  /**
   * Runs a prepared statement (binary protocol): prepared once per connection and kept in a bounded
   * cache, then executed with `params` bound by type (integral numbers as integers, so `LIMIT ?`
   * works; bigint, Date, Uint8Array, boolean, null, strings; objects as JSON).
   */
  async execute<Row = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<Row>> {
    const bound = this.bind(sql, params);
    const lease = this.statements.acquire(sql);
    try {
      const statement = await lease.statement;
      checkParamCount(statement, bound);
      return await (this.session.execute(statement, bound) as Promise<QueryResult<Row>>);
    } finally {
      lease.release();
    }
  }

  /**
   * Streams the rows of a query as they arrive. While the loop body runs, the socket is not read, so
   * a slow consumer holds the server back instead of buffering rows. Leaving the loop early (break,
   * an exception) reads and discards the rest, and the connection stays usable. `prepared: true`
   * runs it as a prepared statement (binary protocol). Other commands wait until the stream ends.
   */
  async *stream<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options: { prepared?: boolean } = {},
  ): AsyncGenerator<Row, void, undefined> {
    if (options.prepared) {
      if (params !== undefined && !Array.isArray(params)) {
        throw new TypeError("stream(..., { prepared: true }) takes its parameters as an array");
      }
      const bound = this.bind(sql, (params ?? []) as readonly unknown[]);
      const lease = this.statements.acquire(sql);
      try {
        const statement = await lease.statement;
        checkParamCount(statement, bound);
        yield* this.session.stream(sql, { statement, params: bound }) as AsyncGenerator<Row, void, undefined>;
      } finally {
        lease.release();
      }
      return;
    }
    const text = params === undefined ? sql : formatQuery(sql, params, {
      timezone: this.timezone,
      noBackslashEscapes: this.session.noBackslashEscapes,
    });
    yield* this.session.stream(text) as AsyncGenerator<Row, void, undefined>;
  }

  /** Prepares a statement explicitly; it stays open until `close()` on it (not in the cache). */
  async prepare(sql: string): Promise<Statement> {
    if (typeof sql !== "string") throw new TypeError("prepare() expects the SQL as a string");
    const statement = await this.session.prepare(sql);
    const session = this.session;
    const bind = (params: readonly unknown[]) => this.bind(sql, params);
    let closed = false;
    return {
      paramCount: statement.params.length,
      columns: statement.columns,
      execute<Row = Record<string, unknown>>(params: readonly unknown[] = []) {
        if (closed) return Promise.reject(new TypeError("statement is closed"));
        try {
          const bound = bind(params);
          checkParamCount(statement, bound);
          return session.execute(statement, bound) as Promise<QueryResult<Row>>;
        } catch (error) {
          return Promise.reject(error);
        }
      },
      close() {
        if (closed) return Promise.resolve();
        closed = true;
        return session.closeStatement(statement.id);
      },
    };
  }

  private bind(sql: string, params: readonly unknown[]): BoundParam[] {
    if (typeof sql !== "string") throw new TypeError("the SQL must be a string");
    if (!Array.isArray(params)) throw new TypeError("prepared statement parameters must be an array");
    return params.map((value, i) => encodeParam(value, this.timezone, i));
  }

  /** Checks that the server answers (COM_PING). */
  ping(): Promise<void> {
    return this.session.ping();
  }

  /** Changes the default database (COM_INIT_DB). */
  useDatabase(name: string): Promise<void> {
    if (typeof name !== "string" || name === "") {
      return Promise.reject(new TypeError("useDatabase() expects a database name"));
    }
    return this.session.initDb(name);
  }

  /** Waits for queued commands, says goodbye (COM_QUIT) and closes the socket. */
  close(): Promise<void> {
    return this.session.close();
  }

  /** Closes the connection at once: queued and running commands fail. */
  destroy(): void {
    this.session.destroy();
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
  execute<Row = Record<string, unknown>>(params?: readonly unknown[]): Promise<QueryResult<Row>>;
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

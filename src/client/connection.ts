/**
 * The public connection: `connect()` and the `Connection` it returns (text queries with client-side
 * placeholders, ping, changing database, closing). Promises only; the Effect API sits beside it.
 */
import type { ServerFlavor } from "../protocol/errors.ts";
import { formatQuery } from "../protocol/escape.ts";
import { parseTimezone } from "../protocol/values.ts";
import type { QueryResult } from "../session/result.ts";
import { Session } from "../session/session.ts";
import { type ConnectionOptions, parseUrl, resolveOptions } from "./options.ts";

/** Placeholder values: a list for `?` / `??`, or an object for `:name`. */
export type QueryParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** A connection to a MySQL or MariaDB server. Commands run one at a time in the order called. */
export class Connection implements AsyncDisposable {
  private readonly session: Session;
  private readonly timezone: number | "local";

  private constructor(session: Session) {
    this.session = session;
    this.timezone = parseTimezone(session.options.values.timezone);
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

/** Connects to a server: `connect({ host, user, password, database })` or `connect("mysql://...")`. */
export function connect(options: ConnectionOptions | string): Promise<Connection> {
  return Connection.open(options);
}

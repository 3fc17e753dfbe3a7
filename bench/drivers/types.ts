/**
 * The one interface every benchmarked driver is wrapped in, so each workload is written once.
 * An adapter connects with the same settings as the others (TCP, no TLS, no compression, utf8mb4,
 * the same user) and turns its driver's API into these four calls, adding as little as it can.
 */

/** Where and as whom to connect. */
export interface ConnectionSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Rows as arrays instead of objects (the driver's `rowsAsArray` option), for (h) and (j). */
  rowsAsArray?: boolean;
}

/** One open connection of a driver. */
export interface BenchConnection {
  /** A text-protocol query (COM_QUERY) without parameters; resolves to the rows (or the OK result). */
  query(sql: string): Promise<unknown>;
  /**
   * A prepared statement (COM_STMT_PREPARE once, then COM_STMT_EXECUTE, binary protocol), through
   * the driver's own statement cache; resolves to the rows (or the OK result).
   */
  execute(sql: string, params: readonly unknown[]): Promise<unknown>;
  /**
   * The rows of a text-protocol query one at a time, through the driver's streaming API (the
   * socket is paused while the consumer is busy). Absent when the driver has none.
   */
  stream?(sql: string): AsyncIterable<unknown>;
  /** Closes the connection. */
  close(): Promise<void>;
  /** What this adapter had to do differently from the others (a fallback, a missing API). */
  readonly notes: readonly string[];
}

/** A driver adapter module's default export. */
export interface BenchDriver {
  /** Short id used on the command line and in results.json: `mywire`, `mysql2`, `mariadb`, `bunsql`. */
  id: string;
  /** Name in tables and charts. */
  label: string;
  connect(settings: ConnectionSettings): Promise<BenchConnection>;
}

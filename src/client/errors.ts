/**
 * Errors of the client layer beside those of the codec and the sockets: a command that ran out of
 * time, a command its caller aborted, and a pool that cannot lend a connection.
 */

/** A command, or waiting for a pool connection, took longer than its `timeout`. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  /** `"QUERY_TIMEOUT"` (a command) or `"ACQUIRE_TIMEOUT"` (waiting for a pool connection). */
  readonly code: "QUERY_TIMEOUT" | "ACQUIRE_TIMEOUT";
  /** The limit that was exceeded, in milliseconds. */
  readonly timeout: number;
  /** The SQL of the command, when there was one. */
  readonly sql: string | undefined;

  constructor(code: TimeoutError["code"], message: string, timeout: number, sql?: string) {
    super(message);
    this.code = code;
    this.timeout = timeout;
    this.sql = sql;
  }
}

/** The caller's AbortSignal fired before the command finished; `cause` is the signal's reason. */
export class AbortError extends Error {
  override readonly name = "AbortError";
  /** The SQL of the command, when there was one. */
  readonly sql: string | undefined;

  constructor(message: string, reason: unknown, sql?: string) {
    super(message, { cause: reason });
    this.sql = sql;
  }
}

/**
 * The pool cannot lend a connection (it is closed, or too many callers are already waiting), or a
 * borrowed connection was used after it was given back.
 */
export class PoolError extends Error {
  override readonly name = "PoolError";
  /** `"POOL_CLOSED"`, `"QUEUE_FULL"` or `"RELEASED"`. */
  readonly code: "POOL_CLOSED" | "QUEUE_FULL" | "RELEASED";

  constructor(code: PoolError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/** A short form of a statement for error messages. */
export function sqlPreview(sql: string | undefined): string {
  if (sql === undefined) return "";
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

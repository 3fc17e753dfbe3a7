/**
 * Why a binlog stream cannot start or go on, as a value: `BinlogError` with a `code` and a
 * message naming the cause and what to do. Server errors behind it are its `cause` (a MysqlError).
 */

/** What stopped a binlog stream. */
export type BinlogErrorReason =
  /** The server does not write a binlog (`log_bin=OFF`). */
  | "binlog-disabled"
  /** `binlog_format` is not ROW: rows events would be missing. */
  | "not-row-format"
  /** The user lacks REPLICATION SLAVE (or REPLICATION CLIENT / BINLOG MONITOR) privileges. */
  | "no-privilege"
  /** The file to start from is not in the server's binlog index. */
  | "unknown-file"
  /** The start position or GTID is not in the server's binlogs (purged, or never written). */
  | "unknown-position"
  /** A start option the server does not understand (a MySQL GTID set on MariaDB, or the reverse). */
  | "unsupported"
  /** The server stopped sending the binlog with an error. */
  | "server-error"
  /** The connection was lost and reconnecting failed every time it was tried. */
  | "reconnect-failed";

/** A binlog stream could not start or go on. */
export class BinlogError extends Error {
  override readonly name = "BinlogError";
  /** What stopped the stream. */
  readonly code: BinlogErrorReason;

  constructor(code: BinlogErrorReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /** The same as `code` (its name before every error class used `code`). */
  get reason(): BinlogErrorReason {
    return this.code;
  }
}

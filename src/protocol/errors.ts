/**
 * Error values of the codec. The codec throws only these: a decoder given bytes it cannot make sense
 * of throws a `ProtocolError`, never a RangeError or TypeError from the platform.
 */

/** The peer sent bytes that do not follow the protocol (truncated, oversized, out of sequence, unknown). */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  /** A short machine-readable reason, e.g. `"truncated"`, `"oversized"`, `"sequence"`. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** Which server family an error came from: MySQL and MariaDB reuse some error numbers differently. */
export type ServerFlavor = "mysql" | "mariadb";

/** Fields of a server error. */
export interface MysqlErrorInit {
  readonly errno: number;
  readonly sqlState: string;
  readonly message: string;
  /** The symbolic name for the errno in the server's flavour, e.g. `"ER_ACCESS_DENIED_ERROR"`. */
  readonly code?: string;
  readonly flavor?: ServerFlavor;
  /** The SQL that failed, when the error answers a query. */
  readonly sql?: string;
}

/** The server answered with an error (an ERR packet). The connection remains usable. */
export class MysqlError extends Error {
  override readonly name = "MysqlError";
  /** The server's error number, e.g. 1045. */
  readonly errno: number;
  /** The symbolic name for `errno` in the server's flavour, e.g. `"ER_ACCESS_DENIED_ERROR"` (or `"UNKNOWN"`). */
  readonly code: string;
  /** The five-character SQLSTATE, e.g. `"28000"`. */
  readonly sqlState: string;
  /** The server's own message, without the SQL. */
  readonly sqlMessage: string;
  /** The SQL that failed, when the error answers a query. */
  readonly sql: string | undefined;
  /** The server family that sent the error. */
  readonly flavor: ServerFlavor | undefined;

  constructor(init: MysqlErrorInit) {
    super(init.message);
    this.errno = init.errno;
    this.code = init.code ?? "UNKNOWN";
    this.sqlState = init.sqlState;
    this.sqlMessage = init.message;
    this.sql = init.sql;
    this.flavor = init.flavor;
  }
}

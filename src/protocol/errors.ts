/**
 * Error values of the codec. The codec throws only these: a decoder given bytes it cannot make sense
 * of throws a `ProtocolError`, never a RangeError or TypeError from the platform.
 */

/**
 * The brand of an error that failed a command but left its session in step with the server, so the
 * next command can run: a server error, a plugin error, a refusal before anything was sent. Every
 * other error closes the session. One brand for every class, read with `leavesSessionUsable`.
 */
export const SESSION_USABLE: unique symbol = Symbol.for("mywire.sessionUsable");

/** True when `error` carries the `SESSION_USABLE` brand. */
export function leavesSessionUsable(error: unknown): boolean {
  return typeof error === "object" && error !== null
    && (error as { [SESSION_USABLE]?: boolean })[SESSION_USABLE] === true;
}

/** Brands `error` as leaving its session usable, and returns it. */
export function markSessionUsable<E extends object>(error: E): E {
  Object.defineProperty(error, SESSION_USABLE, { value: true, enumerable: false });
  return error;
}

/**
 * The peer sent bytes that do not follow the protocol (truncated, oversized, out of sequence,
 * unknown). Like every mywire error class, it is told apart by `code`.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  /** A short machine-readable code, e.g. `"truncated"`, `"oversized"`, `"sequence"`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /** The same as `code` (its name before every error class used `code`). */
  get reason(): string {
    return this.code;
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
  /** A server error fails the command, not the connection. */
  readonly [SESSION_USABLE] = true;
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

/**
 * Errors as mysql2 users look at them: every error carries `code`, `errno`, `sqlState`,
 * `sqlMessage`, `sql` (for server errors) and `fatal` (true when the connection is gone), and its
 * stack shows the caller's frames, captured when the command was called (as mysql2 does), instead
 * of the driver's internals. The native error keeps its class (`MysqlError`, `ConnectionError`, ...).
 */
import { type CallSite, callSite, withCallerStack } from "../../client/call-site.ts";
import { TimeoutError } from "../../client/errors.ts";
import { MysqlError } from "../../protocol/errors.ts";
import { ConnectionError } from "../../runtime/socket.ts";

/** The fields mysql2 puts on its errors. */
export interface Mysql2ErrorFields {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  sql?: string;
  /** True when the connection is gone (absent otherwise, as in mysql2). */
  fatal?: boolean;
}

/** The errno Node gives these socket errors on Linux (mysql2 passes Node's error on). */
const socketErrno: Readonly<Record<string, number>> = {
  ECONNREFUSED: -111,
  ECONNRESET: -104,
  ETIMEDOUT: -110,
  EPIPE: -32,
  ENOTFOUND: -3008,
  EHOSTUNREACH: -113,
  ENETUNREACH: -101,
};

export type { CallSite };

/** Captures the caller of the entry's method that calls this (see client/call-site.ts). */
export const callerStack: () => CallSite = callSite;

function set(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: true });
}

/** Adds mysql2's fields and the caller's stack to `error`; `fatal` when the connection is lost. */
export function toMysql2Error(error: unknown, site: CallSite | undefined, sql?: string): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const e = error as Error & Partial<Mysql2ErrorFields>;
  if (error instanceof MysqlError) {
    // mysql2 sets `fatal` only on errors that end the connection.
  } else if (error instanceof ConnectionError) {
    const code = error.code === "CLOSED" ? "PROTOCOL_CONNECTION_LOST" : error.code;
    set(e, "code", code);
    // Node's errno where mysql2 would pass Node's error on; else mywire's CR_* number.
    if (socketErrno[error.code] !== undefined) set(e, "errno", socketErrno[error.code]);
    set(e, "fatal", true);
  } else if (error instanceof TimeoutError && error.code === "QUERY_TIMEOUT") {
    // mysql2's code for a query past its `timeout`; here the query is killed and the connection lives.
    set(e, "code", "PROTOCOL_SEQUENCE_TIMEOUT");
  }
  if (sql !== undefined && e.sql === undefined) set(e, "sql", sql);
  return withCallerStack(e, site);
}

/**
 * The typed errors of the Effect API, one tagged class per way a call can fail, and the mapping
 * from the Promise API's errors to them. Bad arguments (TypeError) are defects, not typed errors:
 * they are bugs in the calling code, not conditions to handle.
 */
import { type Cause, Data } from "effect";
import type { BinlogError, BinlogErrorReason } from "../binlog/errors.ts";
import { AbortError, PoolError, TimeoutError } from "../client/errors.ts";
import { type HookName, PluginError, type PluginErrorReason } from "../pipeline/errors.ts";
import { AuthError } from "../protocol/auth/plugin.ts";
import { MysqlError, ProtocolError } from "../protocol/errors.ts";
import { ConnectionError } from "../runtime/socket.ts";

/**
 * The constructor `Data.TaggedError(tag)` returns, written out: each base class below is a typed
 * constant because JSR's fast check cannot infer a call in an `extends` clause.
 */
type TaggedErrorClass<Tag extends string, A> = new(args: A) => Cause.YieldableError & {
  readonly _tag: Tag;
} & Readonly<A>;

/** The fields of a `MysqlConnectionError`. */
export interface MysqlConnectionErrorFields {
  /** `"ECONNREFUSED"`, `"ETIMEDOUT"`, `"CLOSED"`, `"TLS"`, an AuthError code, ... */
  readonly code: string;
  readonly message: string;
  readonly cause: unknown;
}

const MysqlConnectionErrorBase: TaggedErrorClass<"MysqlConnectionError", MysqlConnectionErrorFields> = Data
  .TaggedError("MysqlConnectionError");

/** The connection could not be made or broke (refused, reset, closed, TLS), or authentication was refused client-side. */
export class MysqlConnectionError extends MysqlConnectionErrorBase {}

/** The fields of a `MysqlProtocolError`. */
export interface MysqlProtocolErrorFields {
  readonly reason: string;
  readonly message: string;
  readonly cause: unknown;
}

const MysqlProtocolErrorBase: TaggedErrorClass<"MysqlProtocolError", MysqlProtocolErrorFields> = Data
  .TaggedError("MysqlProtocolError");

/** The server sent bytes that break the protocol; the connection was closed. */
export class MysqlProtocolError extends MysqlProtocolErrorBase {}

/** The fields of a `MysqlServerError`. */
export interface MysqlServerErrorFields {
  readonly errno: number;
  /** The symbolic name, e.g. `"ER_DUP_ENTRY"`. */
  readonly code: string;
  readonly sqlState: string;
  readonly message: string;
  readonly sql: string | undefined;
  readonly cause: MysqlError;
}

const MysqlServerErrorBase: TaggedErrorClass<"MysqlServerError", MysqlServerErrorFields> = Data.TaggedError(
  "MysqlServerError",
);

/** The server answered with an error. */
export class MysqlServerError extends MysqlServerErrorBase {}

/** The fields of a `MysqlTimeoutError`. */
export interface MysqlTimeoutErrorFields {
  /** `"QUERY_TIMEOUT"` or `"ACQUIRE_TIMEOUT"`. */
  readonly code: string;
  readonly timeout: number;
  readonly message: string;
  readonly cause: TimeoutError;
}

const MysqlTimeoutErrorBase: TaggedErrorClass<"MysqlTimeoutError", MysqlTimeoutErrorFields> = Data
  .TaggedError("MysqlTimeoutError");

/** A command (or waiting for a pool connection) ran out of time. */
export class MysqlTimeoutError extends MysqlTimeoutErrorBase {}

/** The fields of a `MysqlAbortError`. */
export interface MysqlAbortErrorFields {
  readonly message: string;
  readonly cause: unknown;
}

const MysqlAbortErrorBase: TaggedErrorClass<"MysqlAbortError", MysqlAbortErrorFields> = Data.TaggedError(
  "MysqlAbortError",
);

/** A command was aborted by an AbortSignal other than the fiber's own interruption. */
export class MysqlAbortError extends MysqlAbortErrorBase {}

/** The fields of a `MysqlPoolError`. */
export interface MysqlPoolErrorFields {
  /** `"POOL_CLOSED"`, `"QUEUE_FULL"` or `"RELEASED"`. */
  readonly code: string;
  readonly message: string;
  readonly cause: PoolError;
}

const MysqlPoolErrorBase: TaggedErrorClass<"MysqlPoolError", MysqlPoolErrorFields> = Data.TaggedError(
  "MysqlPoolError",
);

/** The pool is closed or its wait queue is full. */
export class MysqlPoolError extends MysqlPoolErrorBase {}

/** The fields of a `MysqlPluginError`. */
export interface MysqlPluginErrorFields {
  /** The plugin's name. */
  readonly plugin: string;
  /** The hook that failed. */
  readonly hook: HookName;
  /** `"failed"`, `"malformed"`, `"misuse"`, ... (the PluginError's `code`). */
  readonly code: PluginErrorReason;
  readonly message: string;
  readonly cause: PluginError;
}

const MysqlPluginErrorBase: TaggedErrorClass<"MysqlPluginError", MysqlPluginErrorFields> = Data.TaggedError(
  "MysqlPluginError",
);

/** A plugin failed or misbehaved; the command failed, the connection stays usable. */
export class MysqlPluginError extends MysqlPluginErrorBase {}

/** The fields of a `MysqlBinlogError`. */
export interface MysqlBinlogErrorFields {
  /** Why the stream stopped (the BinlogError's `code`): `"binlog-disabled"`, `"no-privilege"`, ... */
  readonly code: BinlogErrorReason;
  readonly message: string;
  readonly cause: BinlogError;
}

const MysqlBinlogErrorBase: TaggedErrorClass<"MysqlBinlogError", MysqlBinlogErrorFields> = Data.TaggedError(
  "MysqlBinlogError",
);

/** A binlog stream could not start or go on (no binlog, not ROW format, no privileges, unknown position ...). */
export class MysqlBinlogError extends MysqlBinlogErrorBase {}

/** Any typed failure of the Effect API's client. */
export type MysqlClientError =
  | MysqlConnectionError
  | MysqlProtocolError
  | MysqlServerError
  | MysqlTimeoutError
  | MysqlAbortError
  | MysqlPoolError
  | MysqlPluginError;

/** The typed error of a binlog stream's own failure. */
export function fromBinlogError(error: BinlogError): MysqlBinlogError {
  return new MysqlBinlogError({ code: error.code, message: error.message, cause: error });
}

/**
 * The typed error for an error of the Promise API. Anything else (a TypeError for bad arguments, a
 * bug) is thrown again, so that `Effect.tryPromise` turns it into a defect.
 */
export function fromError(error: unknown): MysqlClientError {
  if (error instanceof MysqlError) {
    return new MysqlServerError({
      errno: error.errno,
      code: error.code,
      sqlState: error.sqlState,
      message: error.message,
      sql: error.sql,
      cause: error,
    });
  }
  if (error instanceof ConnectionError) {
    return new MysqlConnectionError({ code: error.code, message: error.message, cause: error });
  }
  if (error instanceof AuthError) {
    return new MysqlConnectionError({ code: error.code, message: error.message, cause: error });
  }
  if (error instanceof ProtocolError) {
    return new MysqlProtocolError({ reason: error.code, message: error.message, cause: error });
  }
  if (error instanceof TimeoutError) {
    return new MysqlTimeoutError({
      code: error.code,
      timeout: error.timeout,
      message: error.message,
      cause: error,
    });
  }
  if (error instanceof AbortError) return new MysqlAbortError({ message: error.message, cause: error });
  if (error instanceof PoolError) {
    return new MysqlPoolError({ code: error.code, message: error.message, cause: error });
  }
  if (error instanceof PluginError) {
    return new MysqlPluginError({
      plugin: error.plugin,
      hook: error.hook,
      code: error.code,
      message: error.message,
      cause: error,
    });
  }
  throw error;
}

/** ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, and the server's "too many connections" kind. */
const TRANSIENT_ERRNOS = new Set([1213, 1205, 1040, 1203]);

/**
 * Whether trying again may succeed: a lost or refused connection, a timeout, a deadlock or lock
 * wait timeout, too many connections. Not: server errors about the statement, protocol errors,
 * aborts, a closed pool. For `Effect.retry({ schedule, while: isTransient })`.
 */
export function isTransient(error: MysqlClientError): boolean {
  switch (error._tag) {
    case "MysqlConnectionError":
      return !/^(TLS|UNKNOWN_PLUGIN|INSECURE_CLEAR_PASSWORD|PUBLIC_KEY_NEEDED|BAD_PUBLIC_KEY|PASSWORD_TOO_LONG)$/
        .test(
          error.code,
        );
    case "MysqlTimeoutError":
      return true;
    case "MysqlServerError":
      return TRANSIENT_ERRNOS.has(error.errno);
    default:
      return false;
  }
}

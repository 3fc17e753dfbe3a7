/**
 * Server errors as Prisma's engine wants them: a `DriverAdapterError` (found by its name, so no
 * Prisma package is needed) whose `cause` says what went wrong in Prisma's terms (a unique
 * constraint and its index, a missing table, a deadlock, ...) with the server's errno and message.
 */
import { MysqlError } from "../../protocol/errors.ts";

/** Prisma's description of a database error. */
export type MappedError = {
  kind: string;
  originalCode?: string;
  originalMessage?: string;
  [key: string]: unknown;
};

/** The error Prisma's engine recognises from a driver adapter. */
export class DriverAdapterError extends Error {
  override name = "DriverAdapterError";
  override cause: MappedError;

  constructor(payload: MappedError) {
    super(typeof payload.message === "string" ? payload.message : payload.kind);
    this.cause = payload;
  }
}

/** The first quoted ('...' or `...`) part of a message after `after`. */
function quoted(message: string, after: RegExp): string | undefined {
  const m = new RegExp(after.source + String.raw`\s*['\x60]([^'\x60]*)['\x60]`, "i").exec(message);
  return m?.[1];
}

/** Prisma's kind of a server error, with what it names. */
function mapped(e: MysqlError): MappedError {
  const msg = e.sqlMessage;
  switch (e.errno) {
    case 1062: {
      const key = quoted(msg, /for key/);
      const parts = key?.split(".");
      return {
        kind: "UniqueConstraintViolation",
        constraint: parts === undefined ? undefined : { index: parts[parts.length - 1] },
        table: parts !== undefined && parts.length > 1 ? parts.slice(0, -1).join(".") : undefined,
      };
    }
    case 1451:
    case 1452: {
      const field = /FOREIGN KEY \(`([^`]*)`\)/.exec(msg)?.[1];
      return {
        kind: "ForeignKeyConstraintViolation",
        constraint: field === undefined ? undefined : { fields: [field] },
      };
    }
    case 1048:
    case 1364: {
      const field = quoted(msg, /(?:Column|Field)/);
      return {
        kind: "NullConstraintViolation",
        constraint: field === undefined ? undefined : { fields: [field] },
      };
    }
    case 1264:
      return { kind: "ValueOutOfRange", cause: msg };
    case 1049:
      return { kind: "DatabaseDoesNotExist", db: quoted(msg, /database/) };
    case 1007:
      return { kind: "DatabaseAlreadyExists", db: quoted(msg, /database/) };
    case 1044:
      return { kind: "DatabaseAccessDenied", db: quoted(msg, /to database/) };
    case 1045:
      return { kind: "AuthenticationFailed", user: quoted(msg, /for user/) };
    case 1146: {
      const table = quoted(msg, /Table/);
      return { kind: "TableDoesNotExist", table: table?.split(".").pop() };
    }
    case 1054:
      return { kind: "ColumnNotFound", column: quoted(msg, /column/) };
    case 1406:
      return { kind: "LengthMismatch", column: quoted(msg, /for column/) };
    case 1191:
      return { kind: "MissingFullTextSearchIndex" };
    case 1213:
      return { kind: "TransactionWriteConflict" };
    case 1040:
    case 1203:
      return { kind: "TooManyConnections", cause: msg };
  }
  return { kind: "mysql", code: e.errno, message: msg, state: e.sqlState };
}

/** Throws `error` as Prisma expects it: server errors as DriverAdapterError, others as they are. */
export function rethrow(error: unknown): never {
  if (error instanceof MysqlError) {
    throw new DriverAdapterError({
      ...mapped(error),
      originalCode: String(error.errno),
      originalMessage: error.sqlMessage,
    });
  }
  throw error;
}

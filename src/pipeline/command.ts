/**
 * Commands as readQuery sees them: the command packet decoded (its type, the SQL of COM_QUERY and
 * COM_STMT_PREPARE, the statement id and bound parameters of COM_STMT_EXECUTE, the schema of
 * COM_INIT_DB) beside its raw payload; and the reverse, a command written by a plugin (SQL text, a
 * raw payload, or a command object, possibly edited) turned into a payload with the codec's encoders.
 * The wire work is the protocol's (protocol/commands.ts, protocol/statements.ts); this file shapes it
 * for plugins: the raw payload beside the fields, and the SQL of statements the pipeline saw prepared.
 */
import { commandNameOf } from "../protocol/commands/names.ts";
import { decodeQuery, encodeQuery } from "../protocol/commands/query.ts";
import { decodeInitDb, encodeInitDb } from "../protocol/commands/utility.ts";
import { Command } from "../protocol/constants.ts";
import {
  type BoundParam,
  decodeExecute,
  decodeExecuteHead,
  decodeFetch,
  decodePrepare,
  decodeSendLongData,
  decodeStatementCommand,
  encodeExecute,
  encodePrepare,
  encodeSendLongData,
  encodeStatementCommand,
} from "../protocol/statements.ts";

/** A command's name, as in the MySQL source (`"COM_QUERY"`), or `"COM_UNKNOWN"` for an unknown byte. */
export type CommandName = keyof typeof Command | "COM_UNKNOWN";

interface CommandBase {
  /** The command byte (`Command.COM_QUERY` ...). */
  readonly code: number;
  /** The payload as sent: the command byte, then its arguments. */
  readonly raw: Uint8Array;
  /** The SQL text: for COM_QUERY and COM_STMT_PREPARE, and for statement commands whose PREPARE the pipeline saw. */
  readonly sql: string | undefined;
}

/** COM_QUERY: a text query. */
export interface QueryTextCommand extends CommandBase {
  readonly type: "COM_QUERY";
  readonly sql: string;
}

/** COM_STMT_PREPARE: a statement to prepare. */
export interface PrepareCommand extends CommandBase {
  readonly type: "COM_STMT_PREPARE";
  readonly sql: string;
}

/** COM_STMT_EXECUTE: runs a prepared statement with bound parameters. */
export interface ExecuteCommand extends CommandBase {
  readonly type: "COM_STMT_EXECUTE";
  readonly statementId: number;
  /** Cursor flags (0: no cursor). */
  readonly flags: number;
  /** The bound parameters in their binary encoding; undefined when the statement's parameter count is unknown. */
  readonly params: readonly BoundParam[] | undefined;
}

/** COM_STMT_CLOSE and COM_STMT_RESET: name only a statement. */
export interface StatementCommand extends CommandBase {
  readonly type: "COM_STMT_CLOSE" | "COM_STMT_RESET";
  readonly statementId: number;
}

/** COM_STMT_SEND_LONG_DATA: a chunk of one parameter's value. */
export interface SendLongDataCommand extends CommandBase {
  readonly type: "COM_STMT_SEND_LONG_DATA";
  readonly statementId: number;
  readonly paramIndex: number;
  readonly data: Uint8Array;
}

/** COM_STMT_FETCH: rows from an open cursor. */
export interface FetchCommand extends CommandBase {
  readonly type: "COM_STMT_FETCH";
  readonly statementId: number;
  readonly rows: number;
}

/** COM_INIT_DB: changes the default database. */
export interface InitDbCommand extends CommandBase {
  readonly type: "COM_INIT_DB";
  readonly schema: string;
}

/** Every other command (COM_PING, COM_QUIT, COM_STATISTICS, COM_RESET_CONNECTION, ...): the raw payload only. */
export interface OtherCommand extends CommandBase {
  readonly type: Exclude<
    CommandName,
    | "COM_QUERY"
    | "COM_STMT_PREPARE"
    | "COM_STMT_EXECUTE"
    | "COM_STMT_CLOSE"
    | "COM_STMT_RESET"
    | "COM_STMT_SEND_LONG_DATA"
    | "COM_STMT_FETCH"
    | "COM_INIT_DB"
  >;
}

/** A decoded command. Narrow on `type`. */
export type QueryCommand =
  | QueryTextCommand
  | PrepareCommand
  | ExecuteCommand
  | StatementCommand
  | SendLongDataCommand
  | FetchCommand
  | InitDbCommand
  | OtherCommand;

/**
 * What a plugin may give where a command is expected: SQL text (a COM_QUERY), a raw payload (the
 * command byte first), or a command object. An object is encoded from its decoded fields (so
 * `{ ...command, sql: "..." }` rewrites it); only when those are absent is its `raw` sent.
 */
export type CommandInput =
  | string
  | Uint8Array
  | QueryCommand
  | { readonly type: "COM_QUERY" | "COM_STMT_PREPARE"; readonly sql: string }
  | { readonly type: "COM_INIT_DB"; readonly schema: string }
  | { readonly type: "COM_STMT_CLOSE" | "COM_STMT_RESET"; readonly statementId: number }
  | {
    readonly type: "COM_STMT_EXECUTE";
    readonly statementId: number;
    readonly params: readonly BoundParam[];
  }
  | { readonly type: OtherCommand["type"] };

/** What the pipeline knows of a prepared statement: enough to decode COM_STMT_EXECUTE. */
export interface PreparedStatementInfo {
  readonly sql: string;
  readonly paramCount: number;
}

/** The name of a command byte (`"COM_UNKNOWN"` when it is not one). */
export function commandName(code: number): CommandName {
  return commandNameOf(code) ?? "COM_UNKNOWN";
}

/**
 * Decodes a command payload. `statements` gives the SQL and parameter count of prepared statements
 * (to decode COM_STMT_EXECUTE's parameters). Throws `ProtocolError` for a truncated payload.
 */
export function decodeCommand(
  raw: Uint8Array,
  statements?: ReadonlyMap<number, PreparedStatementInfo>,
): QueryCommand {
  if (raw.length === 0) return { type: "COM_UNKNOWN", code: -1, raw, sql: undefined };
  const code = raw[0];
  const type = commandName(code);
  switch (type) {
    case "COM_QUERY":
      return { type, code, raw, sql: decodeQuery(raw).sql };
    case "COM_STMT_PREPARE":
      return { type, code, raw, sql: decodePrepare(raw) };
    case "COM_INIT_DB":
      return { type, code, raw, sql: undefined, schema: decodeInitDb(raw) };
    case "COM_STMT_EXECUTE": {
      // The id and flags are read even when the parameters cannot be (unknown statement).
      const head = decodeExecuteHead(raw);
      const known = statements?.get(head.statementId);
      let params: readonly BoundParam[] | undefined;
      if (known !== undefined) {
        try {
          params = decodeExecute(raw, known.paramCount).params;
        } catch {
          params = undefined; // types sent only with the first EXECUTE: leave them undecoded
        }
      }
      return { type, code, raw, sql: known?.sql, statementId: head.statementId, flags: head.flags, params };
    }
    case "COM_STMT_CLOSE":
    case "COM_STMT_RESET": {
      const statementId = decodeStatementCommand(raw, code);
      return { type, code, raw, sql: statements?.get(statementId)?.sql, statementId };
    }
    case "COM_STMT_SEND_LONG_DATA": {
      const d = decodeSendLongData(raw);
      return { type, code, raw, sql: statements?.get(d.statementId)?.sql, ...d };
    }
    case "COM_STMT_FETCH": {
      const f = decodeFetch(raw);
      return { type, code, raw, sql: statements?.get(f.statementId)?.sql, ...f };
    }
    default:
      return { type, code, raw, sql: undefined };
  }
}

/**
 * Turns what a plugin gave into a decoded command with its payload. Throws `TypeError` for anything
 * that is not a command.
 */
export function toCommand(
  input: CommandInput,
  statements?: ReadonlyMap<number, PreparedStatementInfo>,
): QueryCommand {
  if (typeof input === "string") return decodeCommand(encodeQuery(input), statements);
  if (input instanceof Uint8Array) {
    if (input.length === 0) throw new TypeError("a command payload cannot be empty");
    return decodeCommand(input, statements);
  }
  if (typeof input !== "object" || input === null || typeof input.type !== "string") {
    throw new TypeError(`expected SQL text, a command payload or a command object, got ${describe(input)}`);
  }
  const spec = input as Record<string, unknown> & { type: string };
  const code = (Command as Record<string, number>)[spec.type];
  if (code === undefined) throw new TypeError(`unknown command type ${JSON.stringify(spec.type)}`);
  let raw: Uint8Array;
  switch (spec.type) {
    case "COM_QUERY":
      raw = encodeQuery(requireString(spec, "sql"));
      break;
    case "COM_STMT_PREPARE":
      raw = encodePrepare(requireString(spec, "sql"));
      break;
    case "COM_INIT_DB":
      raw = encodeInitDb(requireString(spec, "schema"));
      break;
    case "COM_STMT_CLOSE":
    case "COM_STMT_RESET":
      raw = encodeStatementCommand(code, requireId(spec));
      break;
    case "COM_STMT_EXECUTE":
      if (Array.isArray(spec.params)) {
        raw = encodeExecute(
          requireId(spec),
          spec.params as BoundParam[],
          (spec.flags as number | undefined) ?? 0,
        );
      } else raw = requireRaw(spec);
      break;
    case "COM_STMT_SEND_LONG_DATA":
      if (spec.data instanceof Uint8Array && typeof spec.paramIndex === "number") {
        raw = encodeSendLongData(requireId(spec), spec.paramIndex, spec.data);
      } else raw = requireRaw(spec);
      break;
    default:
      raw = spec.raw instanceof Uint8Array && spec.raw[0] === code ? spec.raw : new Uint8Array([code]);
  }
  return decodeCommand(raw, statements);
}

function requireString(spec: Record<string, unknown>, key: string): string {
  const v = spec[key];
  if (typeof v !== "string") throw new TypeError(`${spec.type} needs a string "${key}", got ${describe(v)}`);
  return v;
}

function requireId(spec: Record<string, unknown>): number {
  const v = spec.statementId;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new TypeError(`${spec.type} needs a statementId (a 32-bit unsigned integer), got ${describe(v)}`);
  }
  return v;
}

function requireRaw(spec: Record<string, unknown>): Uint8Array {
  if (spec.raw instanceof Uint8Array && spec.raw.length > 0) return spec.raw;
  throw new TypeError(`${spec.type} needs its decoded fields or a raw payload`);
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
    case "number":
    case "bigint":
    case "boolean":
    case "undefined":
      return String(value);
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default: {
      const tag = (value as { _tag?: unknown })._tag;
      return typeof tag === "string" ? `an object tagged ${JSON.stringify(tag)}` : "an object";
    }
  }
}

/** Commands after which the server sends nothing back. */
export function expectsResponse(command: QueryCommand): boolean {
  return command.type !== "COM_STMT_CLOSE" && command.type !== "COM_STMT_SEND_LONG_DATA"
    && command.type !== "COM_QUIT";
}

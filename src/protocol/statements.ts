/**
 * Prepared-statement commands, each with an encoder and a decoder: COM_STMT_PREPARE and its
 * COM_STMT_PREPARE_OK, COM_STMT_EXECUTE (parameters in the binary protocol, see param-block.ts; with
 * CLIENT_QUERY_ATTRIBUTES, MySQL 8.0.23+, the parameter count and names travel too; MariaDB's
 * direct execute names the statement 0xFFFFFFFF: "the one just prepared"), COM_STMT_SEND_LONG_DATA,
 * COM_STMT_RESET, COM_STMT_CLOSE and COM_STMT_FETCH. Value encoding of parameters from JS values
 * lives in binary-params.ts.
 *
 * Pure codec: bytes in, bytes or plain data out. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_prepare.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_execute.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_send_long_data.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_reset.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_close.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_fetch.html
 * https://mariadb.com/kb/en/com_stmt_execute/ (direct execute: statement id 0xFFFFFFFF)
 */
import { Reader, utf8, Writer } from "./bytes.ts";
import { Capability, Command } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import { type BoundParam, type ParamType, readParamBlock, writeParamBlock } from "./param-block.ts";

export { binaryFixedLength, type BoundParam, type ParamType } from "./param-block.ts";

/** MariaDB: COM_STMT_EXECUTE (and the other statement commands) naming this id mean the statement prepared last. */
export const DIRECT_EXECUTE_ID = 0xffffffff;

/** COM_STMT_EXECUTE flags (cursor type, and MySQL's PARAMETER_COUNT_AVAILABLE). */
export const ExecuteFlag = {
  NO_CURSOR: 0x00,
  CURSOR_READ_ONLY: 0x01,
  CURSOR_FOR_UPDATE: 0x02,
  CURSOR_SCROLLABLE: 0x04,
  /** MySQL 8.0.26+: parameter_count is sent (under CLIENT_QUERY_ATTRIBUTES) even for a statement without `?`. */
  PARAMETER_COUNT_AVAILABLE: 0x08,
} as const;

// -------------------------------------------------------------------------------------------------
// COM_STMT_PREPARE and COM_STMT_PREPARE_OK
// -------------------------------------------------------------------------------------------------

/**
 * The server's answer to COM_STMT_PREPARE (COM_STMT_PREPARE_OK). Layout:
 * `1 status 0x00 | 4 statement_id | 2 num_columns | 2 num_params | 1 reserved 0x00 | 2 warning_count`
 * (the last three are absent from some old servers), then the parameter and column definitions
 * as separate packets.
 */
export interface PrepareOk {
  readonly statementId: number;
  readonly columnCount: number;
  readonly paramCount: number;
  readonly warningCount: number;
}

/** Decodes COM_STMT_PREPARE_OK. */
export function decodePrepareOk(payload: Uint8Array): PrepareOk {
  const r = new Reader(payload);
  if (r.u8() !== 0x00) throw new ProtocolError("malformed", "not a COM_STMT_PREPARE_OK packet");
  const statementId = r.u32();
  const columnCount = r.u16();
  const paramCount = r.u16();
  let warningCount = 0;
  if (r.remaining >= 3) {
    r.skip(1);
    warningCount = r.u16();
  }
  return { statementId, columnCount, paramCount, warningCount };
}

/** Encodes COM_STMT_PREPARE_OK. */
export function encodePrepareOk(ok: PrepareOk): Uint8Array {
  return new Writer(12).u8(0).u32(ok.statementId).u16(ok.columnCount).u16(ok.paramCount).u8(0)
    .u16(ok.warningCount).finish();
}

/** Encodes COM_STMT_PREPARE: `1 command 0x16 | EOF query`. */
export function encodePrepare(sql: string): Uint8Array {
  return new Writer(sql.length + 8).u8(Command.COM_STMT_PREPARE).string(sql).finish();
}

/** Decodes COM_STMT_PREPARE: the SQL to prepare. */
export function decodePrepare(payload: Uint8Array): string {
  if (payload[0] !== Command.COM_STMT_PREPARE) {
    throw new ProtocolError("malformed", "not a COM_STMT_PREPARE packet");
  }
  return utf8(payload, 1);
}

// -------------------------------------------------------------------------------------------------
// COM_STMT_CLOSE, COM_STMT_RESET, COM_STMT_SEND_LONG_DATA, COM_STMT_FETCH
// -------------------------------------------------------------------------------------------------

/** Encodes a command that names only a statement, COM_STMT_CLOSE or COM_STMT_RESET: `1 command | 4 statement_id`. */
export function encodeStatementCommand(command: number, statementId: number): Uint8Array {
  return new Writer(5).u8(command).u32(statementId).finish();
}

/**
 * Decodes COM_STMT_CLOSE or COM_STMT_RESET (whichever `command` says): the statement id. Bytes after
 * the id are ignored, as servers ignore them.
 */
export function decodeStatementCommand(payload: Uint8Array, command: number): number {
  const r = new Reader(payload);
  if (r.u8() !== command) {
    throw new ProtocolError("malformed", `not a command 0x${command.toString(16)} packet`);
  }
  return r.u32();
}

/** COM_STMT_SEND_LONG_DATA: a chunk of one parameter's value, sent before EXECUTE. */
export interface SendLongData {
  readonly statementId: number;
  readonly paramIndex: number;
  readonly data: Uint8Array;
}

/** Encodes COM_STMT_SEND_LONG_DATA: `1 command 0x18 | 4 statement_id | 2 param_id | EOF data`. */
export function encodeSendLongData(statementId: number, paramIndex: number, data: Uint8Array): Uint8Array {
  return new Writer(data.length + 7).u8(Command.COM_STMT_SEND_LONG_DATA).u32(statementId).u16(paramIndex)
    .bytes(data).finish();
}

/** Decodes COM_STMT_SEND_LONG_DATA; `data` is a view into the payload. */
export function decodeSendLongData(payload: Uint8Array): SendLongData {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_STMT_SEND_LONG_DATA) {
    throw new ProtocolError("malformed", "not a COM_STMT_SEND_LONG_DATA packet");
  }
  const statementId = r.u32();
  return { statementId, paramIndex: r.u16(), data: r.restView() };
}

/** COM_STMT_FETCH: rows from a statement's open cursor. */
export interface Fetch {
  readonly statementId: number;
  readonly rows: number;
}

/** Encodes COM_STMT_FETCH: `1 command 0x1c | 4 statement_id | 4 num_rows`. */
export function encodeFetch(f: Fetch): Uint8Array {
  return new Writer(9).u8(Command.COM_STMT_FETCH).u32(f.statementId).u32(f.rows).finish();
}

/** Decodes COM_STMT_FETCH. */
export function decodeFetch(payload: Uint8Array): Fetch {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_STMT_FETCH) throw new ProtocolError("malformed", "not a COM_STMT_FETCH packet");
  const statementId = r.u32();
  return { statementId, rows: r.u32() };
}

// -------------------------------------------------------------------------------------------------
// COM_STMT_EXECUTE
// -------------------------------------------------------------------------------------------------

/**
 * A decoded COM_STMT_EXECUTE. Layout:
 * ```
 * 1   command 0x17
 * 4   statement_id            (MariaDB: 0xFFFFFFFF = the statement prepared last)
 * 1   flags                   cursor type, PARAMETER_COUNT_AVAILABLE
 * 4   iteration_count         always 1
 * -- if the statement has parameters (or QUERY_ATTRIBUTES and PARAMETER_COUNT_AVAILABLE):
 * lenenc parameter_count      only under CLIENT_QUERY_ATTRIBUTES
 * the parameter block         (param-block.ts), names only under CLIENT_QUERY_ATTRIBUTES
 * ```
 */
export interface ExecuteRequest {
  readonly statementId: number;
  /** Cursor flags (0: no cursor). */
  readonly flags: number;
  readonly params: readonly BoundParam[];
}

/** How COM_STMT_EXECUTE is laid out on a connection. */
export interface ExecuteOptions {
  /** The capabilities both sides agreed on: CLIENT_QUERY_ATTRIBUTES adds the count and names. */
  readonly capabilities?: number;
  /** Decoding: indexes of the parameters sent before with COM_STMT_SEND_LONG_DATA (no value in EXECUTE). */
  readonly longData?: ReadonlySet<number>;
}

/**
 * Encodes COM_STMT_EXECUTE with every parameter's type sent (new-params-bound = 1). Under
 * CLIENT_QUERY_ATTRIBUTES (in `options.capabilities`) the parameter count and each parameter's name
 * are written, and a statement without parameters sends PARAMETER_COUNT_AVAILABLE with a count of 0.
 */
export function encodeExecute(
  statementId: number,
  params: readonly BoundParam[],
  flags = 0,
  options: ExecuteOptions = {},
): Uint8Array {
  const attributes = ((options.capabilities ?? 0) & Capability.QUERY_ATTRIBUTES) !== 0;
  let size = 12 + params.length * 3;
  for (const p of params) if (p.value && !p.longData) size += p.value.length;
  const w = new Writer(size).u8(Command.COM_STMT_EXECUTE).u32(statementId);
  if (attributes) {
    w.u8(flags | ExecuteFlag.PARAMETER_COUNT_AVAILABLE).u32(1).lenenc(params.length);
  } else w.u8(flags).u32(1);
  if (params.length > 0) writeParamBlock(w, params, attributes);
  return w.finish();
}

/**
 * The statement id and flags of a COM_STMT_EXECUTE payload (its first 6 bytes), to look up the
 * statement's parameter count before decoding the rest.
 */
export function decodeExecuteHead(
  payload: Uint8Array,
): { readonly statementId: number; readonly flags: number } {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_STMT_EXECUTE) {
    throw new ProtocolError("malformed", "not a COM_STMT_EXECUTE packet");
  }
  const statementId = r.u32();
  return { statementId, flags: r.u8() };
}

/**
 * Decodes COM_STMT_EXECUTE. The parameter count and, when the client did not resend them, the
 * types come from the statement (`paramCount`, `previousTypes`: a server keeps both per statement;
 * for `DIRECT_EXECUTE_ID` they are those of the statement prepared last). Under
 * CLIENT_QUERY_ATTRIBUTES (`options.capabilities`) the count sent by the client is read and wins
 * (it may add query attributes after the statement's own parameters).
 */
export function decodeExecute(
  payload: Uint8Array,
  paramCount: number,
  previousTypes: readonly ParamType[] = [],
  options: ExecuteOptions = {},
): ExecuteRequest {
  const attributes = ((options.capabilities ?? 0) & Capability.QUERY_ATTRIBUTES) !== 0;
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_STMT_EXECUTE) {
    throw new ProtocolError("malformed", "not a COM_STMT_EXECUTE packet");
  }
  const statementId = r.u32();
  const flags = r.u8();
  r.skip(4);
  let count = paramCount;
  if (attributes && (paramCount > 0 || (flags & ExecuteFlag.PARAMETER_COUNT_AVAILABLE) !== 0)) {
    count = r.lenenc();
    if (count > r.remaining) {
      throw new ProtocolError(
        "malformed",
        `COM_STMT_EXECUTE with ${count} parameters in ${r.remaining} bytes`,
      );
    }
  }
  const params = count > 0
    ? readParamBlock(r, count, attributes, previousTypes, "COM_STMT_EXECUTE", options.longData)
    : [];
  return { statementId, flags: attributes ? flags & ~ExecuteFlag.PARAMETER_COUNT_AVAILABLE : flags, params };
}

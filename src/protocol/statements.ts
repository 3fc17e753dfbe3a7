/**
 * Prepared-statement packets: COM_STMT_PREPARE and its OK, COM_STMT_EXECUTE (with parameter types
 * and values in the binary protocol), COM_STMT_CLOSE, COM_STMT_RESET, COM_STMT_SEND_LONG_DATA.
 * Each has an encoder and a decoder. Value encoding of parameters lives in binary-params.ts.
 */
import { Reader, Writer } from "./bytes.ts";
import { Command } from "./constants.ts";
import { ProtocolError } from "./errors.ts";

/** The server's answer to COM_STMT_PREPARE (COM_STMT_PREPARE_OK). */
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

/** Encodes COM_STMT_PREPARE for `sql`. */
export function encodePrepare(sql: string): Uint8Array {
  return new Writer(sql.length + 8).u8(Command.COM_STMT_PREPARE).string(sql).finish();
}

/** Encodes a command that names only a statement: COM_STMT_CLOSE or COM_STMT_RESET. */
export function encodeStatementCommand(command: number, statementId: number): Uint8Array {
  return new Writer(5).u8(command).u32(statementId).finish();
}

/** Encodes COM_STMT_SEND_LONG_DATA: a chunk of one parameter's value, sent before EXECUTE. */
export function encodeSendLongData(statementId: number, paramIndex: number, data: Uint8Array): Uint8Array {
  return new Writer(data.length + 7).u8(Command.COM_STMT_SEND_LONG_DATA).u32(statementId).u16(paramIndex)
    .bytes(data).finish();
}

/** One bound parameter in the binary protocol: its type, signedness and encoded value (null: SQL NULL). */
export interface BoundParam {
  /** `ColumnType` of the value as sent. */
  readonly type: number;
  readonly unsigned: boolean;
  /** The value in its binary-protocol encoding, or null for NULL. */
  readonly value: Uint8Array | null;
  /** The value was sent before EXECUTE with COM_STMT_SEND_LONG_DATA: EXECUTE carries only its type. */
  readonly longData?: boolean;
}

/** A decoded COM_STMT_EXECUTE (the proxy reads these; the types must come from the statement). */
export interface ExecuteRequest {
  readonly statementId: number;
  /** Cursor flags (0: no cursor). */
  readonly flags: number;
  readonly params: readonly BoundParam[];
}

/** Encodes COM_STMT_EXECUTE with every parameter's type sent (new-params-bound = 1). */
export function encodeExecute(statementId: number, params: readonly BoundParam[], flags = 0): Uint8Array {
  let size = 12 + params.length * 3;
  for (const p of params) if (p.value && !p.longData) size += p.value.length;
  const w = new Writer(size).u8(Command.COM_STMT_EXECUTE).u32(statementId).u8(flags).u32(1);
  if (params.length > 0) {
    const bitmap = new Uint8Array((params.length + 7) >> 3);
    params.forEach((p, i) => {
      if (p.value === null) bitmap[i >> 3] |= 1 << (i & 7);
    });
    w.bytes(bitmap).u8(1);
    for (const p of params) w.u8(p.type).u8(p.unsigned ? 0x80 : 0);
    for (const p of params) if (p.value !== null && !p.longData) w.bytes(p.value);
  }
  return w.finish();
}

/** Byte length of a fixed-size binary value of this type, or -1 when it is length-prefixed. */
export function binaryFixedLength(type: number): number {
  switch (type) {
    case 0x01: // TINY
      return 1;
    case 0x02: // SHORT
    case 0x0d: // YEAR
      return 2;
    case 0x03: // LONG
    case 0x09: // INT24
    case 0x04: // FLOAT
      return 4;
    case 0x08: // LONGLONG
    case 0x05: // DOUBLE
      return 8;
    case 0x06: // NULL
      return 0;
    default:
      return -1;
  }
}

/** Length of a binary value starting at `r.pos` (temporal types carry a 1-byte length). */
function skipBinaryValue(r: Reader, type: number): Uint8Array {
  const fixed = binaryFixedLength(type);
  if (fixed >= 0) return r.bytesView(fixed);
  if (type === 0x07 || type === 0x0a || type === 0x0b || type === 0x0c) return r.bytesView(r.u8());
  return r.lenencBytes();
}

/**
 * Decodes COM_STMT_EXECUTE. The parameter count and, when the client did not resend them, the
 * types come from the statement (`paramCount`, `previousTypes`).
 */
export function decodeExecute(
  payload: Uint8Array,
  paramCount: number,
  previousTypes: readonly { type: number; unsigned: boolean }[] = [],
): ExecuteRequest {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_STMT_EXECUTE) {
    throw new ProtocolError("malformed", "not a COM_STMT_EXECUTE packet");
  }
  const statementId = r.u32();
  const flags = r.u8();
  r.skip(4);
  const params: BoundParam[] = [];
  if (paramCount > 0) {
    const bitmap = r.bytesView((paramCount + 7) >> 3);
    const bound = r.u8();
    let types: { type: number; unsigned: boolean }[];
    if (bound === 1) {
      types = [];
      for (let i = 0; i < paramCount; i++) {
        const type = r.u8();
        types.push({ type, unsigned: (r.u8() & 0x80) !== 0 });
      }
    } else {
      if (previousTypes.length !== paramCount) {
        throw new ProtocolError("malformed", "COM_STMT_EXECUTE without parameter types and none known");
      }
      types = [...previousTypes];
    }
    for (let i = 0; i < paramCount; i++) {
      const isNull = (bitmap[i >> 3] & (1 << (i & 7))) !== 0;
      const value = isNull ? null : skipBinaryValue(r, types[i].type).slice();
      params.push({ type: types[i].type, unsigned: types[i].unsigned, value });
    }
  }
  return { statementId, flags, params };
}

/** Reads the NULL bitmap of a binary row (offset 2) and tells whether column `i` is NULL. */
export function binaryRowIsNull(payload: Uint8Array, i: number): boolean {
  const bit = i + 2;
  return (payload[1 + (bit >> 3)] & (1 << (bit & 7))) !== 0;
}

/** Byte length of a binary row's NULL bitmap for `columnCount` columns. */
export function binaryNullBitmapLength(columnCount: number): number {
  return (columnCount + 9) >> 3;
}

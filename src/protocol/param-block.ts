/**
 * The parameter block of the binary protocol, shared by COM_STMT_EXECUTE and COM_QUERY with query
 * attributes: a NULL bitmap (bit i for parameter i, no offset), the new-params-bound flag, the types
 * (each 2 bytes: the `ColumnType` and a flag byte, 0x80 for unsigned; under CLIENT_QUERY_ATTRIBUTES
 * followed by a length-encoded name), then the values of the non-NULL parameters.
 *
 * Pure codec. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_execute.html
 * https://mariadb.com/kb/en/com_stmt_execute/
 * https://mariadb.com/kb/en/resultset-row/#binary-resultset-row (the value encodings)
 */
import type { Reader, Writer } from "./bytes.ts";
import { ProtocolError } from "./errors.ts";

/** One bound parameter in the binary protocol: its type, signedness and encoded value (null: SQL NULL). */
export interface BoundParam {
  /** `ColumnType` of the value as sent. */
  readonly type: number;
  readonly unsigned: boolean;
  /** The value in its binary-protocol encoding, or null for NULL. */
  readonly value: Uint8Array | null;
  /** The value was sent before EXECUTE with COM_STMT_SEND_LONG_DATA: EXECUTE carries only its type. */
  readonly longData?: boolean;
  /** The parameter's name: sent only under CLIENT_QUERY_ATTRIBUTES (query attributes; "" otherwise). */
  readonly name?: string;
}

/** A parameter's type as sent in the block: what a later COM_STMT_EXECUTE may omit. */
export interface ParamType {
  readonly type: number;
  readonly unsigned: boolean;
  readonly name?: string;
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

/**
 * One binary value of `type` at `r.pos`, as `BoundParam.value` holds it: its whole encoding,
 * length prefix included (a view; the reader moves past it), so that writing it back gives the same
 * bytes. Fixed-size integers and floats have no prefix, temporals a 1-byte length, everything else a
 * length-encoded one.
 */
export function readBinaryParamValue(r: Reader, type: number): Uint8Array {
  const start = r.pos;
  const fixed = binaryFixedLength(type);
  if (fixed >= 0) r.skip(fixed);
  else if (type === 0x07 || type === 0x0a || type === 0x0b || type === 0x0c) r.skip(r.u8());
  else r.skip(r.lenenc());
  return r.bytes.subarray(start, r.pos);
}

/**
 * Writes the NULL bitmap, new-params-bound = 1, the types (each with its name when `names`) and the
 * values. Values sent as long data are left out (EXECUTE carries only their type).
 */
export function writeParamBlock(w: Writer, params: readonly BoundParam[], names: boolean): void {
  const bitmap = new Uint8Array((params.length + 7) >> 3);
  params.forEach((p, i) => {
    if (p.value === null) bitmap[i >> 3] |= 1 << (i & 7);
  });
  w.bytes(bitmap).u8(1);
  for (const p of params) {
    w.u8(p.type).u8(p.unsigned ? 0x80 : 0);
    if (names) w.lenencString(p.name ?? "");
  }
  for (const p of params) if (p.value !== null && !p.longData) w.bytes(p.value);
}

/**
 * Reads a parameter block of `count` parameters from the NULL bitmap on. When the new-params-bound
 * flag is 0 the types come from `previousTypes` (what an earlier EXECUTE of the statement sent),
 * which must then hold `count` entries. The parameters in `longData` (indexes) were sent with
 * COM_STMT_SEND_LONG_DATA: the block has no value for them; they come back with `longData: true`
 * and an empty value (the server has the data).
 */
export function readParamBlock(
  r: Reader,
  count: number,
  names: boolean,
  previousTypes: readonly ParamType[],
  what: string,
  longData?: ReadonlySet<number>,
): BoundParam[] {
  const bitmap = r.bytesView((count + 7) >> 3);
  const bound = r.u8();
  let types: ParamType[];
  if (bound === 1) {
    types = [];
    for (let i = 0; i < count; i++) {
      const type = r.u8();
      const unsigned = (r.u8() & 0x80) !== 0;
      types.push(names ? { type, unsigned, name: r.lenencString() } : { type, unsigned });
    }
  } else if (bound === 0) {
    if (previousTypes.length !== count) {
      throw new ProtocolError("malformed", `${what} without parameter types and none known`);
    }
    types = [...previousTypes];
  } else throw new ProtocolError("malformed", `${what} with new-params-bound flag ${bound}`);
  const params: BoundParam[] = [];
  for (let i = 0; i < count; i++) {
    const isNull = (bitmap[i >> 3] & (1 << (i & 7))) !== 0;
    if (!isNull && longData?.has(i)) {
      // Sent before with COM_STMT_SEND_LONG_DATA: EXECUTE carries its type only.
      params.push({ ...types[i], value: new Uint8Array(0), longData: true });
      continue;
    }
    const value = isNull ? null : readBinaryParamValue(r, types[i].type).slice();
    params.push({ ...types[i], value });
  }
  return params;
}

/**
 * Row parsers for text-protocol result sets. A parser is built once per result set from the column
 * definitions: an array of value decoders, one per column, so decoding a row is a loop with no
 * per-value type dispatch (and no eval: Cloudflare Workers forbid it).
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_row.html
 * https://mariadb.com/kb/en/resultset-row/
 */
import { binaryColumnReader } from "./binary-values.ts";
import { ProtocolError } from "./errors.ts";
import type { ColumnDefinition } from "./results.ts";
import { textDecoder, type TextValueDecoder, type ValueOptions } from "./values.ts";

/** A function from a row packet's payload to a row (an object keyed by column name, or an array). */
export type RowParser = (payload: Uint8Array) => unknown;

/**
 * A row parser that reads the payload where it lies: `bytes[start, end)`, e.g. a packet inside a
 * receive buffer (no view needed).
 */
export type RangeRowParser = (bytes: Uint8Array, start: number, end: number) => unknown;

/** A `RowParser` over a `RangeRowParser` (the whole array is the payload). */
function wholePayload(parse: RangeRowParser): RowParser {
  return (payload) => parse(payload, 0, payload.length);
}

function truncated(index: number, name: string): ProtocolError {
  return new ProtocolError("truncated", `text row truncated in column ${index} (${name})`);
}

/** Wraps a decoder with the user's `typeCast`, when there is one. */
function withTypeCast(
  column: ColumnDefinition,
  decode: TextValueDecoder,
  options: ValueOptions,
): TextValueDecoder {
  const cast = options.typeCast;
  if (cast === undefined) return decode;
  return (bytes, start, end) => cast(column, decode(bytes, start, end));
}

/**
 * Object rows keyed by column name, unless a column is called "__proto__": then the row is decoded
 * as an array and copied into an object with own properties, so no name can reach the prototype.
 */
function objectRows(parseArray: RangeRowParser, names: readonly string[]): RangeRowParser {
  return (p, start, end) => {
    const values = parseArray(p, start, end) as unknown[];
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      Object.defineProperty(row, names[i], {
        value: values[i],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return row;
  };
}

/**
 * An object with every column name as a key (value null), in column order, built once per result
 * set. Each row starts as a copy of it (`{ ...template }`): V8 and JSC copy the template's shape and
 * storage in one step, so every row of a result set has one hidden class with room for all its
 * fields, and the values are then stores to existing properties, not one shape transition and one
 * storage growth per field. Key order, and "a later duplicate name wins", are those of a plain `{}`
 * filled in column order. (Never called with "__proto__": see `objectRows`.)
 *
 * Up to 16 columns the template is filled key by key (the fastest copy on Node). Beyond that, V8
 * turns an object that gets more than 16 properties by computed-key stores into a slow dictionary,
 * and every row with it (several microseconds per row of 30 columns): the wider template is then
 * made by `JSON.parse` of the names (not eval: data only), which gives an object with all its
 * properties in place, and copies of it stay fast.
 */
function rowTemplate(names: readonly string[]): Record<string, null> {
  if (names.length > 16) {
    return JSON.parse(`{${names.map((name) => `${JSON.stringify(name)}:null`).join(",")}}`) as Record<
      string,
      null
    >;
  }
  const template: Record<string, null> = {};
  for (const name of names) template[name] = null;
  return template;
}

/** Position after the length read by the last `lengthAt` call. */
let afterLength = 0;

/**
 * Reads a length-encoded value length at `pos` (bounds-checked): the length, or -1 for the NULL
 * marker. Sets `afterLength` to where the value starts.
 */
function lengthAt(p: Uint8Array, pos: number, end: number, column: number, name: string): number {
  if (pos >= end) throw truncated(column, name);
  const first = p[pos];
  if (first < 0xfb) { // < 0xFB: 1-byte length
    afterLength = pos + 1;
    return first;
  }
  if (first === 0xfb) { // 0xFB: NULL
    afterLength = pos + 1;
    return -1;
  }
  // 0xFC + 2 bytes, 0xFD + 3 bytes, 0xFE + 8 bytes
  const width = first === 0xfc ? 2 : first === 0xfd ? 3 : first === 0xfe ? 8 : 0;
  if (width === 0) {
    throw new ProtocolError("malformed", `invalid value length prefix 0xff in column ${column}`);
  }
  if (pos + 1 + width > end) throw truncated(column, name);
  let len = p[pos + 1] | (p[pos + 2] << 8);
  if (width >= 3) len += p[pos + 3] * 0x10000;
  if (width === 8) {
    len += p[pos + 4] * 0x1000000 + p[pos + 5] * 0x100000000;
    if (p[pos + 6] !== 0 || p[pos + 7] !== 0 || p[pos + 8] !== 0) throw truncated(column, name);
  }
  afterLength = pos + 1 + width;
  return len;
}

/**
 * Builds the parser for text rows of a result set. Rows are objects keyed by column name (a later
 * column with the same name wins, as in other drivers), or arrays with `rowsAsArray`. A row whose
 * values do not exactly fill its packet is a `ProtocolError`, never a wrong row.
 */
export function textRowParser(
  columns: readonly ColumnDefinition[],
  options: ValueOptions,
  rowsAsArray: boolean,
): RowParser {
  return wholePayload(textRowRangeParser(columns, options, rowsAsArray));
}

/** `textRowParser` reading the payload where it lies (`bytes[start, end)`). */
export function textRowRangeParser(
  columns: readonly ColumnDefinition[],
  options: ValueOptions,
  rowsAsArray: boolean,
): RangeRowParser {
  const n = columns.length;
  const decoders: TextValueDecoder[] = columns.map((c) => withTypeCast(c, textDecoder(c, options), options));
  const names = columns.map((c) => c.name);
  if (!rowsAsArray && names.includes("__proto__")) {
    return objectRows(textRowRangeParser(columns, options, true), names);
  }
  const template = rowTemplate(names);
  return (p: Uint8Array, start: number, end: number) => {
    const row: Record<string, unknown> | unknown[] = rowsAsArray ? new Array(n) : { ...template };
    let pos = start;
    for (let i = 0; i < n; i++) {
      if (pos >= end) throw truncated(i, names[i]);
      const len = lengthAt(p, pos, end, i, names[i]);
      let value: unknown = null;
      pos = afterLength;
      if (len >= 0) {
        if (pos + len > end) throw truncated(i, names[i]);
        value = decoders[i](p, pos, pos + len);
        pos += len;
      }
      if (rowsAsArray) (row as unknown[])[i] = value;
      else (row as Record<string, unknown>)[names[i]] = value;
    }
    if (pos !== end) {
      throw new ProtocolError("malformed", `text row has ${end - pos} bytes after its ${n} values`);
    }
    return row;
  };
}

/**
 * Builds the parser for binary-protocol rows (prepared statements): a 0x00 header, a NULL bitmap
 * with a 2-bit offset, then the non-NULL values. Same row shape and same values as `textRowParser`.
 */
export function binaryRowParser(
  columns: readonly ColumnDefinition[],
  options: ValueOptions,
  rowsAsArray: boolean,
): RowParser {
  return wholePayload(binaryRowRangeParser(columns, options, rowsAsArray));
}

/** `binaryRowParser` reading the payload where it lies (`bytes[start, end)`). */
export function binaryRowRangeParser(
  columns: readonly ColumnDefinition[],
  options: ValueOptions,
  rowsAsArray: boolean,
): RangeRowParser {
  const n = columns.length;
  const readers = columns.map((c) => binaryColumnReader(c, options));
  const layouts = readers.map((r) => r.layout);
  const sizes = readers.map((r) => r.size);
  const decoders = readers.map((r, i) => withTypeCast(columns[i], r.decode, options));
  const names = columns.map((c) => c.name);
  if (!rowsAsArray && names.includes("__proto__")) {
    return objectRows(binaryRowRangeParser(columns, options, true), names);
  }
  const valuesStart = 1 + ((n + 9) >> 3);
  const template = rowTemplate(names);
  return (p: Uint8Array, start: number, end: number) => {
    if (p[start] !== 0x00 || end - start < valuesStart) {
      throw new ProtocolError("malformed", "binary row without its header and NULL bitmap");
    }
    const row: Record<string, unknown> | unknown[] = rowsAsArray ? new Array(n) : { ...template };
    const bitmap = start + 1;
    let pos = start + valuesStart;
    for (let i = 0; i < n; i++) {
      const bit = i + 2;
      let value: unknown = null;
      if ((p[bitmap + (bit >> 3)] & (1 << (bit & 7))) === 0) {
        let len: number;
        const layout = layouts[i];
        if (layout === 0) len = sizes[i];
        else if (layout === 2) {
          if (pos >= end) throw truncated(i, names[i]);
          len = p[pos++];
        } else {
          len = lengthAt(p, pos, end, i, names[i]);
          if (len < 0) {
            throw new ProtocolError("malformed", `NULL marker in a binary row value (column ${i})`);
          }
          pos = afterLength;
        }
        if (pos + len > end) throw truncated(i, names[i]);
        value = decoders[i](p, pos, pos + len);
        pos += len;
      }
      if (rowsAsArray) (row as unknown[])[i] = value;
      else (row as Record<string, unknown>)[names[i]] = value;
    }
    if (pos !== end) {
      throw new ProtocolError("malformed", `binary row has ${end - pos} bytes after its ${n} values`);
    }
    return row;
  };
}

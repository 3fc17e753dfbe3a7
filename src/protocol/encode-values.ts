/**
 * JS values to MySQL values, the reverse of values.ts (text) and binary-values.ts (binary): what a
 * server, or a plugin answering locally, writes into result-set rows. Each encoder is the inverse of
 * the decoder for the same column: a value as the decoder gives it (default options, the same time
 * zone) encodes to bytes that decode back to an equal value, losslessly: BIGINT beyond 2^53 as a
 * bigint, DECIMAL as its string, DATETIME(4..6) and zero dates as their strings, TIME beyond 24 h
 * and negative, BIT(64) as a bigint, JSON parsed, blobs as bytes.
 *
 * Pure codec. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_row.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html
 * https://mariadb.com/kb/en/resultset-row/
 *
 * Text protocol: every value is its text (numbers in ASCII, temporals as the server prints them,
 * strings in UTF-8), except BIT (big-endian bytes) and binary-charset values (the bytes).
 * Binary protocol (sizes in bytes):
 * ```
 * TINY 1 | SHORT, YEAR 2 | INT24, LONG 4 | LONGLONG 8   little-endian integers
 * FLOAT 4 | DOUBLE 8                                    IEEE 754, little-endian
 * DATE, DATETIME, TIMESTAMP   0, 4 (y2 m1 d1), 7 (+ h1 m1 s1) or 11 (+ microseconds 4) bytes
 * TIME                        0, 8 (negative 1, days 4, h1 m1 s1) or 12 (+ microseconds 4) bytes
 * everything else             the text-protocol bytes (the row writes a length before them)
 * ```
 * Strings are written as UTF-8 whatever the column's charset says (local answers use utf8mb4).
 */
import { dateFields } from "./binary-params.ts";
import { encodeUtf8, Writer } from "./bytes.ts";
import { ColumnFlag, ColumnType } from "./constants.ts";
import { escapeValue } from "./escape.ts";
import type { ColumnDefinition } from "./results.ts";

/** How values are written: the zone Dates are written in ("local" or minutes east of UTC). */
export type EncodeZone = number | "local";

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
    case "number":
    case "bigint":
    case "boolean":
    case "undefined":
      return String(v);
    case "object":
      return v instanceof Date ? "a Date" : "an object";
    default:
      return `a ${typeof v}`;
  }
}

function isJsonColumn(c: ColumnDefinition): boolean {
  return c.type === ColumnType.JSON || c.format === "json" || c.extendedType === "json";
}

/**
 * 'YYYY-MM-DD HH:MM:SS.mmm' of a Date in the zone: the text of escape.ts's literal, without its
 * quotes (one implementation of the format and of its checks: TypeError for an Invalid Date or a
 * year beyond 0..9999).
 */
export function formatDate(date: Date, zone: EncodeZone): string {
  return escapeValue(date, { timezone: zone }).slice(1, -1);
}

/** Big-endian bytes of a BIT value: `bits` wide (the column's length), or as few bytes as it needs. */
function bitBytes(v: bigint, bits: number, where: string): Uint8Array {
  const width = bits > 0 ? Math.ceil(bits / 8) : Math.max(1, Math.ceil(v.toString(16).length / 2));
  if (v < 0n || (bits > 0 && v >= 1n << BigInt(bits))) {
    throw new TypeError(`${where} is ${v}, which does not fit BIT(${bits})`);
  }
  const out = new Uint8Array(width);
  for (let i = width - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  if (v !== 0n) throw new TypeError(`${where} does not fit ${width} bytes`);
  return out;
}

/**
 * The text-protocol bytes of a JS value in `column` (null for SQL NULL). Strings are the value's
 * text (in a JSON column: the JSON text), numbers and bigints their decimal digits, booleans "1"/"0"
 * (BIT: one byte), bytes as they are, Dates 'YYYY-MM-DD HH:MM:SS.mmm' in `zone` (DATE: the day only),
 * bigints and booleans in a BIT column its big-endian bytes, anything JSON can write in a JSON
 * column. Throws TypeError, naming `where`, for a value the column cannot hold.
 */
export function encodeTextValue(
  v: unknown,
  column: ColumnDefinition,
  zone: EncodeZone,
  where = "the value",
): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (column.type === ColumnType.BIT && !isJsonColumn(column)) {
    if (typeof v === "boolean") return bitBytes(v ? 1n : 0n, column.length, where);
    if (typeof v === "bigint") return bitBytes(v, column.length, where);
    if (typeof v === "number" && Number.isSafeInteger(v)) return bitBytes(BigInt(v), column.length, where);
  }
  if (
    isJsonColumn(column) && typeof v !== "string" && !(v instanceof Uint8Array) && !(v instanceof Date)
    && (typeof v !== "number" || Number.isFinite(v))
  ) {
    const text = typeof v === "bigint" ? v.toString() : JSON.stringify(v);
    if (typeof text !== "string") {
      throw new TypeError(`${where} is ${describeValue(v)}, which has no JSON text`);
    }
    return encodeUtf8(text);
  }
  switch (typeof v) {
    case "string":
      return encodeUtf8(v);
    case "number":
      if (!Number.isFinite(v)) throw new TypeError(`${where} is ${v}, which has no MySQL value`);
      return encodeUtf8(String(v));
    case "bigint":
      return encodeUtf8(v.toString());
    case "boolean":
      return encodeUtf8(v ? "1" : "0");
    case "object":
      if (v instanceof Uint8Array) return v;
      if (v instanceof Date) {
        const text = formatDate(v, zone);
        return encodeUtf8(
          column.type === ColumnType.DATE || column.type === ColumnType.NEWDATE ? text.slice(0, 10) : text,
        );
      }
      throw new TypeError(`${where} is ${describeValue(v)}, which only a JSON field can hold`);
  }
  throw new TypeError(`${where} is ${describeValue(v)}, which has no MySQL value`);
}

/** Integer ranges of the binary integer types: [min signed, max signed, max unsigned]. */
const INT_RANGE: Record<number, readonly [bigint, bigint, bigint]> = {
  [ColumnType.TINY]: [-0x80n, 0x7fn, 0xffn],
  [ColumnType.SHORT]: [-0x8000n, 0x7fffn, 0xffffn],
  [ColumnType.YEAR]: [0n, 0xffffn, 0xffffn],
  [ColumnType.INT24]: [-0x800000n, 0x7fffffn, 0xffffffn],
  [ColumnType.LONG]: [-0x80000000n, 0x7fffffffn, 0xffffffffn],
  [ColumnType.LONGLONG]: [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 64n - 1n],
};

const INT_SIZE: Record<number, number> = {
  [ColumnType.TINY]: 1,
  [ColumnType.SHORT]: 2,
  [ColumnType.YEAR]: 2,
  [ColumnType.INT24]: 4,
  [ColumnType.LONG]: 4,
  [ColumnType.LONGLONG]: 8,
};

function integerOf(v: unknown, where: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`${where} is ${describeValue(v)}, not an integer`);
}

function numberOf(v: unknown, where: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint" || typeof v === "boolean") return Number(v);
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  throw new TypeError(`${where} is ${describeValue(v)}, not a number`);
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/;
const TIME_TEXT = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

function micros(fraction: string | undefined): number {
  return fraction === undefined ? 0 : Number(fraction.padEnd(6, "0"));
}

function dateParts(v: unknown, zone: EncodeZone, where: string): DateParts {
  if (v instanceof Date) {
    formatDate(v, zone); // the same checks as the text protocol
    const f = dateFields(v, zone);
    return { ...f, micros: f.ms * 1000 };
  }
  const m = typeof v === "string" ? DATE_TEXT.exec(v) : null;
  if (m === null) throw new TypeError(`${where} is ${describeValue(v)}, not a Date or 'YYYY-MM-DD HH:MM:SS'`);
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    micros: micros(m[7]),
  };
}

/** The binary DATE/DATETIME/TIMESTAMP value: the shortest of 0, 4, 7 and 11 bytes that holds it. */
function binaryDate(p: DateParts, dateOnly: boolean): Uint8Array {
  const w = new Writer(11);
  const time = !dateOnly && (p.hour !== 0 || p.minute !== 0 || p.second !== 0 || p.micros !== 0);
  if (p.year === 0 && p.month === 0 && p.day === 0 && !time) return w.finish();
  w.u16(p.year).u8(p.month).u8(p.day);
  if (time) {
    w.u8(p.hour).u8(p.minute).u8(p.second);
    if (p.micros !== 0) w.u32(p.micros);
  }
  return w.finish();
}

/** The binary TIME value of '[-]H:MM:SS[.ffffff]' (hours beyond 24 go into days). */
function binaryTime(v: unknown, where: string): Uint8Array {
  const m = typeof v === "string" ? TIME_TEXT.exec(v) : null;
  if (m === null) throw new TypeError(`${where} is ${describeValue(v)}, not a TIME '[-]HH:MM:SS[.ffffff]'`);
  const negative = m[1] === "-";
  const hours = Number(m[2]);
  const us = micros(m[5]);
  const w = new Writer(12);
  if (!negative && hours === 0 && m[3] === "00" && m[4] === "00" && us === 0) return w.finish();
  if (hours > 0xffffffff * 24) throw new TypeError(`${where} has too many hours`);
  w.u8(negative ? 1 : 0).u32(Math.floor(hours / 24)).u8(hours % 24).u8(Number(m[3])).u8(Number(m[4]));
  if (us !== 0) w.u32(us);
  return w.finish();
}

/**
 * The binary-protocol bytes of a JS value in `column`, without the length a row writes before
 * variable-length values (null for SQL NULL). Integer types take numbers, bigints, booleans and
 * decimal strings within the type's range; FLOAT and DOUBLE numbers; temporal types a Date (in
 * `zone`) or the text the decoder gives ('YYYY-MM-DD HH:MM:SS.ffffff', zero dates included); TIME its
 * text; every other type what `encodeTextValue` takes. Throws TypeError, naming `where`, otherwise.
 */
export function encodeBinaryValue(
  v: unknown,
  column: ColumnDefinition,
  zone: EncodeZone,
  where = "the value",
): Uint8Array | null {
  if (v === null || v === undefined) return null;
  const type = column.type;
  const size = INT_SIZE[type];
  if (size !== undefined && !isJsonColumn(column)) {
    const n = integerOf(v, where);
    const [min, max, umax] = INT_RANGE[type];
    const unsigned = (column.flags & ColumnFlag.UNSIGNED) !== 0;
    if (unsigned ? n < 0n || n > umax : n < min || n > max) {
      throw new TypeError(`${where} is ${n}, out of range for its column`);
    }
    const w = new Writer(8);
    if (size === 8) w.u64(n);
    else if (size === 4) w.u32(Number(BigInt.asUintN(32, n)));
    else if (size === 2) w.u16(Number(BigInt.asUintN(16, n)));
    else w.u8(Number(BigInt.asUintN(8, n)));
    return w.finish();
  }
  switch (type) {
    case ColumnType.FLOAT:
      return new Writer(4).f32(numberOf(v, where)).finish();
    case ColumnType.DOUBLE:
      return new Writer(8).f64(numberOf(v, where)).finish();
    case ColumnType.NULL:
      throw new TypeError(`${where} is ${describeValue(v)}, but its column is of type NULL`);
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return binaryDate(dateParts(v, zone, where), true);
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      return binaryDate(dateParts(v, zone, where), false);
    case ColumnType.TIME:
    case ColumnType.TIME2:
      return binaryTime(v, where);
  }
  return encodeTextValue(v, column, zone, where);
}

/**
 * Binary-protocol values (prepared-statement result rows) to JS values. Every decoder gives the same
 * JS type and value as the text decoder of values.ts for the same column and options: numbers and
 * temporals are converted here, everything length-prefixed (strings, DECIMAL, BIT, JSON, blobs) is
 * handed to the text decoder, whose input is the same bytes in both protocols.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html (Binary Protocol Resultset Row and Binary Protocol Value)
 * https://mariadb.com/kb/en/resultset-row/#binary-resultset-row
 */
import { ColumnFlag, ColumnType } from "./constants.ts";
import type { ColumnDefinition } from "./results.ts";
import {
  dateFromParts,
  invalidDate,
  longLongValue,
  resolveValueOptions,
  temporalTypeName,
  textDecoder,
  type TextValueDecoder,
  type ValueOptions,
} from "./values.ts";

/** How a binary value is delimited in the row. */
export const BinaryLayout = {
  /** A fixed number of bytes (`size`). */
  FIXED: 0,
  /** A length-encoded integer, then that many bytes. */
  LENENC: 1,
  /** One length byte, then that many bytes (DATE, DATETIME, TIMESTAMP, TIME). */
  LENGTH_BYTE: 2,
} as const;

/** How to find and decode one column's value in a binary row. */
export interface BinaryColumnReader {
  readonly layout: 0 | 1 | 2;
  /** Byte size for FIXED. */
  readonly size: number;
  /** Decodes the value's bytes [start, end). */
  readonly decode: TextValueDecoder;
}

const pad2 = (n: number) => (n < 10 ? "0" : "") + n;

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : "0".repeat(width - s.length) + s;
}

/** The fraction digits the server prints for a column: its declared scale, or up to 6 when not fixed. */
function fraction(micros: number, decimals: number): string {
  if (decimals === 0) return "";
  if (decimals > 6) return micros === 0 ? "" : "." + pad(micros, 6);
  return "." + pad(micros, 6).slice(0, decimals);
}

function le32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000;
}

/** FLOAT: the server prints 6 significant digits (%g); give the number that text reads as. */
function binaryFloat(bytes: Uint8Array, start: number): number {
  if (!littleEndianHost) {
    return roundFloat(new DataView(bytes.buffer, bytes.byteOffset + start, 4).getFloat32(0, true));
  }
  for (let i = 0; i < 4; i++) scratchBytes[i] = bytes[start + i];
  return roundFloat(scratchFloat[0]);
}

function roundFloat(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

function binaryDouble(bytes: Uint8Array, start: number): number {
  if (!littleEndianHost) return new DataView(bytes.buffer, bytes.byteOffset + start, 8).getFloat64(0, true);
  for (let i = 0; i < 8; i++) scratchBytes[i] = bytes[start + i];
  return scratchDouble[0];
}

/** Scratch space to read floats without a DataView per value, on little-endian hosts (nearly all). */
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchFloat = new Float32Array(scratch, 0, 1);
const scratchDouble = new Float64Array(scratch, 0, 1);

/** FLOAT as mysql2 reads it: the float32's own value as a double, not rounded. */
function rawFloat(bytes: Uint8Array, start: number): number {
  if (!littleEndianHost) return new DataView(bytes.buffer, bytes.byteOffset + start, 4).getFloat32(0, true);
  for (let i = 0; i < 4; i++) scratchBytes[i] = bytes[start + i];
  return scratchFloat[0];
}

/** A TIME's fraction as mysql2 prints it: the microseconds without trailing zeros, none for 0. */
function trimmedFraction(micros: number): string {
  return micros === 0 ? "" : ("." + pad(micros, 6)).replace(/0+$/, "");
}

function integerReader(column: ColumnDefinition, options: ValueOptions): BinaryColumnReader | undefined {
  const unsigned = (column.flags & ColumnFlag.UNSIGNED) !== 0;
  switch (column.type) {
    case ColumnType.TINY:
      return { layout: 0, size: 1, decode: unsigned ? (b, s) => b[s] : (b, s) => (b[s] << 24) >> 24 };
    case ColumnType.SHORT:
    case ColumnType.YEAR:
      return {
        layout: 0,
        size: 2,
        decode: unsigned || column.type === ColumnType.YEAR
          ? (b, s) => b[s] | (b[s + 1] << 8)
          : (b, s) => ((b[s] | (b[s + 1] << 8)) << 16) >> 16,
      };
    case ColumnType.INT24:
    case ColumnType.LONG:
      return { layout: 0, size: 4, decode: unsigned ? (b, s) => le32(b, s) : (b, s) => le32(b, s) | 0 };
    case ColumnType.LONGLONG: {
      const mode = options.bigint;
      return {
        layout: 0,
        size: 8,
        decode: (b, s) => {
          const low = le32(b, s); // 8 bytes, little-endian: low 4
          const high = le32(b, s + 4); // then high 4
          if (unsigned || high < 0x80000000) {
            if (high < 0x200000 && mode !== "bigint" && mode !== "string") return high * 0x100000000 + low;
            return longLongValue((BigInt(high) << 32n) | BigInt(low), mode);
          }
          const negativeHigh = high - 0x100000000;
          if (negativeHigh >= -0x200000 && mode !== "bigint" && mode !== "string") {
            return negativeHigh * 0x100000000 + low;
          }
          return longLongValue((BigInt(negativeHigh) << 32n) + BigInt(low), mode);
        },
      };
    }
    case ColumnType.FLOAT:
      return { layout: 0, size: 4, decode: options.binaryForms === "mysql2" ? rawFloat : binaryFloat };
    case ColumnType.DOUBLE:
      return { layout: 0, size: 8, decode: binaryDouble };
    case ColumnType.NULL:
      return { layout: 0, size: 0, decode: () => null };
  }
  return undefined;
}

function temporalReader(column: ColumnDefinition, options: ValueOptions): BinaryColumnReader | undefined {
  const r = resolveValueOptions(options);
  const decimals = column.decimals;
  const mysql2Forms = options.binaryForms === "mysql2";
  if (column.type === ColumnType.TIME || column.type === ColumnType.TIME2) {
    const frac = mysql2Forms ? trimmedFraction : (micros: number) => fraction(micros, decimals);
    return {
      layout: 2,
      size: 0,
      decode: (b, s, e) => {
        if (e - s < 8) return "00:00:00" + frac(0);
        // after the length byte (0, 8 or 12): 1 byte is_negative, 4 bytes days, 1 byte hour,
        // 1 byte minute, 1 byte second, [4 bytes microseconds]
        const negative = b[s] === 1;
        const hours = le32(b, s + 1) * 24 + b[s + 5];
        const micros = e - s >= 12 ? le32(b, s + 8) : 0;
        return (negative ? "-" : "") + pad2(hours) + ":" + pad2(b[s + 6]) + ":" + pad2(b[s + 7])
          + frac(micros);
      },
    };
  }
  const name = temporalTypeName(column.type);
  if (name === undefined) return undefined;
  const isDate = name === "DATE";
  const lossy = options.dates === "lossy";
  const asString = r.dateStrings[name] || (!isDate && decimals > 3 && !lossy);
  const zone = r.zone;
  return {
    layout: 2,
    size: 0,
    decode: (b, s, e) => {
      const n = e - s; // the length byte: 0, 4, 7 or 11
      const year = n >= 4 ? b[s] | (b[s + 1] << 8) : 0; // 2 bytes: year
      const month = n >= 4 ? b[s + 2] : 0; // 1 byte: month
      const day = n >= 4 ? b[s + 3] : 0; // 1 byte: day
      const hour = n >= 7 ? b[s + 4] : 0; // 1 byte: hour
      const minute = n >= 7 ? b[s + 5] : 0; // 1 byte: minute
      const second = n >= 7 ? b[s + 6] : 0; // 1 byte: second
      const micros = n >= 11 ? le32(b, s + 7) : 0; // 4 bytes: microseconds
      if (!asString) {
        const date = dateFromParts(year, month, day, hour, minute, second, Math.floor(micros / 1000), zone);
        if (date !== undefined) return date;
        if (lossy) return invalidDate();
      }
      const ymd = pad(year, 4) + "-" + pad2(month) + "-" + pad2(day);
      if (isDate) return ymd;
      // mysql2's binary forms leave out a fraction of zeros (the server sends none then).
      const frac = mysql2Forms && micros === 0 ? "" : fraction(micros, decimals);
      return ymd + " " + pad2(hour) + ":" + pad2(minute) + ":" + pad2(second) + frac;
    },
  };
}

/** Chooses, once per result set, how to read a column's binary values. */
export function binaryColumnReader(column: ColumnDefinition, options: ValueOptions): BinaryColumnReader {
  return integerReader(column, options) ?? temporalReader(column, options)
    ?? { layout: 1, size: 0, decode: textDecoder(column, options) };
}

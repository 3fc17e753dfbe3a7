/**
 * Column values in the binlog row format (`Field::pack` of each type) to the JS values the client
 * returns for the same column (docs/values.md), so a row read from the binlog equals the row a
 * SELECT gives. One decoder per column is chosen once per TABLE_MAP (no per-value type dispatch,
 * and no eval), each reading its value at the cursor and moving it on; every read is bounds-checked.
 *
 * Integers are little-endian (signedness from the optional metadata or information_schema: signed
 * when unknown); FLOAT/DOUBLE IEEE; NEWDECIMAL binary; temporal types as in temporal.ts; BIT
 * big-endian bytes; CHAR/VARCHAR a 1- or 2-byte length then bytes (CHAR without its trailing pad:
 * BINARY(n) is padded back with zero bytes); BLOB/TEXT/JSON/GEOMETRY/VECTOR a length of 1-4 bytes
 * then bytes; ENUM an index of 1-2 bytes; SET a bitmask of 1-8 bytes.
 *
 * Pages:
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/rows_event_v1v2-rows_compressed_event_v1 (Column Data Formats)
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/classmysql_1_1binlog_1_1event_1_1Table__map__event.html (the column metadata)
 * https://dev.mysql.com/doc/dev/mysql-server/8.0.40/field__types_8h.html
 */
import { ColumnType } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import {
  bitValue,
  type CharsetDecoder,
  charsetDecoder,
  longLongValue,
  type ResolvedValueOptions,
} from "../values.ts";
import { decimalBinarySize, decodeDecimalBinary } from "./decimal.ts";
import { decodeJsonBinary, jsonText } from "./json-binary.ts";
import { stringMetadata, type TableColumn } from "./table-map.ts";
import {
  dateTimeValue,
  dateValue,
  formatTime,
  fractionBytes,
  readDateTime2,
  readTime2,
  readTimestamp2,
  timestampValue,
} from "./temporal.ts";

/** Where the next value starts in the row data, and where the row data ends. */
export interface RowCursor {
  bytes: Uint8Array;
  pos: number;
  end: number;
  /** A DataView of `bytes`, made when a value first needs one. */
  view: DataView | undefined;
}

let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;

/** A DataView of the cursor's bytes (the events of one file or packet share one buffer: one view for all). */
function viewOf(c: RowCursor): DataView {
  if (c.view !== undefined) return c.view;
  const buffer = c.bytes.buffer;
  if (buffer !== lastBuffer) {
    lastBuffer = buffer;
    lastView = new DataView(buffer);
  }
  return (c.view = lastView!);
}

/** Reads one column value at the cursor and moves the cursor past it. */
export type ColumnDecoder = (c: RowCursor) => unknown;

function columnLabel(column: TableColumn): string {
  return column.name === undefined ? `column ${column.index + 1}` : `column ${column.name}`;
}

/** Moves the cursor `n` bytes on and returns where the value starts; throws when the row is shorter. */
function take(c: RowCursor, n: number, column: TableColumn): number {
  const p = c.pos;
  if (n < 0 || p + n > c.end) {
    throw new ProtocolError(
      "truncated",
      `rows event truncated in ${columnLabel(column)}: a value of ${n} bytes at offset ${p}, ${
        c.end - p
      } left`,
    );
  }
  c.pos = p + n;
  return p;
}

/** Reads a little-endian length prefix of `n` bytes (1-4). */
function lengthPrefix(c: RowCursor, n: number, column: TableColumn): number {
  const p = take(c, n, column);
  const b = c.bytes;
  switch (n) {
    case 1:
      return b[p];
    case 2:
      return b[p] | (b[p + 1] << 8);
    case 3:
      return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
    default:
      return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  }
}

/**
 * A FLOAT as the server prints it in a result (six significant digits, FLT_DIG: `%g`), which is
 * the value the client returns for a FLOAT column.
 */
export function floatValue(f: number): number {
  return Number.isFinite(f) ? Number(f.toPrecision(6)) : f;
}

/** Text or bytes of a string column: the column's charset decoder, bytes for binary or unknown charsets. */
function textOrBytes(column: TableColumn, unknownIsText: boolean): CharsetDecoder | undefined {
  if (column.charset === undefined) return unknownIsText ? charsetDecoder(45) : undefined;
  return charsetDecoder(column.charset);
}

/** Formats 16 bytes as a UUID. */
function uuidText(b: Uint8Array, p: number): string {
  let hex = "";
  for (let i = 0; i < 16; i++) hex += b[p + i].toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** MariaDB INET6 text: RFC 5952 (zeros compressed, IPv4-mapped and -compatible addresses dotted). */
function inet6Text(b: Uint8Array, p: number): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[p + i] << 8) | b[p + i + 1]);
  const zeros = words.slice(0, 5).every((w) => w === 0);
  if (zeros && (words[5] === 0xffff || (words[5] === 0 && (words[6] !== 0 || words[7] > 1)))) {
    const v4 = `${b[p + 12]}.${b[p + 13]}.${b[p + 14]}.${b[p + 15]}`;
    return words[5] === 0xffff ? `::ffff:${v4}` : `::${v4}`;
  }
  let bestStart = -1, bestLength = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(":");
  return hex.slice(0, bestStart).join(":") + "::" + hex.slice(bestStart + bestLength).join(":");
}

/** Bytes [p, p + n) padded with zero bytes to `size` (CHAR-type columns are logged without trailing zeros). */
function padded(b: Uint8Array, p: number, n: number, size: number): Uint8Array {
  if (n >= size) return b.slice(p, p + n);
  const out = new Uint8Array(size);
  out.set(b.subarray(p, p + n));
  return out;
}

/**
 * The decoder of a string-like value of `n` bytes at `p`, chosen once per column. `padTo` is the
 * field length of a BINARY(n)-like column, whose trailing zero bytes the binlog leaves out.
 */
function stringValue(
  column: TableColumn,
  unknownIsText: boolean,
  padTo = 0,
): (b: Uint8Array, p: number, n: number) => unknown {
  switch (column.extendedType) {
    case "uuid":
      return (b, p, n) => (n <= 16 ? uuidText(padded(b, p, n, 16), 0) : b.slice(p, p + n));
    case "inet4":
      return (b, p, n) => {
        if (n > 4) return b.slice(p, p + n);
        const v = padded(b, p, n, 4);
        return `${v[0]}.${v[1]}.${v[2]}.${v[3]}`;
      };
    case "inet6":
      return (b, p, n) => (n <= 16 ? inet6Text(padded(b, p, n, 16), 0) : b.slice(p, p + n));
  }
  const decode = textOrBytes(column, unknownIsText);
  if (decode !== undefined) return (b, p, n) => decode(b, p, p + n);
  if (padTo > 0) return (b, p, n) => padded(b, p, n, padTo);
  return (b, p, n) => b.slice(p, p + n);
}

/** An integer column of `size` bytes. */
function integerDecoder(column: TableColumn, size: 1 | 2 | 3 | 4): ColumnDecoder {
  const unsigned = column.unsigned === true;
  switch (size) {
    case 1:
      return unsigned ? (c) => c.bytes[take(c, 1, column)] : (c) => (c.bytes[take(c, 1, column)] << 24) >> 24;
    case 2:
      return (c) => {
        const p = take(c, 2, column), b = c.bytes;
        const v = b[p] | (b[p + 1] << 8);
        return unsigned ? v : (v << 16) >> 16;
      };
    case 3:
      return (c) => {
        const p = take(c, 3, column), b = c.bytes;
        const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
        return unsigned ? v : (v << 8) >> 8;
      };
    case 4:
      return (c) => {
        const p = take(c, 4, column), b = c.bytes;
        const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
        return unsigned ? v >>> 0 : v;
      };
  }
}

/** BIGINT: a double when it is exact, else through BigInt, then as the `bigint` option wants. */
function longLongDecoder(
  column: TableColumn,
  mode: ResolvedValueOptions["options"]["bigint"],
): ColumnDecoder {
  const unsigned = column.unsigned === true;
  return (c) => {
    const p = take(c, 8, column), b = c.bytes;
    const low = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
    const high = b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24);
    if (mode === "auto") {
      if (unsigned || high >= 0) {
        const h = high >>> 0;
        if (h < 0x200000) return h * 0x100000000 + low;
      } else if (high >= -0x200000) {
        // negative and within 2^53: high * 2^32 + low is exact
        const v = high * 0x100000000 + low;
        if (v >= -9007199254740991) return v;
      }
    }
    const big = (BigInt(unsigned ? high >>> 0 : high) << 32n) | BigInt(low);
    return longLongValue(big, mode);
  };
}

/** A value with a 1-4 byte length prefix, given to `value` as (bytes, start, length). */
function prefixed(
  column: TableColumn,
  prefixBytes: number,
  value: (b: Uint8Array, p: number, n: number) => unknown,
): ColumnDecoder {
  if (prefixBytes < 1 || prefixBytes > 4) {
    throw new ProtocolError("malformed", `${columnLabel(column)}: length prefix of ${prefixBytes} bytes`);
  }
  return (c) => {
    const n = lengthPrefix(c, prefixBytes, column);
    const p = take(c, n, column);
    return value(c.bytes, p, n);
  };
}

/** Options a column decoder depends on. */
export interface ColumnDecoderOptions {
  readonly values: ResolvedValueOptions;
}

/**
 * The decoder of one column's values. `json` columns yield parsed documents (or text with
 * `jsonParse: false`); MariaDB's JSON (a LONGTEXT with `extendedType: "json"`) likewise.
 */
export function columnDecoder(column: TableColumn, r: ResolvedValueOptions): ColumnDecoder {
  const options = r.options;
  const meta = column.metadata;
  switch (column.type) {
    case ColumnType.TINY:
      return integerDecoder(column, 1); // 1 byte
    case ColumnType.SHORT:
      return integerDecoder(column, 2); // 2 bytes
    case ColumnType.INT24:
      return integerDecoder(column, 3); // 3 bytes
    case ColumnType.LONG:
      return integerDecoder(column, 4); // 4 bytes
    case ColumnType.LONGLONG:
      return longLongDecoder(column, options.bigint); // 8 bytes
    case ColumnType.YEAR:
      // 1 byte: years since 1900 (0: 0000)
      return (c) => {
        const v = c.bytes[take(c, 1, column)];
        return v === 0 ? 0 : 1900 + v;
      };
    case ColumnType.FLOAT:
      // 4 bytes: IEEE 754 single
      return (c) => {
        const p = take(c, 4, column);
        return floatValue(viewOf(c).getFloat32(c.bytes.byteOffset + p, true));
      };
    case ColumnType.DOUBLE:
      // 8 bytes: IEEE 754 double
      return (c) => {
        const p = take(c, 8, column);
        return viewOf(c).getFloat64(c.bytes.byteOffset + p, true);
      };
    case ColumnType.NEWDECIMAL: {
      // decimal_bin_size(precision, scale) bytes: binary DECIMAL (decimal.ts)
      const precision = meta & 0xff, scale = meta >> 8;
      const size = decimalBinarySize(precision, scale);
      const asNumber = options.decimal === "number";
      return (c) => {
        const p = take(c, size, column);
        const text = decodeDecimalBinary(c.bytes, p, precision, scale);
        return asNumber ? Number(text) : text;
      };
    }
    case ColumnType.NEWDATE: {
      // 3 bytes: day | month << 5 | year << 9
      const asString = r.dateStrings.DATE;
      return (c) => {
        const p = take(c, 3, column), b = c.bytes;
        const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
        return dateValue(v >> 9, (v >> 5) & 15, v & 31, asString, r.zone);
      };
    }
    case ColumnType.DATETIME: {
      // MySQL 5.5 and older: YYYYMMDDhhmmss as an 8-byte integer
      const asString = r.dateStrings.DATETIME;
      return (c) => {
        const p = take(c, 8, column), b = c.bytes;
        const low = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
        const high = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16)) + b[p + 7] * 0x1000000;
        const v = high * 0x100000000 + low;
        const date = Math.floor(v / 1000000), time = v % 1000000;
        return dateTimeValue(
          Math.floor(date / 10000),
          Math.floor(date / 100) % 100,
          date % 100,
          Math.floor(time / 10000),
          Math.floor(time / 100) % 100,
          time % 100,
          0,
          0,
          asString,
          r.zone,
        );
      };
    }
    case ColumnType.DATETIME2: {
      // 5 bytes packed date and time, big-endian, then 0-3 bytes of fraction by fsp
      const fsp = meta, size = 5 + fractionBytes(fsp);
      const asString = r.dateStrings.DATETIME;
      return (c) => {
        const [y, mo, d, h, mi, s, us] = readDateTime2(c.bytes, take(c, size, column), fsp);
        return dateTimeValue(y, mo, d, h, mi, s, us, fsp, asString, r.zone);
      };
    }
    case ColumnType.TIMESTAMP: {
      // 4 bytes: seconds since the epoch
      const asString = r.dateStrings.TIMESTAMP;
      return (c) => {
        const p = take(c, 4, column), b = c.bytes;
        const seconds = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
        return timestampValue(seconds, 0, 0, asString, r.zone);
      };
    }
    case ColumnType.TIMESTAMP2: {
      // 4 bytes: seconds, big-endian, then 0-3 bytes of fraction by fsp
      const fsp = meta, size = 4 + fractionBytes(fsp);
      const asString = r.dateStrings.TIMESTAMP;
      return (c) => {
        const [seconds, micros] = readTimestamp2(c.bytes, take(c, size, column), fsp);
        return timestampValue(seconds, micros, fsp, asString, r.zone);
      };
    }
    case ColumnType.TIME:
      // MySQL 5.5 and older: [-]hhmmss as a 3-byte signed integer
      return (c) => {
        const p = take(c, 3, column), b = c.bytes;
        const v = ((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) << 8) >> 8;
        const a = Math.abs(v);
        return formatTime(v < 0, Math.floor(a / 10000), Math.floor(a / 100) % 100, a % 100, 0, 0);
      };
    case ColumnType.TIME2: {
      // 3 bytes packed time, big-endian, then 0-3 bytes of fraction by fsp
      const fsp = meta, size = 3 + fractionBytes(fsp);
      return (c) => {
        const [negative, h, m, s, us] = readTime2(c.bytes, take(c, size, column), fsp);
        return formatTime(negative, h, m, s, us, fsp);
      };
    }
    case ColumnType.BIT: {
      // (bits + 7) / 8 bytes, big-endian
      const bits = (meta >> 8) * 8 + (meta & 0xff);
      const size = (bits + 7) >> 3;
      return (c) => {
        const p = take(c, size, column);
        return bitValue(c.bytes, p, p + size, bits);
      };
    }
    // 1 byte length (max length < 256) or 2, then the bytes
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return prefixed(column, meta < 256 ? 1 : 2, stringValue(column, true));
    case ColumnType.STRING: {
      const { length } = stringMetadata(meta);
      const padTo = column.charset === 63 ? length : 0;
      return prefixed(column, length < 256 ? 1 : 2, stringValue(column, true, padTo));
    }
    case ColumnType.ENUM: {
      // 1 or 2 bytes: index into the ENUM's values (1-based, 0: the empty value)
      const size = meta >> 8;
      const values = column.enumValues;
      if (size !== 1 && size !== 2) {
        throw new ProtocolError("malformed", `${columnLabel(column)}: ENUM of ${size} bytes`);
      }
      return (c) => {
        const p = take(c, size, column);
        const index = size === 1 ? c.bytes[p] : c.bytes[p] | (c.bytes[p + 1] << 8);
        if (values === undefined) return index;
        return index === 0 ? "" : values[index - 1] ?? index;
      };
    }
    case ColumnType.SET: {
      // 1-8 bytes: a bit per member
      const size = meta >> 8;
      const values = column.setValues;
      if (size < 1 || size > 8) {
        throw new ProtocolError("malformed", `${columnLabel(column)}: SET of ${size} bytes`);
      }
      return (c) => {
        const p = take(c, size, column), b = c.bytes;
        if (values === undefined) {
          let v = 0n;
          for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i]);
          return v <= 9007199254740991n ? Number(v) : v;
        }
        const chosen: string[] = [];
        for (let i = 0; i < values.length && i < size * 8; i++) {
          if (b[p + (i >> 3)] & (1 << (i & 7))) chosen.push(values[i]);
        }
        return chosen.join(",");
      };
    }
    // 1-4 bytes (metadata) of length, then the bytes
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB: {
      if (column.extendedType === "json") {
        const text = textOrBytes(column, true) ?? charsetDecoder(45)!;
        return prefixed(column, meta, (b, p, n) => {
          const s = text(b, p, p + n);
          if (!options.jsonParse) return s;
          try {
            return JSON.parse(s);
          } catch {
            return s;
          }
        });
      }
      return prefixed(column, meta, stringValue(column, false));
    }
    // 1-4 bytes (metadata) of length, then binary JSON (json-binary.ts)
    case ColumnType.JSON:
      return prefixed(column, meta, (b, p, n) => {
        const value = decodeJsonBinary(b, p, p + n);
        return options.jsonParse ? value : jsonText(value);
      });
    // 1-4 bytes (metadata) of length, then the bytes
    case ColumnType.GEOMETRY:
    case ColumnType.VECTOR:
      return prefixed(column, meta, (b, p, n) => b.slice(p, p + n));
  }
  return () => {
    throw new ProtocolError(
      "unsupported",
      `${columnLabel(column)} has column type ${column.type}, which rows events do not hold`,
    );
  };
}

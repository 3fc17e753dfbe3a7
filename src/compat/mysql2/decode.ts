/**
 * Rows as mysql2 returns them. The native connection under this entry decodes every value to one
 * exact, canonical form (rows as arrays, dates and BIGINT and DECIMAL as the text the server sent,
 * JSON as text, bytes as Uint8Array); here each result set gets one converter per column, chosen
 * once from its definition and the query's options, that turns those values into mysql2's: Dates in
 * the connection's time zone (or strings with `dateStrings`), BIGINT as a number unless
 * `supportBigNumbers`/`bigNumberStrings` (lossy by default, as in mysql2), DECIMAL as a string
 * unless `decimalNumbers`, JSON parsed unless `jsonStrings`, BIT and binary columns as node buffers, then
 * `typeCast(field, next)`, and the row shape (`rowsAsArray`, `nestTables`). Only a query with a
 * `typeCast` function (or false) comes here for its values; the others are decoded directly
 * (native-decoding.ts), and only `nestTables` rows are reshaped here.
 */
import { ColumnType } from "../../protocol/constants.ts";
import type { ColumnDefinition } from "../../protocol/results.ts";
import { dateFromParts, parseTimezone } from "../../protocol/values.ts";
import { bytesText, textBytes, toBuffer } from "./bytes.ts";
import { type Mysql2TypeCast, type TypeCastField, typeNames } from "./fields.ts";
import type { DecodeSettings } from "./options.ts";

type Convert = (value: unknown) => unknown;

const MAX_SAFE = 9007199254740991n;

/** mysql2's BIGINT: a number (lossy) unless supportBigNumbers, then a string when unsafe or asked. */
function bigintConverter(s: DecodeSettings): Convert {
  if (s.supportBigNumbers && s.bigNumberStrings) return (v) => (v === null ? null : String(v));
  if (s.supportBigNumbers) {
    return (v) => {
      if (v === null) return null;
      const b = BigInt(v as string);
      return b > MAX_SAFE || b < -MAX_SAFE ? String(v) : Number(b);
    };
  }
  return (v) => (v === null ? null : Number(v));
}

/** The number of `len` ASCII digits at `at`, or -1 if one is not a digit. */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A `YYYY-MM-DD[ HH:MM:SS[.ffffff]]` text as a Date in `zone`, or an Invalid Date (zero dates and
 * anything else no Date stands for), as mysql2 does.
 */
function dateConverter(zone: number | "local"): Convert {
  return (v) => {
    if (v === null) return null;
    const s = v as string;
    const n = s.length;
    let year = -1, month = -1, day = -1, hour = 0, minute = 0, second = 0, millis = 0;
    if ((n === 10 || n >= 19) && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45) {
      year = digits(s, 0, 4);
      month = digits(s, 5, 2);
      day = digits(s, 8, 2);
      if (n >= 19) {
        hour = digits(s, 11, 2);
        minute = digits(s, 14, 2);
        second = digits(s, 17, 2);
        if (n > 20 && s.charCodeAt(19) === 46) {
          const frac = s.slice(20, 23).padEnd(3, "0");
          millis = digits(frac, 0, 3);
        } else if (n !== 19) millis = -1;
      }
    }
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || millis < 0) {
      return new Date(Number.NaN);
    }
    return dateFromParts(year, month, day, hour, minute, second, millis, zone) ?? new Date(Number.NaN);
  };
}

/** BIT(n) as its big-endian bytes (mysql2 returns a node buffer) from the native boolean or bigint. */
function bitConverter(bits: number): Convert {
  const size = Math.max(1, Math.ceil(bits / 8));
  return (v) => {
    if (v === null) return null;
    let n = typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v as bigint);
    const bytes = new Uint8Array(size);
    for (let i = size - 1; i >= 0; i--) {
      bytes[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return toBuffer(bytes);
  };
}

function isJson(column: ColumnDefinition): boolean {
  return column.type === ColumnType.JSON || column.format === "json" || column.extendedType === "json";
}

function dateStringsFor(setting: boolean | readonly string[], type: number): boolean {
  if (setting === true) return true;
  if (!Array.isArray(setting)) return false;
  const name = type === ColumnType.NEWDATE ? "DATE" : typeNames[type];
  return setting.includes(name);
}

const identity: Convert = (v) => v;

/** The default (typeCast-less) converter of one column. */
function defaultConverter(
  column: ColumnDefinition,
  s: DecodeSettings,
  zone: number | "local",
  binary: boolean,
): Convert {
  if (isJson(column)) {
    if (s.jsonStrings) return (v) => (v instanceof Uint8Array ? bytesText(v) : v);
    return (v) => (v === null ? null : JSON.parse(v instanceof Uint8Array ? bytesText(v) : (v as string)));
  }
  switch (column.type) {
    case ColumnType.LONGLONG:
      return bigintConverter(s);
    case ColumnType.DECIMAL:
    case ColumnType.NEWDECIMAL:
      return s.decimalNumbers ? (v) => (v === null ? null : Number(v)) : identity;
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      if (!dateStringsFor(s.dateStrings, column.type)) return dateConverter(zone);
      // mysql2's binary protocol leaves out a fraction of zeros (its text protocol keeps it).
      return binary ? (v) => (typeof v === "string" ? v.replace(/\.0+$/, "") : v) : identity;
    case ColumnType.BIT:
      return bitConverter(column.length);
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.LONG:
    case ColumnType.INT24:
    case ColumnType.YEAR:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.TIME:
    case ColumnType.TIME2:
      return identity;
  }
  // Strings are strings unless the column is binary; then mywire's bytes become a node buffer.
  if (column.charset !== 63) return identity;
  return (v) => (v instanceof Uint8Array ? toBuffer(v) : v);
}

/** The value's text, as `field.string()` gives it. */
function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return bytesText(v);
  if (typeof v === "boolean") return v ? "\x01" : "\x00";
  return String(v);
}

/** The value's bytes, as `field.buffer()` and `typeCast: false` give them. */
function asBytes(v: unknown, column: ColumnDefinition): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return toBuffer(v);
  if (column.type === ColumnType.BIT) return bitConverter(column.length)(v) as Uint8Array;
  return textBytes(String(v));
}

function castField(column: ColumnDefinition, value: () => unknown): TypeCastField {
  return {
    type: typeNames[column.type] ?? String(column.type),
    extendedTypeName: column.extendedType,
    extendedFormat: column.format,
    length: column.length,
    db: column.schema,
    table: column.table,
    name: column.name,
    string: () => asText(value()),
    buffer: () => asBytes(value(), column),
    geometry: () => {
      throw new TypeError("field.geometry() is not supported by mywire/mysql2: use field.buffer() (WKB)");
    },
  };
}

/** One column's converter, with the query's typeCast applied. */
function columnConverter(
  column: ColumnDefinition,
  s: DecodeSettings,
  zone: number | "local",
  binary: boolean,
): Convert {
  if (s.typeCast === false) return (v) => asBytes(v, column);
  const base = defaultConverter(column, s, zone, binary);
  if (typeof s.typeCast !== "function") return base;
  const cast: Mysql2TypeCast = s.typeCast;
  return (v) => {
    const field = castField(column, () => v);
    return cast(field, () => base(v));
  };
}

/** Turns canonical rows (arrays) of one result set into mysql2's rows. */
export type RowShaper = (row: readonly unknown[]) => unknown;

/**
 * Builds the shaper of one result set, for these columns and settings (`binary`: from execute).
 * `convert: false`: the values are mysql2's already (decoded directly), only the row shape is made
 * (nestTables from rows decoded as arrays).
 */
export function rowShaper(
  columns: readonly ColumnDefinition[],
  s: DecodeSettings,
  binary = false,
  convert = true,
): RowShaper {
  const zone = parseTimezone(s.timezone);
  const converters = convert
    ? columns.map((c) => columnConverter(c, s, zone, binary))
    : columns.map(() => identity);
  const n = columns.length;
  if (s.nestTables === true) {
    const tables = columns.map((c) => c.table);
    const names = columns.map((c) => c.name);
    return (row) => {
      const out: Record<string, Record<string, unknown>> = {};
      for (let i = 0; i < n; i++) {
        const t = tables[i];
        const inner = Object.hasOwn(out, t) ? out[t] : (define(out, t, {}), out[t]);
        define(inner, names[i], converters[i](row[i]));
      }
      return out;
    };
  }
  if (s.rowsAsArray) {
    return (row) => {
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = converters[i](row[i]);
      return out;
    };
  }
  const keys = typeof s.nestTables === "string"
    ? columns.map((c) => c.table + s.nestTables + c.name)
    : columns.map((c) => c.name);
  if (keys.includes("__proto__")) {
    return (row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) define(out, keys[i], converters[i](row[i]));
      return out;
    };
  }
  // Columns whose value is the native one as it is are copied without a call.
  const plain = converters.map((c) => c === identity);
  return (row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) out[keys[i]] = plain[i] ? row[i] : converters[i](row[i]);
    return out;
  };
}

/** Sets a key on a plain object, `__proto__` included, as an own data property. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}

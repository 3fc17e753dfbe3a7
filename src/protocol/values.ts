/**
 * MySQL values to JS values. Pure: bytes in, plain values out.
 *
 * The text protocol (Protocol::TextResultsetRow) sends every value as text in the column's character
 * set: numbers and temporal values as ASCII, strings in the charset of the column definition, and
 * bytes as they are for the `binary` charset (63). `textDecoder` chooses one decoder per column,
 * once per result set, so decoding a row does no per-value dispatch on the type.
 *
 * Defaults are lossless (see docs/values.md): a value the default JS type cannot hold exactly comes
 * back as a type that can (bigint beyond 2^53, DECIMAL as a string, DATETIME(4..6) as a string,
 * zero dates as the string the server sent), and anything that is not what its column type promises
 * comes back as the text itself, never as NaN or an Invalid Date.
 *
 * The helpers in the middle section (options, dates, integers, bits, charsets) are shared with the
 * binary-protocol decoders, which build the same JS values from binary fields.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_row.html
 * https://mariadb.com/kb/en/resultset-row/
 * https://dev.mysql.com/doc/dev/mysql-server/8.0.40/field__types_8h.html
 */
import { collationCharset } from "./collations.ts";
import { Charset, ColumnType } from "./constants.ts";
import type { ColumnDefinition } from "./results.ts";

export { collationCharset, collationName } from "./collations.ts";

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** How column values become JS values. */
export interface ValueOptions {
  /** How DATETIME/TIMESTAMP values (no zone on the wire) are read: "local", "Z", or "+HH:MM"/"-HH:MM". Default "local". */
  readonly timezone: string;
  /** Return DATE/DATETIME/TIMESTAMP as strings exactly as the server sent them: true, or a list of type names ("DATE","DATETIME","TIMESTAMP"). Default false. */
  readonly dateStrings: boolean | readonly ("DATE" | "DATETIME" | "TIMESTAMP")[];
  /**
   * BIGINT: "auto" (number when |v| <= 2^53-1, else bigint: the default), "bigint" (always bigint),
   * "string", "number" (lossy, explicit opt-in), "number-or-string" (number when |v| <= 2^53-1,
   * else the text: mysql2's `supportBigNumbers`).
   */
  readonly bigint: "auto" | "bigint" | "string" | "number" | "number-or-string";
  /** DECIMAL: "string" (default, exact) or "number" (lossy, explicit). */
  readonly decimal: "string" | "number";
  /** JSON columns: parsed (default true) or the text. */
  readonly jsonParse: boolean;
  /**
   * DATE/DATETIME/TIMESTAMP that are not `dateStrings`: "exact" (default: a value no Date stands for
   * exactly, a zero date or more than 3 fractional digits, stays the server's text) or "lossy" (as
   * mysql2: always a Date, the fraction cut to milliseconds, an Invalid Date for a zero date).
   */
  readonly dates?: "exact" | "lossy";
  /**
   * How binary-protocol (prepared statement) values that the text protocol sends as text are
   * rendered: "server" (default: as the server prints them in the text protocol: FLOAT to 6
   * significant digits, TIME and DATETIME with the column's fractional digits) or "mysql2" (as
   * mysql2 renders them: FLOAT as the float32's exact double, a fraction only when it is not zero,
   * TIME's without its trailing zeros).
   */
  readonly binaryForms?: "server" | "mysql2";
  /** BIT: "value" (default: a boolean for BIT(1), else a bigint) or "bytes" (its big-endian bytes). */
  readonly bits?: "value" | "bytes";
  /**
   * Applied to every byte value (binary strings, blobs, GEOMETRY, BIT as "bytes"), e.g. to hand
   * out the runtime's own byte type (a drop-in that must give Node buffers). Default: none.
   */
  readonly bytes?: (bytes: Uint8Array) => Uint8Array;
  /**
   * Per-column override: called with each non-NULL value as decoded by default and its column, returns
   * the value to use. The same in both protocols, since the default values are.
   */
  readonly typeCast?: TypeCast;
}

/** A per-column override of decoded values (see `ValueOptions.typeCast`). */
export type TypeCast = (column: ColumnDefinition, value: unknown) => unknown;

/** The defaults: local time zone, Dates, BIGINT "auto", DECIMAL as strings, JSON parsed. */
export const defaultValueOptions: ValueOptions = Object.freeze({
  timezone: "local",
  dateStrings: false,
  bigint: "auto",
  decimal: "string",
  jsonParse: true,
});

/** Resolves a timezone option to a fixed offset in minutes, or "local". Throws TypeError for bad input. */
export function parseTimezone(tz: string): number | "local" {
  if (tz === "local") return "local";
  if (tz === "Z") return 0;
  const m = typeof tz === "string" ? /^([+-])([01]\d|2[0-3]):([0-5]\d)$/.exec(tz) : null;
  if (m === null) {
    throw new TypeError(
      `invalid timezone ${JSON.stringify(tz)}: expected "local", "Z", or an offset like "+05:30"`,
    );
  }
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === "-" ? 0 - minutes : minutes;
}

/** Value options digested once: the zone as an offset, and which temporal types stay strings. */
export interface ResolvedValueOptions {
  readonly options: ValueOptions;
  /** Fixed offset from UTC in minutes (east positive), or "local". */
  readonly zone: number | "local";
  readonly dateStrings: { readonly DATE: boolean; readonly DATETIME: boolean; readonly TIMESTAMP: boolean };
}

const resolved = new WeakMap<ValueOptions, ResolvedValueOptions>();

/** Digests value options (cached per options object); throws TypeError for a bad timezone. */
export function resolveValueOptions(options: ValueOptions): ResolvedValueOptions {
  let r = resolved.get(options);
  if (r === undefined) {
    const ds = options.dateStrings;
    const has = (t: "DATE" | "DATETIME" | "TIMESTAMP") =>
      ds === true || (Array.isArray(ds) && ds.includes(t));
    r = {
      options,
      zone: parseTimezone(options.timezone),
      dateStrings: { DATE: has("DATE"), DATETIME: has("DATETIME"), TIMESTAMP: has("TIMESTAMP") },
    };
    resolved.set(options, r);
  }
  return r;
}

/** The `dateStrings` name of a temporal column type, or undefined for other types. */
export function temporalTypeName(type: number): "DATE" | "DATETIME" | "TIMESTAMP" | undefined {
  switch (type) {
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return "DATE";
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
      return "DATETIME";
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      return "TIMESTAMP";
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Shared conversions (text and binary protocol)
// ---------------------------------------------------------------------------------------------

const MS_PER_DAY = 86_400_000;

/** Days from 1970-01-01 to a proleptic Gregorian date (any year; no 1900 offset for years < 100). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days in a month of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * A Date for a MySQL DATE/DATETIME/TIMESTAMP read as wall-clock time in `zone` (minutes east of UTC,
 * or "local"). Returns undefined when no Date stands for the value exactly: zero dates, a zero month
 * or day, year 0 (which MySQL's calendar and a Date's disagree about), a day the month does not have
 * (ALLOW_INVALID_DATES), or a field out of range. Years 1-99 keep their year (no 1900 offset).
 */
export function dateFromParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  zone: number | "local",
): Date | undefined {
  if (
    year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)
    || hour > 23 || minute > 59 || second > 59 || millis > 999
  ) return undefined;
  if (zone !== "local") {
    return new Date(
      daysFromCivil(year, month, day) * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000
        + millis - zone * 60_000,
    );
  }
  if (year >= 100) return new Date(year, month - 1, day, hour, minute, second, millis);
  // new Date(y, ...) maps years 0-99 to 1900-1999: set the fields one by one instead.
  const date = new Date(0);
  date.setFullYear(year, month - 1, day);
  date.setHours(hour, minute, second, millis);
  return date;
}

/** A BIGINT that fits a double exactly, as the `bigint` option wants it. */
function smallLongLong(v: number, mode: ValueOptions["bigint"]): number | bigint | string {
  return mode === "bigint" ? BigInt(v) : mode === "string" ? String(v) : v;
}

const MAX_SAFE = 9007199254740991n;

/** A 64-bit integer (from the binary protocol or a text value beyond 2^53) as the `bigint` option wants it. */
export function longLongValue(v: bigint, mode: ValueOptions["bigint"]): number | bigint | string {
  switch (mode) {
    case "auto":
      return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
    case "number-or-string":
      return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
    case "bigint":
      return v;
    case "string":
      return v.toString();
    case "number":
      return Number(v);
  }
}

/** A BIT(n) value from its big-endian bytes: a boolean for BIT(1), else a bigint. */
export function bitValue(bytes: Uint8Array, start: number, end: number, bits: number): boolean | bigint {
  if (bits === 1) {
    for (let i = start; i < end; i++) if (bytes[i] !== 0) return true;
    return false;
  }
  if (end - start <= 6) {
    let n = 0;
    for (let i = start; i < end; i++) n = n * 256 + bytes[i];
    return BigInt(n);
  }
  let v = 0n;
  for (let i = start; i < end; i++) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** A copy of bytes [start, end): values never alias the packet buffer. */
function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return bytes.slice(start, end);
}

// ---------------------------------------------------------------------------------------------
// Character sets
// ---------------------------------------------------------------------------------------------

/** Decodes the bytes [start, end) of some text to a string. */
export type CharsetDecoder = (bytes: Uint8Array, start: number, end: number) => string;

// ignoreBOM: a value may start with U+FEFF; a default TextDecoder would drop it.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The runtime's own exact UTF-8 range decoder, when the session layer installed one. */
let nativeUtf8: CharsetDecoder | undefined;

/**
 * Makes every UTF-8 value decode through `decode` (or back through TextDecoder with `undefined`).
 * The session layer installs the runtime's native decoder (runtime/text.ts), which must give exactly
 * what `TextDecoder("utf-8", { ignoreBOM: true })` gives, only faster: this module imports nothing
 * of a runtime itself.
 */
export function useNativeUtf8(decode: CharsetDecoder | undefined): void {
  nativeUtf8 = decode;
}

/**
 * UTF-8 text: through the runtime's native decoder when there is one; else short ASCII values
 * (numbers, dates, short strings) from their char codes in one call, the rest through TextDecoder.
 * (Not `out += char`: that builds a chain of cons strings per value, several times the memory.)
 */
function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  if (nativeUtf8 !== undefined) return nativeUtf8(bytes, start, end);
  return portableUtf8(bytes, start, end);
}

/** `utf8Text` without the native decoder (exported for tests). */
export function portableUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    for (let i = start; i < end; i++) {
      if (bytes[i] > 0x7f) return utf8Decoder.decode(bytes.subarray(start, end));
    }
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return utf8Decoder.decode(bytes.subarray(start, end));
}

/** UTF-32 (big-endian, as MySQL's utf32): code points outside Unicode become U+FFFD. */
function utf32Text(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  const codes: number[] = [];
  for (let i = start; i + 3 < end; i += 4) {
    const cp = bytes[i] * 0x1000000 + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
    codes.push(cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp);
    if (codes.length === 4096) {
      out += String.fromCodePoint(...codes);
      codes.length = 0;
    }
  }
  if ((end - start) % 4 !== 0) codes.push(0xfffd);
  return out + String.fromCodePoint(...codes);
}

/** WHATWG encoding labels for MySQL character sets that have one. */
const charsetLabels: Readonly<Record<string, string>> = {
  latin1: "windows-1252", // MySQL's latin1 is cp1252, not ISO-8859-1
  latin2: "iso-8859-2",
  latin5: "windows-1254", // ISO-8859-9, which WHATWG decodes as its superset windows-1254
  latin7: "iso-8859-13",
  cp1250: "windows-1250",
  cp1251: "windows-1251",
  cp1256: "windows-1256",
  cp1257: "windows-1257",
  cp866: "ibm866",
  koi8r: "koi8-r",
  koi8u: "koi8-u",
  greek: "iso-8859-7",
  hebrew: "iso-8859-8",
  macroman: "macintosh",
  tis620: "windows-874", // a superset of TIS-620
  utf16: "utf-16be",
  ucs2: "utf-16be", // UCS-2 is UTF-16 without surrogates
  utf16le: "utf-16le",
  sjis: "shift_jis",
  cp932: "shift_jis", // WHATWG's Shift_JIS is Windows-31J (cp932)
  ujis: "euc-jp",
  eucjpms: "euc-jp",
  euckr: "euc-kr",
  gbk: "gbk",
  gb2312: "gbk", // GBK is a superset of GB2312
  gb18030: "gb18030",
  big5: "big5",
};

const decoders = new Map<string, CharsetDecoder | null>();

function labelDecoder(label: string): CharsetDecoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      const td = new TextDecoder(label, { ignoreBOM: true });
      d = (bytes, start, end) => td.decode(bytes.subarray(start, end));
    } catch {
      d = null; // this runtime's TextDecoder lacks the encoding
    }
    decoders.set(label, d);
  }
  return d;
}

/**
 * The text decoder for values in a collation (by id): UTF-8 for the utf8 family, ascii and unknown
 * ids; the matching WHATWG decoder for latin1 (windows-1252), cp125x, koi8, the ISO-8859 and CJK
 * charsets, UTF-16 and UCS-2; a hand decoder for UTF-32. Undefined for `binary` and for charsets
 * with no decoder (dec8, hp8, swe7, cp850, cp852, keybcs2, macce, armscii8, geostd8, or one this
 * runtime's TextDecoder lacks): such values are returned as bytes.
 */
export function charsetDecoder(collationId: number): CharsetDecoder | undefined {
  if (collationId === Charset.BINARY) return undefined;
  const charset = collationCharset(collationId);
  switch (charset) {
    case undefined: // an id newer than our table: every new collation is a Unicode one
    case "utf8mb4":
    case "utf8mb3":
    case "utf8":
    case "ascii":
      return utf8Text;
    case "utf32":
      return utf32Text;
    case "binary":
      return undefined;
  }
  const label = charsetLabels[charset];
  return (label === undefined ? null : labelDecoder(label)) ?? undefined;
}

// ---------------------------------------------------------------------------------------------
// Text protocol
// ---------------------------------------------------------------------------------------------

/** Decodes one text-protocol value: the bytes [start, end) of a row packet. NULL never reaches a decoder. */
export type TextValueDecoder = (bytes: Uint8Array, start: number, end: number) => unknown;

/** INT/SMALLINT/TINYINT/MEDIUMINT/YEAR: ASCII digits straight to a number. */
function textInt(bytes: Uint8Array, start: number, end: number): unknown {
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  if (i === end) return utf8Text(bytes, start, end);
  let n = 0; // any number of leading zeros: INT(255) ZEROFILL is legal
  for (; i < end; i++) {
    const d = bytes[i] - 0x30;
    if (d < 0 || d > 9) return utf8Text(bytes, start, end);
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return utf8Text(bytes, start, end);
  return negative ? 0 - n : n;
}

/**
 * BIGINT: digits accumulate in a double; the result is exact as long as it stays within 2^53, and
 * beyond that the text goes through BigInt (or Number, for the lossy "number" mode).
 */
function textLongLong(mode: ValueOptions["bigint"]): TextValueDecoder {
  if (mode === "string") return textAsString;
  return (bytes, start, end) => {
    let i = start;
    const negative = bytes[i] === 0x2d;
    if (negative) i++;
    if (i === end) return utf8Text(bytes, start, end);
    let n = 0;
    for (; i < end; i++) {
      const d = bytes[i] - 0x30;
      if (d < 0 || d > 9) return utf8Text(bytes, start, end);
      n = n * 10 + d;
    }
    if (n <= Number.MAX_SAFE_INTEGER) return smallLongLong(negative ? 0 - n : n, mode);
    const text = utf8Text(bytes, start, end);
    return mode === "number" ? Number(text) : mode === "number-or-string" ? text : BigInt(text);
  };
}

/** The value's text as sent (DECIMAL, TIME, dateStrings, BIGINT as "string", unknown types). */
function textAsString(bytes: Uint8Array, start: number, end: number): string {
  return utf8Text(bytes, start, end);
}

/** Exact powers of ten: every 10^k up to 10^22 is a double exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * A plain decimal `[-]digits[.digits]` of at most 15 digits, read from the bytes: the digits as an
 * integer m (below 10^15, so exact) divided by 10^f (exact): IEEE division rounds correctly, so this
 * is the double `Number(text)` gives (Clinger's fast path). NaN for any other shape (an exponent,
 * more digits, inf, nan), which then goes through `Number`.
 */
function shortDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  if (i === end || end - i > 16) return NaN;
  let m = 0;
  let digits = 0;
  let point = -1;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c === 0x2e && point < 0) {
      point = digits;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9) return NaN;
    m = m * 10 + d;
    digits++;
  }
  if (digits === 0 || digits > 15 || point === digits) return NaN;
  const v = point < 0 ? m : m / POWERS_OF_TEN[digits - point];
  return negative ? -v : v;
}

/** FLOAT/DOUBLE: the server sends the shortest text that reads back as the same value. */
function textFloat(bytes: Uint8Array, start: number, end: number): unknown {
  const fast = shortDecimal(bytes, start, end);
  if (fast === fast) return fast;
  const text = utf8Text(bytes, start, end);
  const v = Number(text);
  return v !== v || text.length === 0 ? text : v;
}

/** DECIMAL with `decimal: "number"` (lossy, explicitly asked for). */
function textDecimalNumber(bytes: Uint8Array, start: number, end: number): unknown {
  const text = utf8Text(bytes, start, end);
  const v = Number(text);
  return v !== v || text.length === 0 ? text : v;
}

/** Two ASCII digits at i, or -1. */
function digits2(b: Uint8Array, i: number): number {
  const h = b[i] - 0x30, l = b[i + 1] - 0x30;
  return h >= 0 && h <= 9 && l >= 0 && l <= 9 ? h * 10 + l : -1;
}

/** "YYYY-MM-DD" at `start`: [year, month, day], or undefined when the text is not that shape. */
function parseYmd(b: Uint8Array, start: number): number | undefined {
  const hi = digits2(b, start),
    lo = digits2(b, start + 2),
    month = digits2(b, start + 5),
    day = digits2(b, start + 8);
  if (hi < 0 || lo < 0 || month < 0 || day < 0 || b[start + 4] !== 0x2d || b[start + 7] !== 0x2d) {
    return undefined;
  }
  return (hi * 100 + lo) * 10000 + month * 100 + day;
}

/** DATE: "YYYY-MM-DD" → a Date at midnight in the zone; zero and invalid dates stay strings. */
function textDate(zone: number | "local"): TextValueDecoder {
  return (bytes, start, end) => {
    const ymd = end - start === 10 ? parseYmd(bytes, start) : undefined;
    const date = ymd === undefined
      ? undefined
      : dateFromParts(Math.floor(ymd / 10000), Math.floor(ymd / 100) % 100, ymd % 100, 0, 0, 0, 0, zone);
    return date ?? utf8Text(bytes, start, end);
  };
}

/** An Invalid Date: what a "lossy" date no Date stands for becomes (as in mysql2). */
export function invalidDate(): Date {
  return new Date(Number.NaN);
}

/**
 * DATE, DATETIME, TIMESTAMP with `dates: "lossy"`, as mysql2 reads them: `YYYY-MM-DD[ HH:MM:SS[.f+]]`
 * as a Date in the zone, the fraction cut to milliseconds; anything else (zero dates, other shapes)
 * an Invalid Date.
 */
function textLossyDate(zone: number | "local"): TextValueDecoder {
  return (b, start, end) => {
    const n = end - start;
    if (n !== 10 && n < 19) return invalidDate();
    const ymd = parseYmd(b, start);
    if (ymd === undefined) return invalidDate();
    let hour = 0, minute = 0, second = 0, millis = 0;
    if (n >= 19) {
      hour = digits2(b, start + 11);
      minute = digits2(b, start + 14);
      second = digits2(b, start + 17);
      if (n > 19) {
        if (b[start + 19] !== 0x2e || n === 20) return invalidDate();
        for (let i = start + 20, scale = 100; i < end && scale >= 1; i++, scale /= 10) {
          const d = b[i] - 0x30;
          if (d < 0 || d > 9) return invalidDate();
          millis += d * scale;
        }
      }
    }
    if (hour < 0 || minute < 0 || second < 0) return invalidDate();
    const y = Math.floor(ymd / 10000), m = Math.floor(ymd / 100) % 100, d = ymd % 100;
    return dateFromParts(y, m, d, hour, minute, second, millis, zone) ?? invalidDate();
  };
}

/**
 * DATETIME/TIMESTAMP with at most 3 fractional digits: "YYYY-MM-DD HH:MM:SS[.f{1,3}]" → a Date in
 * the zone; zero and invalid dates (and any other shape) stay strings.
 */
function textDateTime(zone: number | "local"): TextValueDecoder {
  return (bytes, start, end) => {
    const length = end - start;
    let date: Date | undefined;
    if (length >= 19 && (length === 19 || (length >= 21 && bytes[start + 19] === 0x2e))) {
      const ymd = parseYmd(bytes, start);
      const hour = digits2(bytes, start + 11),
        minute = digits2(bytes, start + 14),
        second = digits2(bytes, start + 17);
      let millis = 0;
      let ok = ymd !== undefined && bytes[start + 10] === 0x20 && bytes[start + 13] === 0x3a
        && bytes[start + 16] === 0x3a && hour >= 0 && minute >= 0 && second >= 0;
      // Fraction: the first three digits are milliseconds; any further digit must be 0.
      for (let i = start + 20, scale = 100; ok && i < end; i++, scale /= 10) {
        const d = bytes[i] - 0x30;
        if (d < 0 || d > 9 || (scale < 1 && d !== 0)) ok = false;
        else if (scale >= 1) millis += d * scale;
      }
      if (ok) {
        date = dateFromParts(
          Math.floor(ymd! / 10000),
          Math.floor(ymd! / 100) % 100,
          ymd! % 100,
          hour,
          minute,
          second,
          millis,
          zone,
        );
      }
    }
    return date ?? utf8Text(bytes, start, end);
  };
}

function textBit(bits: number): TextValueDecoder {
  return (bytes, start, end) => bitValue(bytes, start, end, bits);
}

/** Bytes copied out of the packet, then through the `bytes` option when there is one. */
function bytesDecoder(wrap: ((bytes: Uint8Array) => Uint8Array) | undefined): TextValueDecoder {
  if (wrap === undefined) return copyBytes;
  return (bytes, start, end) => wrap(bytes.slice(start, end));
}

function textJson(text: CharsetDecoder, parse: boolean): TextValueDecoder {
  if (!parse) return text;
  return (bytes, start, end) => {
    const s = text(bytes, start, end);
    try {
      return JSON.parse(s);
    } catch {
      return s; // not JSON after all (a JSON-formatted expression can be any text): keep it as sent
    }
  };
}

/** True for JSON values: MySQL's JSON type, or MariaDB's extended metadata format/type "json". */
function isJson(column: ColumnDefinition): boolean {
  return column.type === ColumnType.JSON || column.format === "json" || column.extendedType === "json";
}

/** Chooses the decoder for a column once per result set (this is the hot path: no per-value switch on type). */
export function textDecoder(column: ColumnDefinition, options: ValueOptions): TextValueDecoder {
  const r = resolveValueOptions(options);
  const binary = column.charset === Charset.BINARY;
  if (isJson(column)) {
    // MySQL sends JSON with the binary charset, but the text is always UTF-8.
    return textJson(binary ? utf8Text : charsetDecoder(column.charset) ?? utf8Text, options.jsonParse);
  }
  const ext = column.extendedType;
  if (ext === "uuid" || ext === "inet4" || ext === "inet6") {
    return binary ? utf8Text : charsetDecoder(column.charset) ?? utf8Text;
  }
  switch (column.type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.YEAR:
      return textInt;
    case ColumnType.LONGLONG:
      return textLongLong(options.bigint);
    case ColumnType.DECIMAL:
    case ColumnType.NEWDECIMAL:
      return options.decimal === "number" ? textDecimalNumber : textAsString;
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
      return textFloat;
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      if (r.dateStrings.DATE) return textAsString;
      return options.dates === "lossy" ? textLossyDate(r.zone) : textDate(r.zone);
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      if (r.dateStrings[temporalTypeName(column.type)!]) return textAsString;
      if (options.dates === "lossy") return textLossyDate(r.zone);
      // More than 3 fractional digits do not fit a Date: the text keeps the microseconds.
      return column.decimals > 3 ? textAsString : textDateTime(r.zone);
    case ColumnType.TIME:
    case ColumnType.TIME2:
      return textAsString;
    case ColumnType.BIT:
      return options.bits === "bytes" ? bytesDecoder(options.bytes) : textBit(column.length);
    case ColumnType.GEOMETRY:
      return bytesDecoder(options.bytes);
  }
  if (binary) return bytesDecoder(options.bytes);
  return charsetDecoder(column.charset) ?? bytesDecoder(options.bytes);
}

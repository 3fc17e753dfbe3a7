/**
 * Temporal values as the binlog stores them, to the JS values the client gives for the same column
 * (see docs/values.md): the MySQL 5.6 packed forms (DATETIME2, TIME2, TIMESTAMP2: big-endian, with
 * 0-3 bytes of fractional seconds by precision), the older DATE/TIME/DATETIME/TIMESTAMP forms, and
 * the 8-byte packed integers of JSON opaque values (`my_datetime_packed` / `my_time_packed`).
 *
 * DATE/DATETIME become Dates in the `timezone` option's zone unless `dateStrings` asks for text, the
 * precision is beyond milliseconds (4-6 digits), or no Date holds the value (zero dates): then the
 * text MySQL prints, with the column's fractional digits. TIMESTAMP is stored as an instant (seconds
 * since the epoch), so its Date is that exact instant; as text it is written in the `timezone` zone.
 * TIME is always text ("-838:59:59.000000").
 *
 * Pages:
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/rows_event_v1v2-rows_compressed_event_v1 (Column Data Formats: the temporal types)
 * https://dev.mysql.com/doc/dev/mysql-server/8.0.40/field__types_8h.html (DATETIME2, TIME2, TIMESTAMP2)
 */
import { dateFromParts } from "../values.ts";

/** Bytes of the fractional part of a DATETIME2/TIME2/TIMESTAMP2 of precision `fsp`. */
export function fractionBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** ".ffffff" cut to `fsp` digits, or "" for fsp 0. */
function fraction(micros: number, fsp: number): string {
  if (fsp <= 0) return "";
  return "." + String(micros).padStart(6, "0").slice(0, fsp);
}

/** "YYYY-MM-DD". */
export function formatDate(year: number, month: number, day: number): string {
  return String(year).padStart(4, "0") + "-" + pad2(month) + "-" + pad2(day);
}

/** "YYYY-MM-DD HH:MM:SS[.f]" with `fsp` fractional digits. */
export function formatDateTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micros: number,
  fsp: number,
): string {
  return formatDate(year, month, day) + " " + pad2(hour) + ":" + pad2(minute) + ":" + pad2(second)
    + fraction(micros, fsp);
}

/** "[-]HH:MM:SS[.f]" with `fsp` fractional digits (hours may exceed 24). */
export function formatTime(
  negative: boolean,
  hour: number,
  minute: number,
  second: number,
  micros: number,
  fsp: number,
): string {
  return (negative ? "-" : "") + pad2(hour) + ":" + pad2(minute) + ":" + pad2(second) + fraction(micros, fsp);
}

/** A DATE as the client gives it: a Date at midnight in `zone`, or the text. */
export function dateValue(
  year: number,
  month: number,
  day: number,
  asString: boolean,
  zone: number | "local",
): Date | string {
  if (!asString) {
    const date = dateFromParts(year, month, day, 0, 0, 0, 0, zone);
    if (date !== undefined) return date;
  }
  return formatDate(year, month, day);
}

/** A DATETIME as the client gives it: a Date in `zone` (precision 0-3), or the text. */
export function dateTimeValue(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micros: number,
  fsp: number,
  asString: boolean,
  zone: number | "local",
): Date | string {
  if (!asString && fsp <= 3) {
    const date = dateFromParts(year, month, day, hour, minute, second, Math.floor(micros / 1000), zone);
    if (date !== undefined) return date;
  }
  return formatDateTime(year, month, day, hour, minute, second, micros, fsp);
}

/** A TIMESTAMP (seconds since the epoch and microseconds) as the client gives it. */
export function timestampValue(
  seconds: number,
  micros: number,
  fsp: number,
  asString: boolean,
  zone: number | "local",
): Date | string {
  if (seconds === 0 && micros === 0) return formatDateTime(0, 0, 0, 0, 0, 0, 0, fsp);
  const ms = seconds * 1000 + Math.floor(micros / 1000);
  if (!asString && fsp <= 3) return new Date(ms);
  if (zone === "local") {
    const d = new Date(seconds * 1000);
    return formatDateTime(
      d.getFullYear(),
      d.getMonth() + 1,
      d.getDate(),
      d.getHours(),
      d.getMinutes(),
      d.getSeconds(),
      micros,
      fsp,
    );
  }
  const d = new Date((seconds + zone * 60) * 1000);
  return formatDateTime(
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    micros,
    fsp,
  );
}

/** Big-endian unsigned integer of `n` (at most 6) bytes at `p`. */
function be(b: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[p + i];
  return v;
}

/** Microseconds of a DATETIME2/TIMESTAMP2 fraction of precision `fsp` at `p` (non-negative forms). */
function unsignedFraction(b: Uint8Array, p: number, fsp: number): number {
  switch (fractionBytes(fsp)) {
    case 1:
      return b[p] * 10000;
    case 2:
      return be(b, p, 2) * 100;
    case 3:
      return be(b, p, 3);
  }
  return 0;
}

/** Fields of a DATETIME2 (5 bytes + fraction) at `p`. */
export function readDateTime2(
  b: Uint8Array,
  p: number,
  fsp: number,
): [year: number, month: number, day: number, hour: number, minute: number, second: number, micros: number] {
  // 1 bit sign (always set: no negative DATETIME), 17 bits year*13+month, 5 day, 5 hour, 6 minute, 6 second.
  return dateTimeFields(Math.abs(be(b, p, 5) - 0x8000000000), unsignedFraction(b, p + 5, fsp));
}

/** Fields of a packed DATETIME's integer part (year*13+month << 22 | day << 17 | hms) and microseconds. */
function dateTimeFields(
  ymdhms: number,
  micros: number,
): [year: number, month: number, day: number, hour: number, minute: number, second: number, micros: number] {
  const ymd = Math.floor(ymdhms / 0x20000);
  const hms = ymdhms % 0x20000;
  const ym = Math.floor(ymd / 32);
  return [
    Math.floor(ym / 13),
    ym % 13,
    ymd % 32,
    Math.floor(hms / 4096),
    Math.floor(hms / 64) % 64,
    hms % 64,
    micros,
  ];
}

/** Fields of a TIME2 (3 bytes + fraction) at `p`. */
export function readTime2(
  b: Uint8Array,
  p: number,
  fsp: number,
): [negative: boolean, hour: number, minute: number, second: number, micros: number] {
  // MySQL's my_time_packed_from_binary: the value is (intpart << 24) + microseconds, offset so that
  // it sorts as unsigned bytes; a negative value borrows from the integer part for its fraction.
  let packed: number;
  switch (fractionBytes(fsp)) {
    case 1: {
      let int = be(b, p, 3) - 0x800000;
      let frac = b[p + 3];
      if (int < 0 && frac !== 0) {
        int++;
        frac -= 0x100;
      }
      packed = int * 0x1000000 + frac * 10000;
      break;
    }
    case 2: {
      let int = be(b, p, 3) - 0x800000;
      let frac = be(b, p + 3, 2);
      if (int < 0 && frac !== 0) {
        int++;
        frac -= 0x10000;
      }
      packed = int * 0x1000000 + frac * 100;
      break;
    }
    case 3:
      packed = be(b, p, 6) - 0x800000000000;
      break;
    default:
      packed = (be(b, p, 3) - 0x800000) * 0x1000000;
  }
  return timeFields(packed);
}

/** Fields of a packed time ((hour << 12 | minute << 6 | second) << 24 | microseconds, signed). */
function timeFields(packed: number): [boolean, number, number, number, number] {
  const v = Math.abs(packed);
  const hms = Math.floor(v / 0x1000000);
  return [packed < 0, Math.floor(hms / 4096) % 1024, Math.floor(hms / 64) % 64, hms % 64, v % 0x1000000];
}

/** Seconds and microseconds of a TIMESTAMP2 (4 bytes + fraction) at `p`. */
export function readTimestamp2(b: Uint8Array, p: number, fsp: number): [seconds: number, micros: number] {
  return [be(b, p, 4), unsignedFraction(b, p + 4, fsp)];
}

/** Fields of a DATETIME packed into a signed 64-bit integer (JSON opaque DATE/DATETIME/TIMESTAMP). */
export function dateTimeFromPacked(
  packed: bigint,
): [year: number, month: number, day: number, hour: number, minute: number, second: number, micros: number] {
  const v = packed < 0n ? -packed : packed;
  return dateTimeFields(Number(v >> 24n), Number(v % 0x1000000n));
}

/** Fields of a TIME packed into a signed 64-bit integer (JSON opaque TIME). */
export function timeFromPacked(
  packed: bigint,
): [negative: boolean, hour: number, minute: number, second: number, micros: number] {
  return timeFields(Number(packed));
}

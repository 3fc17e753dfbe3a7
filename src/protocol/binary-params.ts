/**
 * JS values to binary-protocol parameters for COM_STMT_EXECUTE. The type follows the value:
 * integral numbers as LONGLONG (so `LIMIT ?` works), other numbers as DOUBLE, bigint as LONGLONG
 * (unsigned above 2^63-1), booleans as TINY, strings as VAR_STRING, Uint8Array as BLOB, Date as
 * DATETIME in the connection's time zone, null/undefined as NULL, other objects as JSON text.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_execute.html
 * https://mariadb.com/kb/en/com_stmt_execute/
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html (Binary Protocol Value: the layout of each type)
 */
import { encodeUtf8, Writer } from "./bytes.ts";
import { ColumnType } from "./constants.ts";
import type { BoundParam } from "./statements.ts";

const NULL_PARAM: BoundParam = { type: ColumnType.NULL, unsigned: false, value: null };
const TRUE_BYTES = new Uint8Array([1]);
const FALSE_BYTES = new Uint8Array([0]);

function lenencValue(bytes: Uint8Array): Uint8Array {
  return new Writer(bytes.length + 9).lenencBytes(bytes).finish();
}

/** Calendar fields of a Date in a fixed offset (minutes east of UTC) or the local zone. */
export function dateFields(
  date: Date,
  timezone: number | "local",
): { year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number } {
  if (timezone === "local") {
    return {
      year: date.getFullYear(),
      month: date.getMonth() + 1,
      day: date.getDate(),
      hour: date.getHours(),
      minute: date.getMinutes(),
      second: date.getSeconds(),
      ms: date.getMilliseconds(),
    };
  }
  const shifted = new Date(date.getTime() + timezone * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    ms: shifted.getUTCMilliseconds(),
  };
}

/** Encodes one JS value as a bound parameter. Throws TypeError for values that cannot be sent. */
export function encodeParam(value: unknown, timezone: number | "local", index: number): BoundParam {
  switch (typeof value) {
    case "number": {
      if (!Number.isFinite(value)) {
        throw new TypeError(`parameter ${index + 1} is ${value}, which MySQL cannot store`);
      }
      if (Number.isInteger(value) && Number.isSafeInteger(value)) {
        // 8 bytes: LONGLONG
        return { type: ColumnType.LONGLONG, unsigned: false, value: new Writer(8).i64(value).finish() };
      }
      // 8 bytes: DOUBLE (IEEE 754, little-endian)
      return { type: ColumnType.DOUBLE, unsigned: false, value: new Writer(8).f64(value).finish() };
    }
    case "bigint": {
      if (value < -(2n ** 63n) || value > 2n ** 64n - 1n) {
        throw new TypeError(`parameter ${index + 1} (${value}) does not fit in 64 bits`);
      }
      const unsigned = value > 2n ** 63n - 1n;
      return { type: ColumnType.LONGLONG, unsigned, value: new Writer(8).u64(value).finish() };
    }
    case "boolean":
      return { type: ColumnType.TINY, unsigned: false, value: value ? TRUE_BYTES : FALSE_BYTES }; // 1 byte
    case "string":
      // lenenc string
      return { type: ColumnType.VAR_STRING, unsigned: false, value: lenencValue(encodeUtf8(value)) };
    case "undefined":
      return NULL_PARAM;
    case "object": {
      if (value === null) return NULL_PARAM;
      if (value instanceof Uint8Array) {
        return { type: ColumnType.BLOB, unsigned: false, value: lenencValue(value) };
      }
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError(`parameter ${index + 1} is an Invalid Date`);
        const f = dateFields(value, timezone);
        // 1 byte length (11), 2 bytes year, 1 byte each month, day, hour, minute, second, 4 bytes microseconds
        const w = new Writer(12).u8(11).u16(f.year).u8(f.month).u8(f.day).u8(f.hour).u8(f.minute).u8(f.second)
          .u32(f.ms * 1000);
        return { type: ColumnType.DATETIME, unsigned: false, value: w.finish() };
      }
      if (ArrayBuffer.isView(value)) {
        throw new TypeError(
          `parameter ${index + 1} is a ${value.constructor.name}; pass a Uint8Array for bytes`,
        );
      }
      return {
        type: ColumnType.VAR_STRING,
        unsigned: false,
        value: lenencValue(encodeUtf8(JSON.stringify(value))),
      };
    }
    default:
      throw new TypeError(`parameter ${index + 1} is a ${typeof value}, which cannot be sent to the server`);
  }
}

/**
 * mysql2's values straight from the native decoder, with no second pass: for a query without a
 * `typeCast` function and without `nestTables` (nearly all), the entry hands the native client a
 * row decoding (`ROW_DECODING`) whose value modes are mysql2's: BIGINT as a number unless
 * `supportBigNumbers` (then a string beyond 2^53, or always with `bigNumberStrings`), DECIMAL as a
 * string unless `decimalNumbers`, dates as mysql2 makes them (`dates: "lossy"`) or `dateStrings`,
 * FLOAT, TIME and date strings of prepared statements as mysql2 renders them (`binaryForms`),
 * JSON parsed unless `jsonStrings`, BIT and binary columns as the runtime's buffers, and rows as
 * objects or `rowsAsArray`. The native rows are then mysql2's rows as they are.
 *
 * With `nestTables` the rows are decoded as arrays and nested by decode.ts (the values as they
 * are). A `typeCast` function (or `typeCast: false`) still goes through decode.ts for its values,
 * from the canonical decoding (`shapingDecoding`).
 */
import type { ValueOptions } from "../../protocol/values.ts";
import type { RowDecoding } from "../../session/response.ts";
import { toBuffer } from "./bytes.ts";
import type { DecodeSettings } from "./options.ts";

/** Decodings by settings object (the connection's, or a query's copy of it). */
const bySettings = new WeakMap<DecodeSettings, RowDecoding | null>();
/** Decodings by what they decode, so a query's copy of equal settings finds the same one. */
const byKey = new Map<string, RowDecoding>();

/** True when these settings need decode.ts's conversion of values (a typeCast function, or false). */
export function needsShapingPass(s: DecodeSettings): boolean {
  return s.typeCast !== true;
}

/** True when rows decoded directly are still nested by decode.ts (`nestTables`). */
export function nestsTables(s: DecodeSettings): boolean {
  return s.nestTables !== false && s.nestTables !== undefined;
}

/**
 * The canonical decoding decode.ts's pass starts from (a typeCast function, `typeCast: false`,
 * nestTables): rows as arrays of exact values (dates, BIGINT, DECIMAL and JSON as the server's text,
 * bytes as they are), with prepared statements' FLOAT, TIME and date texts in mysql2's forms.
 */
export const shapingDecoding: RowDecoding = Object.freeze({
  values: Object.freeze(
    {
      timezone: "local",
      dateStrings: true,
      bigint: "string",
      decimal: "string",
      jsonParse: false,
      binaryForms: "mysql2",
    } satisfies ValueOptions,
  ),
  rowsAsArray: true,
});

/**
 * The native decoding that gives mysql2's rows for these settings directly, or undefined when the
 * query needs decode.ts's pass (then `shapingDecoding`).
 */
export function directDecoding(s: DecodeSettings): RowDecoding | undefined {
  const known = bySettings.get(s);
  if (known !== undefined) return known ?? undefined;
  if (needsShapingPass(s)) {
    bySettings.set(s, null);
    return undefined;
  }
  const dateStrings = s.dateStrings;
  const key = [
    s.supportBigNumbers,
    s.bigNumberStrings,
    s.decimalNumbers,
    Array.isArray(dateStrings) ? [...dateStrings].sort().join(",") : dateStrings,
    s.timezone,
    s.rowsAsArray || nestsTables(s),
    s.jsonStrings,
  ].join("|");
  let decoding = byKey.get(key);
  if (decoding === undefined) {
    const values: ValueOptions = Object.freeze({
      timezone: s.timezone,
      dateStrings: dateStrings as ValueOptions["dateStrings"],
      bigint: s.supportBigNumbers ? (s.bigNumberStrings ? "string" : "number-or-string") : "number",
      decimal: s.decimalNumbers ? "number" : "string",
      jsonParse: !s.jsonStrings,
      dates: "lossy",
      binaryForms: "mysql2",
      bits: "bytes",
      bytes: toBuffer,
    });
    // nestTables: arrays, which decode.ts nests by table.
    decoding = Object.freeze({ values, rowsAsArray: s.rowsAsArray || nestsTables(s) });
    byKey.set(key, decoding);
  }
  bySettings.set(s, decoding);
  return decoding;
}

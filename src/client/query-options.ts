/**
 * Per-query decoding: `rowsAsArray` and `dateStrings` given to one `query()`, `execute()` or
 * `stream()` override the connection's for that command's rows. The decoding of each combination
 * is made once per connection options and kept, so the row parsers built for it are reused.
 */
import type { ValueOptions } from "../protocol/values.ts";
import type { RowDecoding } from "../session/response.ts";
import type { CommandOptions } from "./job.ts";

/**
 * A complete decoding for one command, for drop-ins built on the client (the mysql2 entry): set
 * under this key in the command options, it replaces the connection's value options and row shape.
 * Not for applications (use `rowsAsArray` and `dateStrings`).
 */
export const ROW_DECODING: unique symbol = Symbol("mywire.rowDecoding");

/** Options of `query()` and `execute()`: the per-command options and the row decoding overrides. */
export interface QueryOptions extends CommandOptions {
  /** Rows as arrays of values in column order (true) or objects keyed by column name (false). Default: the connection's. */
  readonly rowsAsArray?: boolean;
  /** DATE/DATETIME/TIMESTAMP as the server's text: true, or a list of those type names. Default: the connection's. */
  readonly dateStrings?: ValueOptions["dateStrings"];
  /** See `ROW_DECODING`. */
  readonly [ROW_DECODING]?: RowDecoding;
}

const temporalNames = new Set(["DATE", "DATETIME", "TIMESTAMP"]);

/** Checks the decoding overrides of a command's options (a TypeError naming the bad one). */
export function checkQueryOptions(options: QueryOptions | undefined): void {
  if (options === undefined || options === null || typeof options !== "object") return;
  const { rowsAsArray, dateStrings } = options;
  if (rowsAsArray !== undefined && typeof rowsAsArray !== "boolean") {
    throw new TypeError("invalid option rowsAsArray: expected a boolean");
  }
  if (
    dateStrings !== undefined && typeof dateStrings !== "boolean"
    && !(Array.isArray(dateStrings) && dateStrings.every((t) => temporalNames.has(t)))
  ) {
    throw new TypeError(
      "invalid option dateStrings: expected a boolean or a list of DATE, DATETIME, TIMESTAMP",
    );
  }
}

/** Decodings made from a connection's value options, by override. */
const derived = new WeakMap<ValueOptions, Map<string, RowDecoding>>();

/**
 * The decoding of one command: the drop-in's own, or the connection's with the overrides of
 * `options`; undefined when the command decodes as the connection does.
 */
export function rowDecodingFor(
  values: ValueOptions,
  rowsAsArray: boolean,
  options: QueryOptions | undefined,
): RowDecoding | undefined {
  if (options === undefined) return undefined;
  const own = options[ROW_DECODING];
  if (own !== undefined) return own;
  const arrays = options.rowsAsArray ?? rowsAsArray;
  const dates = options.dateStrings ?? values.dateStrings;
  if (arrays === rowsAsArray && dates === values.dateStrings) return undefined;
  let byKey = derived.get(values);
  if (byKey === undefined) derived.set(values, byKey = new Map());
  const key = `${arrays}|${Array.isArray(dates) ? [...dates].sort().join(",") : dates}`;
  let decoding = byKey.get(key);
  if (decoding === undefined) {
    decoding = Object.freeze({
      values: dates === values.dateStrings ? values : Object.freeze({ ...values, dateStrings: dates }),
      rowsAsArray: arrays,
    });
    byKey.set(key, decoding);
  }
  return decoding;
}

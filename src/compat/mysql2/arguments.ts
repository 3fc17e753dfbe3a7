/**
 * The argument forms of mysql2's `query()` and `execute()`: `(sql, cb)`, `(sql, values, cb)`,
 * `(options, cb)`, `(options, values, cb)`, where `options` is `{ sql, values, timeout,
 * rowsAsArray, nestTables, typeCast, dateStrings, supportBigNumbers, bigNumberStrings, ... }`:
 * the query's own settings over the connection's.
 */
import { type DecodeSettings, SHAPING_SETTINGS } from "./options.ts";

/** A callback of `query()` / `execute()`. */
export type QueryCallback = (error: Error | null, rows?: unknown, fields?: unknown) => void;

/** The per-query options mysql2 takes in the object form. */
export interface QueryOptions extends Partial<DecodeSettings> {
  sql: string;
  values?: unknown;
  /** Milliseconds before the query is interrupted. */
  timeout?: number;
}

/** One call's arguments, sorted out. */
export interface CallArguments {
  readonly sql: string;
  readonly values: unknown;
  readonly settings: DecodeSettings;
  readonly timeout: number | undefined;
  readonly callback: QueryCallback | undefined;
}

/** What a query's options may override: how values are shaped, and named placeholders. */
const overridable = [...SHAPING_SETTINGS, "namedPlaceholders"] as const;

/** Sorts out `(sqlOrOptions, values?, callback?)` against the connection's settings. */
export function callArguments(
  method: string,
  sqlOrOptions: string | QueryOptions,
  values: unknown,
  callback: unknown,
  base: DecodeSettings,
): CallArguments {
  if (typeof values === "function") {
    callback = values;
    values = undefined;
  }
  if (callback !== undefined && typeof callback !== "function") {
    throw new TypeError(
      `${method}() expects a callback function as its last argument, got ${typeof callback}`,
    );
  }
  let sql: unknown = sqlOrOptions;
  let settings = base;
  let timeout: number | undefined;
  if (typeof sqlOrOptions === "object" && sqlOrOptions !== null) {
    const o = sqlOrOptions as unknown as Record<string, unknown>;
    sql = o.sql;
    if (values === undefined) values = o.values;
    if (o.timeout !== undefined) {
      if (typeof o.timeout !== "number" || !(o.timeout >= 0)) {
        throw new TypeError(`${method}() option timeout must be a number of milliseconds`);
      }
      timeout = o.timeout === 0 ? undefined : o.timeout;
    }
    let copy: Record<string, unknown> | undefined;
    for (const key of overridable) {
      if (o[key] !== undefined) {
        copy ??= { ...base };
        copy[key] = o[key];
      }
    }
    if (copy !== undefined) settings = copy as unknown as DecodeSettings;
  }
  if (typeof sql !== "string") {
    throw new TypeError(`${method}() expects the SQL as a string or as { sql }, got ${typeof sql}`);
  }
  return { sql, values, settings, timeout, callback: callback as QueryCallback | undefined };
}

/**
 * mysql2's `format`, `escape` and `escapeId` over mywire's escaping (see src/protocol/escape.ts):
 * `?` values, `??` identifiers, `:name` values from an object, `SET ?` from an object, arrays as
 * lists. As in mysql2, `undefined` is written as NULL and a single non-array value stands for a
 * one-element list. Unlike mysql2, a placeholder count that does not match is a TypeError.
 */
import { escapeId as nativeEscapeId, escapeValue, formatQuery } from "../../protocol/escape.ts";
import { parseTimezone } from "../../protocol/values.ts";

/** mysql2's values argument as mywire's: `undefined` items to null, a lone value to a list. */
export function normalizeValues(values: unknown): readonly unknown[] | Record<string, unknown> | undefined {
  if (values === undefined) return undefined;
  if (Array.isArray(values)) return values.map((v) => (v === undefined ? null : v));
  if (
    typeof values === "object" && values !== null && !(values instanceof Date) && !ArrayBuffer.isView(values)
  ) {
    return values as Record<string, unknown>;
  }
  return [values];
}

/** Fills the placeholders of `sql` with `values` (the connection's `timezone` for Dates). */
export function format(sql: string, values?: unknown, timezone = "local"): string {
  const params = normalizeValues(values);
  if (params === undefined) return sql;
  if (Array.isArray(params) && params.length === 0 && !/[?]/.test(sql)) return sql;
  return formatQuery(sql, params, { timezone: parseTimezone(timezone) });
}

/** A value as an SQL literal (`undefined` as NULL). */
export function escape(value: unknown, _stringifyObjects?: boolean, timezone = "local"): string {
  return escapeValue(value === undefined ? null : value, { timezone: parseTimezone(timezone) });
}

/** An identifier quoted with backticks; `a.b` becomes `a`.`b` unless `forbidQualified`. */
export function escapeId(id: string | readonly string[], forbidQualified?: boolean): string {
  return nativeEscapeId(id, !forbidQualified);
}

export { raw } from "../../protocol/escape.ts";

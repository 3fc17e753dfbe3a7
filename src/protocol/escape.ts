/**
 * Client-side SQL literals: values to SQL text (`escapeValue`), identifiers (`escapeId`), and `?` /
 * `??` placeholder formatting (`formatQuery`), as mysql2 and sqlstring do it, with three differences:
 * a placeholder count that does not match the parameters is an error (never a query with a stray
 * `?`), placeholders inside strings, quoted identifiers and comments are left alone, and values with
 * no SQL literal (undefined, functions, symbols, NaN, Infinity, an Invalid Date, nested objects) are
 * refused with a TypeError instead of being turned into something else. Pure: strings in, string out.
 *
 * Pages:
 * https://mariadb.com/kb/en/string-literals
 * http://dev.mysql.com/doc/refman/5.7/en/string-literals.html
 * https://mariadb.com/kb/en/comment-syntax (comments, where placeholders are left alone)
 */
import { findPlaceholders, type Placeholder } from "./sql/placeholders.ts";

/** How values become literals. */
export interface EscapeOptions {
  /** The zone Dates are written in: minutes east of UTC, or "local" (from `parseTimezone`). */
  readonly timezone: number | "local";
  /** The session has NO_BACKSLASH_ESCAPES: quotes are doubled and backslashes are ordinary characters. */
  readonly noBackslashEscapes?: boolean;
}

/** A piece of SQL inserted as is (see `raw`). */
export interface SqlFragment {
  toSqlString(): string;
}

/** Wraps SQL text so that `escapeValue` and `formatQuery` insert it unescaped (e.g. `raw("NOW()")`). */
export function raw(sql: string): SqlFragment {
  if (typeof sql !== "string") throw new TypeError(`raw() expects a string, got ${typeName(sql)}`);
  return { toSqlString: () => sql };
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (value as object).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

// Lone surrogates have no UTF-8 encoding: sending one would silently turn it into U+FFFD.
const loneSurrogate = /\p{Surrogate}/u;
// Characters mysql_real_escape_string escapes: NUL, \n, \r, \, ', ", Ctrl-Z.
const needsEscape = /[\0\n\r\\'"\x1a]/g;
const escapes: Readonly<Record<string, string>> = {
  "\0": "\\0",
  "\n": "\\n",
  "\r": "\\r",
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "\x1a": "\\Z",
};

/** A quoted string literal. */
function escapeString(s: string, noBackslashEscapes: boolean): string {
  if (loneSurrogate.test(s)) {
    throw new TypeError("cannot send a string with a lone UTF-16 surrogate: it has no UTF-8 encoding");
  }
  if (noBackslashEscapes) return "'" + s.replaceAll("'", "''") + "'";
  needsEscape.lastIndex = 0;
  if (!needsEscape.test(s)) return "'" + s + "'";
  return "'" + s.replace(needsEscape, (c) => escapes[c]) + "'";
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' for a Date in the zone. */
function escapeDate(date: Date, zone: number | "local"): string {
  const t = date.getTime();
  if (t !== t) throw new TypeError("cannot send an Invalid Date");
  let y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number;
  if (zone === "local") {
    y = date.getFullYear(), mo = date.getMonth() + 1, d = date.getDate();
    h = date.getHours(), mi = date.getMinutes(), s = date.getSeconds(), ms = date.getMilliseconds();
  } else {
    const z = new Date(t + zone * 60_000);
    y = z.getUTCFullYear(), mo = z.getUTCMonth() + 1, d = z.getUTCDate();
    h = z.getUTCHours(), mi = z.getUTCMinutes(), s = z.getUTCSeconds(), ms = z.getUTCMilliseconds();
  }
  if (y < 0 || y > 9999) {
    throw new TypeError(`cannot send a Date in year ${y}: MySQL dates have years 0000-9999`);
  }
  return `'${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}'`;
}

const hexPairs = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

function escapeBytes(bytes: Uint8Array): string {
  const parts: string[] = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = hexPairs[bytes[i]];
  return "X'" + parts.join("") + "'";
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function escapeList(list: readonly unknown[], options: EscapeOptions, depth: number): string {
  let out = "";
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += ", ";
    const v = list[i];
    out += Array.isArray(v) ? "(" + escapeList(v, options, depth + 1) + ")" : escapeScalar(v, options, depth);
  }
  return out;
}

function escapeScalar(value: unknown, options: EscapeOptions, depth: number): string {
  switch (typeof value) {
    case "string":
      return escapeString(value, options.noBackslashEscapes === true);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot send ${value}: SQL has no such number`);
      return String(value);
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "NULL";
      const fragment = (value as Partial<SqlFragment>).toSqlString;
      if (typeof fragment === "function") {
        const sql = fragment.call(value);
        if (typeof sql !== "string") {
          throw new TypeError(`toSqlString() returned ${typeName(sql)}, not a string`);
        }
        return sql;
      }
      if (value instanceof Date) return escapeDate(value, options.timezone);
      if (value instanceof Uint8Array) return escapeBytes(value);
      if (Array.isArray(value)) {
        throw new TypeError("an array cannot be a value inside an object; use JSON.stringify for JSON");
      }
      if (depth === 0 && isPlainObject(value)) {
        return escapeAssignments(value as Record<string, unknown>, options);
      }
      if (isPlainObject(value)) {
        throw new TypeError(
          "a nested object has no SQL literal; use JSON.stringify(value) to store JSON",
        );
      }
      throw new TypeError(`cannot send ${typeName(value)} as an SQL value`);
    }
    default:
      throw new TypeError(`cannot send ${typeof value} as an SQL value`);
  }
}

/** `key` = value pairs for `SET ?`. */
function escapeAssignments(obj: Record<string, unknown>, options: EscapeOptions): string {
  let out = "";
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined || typeof v === "function" || typeof v === "symbol") {
      throw new TypeError(`cannot send ${typeof v} as the value of ${JSON.stringify(key)}`);
    }
    if (out.length > 0) out += ", ";
    out += escapeId(key) + " = " + escapeScalar(v, options, 1);
  }
  return out;
}

/**
 * An SQL literal for a value: NULL for null; numbers and bigints as digits (NaN and Infinity are
 * refused); booleans as true/false; strings quoted and escaped (only quotes doubled under
 * NO_BACKSLASH_ESCAPES); Dates as 'YYYY-MM-DD HH:MM:SS.mmm' in the zone; Uint8Array as X'hex';
 * arrays as comma-separated lists (nested arrays as parenthesized groups, for bulk `VALUES ?`);
 * plain objects as `key` = value pairs (for `SET ?`); objects with toSqlString() as their SQL.
 * Anything else (undefined, functions, symbols, other objects) is a TypeError naming the type.
 */
export function escapeValue(value: unknown, options: EscapeOptions): string {
  if (Array.isArray(value)) return escapeList(value, options, 1);
  return escapeScalar(value, options, 0);
}

/**
 * A quoted identifier: backticks, with backticks inside doubled; `a.b` becomes `a`.`b` unless
 * `splitDots` is false. An array becomes a comma-separated list of identifiers (as in sqlstring).
 */
export function escapeId(id: string | readonly string[], splitDots = true): string {
  if (Array.isArray(id)) return id.map((part) => escapeId(part, splitDots)).join(", ");
  if (typeof id !== "string") throw new TypeError(`an identifier must be a string, got ${typeName(id)}`);
  if (id.includes("\0")) throw new TypeError("an identifier cannot contain a NUL character");
  const quoted = id.replaceAll("`", "``");
  return "`" + (splitDots ? quoted.replaceAll(".", "`.`") : quoted) + "`";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Fills a query's placeholders client-side: each `?` takes the next value (see `escapeValue`), each
 * `??` the next identifier (see `escapeId`). With an object instead of an array, `:name`
 * placeholders take the values of those keys (extra keys are ignored); a query with `?` and no
 * `:name` treats the object as the single value (`INSERT INTO t SET ?`). Placeholders inside
 * strings, quoted identifiers and comments are left alone. A count mismatch, or a `:name` with no
 * key, throws a TypeError before anything is sent.
 */
export function formatQuery(
  sql: string,
  params: readonly unknown[] | Record<string, unknown>,
  options: EscapeOptions,
): string {
  if (typeof sql !== "string") throw new TypeError(`the SQL must be a string, got ${typeName(sql)}`);
  const noBackslashEscapes = options.noBackslashEscapes === true;
  let values: readonly unknown[];
  let named: Record<string, unknown> | undefined;
  let placeholders: Placeholder[];
  if (Array.isArray(params)) {
    values = params;
    placeholders = findPlaceholders(sql, noBackslashEscapes, false);
  } else if (typeof params === "object" && params !== null) {
    placeholders = findPlaceholders(sql, noBackslashEscapes, true);
    const hasNamed = placeholders.some((p) => p.kind === ":");
    const hasPositional = placeholders.some((p) => p.kind !== ":");
    if (hasNamed && hasPositional) {
      throw new TypeError("a query cannot mix :name placeholders with ? or ?? placeholders");
    }
    if (hasNamed) named = params as Record<string, unknown>;
    else placeholders = placeholders.filter((p) => p.kind !== ":");
    values = [params];
  } else {
    throw new TypeError(`query parameters must be an array or an object, got ${typeName(params)}`);
  }

  if (named === undefined && placeholders.length === 0 && !Array.isArray(params)) {
    throw new TypeError("the query has no placeholders but an object of parameters was given");
  }
  if (named === undefined && placeholders.length !== values.length) {
    throw new TypeError(
      `the query has ${plural(placeholders.length, "placeholder")} but ${
        plural(values.length, "parameter")
      } ${values.length === 1 ? "was" : "were"} given`,
    );
  }
  let out = "";
  let last = 0;
  for (let k = 0; k < placeholders.length; k++) {
    const p = placeholders[k];
    let text: string;
    if (p.kind === ":") {
      if (!Object.hasOwn(named!, p.name!)) {
        throw new TypeError(`no parameter named ${JSON.stringify(p.name)}`);
      }
      text = escapeValue(named![p.name!], options);
    } else if (p.kind === "??") {
      const id = values[k];
      if (typeof id !== "string" && !(Array.isArray(id) && id.every((x) => typeof x === "string"))) {
        throw new TypeError(
          `parameter ${k + 1} fills a ?? placeholder: it must be a string or strings, got ${typeName(id)}`,
        );
      }
      text = escapeId(id);
    } else text = escapeValue(values[k], options);
    out += sql.slice(last, p.start) + text;
    last = p.end;
  }
  return out + sql.slice(last);
}

/**
 * Turns `:name` placeholders into `?` for a prepared statement, with the values in their order
 * (a name used twice gives its value twice). Placeholders inside strings, quoted identifiers and
 * comments are left alone; a `:name` with no key, or a `?` beside `:name`s, is a TypeError.
 */
export function namedToPositional(
  sql: string,
  named: Readonly<Record<string, unknown>>,
): { sql: string; params: unknown[] } {
  if (typeof sql !== "string") throw new TypeError(`the SQL must be a string, got ${typeName(sql)}`);
  const placeholders = findPlaceholders(sql, false, true);
  if (placeholders.some((p) => p.kind !== ":")) {
    throw new TypeError("a statement cannot mix :name placeholders with ? or ?? placeholders");
  }
  const params: unknown[] = [];
  let out = "";
  let last = 0;
  for (const p of placeholders) {
    if (!Object.hasOwn(named, p.name!)) throw new TypeError(`no parameter named ${JSON.stringify(p.name)}`);
    params.push(named[p.name!]);
    out += sql.slice(last, p.start) + "?";
    last = p.end;
  }
  return { sql: out + sql.slice(last), params };
}

/**
 * Values between mywire and Prisma's query engine. mywire decodes with its exact settings (rows as
 * arrays, dates, BIGINT and DECIMAL as the server's text, JSON as text); here each column gets
 * Prisma's column type and each value the form Prisma reads: DATETIME as ISO 8601 in UTC,
 * BIGINT and DECIMAL as strings, bytes (also BIT and GEOMETRY) as Uint8Array. Parameters come from
 * Prisma as JSON-friendly values with a type: bigints and dates as strings, bytes as base64.
 */
import { ColumnFlag, ColumnType } from "../../protocol/constants.ts";
import type { ColumnDefinition } from "../../protocol/results.ts";
import { type ArgType, PrismaColumnType, type PrismaColumnTypeValue } from "./types.ts";

const BINARY = 63;

function isJson(c: ColumnDefinition): boolean {
  return c.type === ColumnType.JSON || c.format === "json" || c.extendedType === "json";
}

/** Prisma's column type for a column. */
export function prismaColumnType(c: ColumnDefinition): PrismaColumnTypeValue {
  switch (c.type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.YEAR:
    case ColumnType.NULL:
      return PrismaColumnType.Int32;
    case ColumnType.LONG:
      return c.flags & ColumnFlag.UNSIGNED ? PrismaColumnType.Int64 : PrismaColumnType.Int32;
    case ColumnType.LONGLONG:
      return PrismaColumnType.Int64;
    case ColumnType.FLOAT:
      return PrismaColumnType.Float;
    case ColumnType.DOUBLE:
      return PrismaColumnType.Double;
    case ColumnType.DECIMAL:
    case ColumnType.NEWDECIMAL:
      return PrismaColumnType.Numeric;
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return PrismaColumnType.Date;
    case ColumnType.TIME:
    case ColumnType.TIME2:
      return PrismaColumnType.Time;
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      return PrismaColumnType.DateTime;
    case ColumnType.JSON:
      return PrismaColumnType.Json;
    case ColumnType.ENUM:
      return PrismaColumnType.Enum;
    case ColumnType.SET:
      return PrismaColumnType.Set;
    case ColumnType.BIT:
    case ColumnType.GEOMETRY:
      return PrismaColumnType.Bytes;
  }
  if (isJson(c)) return PrismaColumnType.Json;
  return c.charset === BINARY ? PrismaColumnType.Bytes : PrismaColumnType.Text;
}

type Convert = (v: unknown) => unknown;

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC, as the session's time zone is +00:00) as ISO 8601. */
function isoDateTime(v: unknown): unknown {
  if (typeof v !== "string" || v.length < 19) return v;
  const frac = v.length > 20 ? v.slice(19, 23).replace(/\.?0*$/, "") : "";
  return `${v.slice(0, 10)}T${v.slice(11, 19)}${frac}+00:00`;
}

function bitBytes(bits: number): Convert {
  const size = Math.max(1, Math.ceil(bits / 8));
  return (v) => {
    let n = typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v as bigint);
    const out = new Uint8Array(size);
    for (let i = size - 1; i >= 0; i--) {
      out[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return out;
  };
}

/** The converter of one column's values (NULL stays null). */
export function prismaValue(c: ColumnDefinition): Convert | undefined {
  switch (c.type) {
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      return isoDateTime;
    case ColumnType.BIT:
      return bitBytes(c.length);
  }
  return undefined;
}

/** Turns mywire's canonical rows into Prisma's. */
export function prismaRows(columns: readonly ColumnDefinition[], rows: readonly unknown[][]): unknown[][] {
  const converters = columns.map(prismaValue);
  // A plain array either way: the native result also carries its outcome as properties.
  if (converters.every((c) => c === undefined)) return Array.prototype.slice.call(rows) as unknown[][];
  return rows.map((row) =>
    row.map((v, i) => {
      const convert = converters[i];
      return v === null || convert === undefined ? v : convert(v);
    })
  );
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function utcDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function utcTime(d: Date): string {
  const ms = d.getUTCMilliseconds();
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${
    ms ? "." + pad(ms, 3) : ""
  }`;
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** A parameter from Prisma as mywire binds it. */
export function prismaArg(arg: unknown, type: ArgType | undefined): unknown {
  if (arg === null || arg === undefined) return null;
  const scalar = type?.scalarType;
  if (typeof arg === "string") {
    if (scalar === "bigint") return BigInt(arg);
    if (scalar === "bytes") return base64Bytes(arg);
    if (scalar === "datetime") arg = new Date(arg);
  }
  if (arg instanceof Date) {
    const db = type?.dbType?.toUpperCase();
    if (db === "TIME" || db === "TIME2") return utcTime(arg);
    if (db === "DATE" || db === "NEWDATE") return utcDate(arg);
    return `${utcDate(arg)} ${utcTime(arg)}`;
  }
  if (ArrayBuffer.isView(arg)) return new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength);
  return arg;
}

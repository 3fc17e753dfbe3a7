/**
 * Local answers to packets: checks a plugin's `Response` and encodes it with the codec's encoders
 * (OK, ERR, column count, column definitions, text rows, EOF or the DEPRECATE_EOF terminator), for
 * the capabilities of the connection it answers on. Values become bytes in protocol/encode-values.ts;
 * this file checks the plugin's answer and infers column types it left out. Raw packets are checked by reading them as a
 * response would be read. Anything that would not make a valid response is a `TypeError` saying why.
 */
import { Capability, Charset, ColumnFlag, ColumnType, ServerStatus } from "../protocol/constants.ts";
import { encodeTextValue } from "../protocol/encode-values.ts";
import {
  type ColumnDefinition,
  decodeErr,
  encodeColumnCount,
  encodeColumnDefinition,
  encodeEof,
  encodeErr,
  encodeOk,
  encodeTextRow,
} from "../protocol/results.ts";
import { ResultCollector } from "./collector.ts";
import { describe, type QueryCommand } from "./command.ts";
import type { Injection } from "./queue.ts";
import type { ErrResponse, FieldSpec, OkResponse, RawResponse, Response, RowSpec } from "./responses.ts";

/** The connection a local answer is encoded for. */
export interface EncodeTarget {
  /** The capabilities both sides agreed on. */
  readonly capabilities: number;
  /** Whether column definitions carry MariaDB's extended type info. */
  readonly extendedTypeInfo: boolean;
  /** The connection's current status flags (the default of an answer's `statusFlags`). */
  readonly statusFlags: number;
  /** Zone Dates are written in: "local" or minutes east of UTC. */
  readonly timezone: number | "local";
}

/** A checked local answer: its packets, and what they mean. */
export interface EncodedResponse {
  readonly response: Response;
  /** Payloads, without packet headers, in order. */
  readonly packets: readonly Uint8Array[];
  /** The error, when the answer is an ERR. */
  readonly error: { readonly errno: number; readonly sqlState: string; readonly message: string } | undefined;
}

const NUMERIC_TYPES = new Set<number>([
  ColumnType.DECIMAL,
  ColumnType.NEWDECIMAL,
  ColumnType.TINY,
  ColumnType.SHORT,
  ColumnType.LONG,
  ColumnType.FLOAT,
  ColumnType.DOUBLE,
  ColumnType.LONGLONG,
  ColumnType.INT24,
  ColumnType.YEAR,
]);

const TEXT_TYPES = new Set<number>([
  ColumnType.VARCHAR,
  ColumnType.VAR_STRING,
  ColumnType.STRING,
  ColumnType.ENUM,
  ColumnType.SET,
  ColumnType.JSON,
  ColumnType.TINY_BLOB,
  ColumnType.MEDIUM_BLOB,
  ColumnType.LONG_BLOB,
  ColumnType.BLOB,
]);

function isUint(v: unknown, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
}

function checkCount(name: string, v: unknown): number | bigint {
  if (v === undefined) return 0;
  if (typeof v === "bigint" ? v >= 0n && v <= 0xffffffffffffffffn : isUint(v, Number.MAX_SAFE_INTEGER)) {
    return v as number | bigint;
  }
  throw new TypeError(`${name} must be a non-negative integer, got ${describe(v)}`);
}

function checkUint(name: string, v: unknown, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (!isUint(v, max)) throw new TypeError(`${name} must be an integer from 0 to ${max}, got ${describe(v)}`);
  return v as number;
}

function checkString(name: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== "string") throw new TypeError(`${name} must be a string, got ${describe(v)}`);
  return v;
}

/** Checks an ERR answer; fills errno 1105 and SQLSTATE HY000 when absent. */
export function checkErr(r: ErrResponse): { errno: number; sqlState: string; message: string } {
  const errno = checkUint("errno", r.errno, 0xffff, 1105);
  const sqlState = checkString("sqlState", r.sqlState, "HY000");
  if (!/^[0-9A-Z]{5}$/.test(sqlState)) {
    throw new TypeError(`sqlState must be 5 digits or capital letters, got ${describe(sqlState)}`);
  }
  if (typeof r.message !== "string") {
    throw new TypeError(`an ERR needs a message string, got ${describe(r.message)}`);
  }
  return { errno, sqlState, message: r.message };
}

type ValueKind = "null" | "int" | "uint64" | "float" | "bool" | "bytes" | "date" | "string" | "json";

function kindOf(v: unknown): ValueKind | undefined {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return Number.isSafeInteger(v) ? "int" : Number.isFinite(v) ? "float" : undefined;
    case "bigint":
      return v > 0x7fffffffffffffffn ? "uint64" : "int";
    case "boolean":
      return "bool";
    case "object":
      if (v instanceof Uint8Array) return "bytes";
      if (v instanceof Date) return "date";
      return "json";
  }
  return undefined;
}

function rowValue(row: RowSpec, i: number, name: string, rowIndex: number): unknown {
  if (Array.isArray(row)) return row[i];
  if (!Object.hasOwn(row, name)) throw new TypeError(`row ${rowIndex} has no value for field "${name}"`);
  return (row as Record<string, unknown>)[name];
}

/** The column type a column of these values gets when the plugin gave none. */
function inferType(
  kinds: Set<ValueKind>,
): { type: number; flags: number; charset: number; decimals: number } {
  kinds.delete("null");
  const numeric = (type: number, flags = 0, decimals = 0) => ({
    type,
    flags: ColumnFlag.NUM | ColumnFlag.BINARY | flags,
    charset: Charset.BINARY,
    decimals,
  });
  if (kinds.size === 0) {
    return { type: ColumnType.NULL, flags: ColumnFlag.BINARY, charset: Charset.BINARY, decimals: 0 };
  }
  if ([...kinds].every((k) => k === "int" || k === "uint64")) {
    return numeric(ColumnType.LONGLONG, kinds.has("uint64") ? ColumnFlag.UNSIGNED : 0);
  }
  if ([...kinds].every((k) => k === "int" || k === "float")) return numeric(ColumnType.DOUBLE, 0, 31);
  if (kinds.size === 1) {
    const [k] = kinds;
    if (k === "bool") return numeric(ColumnType.TINY);
    if (k === "bytes") {
      return { type: ColumnType.BLOB, flags: ColumnFlag.BLOB | ColumnFlag.BINARY, charset: 63, decimals: 0 };
    }
    if (k === "date") {
      return { type: ColumnType.DATETIME, flags: ColumnFlag.BINARY, charset: 63, decimals: 3 };
    }
    if (k === "json") {
      return {
        type: ColumnType.JSON,
        flags: ColumnFlag.BLOB,
        charset: Charset.UTF8MB4_GENERAL_CI,
        decimals: 0,
      };
    }
  }
  return { type: ColumnType.VAR_STRING, flags: 0, charset: Charset.UTF8MB4_GENERAL_CI, decimals: 0 };
}

function fieldDefinitions(specs: readonly FieldSpec[], rows: readonly RowSpec[]): ColumnDefinition[] {
  return specs.map((spec, i) => {
    const s = typeof spec === "string" ? { name: spec } : spec;
    if (typeof s !== "object" || s === null || typeof s.name !== "string") {
      throw new TypeError(`field ${i} needs a name, got ${describe(spec)}`);
    }
    let inferred = { type: 0, flags: 0, charset: 0, decimals: 0 };
    if (s.type === undefined) {
      const kinds = new Set<ValueKind>();
      rows.forEach((row, r) => {
        const k = kindOf(rowValue(row, i, s.name, r));
        if (k !== undefined) kinds.add(k);
      });
      inferred = inferType(kinds);
    } else {
      checkUint(`the type of field "${s.name}"`, s.type, 0xff, 0);
      const numeric = NUMERIC_TYPES.has(s.type);
      inferred = {
        type: s.type,
        flags: numeric ? ColumnFlag.NUM : 0,
        charset: TEXT_TYPES.has(s.type) ? Charset.UTF8MB4_GENERAL_CI : Charset.BINARY,
        decimals: s.type === ColumnType.DOUBLE || s.type === ColumnType.FLOAT ? 31 : 0,
      };
    }
    return {
      catalog: s.catalog ?? "def",
      schema: s.schema ?? "",
      table: s.table ?? "",
      orgTable: s.orgTable ?? "",
      name: s.name,
      orgName: s.orgName ?? s.name,
      charset: checkUint(`the charset of field "${s.name}"`, s.charset, 0xffff, inferred.charset),
      length: checkUint(`the length of field "${s.name}"`, s.length, 0xffffffff, 0),
      type: inferred.type,
      flags: checkUint(`the flags of field "${s.name}"`, s.flags, 0xffff, inferred.flags),
      decimals: checkUint(`the decimals of field "${s.name}"`, s.decimals, 0xff, inferred.decimals),
      ...(s.extendedType !== undefined ? { extendedType: s.extendedType } : {}),
      ...(s.format !== undefined ? { format: s.format } : {}),
    };
  });
}

function encodeOkResponse(r: OkResponse, target: EncodeTarget): Uint8Array[] {
  const caps = target.capabilities;
  const statusFlags = checkUint("statusFlags", r.statusFlags, 0xffff, target.statusFlags)
    & ~ServerStatus.MORE_RESULTS_EXISTS;
  const warningCount = checkUint("warningCount", r.warningCount, 0xffff, 0);
  const info = checkString("info", r.info, "");
  const affectedRows = checkCount("affectedRows", r.affectedRows);
  const insertId = checkCount("insertId", r.insertId);
  if (r.resultset === undefined) {
    return [encodeOk({ affectedRows, insertId, statusFlags, warningCount, info }, caps)];
  }
  const { fields: specs, rows } = r.resultset as { fields: unknown; rows: unknown };
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new TypeError(`a result set needs a non-empty array of fields, got ${describe(specs)}`);
  }
  if (specs.length > 4096) throw new TypeError(`a result set has at most 4096 fields, got ${specs.length}`);
  if (!Array.isArray(rows)) throw new TypeError(`a result set needs an array of rows, got ${describe(rows)}`);
  rows.forEach((row, i) => {
    if (typeof row !== "object" || row === null) {
      throw new TypeError(`row ${i} is ${describe(row)}, not a row`);
    }
    if (Array.isArray(row) && row.length !== specs.length) {
      throw new TypeError(`row ${i} has ${row.length} values for ${specs.length} fields`);
    }
  });
  const columns = fieldDefinitions(specs, rows);
  const packets: Uint8Array[] = [encodeColumnCount(columns.length)];
  const encodedRows: (Uint8Array | null)[][] = rows.map((row: RowSpec, r: number) =>
    columns.map((c, i) =>
      encodeTextValue(rowValue(row, i, c.name, r), c, target.timezone, `row ${r}, field "${c.name}"`)
    )
  );
  // Display length: the longest value, as a server reports it.
  const lengths = columns.map((c, i) =>
    c.length || Math.max(1, ...encodedRows.map((row) => row[i]?.length ?? 0))
  );
  columns.forEach((c, i) =>
    packets.push(encodeColumnDefinition({ ...c, length: lengths[i] }, target.extendedTypeInfo))
  );
  const deprecateEof = (caps & Capability.DEPRECATE_EOF) !== 0;
  if (!deprecateEof) packets.push(encodeEof({ warningCount: 0, statusFlags }));
  for (const row of encodedRows) packets.push(encodeTextRow(row));
  packets.push(
    deprecateEof
      ? encodeOk({ affectedRows: 0, insertId: 0, statusFlags, warningCount, info }, caps, 0xfe)
      : encodeEof({ warningCount, statusFlags }),
  );
  return packets;
}

function checkRaw(r: RawResponse, target: EncodeTarget, command: QueryCommand | undefined): Uint8Array[] {
  const packets = r.packets as unknown;
  if (!Array.isArray(packets) || packets.length === 0) {
    throw new TypeError(`raw packets must be a non-empty array of Uint8Array, got ${describe(packets)}`);
  }
  packets.forEach((p, i) => {
    if (!(p instanceof Uint8Array) || p.length === 0) {
      throw new TypeError(`raw packet ${i} is ${describe(p)}, not a non-empty Uint8Array`);
    }
    if (p.length >= 0xffffff) throw new TypeError(`raw packet ${i} is too long (${p.length} bytes)`);
  });
  // Read them as the response to the command: they must make exactly one complete response.
  const probe: Injection = {
    id: 0,
    command: command ?? { type: "COM_QUERY", code: 3, raw: new Uint8Array([3]), sql: "" },
    original: true,
    resultsetIsNeeded: false,
    streamed: false,
    observed: false,
    expectsResponse: true,
    injectedBy: undefined,
  };
  const collector = new ResultCollector(probe, {
    capabilities: target.capabilities,
    extendedTypeInfo: target.extendedTypeInfo,
    keepRows: false,
    now: () => 0,
  });
  for (let i = 0; i < packets.length; i++) {
    if (collector.done) {
      throw new TypeError(
        `raw packets: the response ends at packet ${i - 1}, ${packets.length - i} more follow`,
      );
    }
    let state;
    try {
      state = collector.push(packets[i]);
    } catch (error) {
      throw new TypeError(`raw packet ${i} does not fit a response: ${(error as Error).message}`);
    }
    if (state === "infile") throw new TypeError("raw packets cannot ask for a LOCAL INFILE");
  }
  if (!collector.done) {
    throw new TypeError(`raw packets: the response is incomplete after ${packets.length} packets`);
  }
  return packets.map((p: Uint8Array) => p.slice());
}

/**
 * Checks a plugin's answer and encodes it for `target`. `command` is the command it answers (raw
 * packets are read as the response to it). Throws `TypeError` naming what is wrong.
 */
export function encodeResponse(
  response: unknown,
  target: EncodeTarget,
  command?: QueryCommand,
): EncodedResponse {
  const r = response as Response;
  if (typeof r !== "object" || r === null) {
    throw new TypeError(`expected a response, got ${describe(response)}`);
  }
  switch (r._tag) {
    case "Ok":
      return { response: r, packets: encodeOkResponse(r, target), error: undefined };
    case "Err": {
      const error = checkErr(r);
      return { response: r, packets: [encodeErr(error)], error };
    }
    case "Raw": {
      const packets = checkRaw(r, target, command);
      const first = packets[0];
      const error = first[0] === 0xff ? decodeErr(first) : undefined;
      return { response: r, packets, error };
    }
    default:
      throw new TypeError(`expected a response tagged "Ok", "Err" or "Raw", got ${describe(response)}`);
  }
}

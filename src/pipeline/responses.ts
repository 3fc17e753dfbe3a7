/**
 * Local answers: what a plugin sends instead of the server's response (MySQL Proxy's
 * `proxy.response`). Three kinds, as in MySQL Proxy: an OK (optionally carrying a result set of
 * fields and rows), an ERR, or raw packets. These are plain values; `encode-response.ts` checks them
 * and turns them into packets with the codec's encoders.
 */
import type { ColumnDefinition } from "../protocol/results.ts";

/** MySQL Proxy's `MYSQLD_PACKET_OK`: the tag of an OK response. */
export const MYSQLD_PACKET_OK = "Ok";
/** MySQL Proxy's `MYSQLD_PACKET_ERR`: the tag of an ERR response. */
export const MYSQLD_PACKET_ERR = "Err";
/** MySQL Proxy's `MYSQLD_PACKET_RAW`: the tag of a response given as raw packets. */
export const MYSQLD_PACKET_RAW = "Raw";

/**
 * A column of a local result set: a name, and optionally anything of a column definition. The type
 * (`ColumnType`) is inferred from the column's first non-null value when absent.
 */
export type FieldSpec = string | ({ readonly name: string } & Partial<ColumnDefinition>);

/** A row of a local result set: values by position, or an object keyed by field name. */
export type RowSpec = readonly unknown[] | Readonly<Record<string, unknown>>;

/** An OK: a statement's outcome, or (with `resultset`) a result set of fields and rows. */
export interface OkResponse {
  readonly _tag: typeof MYSQLD_PACKET_OK;
  readonly affectedRows?: number | bigint;
  readonly insertId?: number | bigint;
  readonly warningCount?: number;
  readonly info?: string;
  /** Server status flags; by default the connection's current ones (so a local answer keeps IN_TRANS). */
  readonly statusFlags?: number;
  /**
   * Rows to answer with. Values: null, strings, numbers, bigints, booleans, Uint8Array, Date (in
   * the pipeline's time zone), and for JSON columns any JSON-able value.
   */
  readonly resultset?: { readonly fields: readonly FieldSpec[]; readonly rows: readonly RowSpec[] };
}

/** An ERR: error number, SQLSTATE and message. */
export interface ErrResponse {
  readonly _tag: typeof MYSQLD_PACKET_ERR;
  /** Default 1105 (ER_UNKNOWN_ERROR). */
  readonly errno?: number;
  /** Default "HY000". */
  readonly sqlState?: string;
  readonly message: string;
}

/** Raw packet payloads (no 4-byte headers): one complete response, as the server would send it. */
export interface RawResponse {
  readonly _tag: typeof MYSQLD_PACKET_RAW;
  readonly packets: readonly Uint8Array[];
}

/** A local answer. */
export type Response = OkResponse | ErrResponse | RawResponse;

/** An OK with affected rows, insert id, warnings, info (MySQL Proxy: `{ type = MYSQLD_PACKET_OK, affected_rows = ... }`). */
export function okResponse(fields: Omit<OkResponse, "_tag" | "resultset"> = {}): OkResponse {
  return { _tag: MYSQLD_PACKET_OK, ...fields };
}

/** An ERR (MySQL Proxy: `{ type = MYSQLD_PACKET_ERR, errmsg = ..., errcode = ..., sqlstate = ... }`). */
export function errorResponse(fields: Omit<ErrResponse, "_tag"> | string): ErrResponse {
  return typeof fields === "string"
    ? { _tag: MYSQLD_PACKET_ERR, message: fields }
    : { _tag: MYSQLD_PACKET_ERR, ...fields };
}

/** A result set (MySQL Proxy: `{ type = MYSQLD_PACKET_OK, resultset = { fields = ..., rows = ... } }`). */
export function resultSetResponse(
  fields: readonly FieldSpec[],
  rows: readonly RowSpec[],
  outcome: Omit<OkResponse, "_tag" | "resultset" | "affectedRows" | "insertId"> = {},
): OkResponse {
  return { _tag: MYSQLD_PACKET_OK, ...outcome, resultset: { fields, rows } };
}

/** Raw packets, e.g. a response captured earlier (MySQL Proxy: `{ type = MYSQLD_PACKET_RAW, packets = ... }`). */
export function rawResponse(packets: readonly Uint8Array[]): RawResponse {
  return { _tag: MYSQLD_PACKET_RAW, packets };
}

/**
 * Result packets: OK, ERR, EOF, column definitions, text rows and the LOCAL INFILE request, each with
 * an encoder and a decoder. Pure: bytes in, plain data out (and back). (Binary rows: binary-rows.ts;
 * values: values.ts, binary-values.ts, encode-values.ts.)
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_err_packet.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_eof_packet.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_row.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_local_infile_request.html
 * https://mariadb.com/kb/en/result-set-packets/ (MariaDB's extended type info in column definitions)
 *
 * Layouts (sizes in bytes):
 * ```
 * OK      1 header 0x00 (0xFE: result-set end under DEPRECATE_EOF) | lenenc affected_rows
 *         | lenenc last_insert_id | 2 status_flags | 2 warnings | info: lenenc string (SESSION_TRACK)
 *         or the rest | lenenc session state changes (SESSION_TRACK and SERVER_SESSION_STATE_CHANGED)
 * ERR     1 header 0xFF | 2 error_code | 1 '#' | 5 sql_state | EOF error_message
 * EOF     1 header 0xFE | 2 warnings | 2 status_flags                  (before CLIENT_DEPRECATE_EOF)
 * column  lenenc catalog "def" | lenenc schema | lenenc table | lenenc org_table | lenenc name
 *         | lenenc org_name | (MariaDB extended type info: lenenc block of 1 kind + lenenc value)
 *         | lenenc 0x0c | 2 character_set | 4 column_length | 1 type | 2 flags | 1 decimals | 2 filler
 *         | (COM_FIELD_LIST only) lenenc default value, or 0xFB for none
 * row     per column: lenenc string, or 0xFB for NULL
 * INFILE  1 header 0xFB | EOF filename
 * ```
 */
import { Reader, Writer } from "./bytes.ts";
import { Capability } from "./constants.ts";
import { ProtocolError } from "./errors.ts";

/** A column definition (ColumnDefinition41), plus MariaDB's extended type info when sent. */
export interface ColumnDefinition {
  readonly catalog: string;
  readonly schema: string;
  /** The table alias as written in the query. */
  readonly table: string;
  readonly orgTable: string;
  /** The column alias: the key of the column in row objects. */
  readonly name: string;
  readonly orgName: string;
  /** Collation id of the values as sent (63 = binary: bytes, not text). */
  readonly charset: number;
  /** Maximum display length. */
  readonly length: number;
  /** The column type (`ColumnType`). */
  readonly type: number;
  /** `ColumnFlag` bits. */
  readonly flags: number;
  /** Fractional digits for DECIMAL and temporal types (0x1f/0x27 means "not fixed"). */
  readonly decimals: number;
  /** MariaDB extended type name (`"json"`, `"uuid"`, `"inet4"`, `"inet6"`, `"point"`, ...), when the server sends it. */
  readonly extendedType?: string;
  /** MariaDB extended format name, when sent. */
  readonly format?: string;
}

/** An OK packet (also the 0xFE-headed terminator of a result set under CLIENT_DEPRECATE_EOF). */
export interface OkPacket {
  /** Rows changed, deleted or inserted (a bigint only beyond 2^53). */
  readonly affectedRows: number | bigint;
  /** The AUTO_INCREMENT value of the first inserted row (a bigint only beyond 2^53). */
  readonly insertId: number | bigint;
  readonly statusFlags: number;
  readonly warningCount: number;
  /** Human-readable information, e.g. "Records: 10  Duplicates: 0  Warnings: 0". */
  readonly info: string;
  /** Raw session state change information (CLIENT_SESSION_TRACK), when the server sent it. */
  readonly sessionStateChanges?: Uint8Array;
}

/** An ERR packet. */
export interface ErrPacket {
  readonly errno: number;
  /** The five-character SQLSTATE, or "HY000" when the server sent none (as in the handshake). */
  readonly sqlState: string;
  readonly message: string;
}

/** An EOF packet (before CLIENT_DEPRECATE_EOF). */
export interface EofPacket {
  readonly warningCount: number;
  readonly statusFlags: number;
}

/**
 * The info string at the end of an OK packet without CLIENT_SESSION_TRACK. The protocol documents it
 * as running to the end of the packet, but MySQL and MariaDB servers write it length-prefixed; take
 * the prefix when it accounts for exactly the rest of the packet, else the raw rest.
 */
function readTrailingInfo(r: Reader): string {
  const start = r.pos;
  try {
    const n = r.lenenc();
    if (n === r.remaining) return r.string(n);
  } catch {
    // not a length prefix: fall through to the raw text
  }
  r.pos = start;
  return r.restString();
}

/** Decodes an OK packet (header 0x00, or 0xFE as a result-set terminator). */
export function decodeOk(payload: Uint8Array, capabilities: number): OkPacket {
  const r = new Reader(payload);
  const header = r.u8();
  if (header !== 0x00 && header !== 0xfe) throw new ProtocolError("malformed", "not an OK packet");
  const affectedRows = r.lenencBig();
  const insertId = r.lenencBig();
  let statusFlags = 0, warningCount = 0;
  if (capabilities & Capability.PROTOCOL_41) {
    statusFlags = r.u16();
    warningCount = r.u16();
  } else if (capabilities & Capability.TRANSACTIONS) statusFlags = r.u16();
  let info = "";
  let sessionStateChanges: Uint8Array | undefined;
  if (r.remaining > 0) {
    if (capabilities & Capability.SESSION_TRACK) {
      info = r.lenencString();
      if ((statusFlags & 0x4000) && r.remaining > 0) sessionStateChanges = r.lenencBytes().slice();
    } else info = readTrailingInfo(r);
  }
  return { affectedRows, insertId, statusFlags, warningCount, info, sessionStateChanges };
}

/**
 * Only the status flags of an OK packet (what a reader following the response grammar needs), read
 * without decoding the rest: header (1), affected rows and insert id (lenenc each), status (2).
 */
export function okStatusFlags(payload: Uint8Array, capabilities: number): number {
  const r = new Reader(payload);
  const header = r.u8();
  if (header !== 0x00 && header !== 0xfe) throw new ProtocolError("malformed", "not an OK packet");
  r.lenencBig();
  r.lenencBig();
  return capabilities & (Capability.PROTOCOL_41 | Capability.TRANSACTIONS) ? r.u16() : 0;
}

/** Encodes an OK packet; `header` is 0x00, or 0xFE for a DEPRECATE_EOF result-set terminator. */
export function encodeOk(ok: OkPacket, capabilities: number, header = 0x00): Uint8Array {
  const w = new Writer(32).u8(header).lenenc(ok.affectedRows).lenenc(ok.insertId);
  if (capabilities & Capability.PROTOCOL_41) w.u16(ok.statusFlags).u16(ok.warningCount);
  else if (capabilities & Capability.TRANSACTIONS) w.u16(ok.statusFlags);
  if (capabilities & Capability.SESSION_TRACK) {
    if (ok.info.length > 0 || ok.sessionStateChanges) w.lenencString(ok.info);
    if (ok.sessionStateChanges && (ok.statusFlags & 0x4000)) w.lenencBytes(ok.sessionStateChanges);
  } else if (ok.info.length > 0) w.lenencString(ok.info);
  return w.finish();
}

/** Decodes an ERR packet. The SQLSTATE marker is optional (servers omit it during the handshake). */
export function decodeErr(payload: Uint8Array): ErrPacket {
  const r = new Reader(payload);
  if (r.u8() !== 0xff) throw new ProtocolError("malformed", "not an ERR packet");
  const errno = r.u16();
  let sqlState = "HY000";
  if (r.remaining >= 6 && payload[r.pos] === 0x23 /* # */) {
    r.skip(1);
    sqlState = r.string(5);
  }
  return { errno, sqlState, message: r.restString() };
}

/** Encodes an ERR packet with its SQLSTATE. */
export function encodeErr(err: ErrPacket): Uint8Array {
  const state = (err.sqlState + "HY000").slice(0, 5);
  return new Writer(16 + err.message.length).u8(0xff).u16(err.errno).u8(0x23).string(state).string(
    err.message,
  )
    .finish();
}

/** True when a packet is an EOF packet (0xFE and shorter than 9 bytes). */
export function isEof(payload: Uint8Array): boolean {
  return payload[0] === 0xfe && payload.length < 9;
}

/**
 * True when a packet ends a row stream: an EOF, or (CLIENT_DEPRECATE_EOF) an OK with 0xFE header.
 * A row can start with 0xFE only when its first value is 16 MiB or more, so its payload is longer.
 */
export function isResultTerminator(payload: Uint8Array): boolean {
  return payload[0] === 0xfe && payload.length < 0xffffff;
}

/** Decodes an EOF packet. */
export function decodeEof(payload: Uint8Array): EofPacket {
  const r = new Reader(payload);
  if (r.u8() !== 0xfe) throw new ProtocolError("malformed", "not an EOF packet");
  if (r.remaining < 4) return { warningCount: 0, statusFlags: 0 };
  const warningCount = r.u16();
  return { warningCount, statusFlags: r.u16() };
}

/** Encodes an EOF packet. */
export function encodeEof(eof: EofPacket): Uint8Array {
  return new Writer(5).u8(0xfe).u16(eof.warningCount).u16(eof.statusFlags).finish();
}

/** Decodes the column count that starts a result set. */
export function decodeColumnCount(payload: Uint8Array): number {
  const r = new Reader(payload);
  const n = r.lenenc();
  if (n === 0 || n > 4096) throw new ProtocolError("malformed", `invalid column count ${n}`);
  return n;
}

/** Encodes the column count packet. */
export function encodeColumnCount(n: number): Uint8Array {
  return new Writer(9).lenenc(n).finish();
}

/**
 * Decodes a column definition (Protocol::ColumnDefinition41). With MariaDB's extended type info
 * (`extendedTypeInfo`), a block of (kind, name) pairs sits between org_name and the fixed fields.
 */
export function decodeColumnDefinition(payload: Uint8Array, extendedTypeInfo = false): ColumnDefinition {
  return readColumnDefinition(new Reader(payload), extendedTypeInfo);
}

/** Reads a column definition and leaves `r` after its fixed part. */
function readColumnDefinition(r: Reader, extendedTypeInfo: boolean): ColumnDefinition {
  const catalog = r.lenencString();
  const schema = r.lenencString();
  const table = r.lenencString();
  const orgTable = r.lenencString();
  const name = r.lenencString();
  const orgName = r.lenencString();
  let extendedType: string | undefined;
  let format: string | undefined;
  if (extendedTypeInfo) {
    const ext = new Reader(r.lenencBytes());
    while (ext.remaining > 0) {
      const kind = ext.u8();
      const value = ext.lenencString();
      if (kind === 0) extendedType = value;
      else if (kind === 1) format = value;
    }
  }
  const fixedLength = r.lenenc();
  if (fixedLength < 10) {
    throw new ProtocolError("malformed", `column definition fixed part of ${fixedLength} bytes`);
  }
  r.need(fixedLength);
  const fixedEnd = r.pos + fixedLength;
  const charset = r.u16();
  const length = r.u32();
  const type = r.u8();
  const flags = r.u16();
  const decimals = r.u8();
  r.pos = fixedEnd;
  const column: ColumnDefinition = {
    catalog,
    schema,
    table,
    orgTable,
    name,
    orgName,
    charset,
    length,
    type,
    flags,
    decimals,
  };
  if (extendedType !== undefined || format !== undefined) return { ...column, extendedType, format };
  return column;
}

/** Encodes a column definition; `extendedTypeInfo` as for the decoder. */
export function encodeColumnDefinition(c: ColumnDefinition, extendedTypeInfo = false): Uint8Array {
  const w = new Writer(64);
  w.lenencString(c.catalog).lenencString(c.schema).lenencString(c.table).lenencString(c.orgTable);
  w.lenencString(c.name).lenencString(c.orgName);
  if (extendedTypeInfo) {
    const ext = new Writer(16);
    if (c.extendedType !== undefined) ext.u8(0).lenencString(c.extendedType);
    if (c.format !== undefined) ext.u8(1).lenencString(c.format);
    w.lenencBytes(ext.finish());
  }
  w.lenenc(12).u16(c.charset).u32(c.length).u8(c.type).u16(c.flags).u8(c.decimals).zeros(2);
  return w.finish();
}

/** A column in COM_FIELD_LIST's answer: a column definition followed by the column's default value. */
export interface FieldListColumn extends ColumnDefinition {
  /** The default value as text, or null for none (NULL). */
  readonly defaultValue: string | null;
}

/** Decodes a column definition of COM_FIELD_LIST's answer (with its default value, lenenc or 0xFB). */
export function decodeFieldListColumn(payload: Uint8Array, extendedTypeInfo = false): FieldListColumn {
  const r = new Reader(payload);
  const column = readColumnDefinition(r, extendedTypeInfo);
  let defaultValue: string | null = null;
  if (r.remaining > 0) {
    const n = r.lenencOrNull();
    if (n !== null) defaultValue = r.string(n);
  }
  return { ...column, defaultValue };
}

/** Encodes a column definition of COM_FIELD_LIST's answer. */
export function encodeFieldListColumn(c: FieldListColumn, extendedTypeInfo = false): Uint8Array {
  const w = new Writer(80).bytes(encodeColumnDefinition(c, extendedTypeInfo));
  if (c.defaultValue === null) w.u8(0xfb);
  else w.lenencString(c.defaultValue);
  return w.finish();
}

/** A text-protocol row as raw values: each a byte array, or null for SQL NULL. */
export type RawTextRow = (Uint8Array | null)[];

/** Decodes a text row (Protocol::TextResultsetRow) into raw byte values (views into the packet). */
export function decodeTextRow(payload: Uint8Array, columnCount: number): RawTextRow {
  const r = new Reader(payload);
  const out: RawTextRow = new Array(columnCount);
  for (let i = 0; i < columnCount; i++) {
    const n = r.lenencOrNull();
    out[i] = n === null ? null : r.bytesView(n);
  }
  if (r.remaining !== 0) {
    throw new ProtocolError("malformed", `text row has ${r.remaining} bytes after its ${columnCount} values`);
  }
  return out;
}

/** Encodes a text row from raw byte values (null for SQL NULL). */
export function encodeTextRow(values: readonly (Uint8Array | null)[]): Uint8Array {
  const w = new Writer(64);
  for (const v of values) {
    if (v === null) w.u8(0xfb);
    else w.lenencBytes(v);
  }
  return w.finish();
}

/** Encodes the LOCAL INFILE request (0xFB and the file name the client should send). */
export function encodeLocalInfileRequest(filename: string): Uint8Array {
  return new Writer(filename.length + 4).u8(0xfb).string(filename).finish();
}

/** Decodes the LOCAL INFILE request: the file name. */
export function decodeLocalInfileRequest(payload: Uint8Array): string {
  const r = new Reader(payload);
  if (payload.length === 0 || r.u8() !== 0xfb) {
    throw new ProtocolError("malformed", "not a LOCAL INFILE request");
  }
  return r.restString();
}

/**
 * Rows events: WRITE_ROWS, UPDATE_ROWS and DELETE_ROWS in v1 (MySQL 5.1-5.5, MariaDB) and v2 (MySQL
 * 5.6+: a variable-length extra-data block after the post-header), MySQL's PARTIAL_UPDATE_ROWS (JSON
 * diffs) and MariaDB's compressed rows events. Body: table id and flags, [extra data,] the column
 * count, a bitmap of the columns in the image (two for updates: before and after), then the rows:
 * per image a NULL bitmap over the columns present and their values. Columns not in an image are
 * absent from the row object (MINIMAL and NOBLOB row images), not null.
 *
 * Pages:
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/rows_event_v1v2-rows_compressed_event_v1
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/classmysql_1_1binlog_1_1event_1_1Rows__event.html
 * https://mariadb.com/kb/en/library/rows_event_v1/
 */
import { Reader } from "../bytes.ts";
import { ColumnType } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import type { ResolvedValueOptions } from "../values.ts";
import { type ColumnDecoder, columnDecoder, type RowCursor } from "./columns.ts";
import { EventType } from "./event-types.ts";
import type { EventBody, PartialRowChange, RowChange, RowsEvent } from "./events.ts";
import { jsonText } from "./json-binary.ts";
import { applyJsonDiffs, decodeJsonDiffs, type JsonDiff } from "./json-diff.ts";
import { uncompressRecord } from "./query.ts";
import type { TableColumn } from "./table-map.ts";

/** The table a rows event refers to, with its columns and the decoders built for them. */
export interface RowsTable {
  readonly tableId: number;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly TableColumn[];
  /** The column names rows are keyed by (`@1`, `@2` ... where no name is known). */
  readonly names: readonly string[];
  /** One decoder per column, built when first needed. */
  decoders?: ColumnDecoder[];
  /** Whether a column is named `__proto__` (then rows are built with defineProperty). */
  readonly unsafeNames: boolean;
  /** The present columns of the last bitmap seen, and the bitmap as a key. */
  lastBitmap?: string;
  lastPresent?: number[];
}

/** Builds the row-decoding state of a table from its columns. */
export function rowsTable(
  tableId: number,
  schema: string,
  table: string,
  columns: readonly TableColumn[],
): RowsTable {
  const names = columns.map((c) => c.name ?? `@${c.index + 1}`);
  return { tableId, schema, table, columns, names, unsafeNames: names.includes("__proto__") };
}

/** The fields at the start of a rows event body: enough to find its table before decoding rows. */
export interface RowsHead {
  readonly tableId: number;
  readonly rowsFlags: number;
  /** Where the column count starts. */
  readonly bodyPos: number;
}

/** True for the rows event type codes this module decodes. */
export function isRowsEvent(eventType: number): boolean {
  return (eventType >= EventType.WRITE_ROWS_V1 && eventType <= EventType.DELETE_ROWS_V1)
    || (eventType >= EventType.WRITE_ROWS && eventType <= EventType.DELETE_ROWS)
    || eventType === EventType.PARTIAL_UPDATE_ROWS
    || (eventType >= EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1
      && eventType <= EventType.MARIADB_DELETE_ROWS_COMPRESSED);
}

/** Reads the table id, flags and extra data of a rows event body. */
export function decodeRowsHead(r: Reader, postHeaderLength: number): RowsHead {
  // 6 bytes: table id (4 in MySQL 5.1.3 and older)
  const tableId = postHeaderLength === 6 ? r.u32() : r.u48();
  const rowsFlags = r.u16(); // 2 bytes: flags
  if (postHeaderLength >= 10) {
    const extraLength = r.u16(); // 2 bytes: extra data length (v2), counting itself
    if (extraLength < 2) throw new ProtocolError("malformed", `rows event extra data length ${extraLength}`);
    r.skip(extraLength - 2); // extra_length - 2 bytes: extra data
  }
  return { tableId, rowsFlags, bodyPos: r.pos };
}

type Kind = "write" | "update" | "delete" | "partial";

function kindOf(eventType: number): Kind {
  switch (eventType) {
    case EventType.WRITE_ROWS:
    case EventType.WRITE_ROWS_V1:
    case EventType.MARIADB_WRITE_ROWS_COMPRESSED:
    case EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1:
      return "write";
    case EventType.UPDATE_ROWS:
    case EventType.UPDATE_ROWS_V1:
    case EventType.MARIADB_UPDATE_ROWS_COMPRESSED:
    case EventType.MARIADB_UPDATE_ROWS_COMPRESSED_V1:
      return "update";
    case EventType.PARTIAL_UPDATE_ROWS:
      return "partial";
  }
  return "delete";
}

function isCompressed(eventType: number): boolean {
  return eventType >= EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1
    && eventType <= EventType.MARIADB_DELETE_ROWS_COMPRESSED;
}

/** The columns present in an image: indexes of the set bits of a column bitmap (LSB first), cached per table. */
function presentColumns(t: RowsTable, bitmap: Uint8Array, count: number): number[] {
  let key = "";
  for (let i = 0; i < bitmap.length; i++) key += String.fromCharCode(bitmap[i]);
  if (key === t.lastBitmap) return t.lastPresent!;
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (bitmap[i >> 3] & (1 << (i & 7))) out.push(i);
  t.lastBitmap = key;
  t.lastPresent = out;
  return out;
}

/** Sets `row[name] = value`, safely for a column named `__proto__`. */
function put(row: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__") {
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  } else row[name] = value;
}

/**
 * Reads one row image: a NULL bitmap over the present columns, then their values. With
 * `partialJson`, JSON columns flagged there hold diffs instead of a document.
 */
function readImage(
  c: RowCursor,
  t: RowsTable,
  present: readonly number[],
  decoders: readonly ColumnDecoder[],
  partialJson: ReadonlySet<number> | undefined,
  diffs: Map<number, JsonDiff[]> | undefined,
): Record<string, unknown> {
  if (present.length === 0) {
    // no column in the image: a row of nothing would never end the event
    throw new ProtocolError(
      "malformed",
      `rows event for ${t.schema}.${t.table} has an image without columns`,
    );
  }
  // (present + 7) / 8 bytes: NULL bitmap over the columns present, then their non-NULL values
  const nullBytes = (present.length + 7) >> 3;
  if (c.pos + nullBytes > c.end) {
    throw new ProtocolError("truncated", `rows event for ${t.schema}.${t.table} truncated in a NULL bitmap`);
  }
  const nullAt = c.pos;
  c.pos += nullBytes;
  const b = c.bytes;
  const row: Record<string, unknown> = {};
  const names = t.names;
  if (!t.unsafeNames && partialJson === undefined) {
    for (let i = 0; i < present.length; i++) {
      const col = present[i];
      row[names[col]] = b[nullAt + (i >> 3)] & (1 << (i & 7)) ? null : decoders[col](c);
    }
    return row;
  }
  for (let i = 0; i < present.length; i++) {
    const col = present[i];
    if (b[nullAt + (i >> 3)] & (1 << (i & 7))) {
      put(row, names[col], null);
    } else if (partialJson !== undefined && partialJson.has(col)) {
      const lengthBytes = t.columns[col].metadata;
      let n = 0;
      for (let k = lengthBytes - 1; k >= 0; k--) n = n * 256 + b[c.pos + k];
      if (c.pos + lengthBytes + n > c.end) {
        throw new ProtocolError(
          "truncated",
          `rows event truncated in the JSON diffs of column ${names[col]}`,
        );
      }
      c.pos += lengthBytes;
      diffs!.set(col, decodeJsonDiffs(b, c.pos, c.pos + n));
      c.pos += n;
    } else {
      put(row, names[col], decoders[col](c));
    }
  }
  return row;
}

/** Decodes the rows of a rows event (its body after `decodeRowsHead`) against its table. */
export function decodeRows(
  r: Reader,
  eventType: number,
  head: RowsHead,
  t: RowsTable,
  values: ResolvedValueOptions,
): EventBody<RowsEvent> {
  const kind = kindOf(eventType);
  r.pos = head.bodyPos;
  const count = r.lenenc(); // lenenc: column count
  if (count !== t.columns.length) {
    throw new ProtocolError(
      "malformed",
      `rows event for ${t.schema}.${t.table} has ${count} columns, its TABLE_MAP ${t.columns.length}`,
    );
  }
  const bitmapBytes = (count + 7) >> 3;
  // (count + 7) / 8 bytes: columns in the before image (or the only image); for updates the after image's next
  const before = presentColumns(t, r.bytesView(bitmapBytes), count).slice();
  const after = kind === "update" || kind === "partial"
    ? presentColumns(t, r.bytesView(bitmapBytes), count)
    : before;
  const compressed = isCompressed(eventType);
  let c: RowCursor;
  if (compressed) {
    // MariaDB's compressed record: 1 byte header, 1-4 bytes length, zlib stream
    const data = uncompressRecord(r.bytes, r.pos, r.end);
    c = { bytes: data, pos: 0, end: data.length, view: undefined };
  } else c = { bytes: r.bytes, pos: r.pos, end: r.end, view: undefined };
  const decoders = t.decoders ??= t.columns.map((col) => columnDecoder(col, values));
  if (kind === "write" || kind === "delete") {
    const rows: Record<string, unknown>[] = [];
    while (c.pos < c.end) rows.push(readImage(c, t, before, decoders, undefined, undefined));
    return rowsBody(kind === "write" ? "WriteRows" : "DeleteRows", t, head, compressed, rows);
  }
  if (kind === "update") {
    const rows: RowChange[] = [];
    while (c.pos < c.end) {
      const b = readImage(c, t, before, decoders, undefined, undefined);
      const a = readImage(c, t, after, decoders, undefined, undefined);
      rows.push({ before: b, after: a });
    }
    return rowsBody("UpdateRows", t, head, compressed, rows);
  }
  const jsonColumns = t.columns.filter((col) => col.type === ColumnType.JSON).map((col) => col.index);
  const rows: PartialRowChange[] = [];
  while (c.pos < c.end) {
    const b = readImage(c, t, before, decoders, undefined, undefined);
    // after image: value options (PARTIAL_JSON_UPDATES = 1), then one bit per JSON column of the table
    const optionsReader = new Reader(c.bytes, c.pos, c.end);
    const valueOptions = optionsReader.lenenc(); // lenenc: value options
    c.pos = optionsReader.pos;
    let partial: Set<number> | undefined;
    if (valueOptions & 1) {
      const n = (jsonColumns.length + 7) >> 3;
      if (c.pos + n > c.end) {
        throw new ProtocolError("truncated", "rows event truncated in its partial-JSON bitmap");
      }
      partial = new Set();
      for (let i = 0; i < jsonColumns.length; i++) {
        if (c.bytes[c.pos + (i >> 3)] & (1 << (i & 7))) partial.add(jsonColumns[i]);
      }
      c.pos += n;
    }
    const diffs = new Map<number, JsonDiff[]>();
    const a = readImage(c, t, after, decoders, partial, diffs);
    const jsonDiffs: Record<string, readonly JsonDiff[]> = {};
    for (const [col, list] of diffs) {
      const name = t.names[col];
      jsonDiffs[name] = list;
      if (Object.hasOwn(b, name)) {
        const document = values.options.jsonParse ? b[name] : parseOrNull(b[name]);
        const applied = applyJsonDiffs(document, list);
        put(a, name, values.options.jsonParse ? applied : jsonText(applied));
      }
    }
    rows.push({ before: b, after: a, jsonDiffs });
  }
  return rowsBody("PartialUpdateRows", t, head, compressed, rows);
}

/** The body of a rows event: always the same fields in the same order (one object shape). */
function rowsBody<T extends RowsEvent["type"]>(
  type: T,
  t: RowsTable,
  head: RowsHead,
  compressed: boolean,
  rows: Extract<RowsEvent, { type: T }>["rows"],
): EventBody<Extract<RowsEvent, { type: T }>> {
  return {
    type,
    tableId: t.tableId,
    schema: t.schema,
    table: t.table,
    rowsFlags: head.rowsFlags,
    columnNames: t.names,
    compressed,
    rows,
  } as unknown as EventBody<Extract<RowsEvent, { type: T }>>;
}

function parseOrNull(text: unknown): unknown {
  if (typeof text !== "string") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

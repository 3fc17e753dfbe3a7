/**
 * The binlog event decoder: whole events (header, body, checksum) in, decoded events out. It keeps
 * the state a binlog needs read in order: the current format (FORMAT_DESCRIPTION: post-header
 * lengths, checksum algorithm), the file name (ROTATE), the tables (TABLE_MAP) that rows events
 * refer to, and the GTID of the open transaction. Checksums are verified (CRC32) unless turned
 * off; a mismatch is a ProtocolError naming the file and position. A TRANSACTION_PAYLOAD yields
 * itself and then the events it holds. Types without a decoder yield `Unknown` with their bytes.
 * Rows of tables the `includeTable` filter refuses are not decoded: the event is dropped.
 *
 * Pages:
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/2-binlog-event-header
 * https://mariadb.com/kb/en/format_description_event/
 * https://mariadb.com/kb/en/binlog-events/
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html
 */
import { Reader } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import {
  defaultValueOptions,
  type ResolvedValueOptions,
  resolveValueOptions,
  type ValueOptions,
} from "../values.ts";
import {
  CHECKSUM_LENGTH,
  ChecksumAlgorithm,
  checksumMatches,
  formatDescriptionChecksumMatches,
} from "./checksum.ts";
import {
  decodeBinlogCheckpoint,
  decodeHeartbeatV1,
  decodeHeartbeatV2,
  decodeRotate,
  decodeXaPrepare,
  decodeXid,
} from "./control-events.ts";
import { dumpEvent } from "./dump.ts";
import { EventType, eventTypeName } from "./event-types.ts";
import type { BinlogEvent, TableMapEvent } from "./events.ts";
import {
  type BinlogFormat,
  decodeFormatDescription,
  defaultBinlogFormat,
  postHeaderLength,
} from "./format-description.ts";
import {
  decodeAnonymousGtid,
  decodeGtid,
  decodeGtidTagged,
  decodeMariadbGtid,
  decodeMariadbGtidList,
  decodePreviousGtids,
} from "./gtid.ts";
import { decodeEventHeader, EVENT_HEADER_LENGTH, type EventHeader } from "./header.ts";
import { decodeQuery } from "./query.ts";
import { decodeRows, decodeRowsHead, isRowsEvent, type RowsTable, rowsTable } from "./rows.ts";
import {
  decodeAnnotateRows,
  decodeIntvar,
  decodeRand,
  decodeRowsQuery,
  decodeUserVar,
} from "./statement-context.ts";
import { type ColumnInfo, decodeTableMap, mergeColumnInfo } from "./table-map.ts";
import { decodeTransactionPayload } from "./transaction-payload.ts";

/** Options of a decoder. */
export interface BinlogDecoderOptions {
  /** How values become JS values (as for the client). Default: the client's defaults. */
  readonly values?: ValueOptions;
  /** Verify CRC32 checksums. Default true. */
  readonly verifyChecksums?: boolean;
  /** The binlog file the events come from (updated by ROTATE events). Default "". */
  readonly file?: string;
  /** The checksum algorithm of events before the first FORMAT_DESCRIPTION (a dump's fake ROTATE). */
  readonly checksumAlgorithm?: number;
  /** Whether the rows of a table are decoded; refused tables' rows events are dropped. Default: all. */
  readonly includeTable?: (schema: string, table: string) => boolean;
  /** Largest TRANSACTION_PAYLOAD accepted uncompressed, in bytes. Default 256 MiB. */
  readonly maxPayloadSize?: number;
}

interface TableState extends RowsTable {
  readonly event: TableMapEvent;
  readonly included: boolean;
}

/** Errors that already name the event they are about. */
const located = new WeakSet<Error>();

/** Decoders of the events that need nothing but their body and change no decoder state. */
const simpleDecoders = new Map<number, (r: Reader) => { type: BinlogEvent["type"] }>([
  [EventType.PREVIOUS_GTIDS, decodePreviousGtids],
  [EventType.MARIADB_GTID_LIST, decodeMariadbGtidList],
  [EventType.MARIADB_BINLOG_CHECKPOINT, decodeBinlogCheckpoint],
  [EventType.MARIADB_ANNOTATE_ROWS, decodeAnnotateRows],
  [EventType.ROWS_QUERY, decodeRowsQuery],
  [EventType.INTVAR, decodeIntvar],
  [EventType.RAND, decodeRand],
  [EventType.USER_VAR, decodeUserVar],
  [EventType.STOP, () => ({ type: "Stop" })],
]);

/** Every event's `dump()`. */
function dump(this: BinlogEvent): string {
  return dumpEvent(this);
}

/** Decodes binlog events in order, keeping the state between them. */
export class BinlogDecoder {
  /** The current format (from the last FORMAT_DESCRIPTION). */
  format: BinlogFormat;
  /** The binlog file of the next event. */
  file: string;
  /** The GTID of the open transaction, if any. */
  gtid: string | undefined;
  private inTransaction = false;
  /** Where the open transaction began (its GTID or BEGIN event), if one is open. */
  transactionStart: number | undefined;
  private payload: { data: Uint8Array; pos: number; logPos: number; position: number } | undefined;
  private readonly tables = new Map<number, TableState>();
  private readonly values: ResolvedValueOptions;
  private readonly verify: boolean;
  private readonly includeTable: ((schema: string, table: string) => boolean) | undefined;
  private readonly maxPayloadSize: number;

  constructor(options: BinlogDecoderOptions = {}) {
    this.values = resolveValueOptions(options.values ?? defaultValueOptions);
    this.verify = options.verifyChecksums ?? true;
    this.file = options.file ?? "";
    this.includeTable = options.includeTable;
    this.maxPayloadSize = options.maxPayloadSize ?? 256 * 1024 * 1024;
    this.format = options.checksumAlgorithm === undefined
      ? defaultBinlogFormat
      : { ...defaultBinlogFormat, checksumAlgorithm: options.checksumAlgorithm };
  }

  /** The TABLE_MAP last seen for a table id. */
  tableMap(tableId: number): TableMapEvent | undefined {
    return this.tables.get(tableId)?.event;
  }

  /**
   * Supplies what the binlog does not say of a table's columns (names, signedness, ENUM values...,
   * e.g. from information_schema), for the rows events that follow. `info` lists every column in
   * table order; when its length differs from the TABLE_MAP's (the table changed since), it is not
   * used and false is returned.
   */
  supplyColumns(tableId: number, info: readonly ColumnInfo[]): boolean {
    const t = this.tables.get(tableId);
    if (t === undefined || info.length !== t.columns.length) return false;
    const columns = mergeColumnInfo(t.columns, info);
    this.tables.set(tableId, {
      ...rowsTable(tableId, t.schema, t.table, columns),
      event: t.event,
      included: t.included,
    });
    return true;
  }

  /** Forgets the tables (they are sent again before their rows in every transaction). */
  clearTables(): void {
    this.tables.clear();
  }

  /**
   * Decodes the event in bytes [start, end) (its position in the file is `position`, by default
   * taken from the header). Returns the event (a TRANSACTION_PAYLOAD: it, then the events it holds),
   * or nothing for the rows of a table `includeTable` refuses.
   */
  decode(bytes: Uint8Array, start = 0, end = bytes.length, position?: number): BinlogEvent[] {
    const header = this.header(bytes, start, end, position);
    const events = this.decodeChecked(bytes, start, end, header, position, true);
    if (this.payload === undefined) return events;
    for (let e = this.nextPayloadEvent(); e !== null; e = this.nextPayloadEvent()) {
      if (e !== undefined) events.push(e);
    }
    return events;
  }

  /**
   * Decodes one event like `decode`, but leaves the events of a TRANSACTION_PAYLOAD to
   * `nextPayloadEvent`, so that the caller can act between them (e.g. look up a table's columns
   * after its TABLE_MAP). Returns undefined for the rows of a refused table.
   */
  decodeOne(bytes: Uint8Array, start = 0, end = bytes.length, position?: number): BinlogEvent | undefined {
    const header = this.header(bytes, start, end, position);
    return this.decodeChecked(bytes, start, end, header, position, true)[0];
  }

  /** Whether events of a TRANSACTION_PAYLOAD are waiting for `nextPayloadEvent`. */
  get pendingPayload(): boolean {
    return this.payload !== undefined;
  }

  /**
   * The next event held by the last TRANSACTION_PAYLOAD: an event, undefined for the rows of a
   * refused table, or null when there are no more.
   */
  nextPayloadEvent(): BinlogEvent | undefined | null {
    const pl = this.payload;
    if (pl === undefined) return null;
    if (pl.pos >= pl.data.length) {
      this.payload = undefined;
      return null;
    }
    const h = decodeEventHeader(pl.data, pl.pos);
    const start = pl.pos;
    pl.pos += h.eventSize;
    const events = this.decodeChecked(
      pl.data,
      start,
      start + h.eventSize,
      { ...h, logPos: pl.logPos },
      pl.position,
      false,
    );
    return events[0];
  }

  /** The header of the event in bytes [start, end), which must be as long as the header says. */
  private header(bytes: Uint8Array, start: number, end: number, position: number | undefined): EventHeader {
    const header = decodeEventHeader(bytes, start);
    if (header.eventSize !== end - start) {
      throw new ProtocolError(
        "malformed",
        `binlog event at ${this.where(header, position)} declares ${header.eventSize} bytes but ${
          end - start
        } were given`,
      );
    }
    return header;
  }

  private where(header: EventHeader, position: number | undefined): string {
    const pos = position ?? (header.logPos > 0 ? header.logPos - header.eventSize : 0);
    return `${this.file || "(binlog)"}:${pos}`;
  }

  private decodeChecked(
    bytes: Uint8Array,
    start: number,
    end: number,
    header: EventHeader,
    position: number | undefined,
    checksummed: boolean,
  ): BinlogEvent[] {
    const type = header.eventType;
    let bodyEnd = end;
    if (type === EventType.FORMAT_DESCRIPTION) {
      const body = decodeFormatDescription(bytes, start + EVENT_HEADER_LENGTH, end);
      if (
        body.checksumAlgorithm === ChecksumAlgorithm.CRC32 && this.verify
        && !formatDescriptionChecksumMatches(bytes, start, end)
      ) {
        throw this.mismatch(header, position);
      }
      this.format = body;
      return [this.finish(header, position, body)];
    }
    if (checksummed && this.format.checksumAlgorithm === ChecksumAlgorithm.CRC32) {
      if (end - start < EVENT_HEADER_LENGTH + CHECKSUM_LENGTH) {
        throw new ProtocolError(
          "truncated",
          `binlog event at ${this.where(header, position)} too short for its checksum`,
        );
      }
      if (this.verify && !checksumMatches(bytes, start, end)) throw this.mismatch(header, position);
      bodyEnd = end - CHECKSUM_LENGTH;
    }
    const r = new Reader(bytes, start + EVENT_HEADER_LENGTH, bodyEnd);
    try {
      return this.decodeBody(r, header, position);
    } catch (error) {
      if (error instanceof ProtocolError && !located.has(error)) {
        const wrapped = new ProtocolError(
          error.reason,
          `${eventTypeName(type)} event (type ${type}) at ${this.where(header, position)}: ${error.message}`,
          { cause: error },
        );
        located.add(wrapped);
        throw wrapped;
      }
      throw error;
    }
  }

  private mismatch(header: EventHeader, position: number | undefined): ProtocolError {
    const error = new ProtocolError(
      "checksum",
      `binlog checksum mismatch in the ${
        eventTypeName(header.eventType)
      } event (type ${header.eventType}) at ${this.where(header, position)}: the event is corrupt`,
    );
    located.add(error);
    return error;
  }

  private decodeBody(r: Reader, header: EventHeader, position: number | undefined): BinlogEvent[] {
    const type = header.eventType;
    const post = postHeaderLength(this.format, type);
    if (isRowsEvent(type)) {
      const head = decodeRowsHead(r, post);
      const t = this.tables.get(head.tableId);
      if (t === undefined) {
        throw new ProtocolError(
          "malformed",
          `rows event for table id ${head.tableId} without a TABLE_MAP before it (the stream must start at a transaction boundary)`,
        );
      }
      if (!t.included) return [];
      return [this.finish(header, position, decodeRows(r, type, head, t, this.values))];
    }
    switch (type) {
      case EventType.QUERY:
      case EventType.MARIADB_QUERY_COMPRESSED: {
        const body = decodeQuery(r, post, type === EventType.MARIADB_QUERY_COMPRESSED);
        const event = this.finish(header, position, body);
        const q = body.query.trimStart().slice(0, 16).toUpperCase();
        if (q.startsWith("BEGIN") || q.startsWith("START TRANSACTION") || q.startsWith("XA START")) {
          this.inTransaction = true;
          this.transactionStart ??= event.position;
        } else if (
          !this.inTransaction || q.startsWith("COMMIT") || q.startsWith("ROLLBACK") || q.startsWith("XA END")
        ) {
          this.endTransaction();
        }
        return [event];
      }
      case EventType.TABLE_MAP: {
        const body = decodeTableMap(r, post, /mariadb/i.test(this.format.serverVersion));
        const event = this.finish(header, position, body);
        const included = this.includeTable === undefined || this.includeTable(body.schema, body.table);
        this.tables.set(body.tableId, {
          ...rowsTable(body.tableId, body.schema, body.table, body.columns),
          event: event as TableMapEvent,
          included,
        });
        return [event];
      }
      case EventType.ROTATE: {
        const body = decodeRotate(r, post, header.flags, header.logPos);
        if (body.artificial) {
          this.file = body.nextFile;
          return [this.finish(header, position, body)];
        }
        const event = this.finish(header, position, body);
        this.file = body.nextFile;
        return [event];
      }
      case EventType.XID: {
        const event = this.finish(header, position, decodeXid(r));
        this.endTransaction();
        return [event];
      }
      case EventType.XA_PREPARE: {
        const event = this.finish(header, position, decodeXaPrepare(r));
        this.endTransaction();
        return [event];
      }
      case EventType.GTID:
        return [this.startTransaction(header, position, decodeGtid(r), false)];
      case EventType.GTID_TAGGED:
        return [this.startTransaction(header, position, decodeGtidTagged(r), false)];
      case EventType.ANONYMOUS_GTID: {
        this.gtid = undefined;
        this.inTransaction = false;
        const event = this.finish(header, position, decodeAnonymousGtid(r));
        this.transactionStart = event.position;
        return [event];
      }
      case EventType.MARIADB_GTID: {
        const body = decodeMariadbGtid(r, header.serverId);
        return [this.startTransaction(header, position, body, !body.standalone)];
      }
      // heartbeats are not in the file: their position is where the server is
      case EventType.HEARTBEAT:
        return [this.finish(header, header.logPos, decodeHeartbeatV1(r, header.logPos))];
      case EventType.HEARTBEAT_V2:
        return [this.finish(header, header.logPos, decodeHeartbeatV2(r, header.logPos))];
      case EventType.TRANSACTION_PAYLOAD:
        return this.expandPayload(r, header, position);
    }
    const simple = simpleDecoders.get(type);
    if (simple !== undefined) return [this.finish(header, position, simple(r))];
    return [this.finish(header, position, { type: "Unknown", data: r.bytesCopy(r.remaining) })];
  }

  private startTransaction<B extends { type: BinlogEvent["type"]; gtid: string }>(
    header: EventHeader,
    position: number | undefined,
    body: B,
    inTransaction: boolean,
  ): BinlogEvent {
    this.gtid = body.gtid;
    this.inTransaction = inTransaction;
    const event = this.finish(header, position, body);
    this.transactionStart = event.position;
    return event;
  }

  private endTransaction(): void {
    this.gtid = undefined;
    this.inTransaction = false;
    this.transactionStart = undefined;
  }

  private expandPayload(r: Reader, header: EventHeader, position: number | undefined): BinlogEvent[] {
    const payload = decodeTransactionPayload(r, this.maxPayloadSize);
    const data = payload.events;
    let count = 0;
    for (let p = 0; p < data.length; count++) {
      const h = decodeEventHeader(data, p);
      if (p + h.eventSize > data.length) {
        throw new ProtocolError(
          "truncated",
          `TRANSACTION_PAYLOAD at ${this.where(header, position)} ends inside an event`,
        );
      }
      if (h.eventType === EventType.TRANSACTION_PAYLOAD) {
        throw new ProtocolError(
          "malformed",
          `TRANSACTION_PAYLOAD at ${this.where(header, position)} holds another one`,
        );
      }
      p += h.eventSize;
    }
    const event = this.finish(header, position, {
      type: "TransactionPayload",
      compression: payload.compression,
      payloadSize: payload.payloadSize,
      uncompressedSize: payload.uncompressedSize,
      eventCount: count,
    });
    this.payload = { data, pos: 0, logPos: header.logPos, position: event.position };
    return [event];
  }

  /** Adds the common fields to an event body. */
  private finish<B extends { type: BinlogEvent["type"] }>(
    header: EventHeader,
    position: number | undefined,
    body: B,
  ): BinlogEvent {
    // the body is a fresh object literal: the common fields are added to it (a prototype for
    // `dump` would cost a copy or a slow prototype change per event)
    const event = body as unknown as Record<string, unknown>;
    event.eventType = header.eventType;
    event.timestamp = header.timestamp;
    event.serverId = header.serverId;
    event.flags = header.flags;
    event.eventSize = header.eventSize;
    event.file = this.file;
    event.position = position ?? (header.logPos > 0 ? header.logPos - header.eventSize : 0);
    event.nextPosition = header.logPos;
    if (this.gtid !== undefined) event.gtid = this.gtid;
    event.dump = dump;
    return event as unknown as BinlogEvent;
  }
}

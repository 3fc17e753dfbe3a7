/**
 * The shapes of decoded binlog events: plain data with a `type` name, where the event sits in the
 * binlog (`file`, `position`, `nextPosition`) and, inside a transaction, its GTID.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html
 * https://mariadb.com/kb/en/replication-protocol
 */
import type { EventTypeName } from "./event-types.ts";
import type { JsonDiff } from "./json-diff.ts";
import type { TableColumn } from "./table-map.ts";

/** What every event carries. */
export interface EventCommon {
  /** The event's name (see `EventTypeName`). */
  readonly type: EventTypeName;
  /** The type code from the header (`EventType`). */
  readonly eventType: number;
  /** Seconds since the epoch when the statement that wrote the event began. */
  readonly timestamp: number;
  /** The id of the server that first wrote the event. */
  readonly serverId: number;
  /** Header flags (`LOG_EVENT_*`). */
  readonly flags: number;
  /** Bytes of the event, header and checksum included. */
  readonly eventSize: number;
  /** The binlog file the event is in ("" when not known: a file read without its name). */
  readonly file: string;
  /** Where the event starts in that file. */
  readonly position: number;
  /**
   * Where the next event starts (the header's log position): resuming from `file` and
   * `nextPosition` gives the events after this one. Events expanded from a TRANSACTION_PAYLOAD share
   * the payload's positions.
   */
  readonly nextPosition: number;
  /** The GTID of the transaction the event belongs to (MySQL `uuid:n` or `uuid:tag:n`, MariaDB `domain-server-seq`). */
  readonly gtid?: string;
  /**
   * The event in the human format of python-mysql-replication (`=== WriteRowsEvent ===` ...). A
   * shared function set on each event (JSON.stringify leaves it out).
   */
  dump(): string;
}

/** FORMAT_DESCRIPTION: how the events of this binlog are laid out. */
export interface FormatDescriptionEvent extends EventCommon {
  readonly type: "FormatDescription";
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly createTimestamp: number;
  readonly headerLength: number;
  /** Post-header length of each event type (index: type code - 1). */
  readonly postHeaderLengths: Uint8Array;
  /** `ChecksumAlgorithm` of the events that follow. */
  readonly checksumAlgorithm: number;
}

/** ROTATE: the next events are in another file (also sent first by the server, then `artificial`). */
export interface RotateEvent extends EventCommon {
  readonly type: "Rotate";
  readonly nextFile: string;
  readonly nextFilePosition: number;
  /** Made up by the server to say where the stream starts, not read from the file. */
  readonly artificial: boolean;
}

/** STOP: the server stopped; the file ends here. */
export interface StopEvent extends EventCommon {
  readonly type: "Stop";
}

/** QUERY: a statement (DDL, BEGIN, COMMIT, and DML in statement format). */
export interface QueryEvent extends EventCommon {
  readonly type: "Query";
  readonly threadId: number;
  readonly executionTime: number;
  readonly errorCode: number;
  /** The default database when the statement ran. */
  readonly schema: string;
  readonly query: string;
  /** The raw status variables block. */
  readonly statusVars: Uint8Array;
  /** MariaDB QUERY_COMPRESSED_EVENT. */
  readonly compressed: boolean;
}

/** XID: a transaction committed. */
export interface XidEvent extends EventCommon {
  readonly type: "Xid";
  readonly xid: number | bigint;
}

/** XA_PREPARE: an XA transaction prepared (or committed with ONE PHASE). */
export interface XaPrepareEvent extends EventCommon {
  readonly type: "XaPrepare";
  readonly onePhase: boolean;
  readonly formatId: number;
  readonly gtrid: Uint8Array;
  readonly bqual: Uint8Array;
}

/** INTVAR: LAST_INSERT_ID() or the next AUTO_INCREMENT value of the next statement. */
export interface IntvarEvent extends EventCommon {
  readonly type: "Intvar";
  readonly variable: "LAST_INSERT_ID" | "INSERT_ID" | "UNKNOWN";
  readonly value: number | bigint;
}

/** RAND: the seeds of RAND() in the next statement. */
export interface RandEvent extends EventCommon {
  readonly type: "Rand";
  readonly seed1: bigint;
  readonly seed2: bigint;
}

/** USER_VAR: a user variable the next statement uses. */
export interface UserVarEvent extends EventCommon {
  readonly type: "UserVar";
  readonly name: string;
  /** null, a string (bytes for the binary charset), a number, a bigint, or a DECIMAL's text. */
  readonly value: unknown;
  readonly charset: number;
}

/** TABLE_MAP: the table that the rows events after it change, with its column types. */
export interface TableMapEvent extends EventCommon {
  readonly type: "TableMap";
  readonly tableId: number;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly TableColumn[];
  /** Column indexes of the primary key (from the optional metadata; empty when not sent). */
  readonly primaryKey: readonly number[];
  /** Whether the server sent column names (`binlog_row_metadata=FULL`). */
  readonly hasColumnNames: boolean;
}

/** The common part of the rows events. */
export interface RowsEventCommon extends EventCommon {
  readonly tableId: number;
  readonly schema: string;
  readonly table: string;
  /** `ROWS_*` flags (1 = end of statement). */
  readonly rowsFlags: number;
  /** Names of the table's columns (in order), as the rows are keyed. */
  readonly columnNames: readonly string[];
  /** MariaDB compressed rows event. */
  readonly compressed: boolean;
}

/** WRITE_ROWS (v1 or v2): inserted rows. */
export interface WriteRowsEvent extends RowsEventCommon {
  readonly type: "WriteRows";
  readonly rows: Record<string, unknown>[];
}

/** DELETE_ROWS (v1 or v2): deleted rows, as they were. */
export interface DeleteRowsEvent extends RowsEventCommon {
  readonly type: "DeleteRows";
  readonly rows: Record<string, unknown>[];
}

/** A changed row: its columns before and after (columns not in an image are absent, not null). */
export interface RowChange {
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
}

/** UPDATE_ROWS (v1 or v2): changed rows. */
export interface UpdateRowsEvent extends RowsEventCommon {
  readonly type: "UpdateRows";
  readonly rows: RowChange[];
}

/** A changed row of a PARTIAL_UPDATE_ROWS event: JSON columns updated in place also list their diffs. */
export interface PartialRowChange extends RowChange {
  /** The diffs of each JSON column sent as a partial update; `after` holds the documents with them applied. */
  readonly jsonDiffs: Readonly<Record<string, readonly JsonDiff[]>>;
}

/** PARTIAL_UPDATE_ROWS (MySQL 8): an UPDATE whose JSON columns may be sent as diffs. */
export interface PartialUpdateRowsEvent extends RowsEventCommon {
  readonly type: "PartialUpdateRows";
  readonly rows: PartialRowChange[];
}

/** ROWS_QUERY (MySQL, `binlog_rows_query_log_events`): the statement behind the rows events that follow. */
export interface RowsQueryEvent extends EventCommon {
  readonly type: "RowsQuery";
  readonly query: string;
}

/** HEARTBEAT (v1) or HEARTBEAT_V2: the server is alive and has nothing new to send. */
export interface HeartbeatEvent extends EventCommon {
  readonly type: "Heartbeat";
  readonly version: 1 | 2;
  /** The binlog file the server is reading. */
  readonly logFile: string;
  /** Its position there. */
  readonly logPosition: number;
}

/** The fields of a MySQL GTID event (GTID, ANONYMOUS_GTID, GTID_TAGGED). */
export interface MysqlGtidFields {
  /** The source server's UUID. */
  readonly uuid: string;
  /** The transaction number. */
  readonly gno: number | bigint;
  readonly gtidFlags: number;
  readonly lastCommitted: number | bigint;
  readonly sequenceNumber: number | bigint;
  /** Microseconds since the epoch (0 when not written). */
  readonly immediateCommitTimestamp: number | bigint;
  readonly originalCommitTimestamp: number | bigint;
  readonly transactionLength: number | bigint;
  readonly immediateServerVersion: number;
  readonly originalServerVersion: number;
}

/** GTID: the GTID of the transaction whose events follow (`uuid:gno`). */
export interface GtidEvent extends EventCommon, MysqlGtidFields {
  readonly type: "Gtid";
  readonly gtid: string;
}

/** ANONYMOUS_GTID: a transaction without a GTID follows (gtid_mode=OFF). */
export interface AnonymousGtidEvent extends EventCommon, MysqlGtidFields {
  readonly type: "AnonymousGtid";
}

/** GTID_TAGGED (MySQL 8.3+/9): a GTID with a tag (`uuid:tag:gno`). */
export interface GtidTaggedEvent extends EventCommon, MysqlGtidFields {
  readonly type: "GtidTagged";
  readonly gtid: string;
  readonly tag: string;
}

/** One source of a GTID set: its UUID, optional tag, and intervals [start, end] (inclusive). */
export interface GtidSetEntry {
  readonly uuid: string;
  readonly tag?: string;
  readonly intervals: readonly (readonly [number | bigint, number | bigint])[];
}

/** PREVIOUS_GTIDS: the GTIDs of every transaction in earlier binlog files. */
export interface PreviousGtidsEvent extends EventCommon {
  readonly type: "PreviousGtids";
  readonly entries: readonly GtidSetEntry[];
  /** The set as text (`uuid:1-5:7,uuid2:tag:1-3`). */
  readonly gtidSet: string;
}

/** TRANSACTION_PAYLOAD (MySQL 8): a compressed transaction; its events follow it in the stream. */
export interface TransactionPayloadEvent extends EventCommon {
  readonly type: "TransactionPayload";
  readonly compression: "zstd" | "none";
  readonly payloadSize: number;
  readonly uncompressedSize: number;
  /** How many events it held. */
  readonly eventCount: number;
}

/** MariaDB GTID: a transaction (or standalone statement) with this GTID follows. */
export interface MariadbGtidEvent extends EventCommon {
  readonly type: "MariadbGtid";
  readonly gtid: string;
  readonly domainId: number;
  readonly sequence: number | bigint;
  readonly gtidFlags: number;
  /** Group commit id, when FL_GROUP_COMMIT_ID is set. */
  readonly commitId?: number | bigint;
  /** A statement outside any BEGIN ... COMMIT (DDL): it is the whole transaction. */
  readonly standalone: boolean;
}

/** One GTID in a MariaDB GTID list. */
export interface MariadbGtidPosition {
  readonly domainId: number;
  readonly serverId: number;
  readonly sequence: number | bigint;
}

/** MariaDB GTID_LIST: the last GTID of each replication domain before this file. */
export interface MariadbGtidListEvent extends EventCommon {
  readonly type: "MariadbGtidList";
  readonly gtids: readonly MariadbGtidPosition[];
  /** The list as text (`0-1-100,1-2-5`). */
  readonly gtidList: string;
  readonly listFlags: number;
}

/** MariaDB ANNOTATE_ROWS (`binlog_annotate_row_events`): the statement behind the rows events that follow. */
export interface MariadbAnnotateRowsEvent extends EventCommon {
  readonly type: "MariadbAnnotateRows";
  readonly query: string;
}

/** MariaDB BINLOG_CHECKPOINT: crash recovery needs binlog files from this one on. */
export interface MariadbBinlogCheckpointEvent extends EventCommon {
  readonly type: "MariadbBinlogCheckpoint";
  readonly checkpointFile: string;
}

/** Any event without a decoder: its bytes after the header, checksum removed. */
export interface UnknownEvent extends EventCommon {
  readonly type: "Unknown";
  readonly data: Uint8Array;
}

/** A decoded binlog event. */
export type BinlogEvent =
  | FormatDescriptionEvent
  | RotateEvent
  | StopEvent
  | QueryEvent
  | XidEvent
  | XaPrepareEvent
  | IntvarEvent
  | RandEvent
  | UserVarEvent
  | TableMapEvent
  | WriteRowsEvent
  | UpdateRowsEvent
  | DeleteRowsEvent
  | PartialUpdateRowsEvent
  | RowsQueryEvent
  | HeartbeatEvent
  | GtidEvent
  | AnonymousGtidEvent
  | GtidTaggedEvent
  | PreviousGtidsEvent
  | TransactionPayloadEvent
  | MariadbGtidEvent
  | MariadbGtidListEvent
  | MariadbAnnotateRowsEvent
  | MariadbBinlogCheckpointEvent
  | UnknownEvent;

/** The rows events. */
export type RowsEvent = WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent | PartialUpdateRowsEvent;

/** What an event decoder returns: the event without the fields every event shares (but `type`). */
export type EventBody<E extends EventCommon> = Omit<E, Exclude<keyof EventCommon, "type" | "gtid">>;

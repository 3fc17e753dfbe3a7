/**
 * Binlog event type codes (the byte at offset 4 of every event header), as in MySQL's
 * `binlog_event.h` (Log_event_type) and MariaDB's `log_event.h`, and the `type` name each decoded
 * event carries. Codes 160 and up are MariaDB's.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/2-binlog-event-header (Event Type table, MariaDB's codes)
 * https://mariadb.com/kb/en/replication-protocol
 */

/** Event type codes. */
export const EventType = {
  UNKNOWN: 0,
  START_V3: 1,
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  LOAD: 6,
  SLAVE: 7,
  CREATE_FILE: 8,
  APPEND_BLOCK: 9,
  EXEC_LOAD: 10,
  DELETE_FILE: 11,
  NEW_LOAD: 12,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  BEGIN_LOAD_QUERY: 17,
  EXECUTE_LOAD_QUERY: 18,
  TABLE_MAP: 19,
  PRE_GA_WRITE_ROWS: 20,
  PRE_GA_UPDATE_ROWS: 21,
  PRE_GA_DELETE_ROWS: 22,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  IGNORABLE: 28,
  ROWS_QUERY: 29,
  WRITE_ROWS: 30,
  UPDATE_ROWS: 31,
  DELETE_ROWS: 32,
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  TRANSACTION_CONTEXT: 36,
  VIEW_CHANGE: 37,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  GTID_TAGGED: 42,
  MARIADB_ANNOTATE_ROWS: 160,
  MARIADB_BINLOG_CHECKPOINT: 161,
  MARIADB_GTID: 162,
  MARIADB_GTID_LIST: 163,
  MARIADB_START_ENCRYPTION: 164,
  MARIADB_QUERY_COMPRESSED: 165,
  MARIADB_WRITE_ROWS_COMPRESSED_V1: 166,
  MARIADB_UPDATE_ROWS_COMPRESSED_V1: 167,
  MARIADB_DELETE_ROWS_COMPRESSED_V1: 168,
  MARIADB_WRITE_ROWS_COMPRESSED: 169,
  MARIADB_UPDATE_ROWS_COMPRESSED: 170,
  MARIADB_DELETE_ROWS_COMPRESSED: 171,
} as const;

/** The `type` names of decoded events (what `onlyEvents` / `ignoredEvents` filter on). */
export type EventTypeName =
  | "Unknown"
  | "FormatDescription"
  | "Rotate"
  | "Stop"
  | "Query"
  | "Xid"
  | "XaPrepare"
  | "Intvar"
  | "Rand"
  | "UserVar"
  | "TableMap"
  | "WriteRows"
  | "UpdateRows"
  | "DeleteRows"
  | "PartialUpdateRows"
  | "RowsQuery"
  | "Heartbeat"
  | "Gtid"
  | "AnonymousGtid"
  | "GtidTagged"
  | "PreviousGtids"
  | "TransactionPayload"
  | "MariadbGtid"
  | "MariadbGtidList"
  | "MariadbAnnotateRows"
  | "MariadbBinlogCheckpoint";

/** Every event type name, for validating filter options. */
export const eventTypeNames: readonly EventTypeName[] = [
  "Unknown",
  "FormatDescription",
  "Rotate",
  "Stop",
  "Query",
  "Xid",
  "XaPrepare",
  "Intvar",
  "Rand",
  "UserVar",
  "TableMap",
  "WriteRows",
  "UpdateRows",
  "DeleteRows",
  "PartialUpdateRows",
  "RowsQuery",
  "Heartbeat",
  "Gtid",
  "AnonymousGtid",
  "GtidTagged",
  "PreviousGtids",
  "TransactionPayload",
  "MariadbGtid",
  "MariadbGtidList",
  "MariadbAnnotateRows",
  "MariadbBinlogCheckpoint",
];

/** The event type name a code decodes to ("Unknown" for codes without a decoder). */
export function eventTypeName(code: number): EventTypeName {
  switch (code) {
    case EventType.FORMAT_DESCRIPTION:
      return "FormatDescription";
    case EventType.ROTATE:
      return "Rotate";
    case EventType.STOP:
      return "Stop";
    case EventType.QUERY:
    case EventType.MARIADB_QUERY_COMPRESSED:
      return "Query";
    case EventType.XID:
      return "Xid";
    case EventType.XA_PREPARE:
      return "XaPrepare";
    case EventType.INTVAR:
      return "Intvar";
    case EventType.RAND:
      return "Rand";
    case EventType.USER_VAR:
      return "UserVar";
    case EventType.TABLE_MAP:
      return "TableMap";
    case EventType.WRITE_ROWS:
    case EventType.WRITE_ROWS_V1:
    case EventType.MARIADB_WRITE_ROWS_COMPRESSED:
    case EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1:
      return "WriteRows";
    case EventType.UPDATE_ROWS:
    case EventType.UPDATE_ROWS_V1:
    case EventType.MARIADB_UPDATE_ROWS_COMPRESSED:
    case EventType.MARIADB_UPDATE_ROWS_COMPRESSED_V1:
      return "UpdateRows";
    case EventType.DELETE_ROWS:
    case EventType.DELETE_ROWS_V1:
    case EventType.MARIADB_DELETE_ROWS_COMPRESSED:
    case EventType.MARIADB_DELETE_ROWS_COMPRESSED_V1:
      return "DeleteRows";
    case EventType.PARTIAL_UPDATE_ROWS:
      return "PartialUpdateRows";
    case EventType.ROWS_QUERY:
      return "RowsQuery";
    case EventType.HEARTBEAT:
    case EventType.HEARTBEAT_V2:
      return "Heartbeat";
    case EventType.GTID:
      return "Gtid";
    case EventType.ANONYMOUS_GTID:
      return "AnonymousGtid";
    case EventType.GTID_TAGGED:
      return "GtidTagged";
    case EventType.PREVIOUS_GTIDS:
      return "PreviousGtids";
    case EventType.TRANSACTION_PAYLOAD:
      return "TransactionPayload";
    case EventType.MARIADB_GTID:
      return "MariadbGtid";
    case EventType.MARIADB_GTID_LIST:
      return "MariadbGtidList";
    case EventType.MARIADB_ANNOTATE_ROWS:
      return "MariadbAnnotateRows";
    case EventType.MARIADB_BINLOG_CHECKPOINT:
      return "MariadbBinlogCheckpoint";
  }
  return "Unknown";
}

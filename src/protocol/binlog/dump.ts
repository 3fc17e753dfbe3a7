/**
 * The human format of events, after python-mysql-replication's `dump()`: a `=== NameEvent ===`
 * line, the date, position and size, then the fields of the event (for rows events the table and
 * each row's values, `* column : value`, updates as `*column:before=>after`).
 *
 * Pages:
 * https://mariadb.com/kb/en/replication-protocol (the events printed here)
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html
 */
import type { BinlogEvent, EventCommon, RowsEvent } from "./events.ts";

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** A value as the dump shows it. */
export function formatDumpValue(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof Uint8Array) return `0x${hex(value)}`;
  switch (typeof value) {
    case "string":
      return value;
    case "bigint":
    case "number":
    case "boolean":
      return String(value);
  }
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

function date(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/** The class name python-mysql-replication gives the event. */
function title(e: EventCommon): string {
  switch (e.type) {
    case "Gtid":
    case "GtidTagged":
    case "AnonymousGtid":
      return "GtidEvent";
    case "Unknown":
      return "NotImplementedEvent";
  }
  return `${e.type}Event`;
}

/** The lines every rows event starts with. */
function rowsHeader(e: RowsEvent, out: (line: string) => void): void {
  out(`Table: ${e.schema}.${e.table}`);
  out(`Affected columns: ${e.columnNames.length}`);
  out(`Changed rows: ${e.rows.length}`);
  out("Values:");
}

/** The event in python-mysql-replication's human format (lines ending in "\n"). */
export function dumpEvent(e: BinlogEvent): string {
  const lines = [`=== ${title(e)} ===`];
  const out = (line: string) => lines.push(line);
  if (e.type === "Rotate") {
    out(`Position: ${e.nextFilePosition}`);
    out(`Next binlog file: ${e.nextFile}`);
    return lines.join("\n") + "\n\n";
  }
  out(`Date: ${date(e.timestamp)}`);
  out(`Log position: ${e.nextPosition}`);
  out(`Event size: ${e.eventSize}`);
  out(`Read bytes: ${e.eventSize - 19}`);
  switch (e.type) {
    case "FormatDescription":
      out(`Binlog version: ${e.binlogVersion}`);
      out(`Server version: ${e.serverVersion}`);
      break;
    case "Query":
      out(`Schema: ${e.schema}`);
      out(`Execution time: ${e.executionTime}`);
      out(`Query: ${e.query}`);
      break;
    case "Xid":
      out(`Transaction ID: ${e.xid}`);
      break;
    case "XaPrepare":
      out(`One phase: ${e.onePhase}`);
      out(`XID: ${hex(e.gtrid)}/${hex(e.bqual)}/${e.formatId}`);
      break;
    case "Gtid":
    case "GtidTagged":
      out(`Commit: ${(e.gtidFlags & 1) !== 0}`);
      out(`GTID_NEXT: ${e.gtid}`);
      break;
    case "AnonymousGtid":
      out(`Commit: ${(e.gtidFlags & 1) !== 0}`);
      out("GTID_NEXT: ANONYMOUS");
      break;
    case "PreviousGtids":
      out(`previous_gtids: ${e.gtidSet}`);
      break;
    case "MariadbGtid":
      out(`Flags: ${e.gtidFlags}`);
      out(`GTID: ${e.gtid}`);
      break;
    case "MariadbGtidList":
      out(`GTID list: ${e.gtidList}`);
      break;
    case "MariadbBinlogCheckpoint":
      out(`Filename: ${e.checkpointFile}`);
      break;
    case "MariadbAnnotateRows":
    case "RowsQuery":
      out(`Query: ${e.query}`);
      break;
    case "Intvar":
      out(`Type: ${e.variable}`);
      out(`Value: ${e.value}`);
      break;
    case "Rand":
      out(`seed1: ${e.seed1}`);
      out(`seed2: ${e.seed2}`);
      break;
    case "UserVar":
      out(`User variable name: ${e.name}`);
      out(`Value: ${formatDumpValue(e.value)}`);
      break;
    case "Heartbeat":
      out(`Current binlog: ${e.logFile}`);
      break;
    case "TransactionPayload":
      out(`Compression: ${e.compression}`);
      out(`Payload size: ${e.payloadSize}`);
      out(`Uncompressed size: ${e.uncompressedSize}`);
      out(`Events: ${e.eventCount}`);
      break;
    case "TableMap":
      out(`Table id: ${e.tableId}`);
      out(`Schema: ${e.schema}`);
      out(`Table: ${e.table}`);
      out(`Columns: ${e.columns.length}`);
      break;
    case "WriteRows":
    case "DeleteRows":
      rowsHeader(e, out);
      for (const row of e.rows) {
        out("--");
        for (const [k, v] of Object.entries(row)) out(`* ${k} : ${formatDumpValue(v)}`);
      }
      break;
    case "UpdateRows":
    case "PartialUpdateRows":
      rowsHeader(e, out);
      for (const row of e.rows) {
        out("--");
        const keys = new Set([...Object.keys(row.before), ...Object.keys(row.after)]);
        for (const k of keys) {
          const b = Object.hasOwn(row.before, k) ? formatDumpValue(row.before[k]) : "";
          const a = Object.hasOwn(row.after, k) ? formatDumpValue(row.after[k]) : "";
          out(`*${k}:${b}=>${a}`);
        }
      }
      break;
    case "Unknown":
      out(`Event type: ${e.eventType}`);
      break;
  }
  return lines.join("\n") + "\n\n";
}

/**
 * Events about the binlog itself rather than the data: ROTATE, STOP, HEARTBEAT (v1 and v2),
 * MariaDB's BINLOG_CHECKPOINT, and the transaction ends XID and XA_PREPARE. Each decoder reads an
 * event body (a Reader over the bytes after the header, checksum excluded); each encoder writes one.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html (ROTATE_EVENT, STOP_EVENT, XID_EVENT, HEARTBEAT)
 * https://mariadb.com/kb/en/replication-protocol (ROTATE, HEARTBEAT_LOG_EVENT, BINLOG_CHECKPOINT_EVENT, XID_EVENT)
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/fake-rotate_event
 */
import { Reader, Writer } from "../bytes.ts";
import type {
  EventBody,
  HeartbeatEvent,
  MariadbBinlogCheckpointEvent,
  RotateEvent,
  XaPrepareEvent,
  XidEvent,
} from "./events.ts";
import { LOG_EVENT_ARTIFICIAL_F } from "./header.ts";

/** ROTATE: position (8 bytes, when the post-header has it) and the next file's name. */
export function decodeRotate(
  r: Reader,
  postHeaderLength: number,
  headerFlags: number,
  logPos: number,
): EventBody<RotateEvent> {
  const nextFilePosition = postHeaderLength >= 8 ? Number(r.u64()) : 4; // 8 bytes: position in the next file
  return {
    type: "Rotate",
    nextFilePosition,
    nextFile: r.restString(), // string<EOF>: the next file's name
    artificial: (headerFlags & LOG_EVENT_ARTIFICIAL_F) !== 0 || logPos === 0,
  };
}

/** The body of a ROTATE event. */
export function encodeRotate(nextFile: string, nextFilePosition: number): Uint8Array {
  return new Writer(32)
    .u64(nextFilePosition) // 8 bytes: position
    .string(nextFile) // string<EOF>: file name
    .finish();
}

/** HEARTBEAT (v1): the body is the file name; the position is the header's. */
export function decodeHeartbeatV1(r: Reader, logPos: number): EventBody<HeartbeatEvent> {
  // string<EOF>: the file name
  return { type: "Heartbeat", version: 1, logFile: r.restString(), logPosition: logPos };
}

/** HEARTBEAT_V2: fields as (type, length, value) with length-encoded integers, ended by type 0. */
export function decodeHeartbeatV2(r: Reader, logPos: number): EventBody<HeartbeatEvent> {
  let logFile = "";
  let logPosition = logPos;
  while (r.remaining > 0) {
    const field = r.lenenc(); // lenenc: field type (0 ends, 1 file name, 2 position)
    if (field === 0) break;
    const length = r.lenenc(); // lenenc: value length
    const end = r.pos + length;
    r.need(length);
    if (field === 1) logFile = r.string(length); // length bytes: file name
    else if (field === 2) logPosition = new Reader(r.bytes, r.pos, end).lenenc(); // lenenc: position
    r.pos = end;
  }
  return { type: "Heartbeat", version: 2, logFile, logPosition };
}

/** The body of a HEARTBEAT_V2 event. */
export function encodeHeartbeatV2(logFile: string, logPosition: number): Uint8Array {
  const position = new Writer(9).lenenc(logPosition).finish();
  return new Writer(32).lenenc(1).lenencString(logFile).lenenc(2).lenencBytes(position).lenenc(0).finish();
}

/** MariaDB BINLOG_CHECKPOINT: the length of the file name (4 bytes), then the name. */
export function decodeBinlogCheckpoint(r: Reader): EventBody<MariadbBinlogCheckpointEvent> {
  const length = r.u32(); // 4 bytes: file name length
  return { type: "MariadbBinlogCheckpoint", checkpointFile: r.string(length) }; // length bytes: file name
}

/** XID: the transaction's XA id (8 bytes). */
export function decodeXid(r: Reader): EventBody<XidEvent> {
  return { type: "Xid", xid: r.u64Number() }; // 8 bytes: xid
}

/** The body of an XID event. */
export function encodeXid(xid: number | bigint): Uint8Array {
  return new Writer(8).u64(xid).finish();
}

/** XA_PREPARE: one-phase flag, format id, gtrid and bqual lengths (4 bytes each), then their bytes. */
export function decodeXaPrepare(r: Reader): EventBody<XaPrepareEvent> {
  const onePhase = r.u8() !== 0; // 1 byte: one phase
  const formatId = r.i32(); // 4 bytes: format id
  const gtridLength = r.u32(); // 4 bytes: gtrid length
  const bqualLength = r.u32(); // 4 bytes: bqual length
  const gtrid = r.bytesCopy(gtridLength); // gtrid_length bytes: gtrid
  const bqual = r.bytesCopy(bqualLength); // bqual_length bytes: bqual
  return { type: "XaPrepare", onePhase, formatId, gtrid, bqual };
}

/**
 * The binlog v4 event header (19 bytes, "Binlog Event header" of the MySQL replication protocol) and
 * the 4-byte magic that starts a binlog file. Encoder and decoder.
 *
 * Pages:
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/2-binlog-event-header
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html (Binlog Event header)
 * https://mariadb.com/kb/en/binlog-events/ (the 4-byte magic)
 */
import { Writer } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";

/** Length of a v4 event header. */
export const EVENT_HEADER_LENGTH = 19;

/** `\xfebin`: the first four bytes of every binlog file. */
export const BINLOG_MAGIC: Uint8Array = new Uint8Array([0xfe, 0x62, 0x69, 0x6e]);

/** Header flag: the event was made up by the server for this stream (not in the file), e.g. a fake Rotate. */
export const LOG_EVENT_ARTIFICIAL_F = 0x20;

/** The fields of an event header. */
export interface EventHeader {
  /** Seconds since the epoch when the statement began. */
  readonly timestamp: number;
  /** The event type code (`EventType`). */
  readonly eventType: number;
  /** The server id of the server that wrote the event first. */
  readonly serverId: number;
  /** Size of the whole event: header, body and checksum. */
  readonly eventSize: number;
  /** Position of the next event in the binlog file (0 for artificial events). */
  readonly logPos: number;
  readonly flags: number;
}

/** Decodes the 19-byte header at `offset`. */
export function decodeEventHeader(bytes: Uint8Array, offset = 0): EventHeader {
  if (bytes.length - offset < EVENT_HEADER_LENGTH) {
    throw new ProtocolError(
      "truncated",
      `binlog event truncated: ${bytes.length - offset} bytes, a header alone needs ${EVENT_HEADER_LENGTH}`,
    );
  }
  const b = bytes, p = offset;
  const u32 = (i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000;
  const header: EventHeader = {
    timestamp: u32(p), // 4 bytes: timestamp
    eventType: b[p + 4], // 1 byte: event type
    serverId: u32(p + 5), // 4 bytes: server id
    eventSize: u32(p + 9), // 4 bytes: event size (header, body and checksum)
    logPos: u32(p + 13), // 4 bytes: next event's position
    flags: b[p + 17] | (b[p + 18] << 8), // 2 bytes: flags
  };
  if (header.eventSize < EVENT_HEADER_LENGTH) {
    throw new ProtocolError(
      "malformed",
      `binlog event of type ${header.eventType} declares a size of ${header.eventSize} bytes, less than its header`,
    );
  }
  return header;
}

/** Encodes an event header. */
export function encodeEventHeader(header: EventHeader): Uint8Array {
  return new Writer(EVENT_HEADER_LENGTH)
    .u32(header.timestamp) // 4 bytes: timestamp
    .u8(header.eventType) // 1 byte: event type
    .u32(header.serverId) // 4 bytes: server id
    .u32(header.eventSize) // 4 bytes: event size
    .u32(header.logPos) // 4 bytes: next event's position
    .u16(header.flags) // 2 bytes: flags
    .finish();
}

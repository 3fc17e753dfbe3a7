/**
 * FORMAT_DESCRIPTION_EVENT: the first event of every binlog (and of every dump), saying which
 * server wrote it, the length of the post-header of each event type, and (from MySQL 5.6.1 and
 * MariaDB 5.3 on) the checksum algorithm of the events after it. The FORMAT_DESCRIPTION itself
 * ends with the algorithm byte and a checksum (when the algorithm is CRC32). Encoder and decoder.
 *
 * Pages:
 * https://mariadb.com/kb/en/format_description_event/
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/format_description_event
 * https://dev.mysql.com/doc/dev/mysql-server/9.2.0/classmysql_1_1binlog_1_1event_1_1Format__description__event-members.html
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html (FORMAT_DESCRIPTION_EVENT)
 */
import { Reader, Writer } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import { CHECKSUM_LENGTH, ChecksumAlgorithm, crc32 } from "./checksum.ts";
import { EventType } from "./event-types.ts";
import type { EventBody, FormatDescriptionEvent } from "./events.ts";
import { encodeEventHeader, EVENT_HEADER_LENGTH } from "./header.ts";

/** The format description fields the decoder works with. */
export interface BinlogFormat {
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly headerLength: number;
  readonly postHeaderLengths: Uint8Array;
  readonly checksumAlgorithm: number;
}

/** True for servers whose FORMAT_DESCRIPTION carries a checksum algorithm (MySQL 5.6.1+, MariaDB 5.3+). */
export function hasChecksumAlgorithm(serverVersion: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(serverVersion);
  if (m === null) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (/mariadb/i.test(serverVersion)) return major > 5 || (major === 5 && minor >= 3);
  return major > 5 || (major === 5 && (minor > 6 || (minor === 6 && patch >= 1)));
}

/**
 * The format assumed before a FORMAT_DESCRIPTION is read: binlog v4 with MySQL 5.7's post-header
 * lengths and no checksums.
 */
export const defaultBinlogFormat: BinlogFormat = {
  binlogVersion: 4,
  serverVersion: "",
  headerLength: EVENT_HEADER_LENGTH,
  postHeaderLengths: new Uint8Array([
    56,
    13,
    0,
    8,
    0,
    18,
    0,
    4,
    4,
    4,
    4,
    18,
    0,
    0,
    95,
    0,
    4,
    26,
    8,
    0,
    0,
    0,
    8,
    8,
    8,
    2,
    0,
    0,
    0,
    10,
    10,
    10,
    42,
    42,
    0,
    18,
    52,
    0,
    10,
    40,
    0,
    0,
  ]),
  checksumAlgorithm: ChecksumAlgorithm.OFF,
};

/** The post-header length of an event type under a format (0 when the format does not list it). */
export function postHeaderLength(format: BinlogFormat, eventType: number): number {
  return format.postHeaderLengths[eventType - 1] ?? 0;
}

/** Decodes the body of a FORMAT_DESCRIPTION event: bytes [start, end) after the header, checksum included. */
export function decodeFormatDescription(
  bytes: Uint8Array,
  start: number,
  end: number,
): EventBody<FormatDescriptionEvent> {
  const r = new Reader(bytes, start, end);
  const binlogVersion = r.u16(); // 2 bytes: binlog version (4)
  const versionBytes = r.bytesView(50); // 50 bytes: server version, NUL-padded
  const nul = versionBytes.indexOf(0);
  const serverVersion = new TextDecoder().decode(nul < 0 ? versionBytes : versionBytes.subarray(0, nul));
  const createTimestamp = r.u32(); // 4 bytes: create timestamp
  const headerLength = r.u8(); // 1 byte: event header length (19)
  if (binlogVersion !== 4 || headerLength < EVENT_HEADER_LENGTH) {
    throw new ProtocolError(
      "unsupported",
      `binlog version ${binlogVersion} with ${headerLength}-byte headers: only version 4 (MySQL 5.0+) is supported`,
    );
  }
  // then 1 byte per event type: post-header lengths; 1 byte: checksum algorithm; 4 bytes: its CRC32
  let checksumAlgorithm: number = ChecksumAlgorithm.UNDEFINED;
  let postEnd = end;
  if (hasChecksumAlgorithm(serverVersion) && end - r.pos >= 1 + CHECKSUM_LENGTH) {
    postEnd = end - 1 - CHECKSUM_LENGTH;
    checksumAlgorithm = bytes[postEnd];
  }
  const postHeaderLengths = bytes.slice(r.pos, postEnd);
  return {
    type: "FormatDescription",
    binlogVersion,
    serverVersion,
    createTimestamp,
    headerLength,
    postHeaderLengths,
    checksumAlgorithm,
  };
}

/** Encodes a whole FORMAT_DESCRIPTION event (header, body, algorithm and its checksum). */
export function encodeFormatDescription(
  fields: {
    readonly serverVersion: string;
    readonly createTimestamp?: number;
    readonly postHeaderLengths?: Uint8Array;
    readonly checksumAlgorithm?: number;
  },
  header: {
    readonly timestamp?: number;
    readonly serverId?: number;
    readonly logPos?: number;
    readonly flags?: number;
  } = {},
): Uint8Array {
  const body = new Writer(128).u16(4); // 2 bytes: binlog version
  const version = new Uint8Array(50);
  version.set(new TextEncoder().encode(fields.serverVersion).subarray(0, 49));
  // 50 bytes server version, 4 bytes create timestamp, 1 byte header length
  body.bytes(version).u32(fields.createTimestamp ?? 0).u8(EVENT_HEADER_LENGTH);
  // 1 byte per event type: post-header lengths
  body.bytes(fields.postHeaderLengths ?? defaultBinlogFormat.postHeaderLengths);
  const algorithm = fields.checksumAlgorithm ?? ChecksumAlgorithm.OFF;
  body.u8(algorithm); // 1 byte: checksum algorithm (the 4-byte CRC32 follows)
  const payload = body.finish();
  const size = EVENT_HEADER_LENGTH + payload.length + CHECKSUM_LENGTH;
  const out = new Uint8Array(size);
  out.set(
    encodeEventHeader({
      timestamp: header.timestamp ?? 0,
      eventType: EventType.FORMAT_DESCRIPTION,
      serverId: header.serverId ?? 1,
      eventSize: size,
      logPos: header.logPos ?? 4 + size,
      flags: header.flags ?? 0,
    }),
  );
  out.set(payload, EVENT_HEADER_LENGTH);
  if (algorithm === ChecksumAlgorithm.CRC32) {
    const crc = crc32(out, 0, size - CHECKSUM_LENGTH);
    new DataView(out.buffer).setUint32(size - CHECKSUM_LENGTH, crc, true);
  }
  return out;
}

/**
 * The commands a replica sends to ask for the binlog: COM_REGISTER_SLAVE (announce itself with a
 * server id), COM_BINLOG_DUMP (from a file and position) and COM_BINLOG_DUMP_GTID (MySQL 5.6+:
 * from a GTID set, the GTIDs the replica already has). After a dump command the server sends each
 * event as a packet starting with 0x00, and an EOF packet when a non-blocking dump reaches the end.
 * Encoders and decoders.
 *
 * Pure codec. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_register_slave.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_binlog_dump.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_binlog_dump_gtid.html
 * https://mariadb.com/kb/en/com_register_slave/
 * https://mariadb.com/kb/en/com_binlog_dump/
 *
 * Layouts (sizes in bytes):
 * ```
 * COM_REGISTER_SLAVE:   1 command 0x15 | 4 server_id | 1+n hostname | 1+n user | 1+n password
 *                       | 2 port | 4 replication_rank (0) | 4 master_id (0)
 * COM_BINLOG_DUMP:      1 command 0x12 | 4 binlog_pos | 2 flags | 4 server_id | EOF binlog_filename
 * COM_BINLOG_DUMP_GTID: 1 command 0x1e | 2 flags | 4 server_id | 4 name_size | n binlog_filename
 *                       | 8 binlog_pos | (flags & THROUGH_GTID) 4 data_size | n gtid set (binary)
 * ```
 */
import { Reader, Writer } from "../bytes.ts";
import { Command } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import type { GtidSetEntry } from "./events.ts";
import { decodeGtidSetBinary, encodeGtidSetBinary } from "./gtid-set.ts";

/** COM_BINLOG_DUMP / COM_BINLOG_DUMP_GTID flags. */
export const BinlogDumpFlag = {
  /** Send EOF at the end of the log instead of waiting for more events. */
  NON_BLOCK: 0x01,
  /** MariaDB: send ANNOTATE_ROWS events. */
  SEND_ANNOTATE_ROWS: 0x02,
  /** COM_BINLOG_DUMP_GTID: the GTID set follows. */
  THROUGH_GTID: 0x04,
} as const;

/** COM_REGISTER_SLAVE fields. */
export interface RegisterReplica {
  readonly serverId: number;
  readonly hostname: string;
  readonly user: string;
  readonly password: string;
  readonly port: number;
}

function shortString(w: Writer, text: string): void {
  const bytes = new TextEncoder().encode(text).subarray(0, 255);
  w.u8(bytes.length).bytes(bytes);
}

/** Encodes COM_REGISTER_SLAVE. */
export function encodeRegisterReplica(r: RegisterReplica): Uint8Array {
  const w = new Writer(32).u8(Command.COM_REGISTER_SLAVE).u32(r.serverId);
  shortString(w, r.hostname);
  shortString(w, r.user);
  shortString(w, r.password);
  return w.u16(r.port).u32(0).u32(0).finish();
}

/** Decodes COM_REGISTER_SLAVE. */
export function decodeRegisterReplica(payload: Uint8Array): RegisterReplica {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_REGISTER_SLAVE) throw new ProtocolError("malformed", "not a COM_REGISTER_SLAVE");
  const serverId = r.u32();
  const hostname = r.string(r.u8());
  const user = r.string(r.u8());
  const password = r.string(r.u8());
  return { serverId, hostname, user, password, port: r.u16() };
}

/** COM_BINLOG_DUMP fields. */
export interface BinlogDump {
  readonly position: number;
  readonly flags: number;
  readonly serverId: number;
  /** The file to start in ("" with MariaDB's @slave_connect_state: the GTID position decides). */
  readonly file: string;
}

/** Encodes COM_BINLOG_DUMP (the position is 4 bytes: files beyond 4 GiB need COM_BINLOG_DUMP_GTID). */
export function encodeBinlogDump(d: BinlogDump): Uint8Array {
  if (d.position > 0xffffffff) {
    throw new RangeError(`binlog position ${d.position} does not fit COM_BINLOG_DUMP`);
  }
  return new Writer(32).u8(Command.COM_BINLOG_DUMP).u32(d.position).u16(d.flags).u32(d.serverId).string(
    d.file,
  )
    .finish();
}

/** Decodes COM_BINLOG_DUMP. */
export function decodeBinlogDump(payload: Uint8Array): BinlogDump {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_BINLOG_DUMP) throw new ProtocolError("malformed", "not a COM_BINLOG_DUMP");
  return { position: r.u32(), flags: r.u16(), serverId: r.u32(), file: r.restString() };
}

/** COM_BINLOG_DUMP_GTID fields. */
export interface BinlogDumpGtid {
  readonly flags: number;
  readonly serverId: number;
  readonly file: string;
  readonly position: number;
  /** The GTIDs the replica has: the server sends every transaction not in it. */
  readonly gtids: readonly GtidSetEntry[];
}

/** Encodes COM_BINLOG_DUMP_GTID (with THROUGH_GTID set). */
export function encodeBinlogDumpGtid(d: BinlogDumpGtid): Uint8Array {
  const file = new TextEncoder().encode(d.file);
  const set = encodeGtidSetBinary(d.gtids);
  return new Writer(64 + set.length)
    .u8(Command.COM_BINLOG_DUMP_GTID)
    .u16(d.flags | BinlogDumpFlag.THROUGH_GTID)
    .u32(d.serverId)
    .u32(file.length)
    .bytes(file)
    .u64(d.position)
    .u32(set.length)
    .bytes(set)
    .finish();
}

/** Decodes COM_BINLOG_DUMP_GTID. */
export function decodeBinlogDumpGtid(payload: Uint8Array): BinlogDumpGtid {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_BINLOG_DUMP_GTID) {
    throw new ProtocolError("malformed", "not a COM_BINLOG_DUMP_GTID");
  }
  const flags = r.u16();
  const serverId = r.u32();
  const file = r.string(r.u32());
  const position = Number(r.u64());
  let gtids: GtidSetEntry[] = [];
  if (flags & BinlogDumpFlag.THROUGH_GTID) {
    const size = r.u32();
    gtids = decodeGtidSetBinary(new Reader(r.bytes, r.pos, r.pos + size));
    r.skip(size);
  }
  return { flags, serverId, file, position, gtids };
}

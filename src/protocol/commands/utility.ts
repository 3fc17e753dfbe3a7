/**
 * The small text-protocol commands, encode and decode: COM_INIT_DB, COM_PING, COM_QUIT,
 * COM_STATISTICS, COM_FIELD_LIST, COM_PROCESS_KILL and COM_SET_OPTION. (COM_QUERY is in query.ts,
 * the session resets in change-user.ts, the prepared-statement commands in ../statements.ts, the
 * replication commands in ../binlog/replication.ts.)
 *
 * Pure codec: bytes in, bytes or plain data out. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_init_db.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_ping.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_quit.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_statistics.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_field_list.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_process_kill.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_set_option.html
 * https://mariadb.com/kb/en/com_field_list/
 */
import { Reader, utf8, Writer } from "../bytes.ts";
import { Command } from "../constants.ts";
import { ProtocolError } from "../errors.ts";

function expect(payload: Uint8Array, command: number, name: string): Reader {
  const r = new Reader(payload);
  if (payload.length === 0 || r.u8() !== command) {
    throw new ProtocolError("malformed", `not a ${name} packet`);
  }
  return r;
}

/** Encodes COM_INIT_DB: `1 command 0x02 | EOF schema_name`. */
export function encodeInitDb(schema: string): Uint8Array {
  return new Writer(schema.length + 8).u8(Command.COM_INIT_DB).string(schema).finish();
}

/** Decodes COM_INIT_DB: the schema to make the default. */
export function decodeInitDb(payload: Uint8Array): string {
  expect(payload, Command.COM_INIT_DB, "COM_INIT_DB");
  return utf8(payload, 1);
}

/** The commands that are their command byte alone. */
export type BareCommand =
  | typeof Command.COM_PING
  | typeof Command.COM_QUIT
  | typeof Command.COM_STATISTICS
  | typeof Command.COM_RESET_CONNECTION
  | typeof Command.COM_DEBUG;

/** Encodes a command that has no argument (`1 command`): COM_PING, COM_QUIT, COM_STATISTICS, ... */
export function encodeBareCommand(command: BareCommand): Uint8Array {
  return Uint8Array.of(command);
}

/**
 * Checks a command that has no argument. Trailing bytes are ignored, as servers ignore them
 * (COM_RESET_CONNECTION's own decoder in change-user.ts is strict).
 */
export function decodeBareCommand(payload: Uint8Array, command: BareCommand): void {
  expect(payload, command, `command 0x${command.toString(16)}`);
}

/** Encodes COM_PING. The server answers OK. */
export function encodePing(): Uint8Array {
  return encodeBareCommand(Command.COM_PING);
}

/** Encodes COM_QUIT. The server closes the connection (or sends nothing). */
export function encodeQuit(): Uint8Array {
  return encodeBareCommand(Command.COM_QUIT);
}

/** Encodes COM_STATISTICS. The server answers with a bare string packet (no OK header). */
export function encodeStatistics(): Uint8Array {
  return encodeBareCommand(Command.COM_STATISTICS);
}

/** Encodes the answer to COM_STATISTICS: the text alone (e.g. "Uptime: 5  Threads: 1 ..."). */
export function encodeStatisticsResponse(text: string): Uint8Array {
  return new Writer(text.length + 4).string(text).finish();
}

/** Decodes the answer to COM_STATISTICS. */
export function decodeStatisticsResponse(payload: Uint8Array): string {
  return utf8(payload);
}

/**
 * COM_FIELD_LIST (deprecated, still sent by the mariadb CLI's auto-rehash): the columns of a table,
 * answered by column definitions and an EOF.
 */
export interface FieldList {
  readonly table: string;
  /** A LIKE pattern on column names ("" for all). */
  readonly wildcard: string;
}

/** Encodes COM_FIELD_LIST: `1 command 0x04 | NUL table | EOF wildcard`. */
export function encodeFieldList(f: FieldList): Uint8Array {
  if (f.table.includes("\0")) throw new RangeError("COM_FIELD_LIST table name contains a NUL");
  return new Writer(f.table.length + f.wildcard.length + 8).u8(Command.COM_FIELD_LIST).nulString(f.table)
    .string(f.wildcard).finish();
}

/** Decodes COM_FIELD_LIST. */
export function decodeFieldList(payload: Uint8Array): FieldList {
  const r = expect(payload, Command.COM_FIELD_LIST, "COM_FIELD_LIST");
  const table = r.nulString();
  return { table, wildcard: r.restString() };
}

/** Encodes COM_PROCESS_KILL: `1 command 0x0c | 4 connection_id`. */
export function encodeProcessKill(connectionId: number): Uint8Array {
  return new Writer(5).u8(Command.COM_PROCESS_KILL).u32(connectionId).finish();
}

/** Decodes COM_PROCESS_KILL: the connection id to kill. */
export function decodeProcessKill(payload: Uint8Array): number {
  return expect(payload, Command.COM_PROCESS_KILL, "COM_PROCESS_KILL").u32();
}

/** COM_SET_OPTION values. */
export const SetOption = {
  MULTI_STATEMENTS_ON: 0,
  MULTI_STATEMENTS_OFF: 1,
} as const;

/** Encodes COM_SET_OPTION: `1 command 0x1b | 2 option` (a `SetOption`). The server answers EOF (or ERR). */
export function encodeSetOption(option: number): Uint8Array {
  return new Writer(3).u8(Command.COM_SET_OPTION).u16(option).finish();
}

/** Decodes COM_SET_OPTION: the option. */
export function decodeSetOption(payload: Uint8Array): number {
  return expect(payload, Command.COM_SET_OPTION, "COM_SET_OPTION").u16();
}

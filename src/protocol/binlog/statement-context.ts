/**
 * Events that carry the context of a statement: INTVAR (LAST_INSERT_ID / INSERT_ID), RAND (seeds),
 * USER_VAR (a user variable's value), and the statement text logged beside row events: MySQL's
 * ROWS_QUERY and MariaDB's ANNOTATE_ROWS. Decoders read an event body (checksum excluded).
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html (INTVAR_EVENT, RAND_EVENT, USER_VAR_EVENT)
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.7/classmysql_1_1binlog_1_1event_1_1Rows__query__event.html
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/annotate_rows_event
 * https://mariadb.com/kb/en/annotate_rows_log_event
 */
import { type Reader, utf8 } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import { charsetDecoder } from "../values.ts";
import { decodeDecimalBinary } from "./decimal.ts";
import type {
  EventBody,
  IntvarEvent,
  MariadbAnnotateRowsEvent,
  RandEvent,
  RowsQueryEvent,
  UserVarEvent,
} from "./events.ts";

/** INTVAR: the variable (1 byte) and its value (8 bytes). */
export function decodeIntvar(r: Reader): EventBody<IntvarEvent> {
  const code = r.u8(); // 1 byte: variable (1 LAST_INSERT_ID, 2 INSERT_ID)
  const variable = code === 1 ? "LAST_INSERT_ID" : code === 2 ? "INSERT_ID" : "UNKNOWN";
  return { type: "Intvar", variable, value: r.u64Number() }; // 8 bytes: value
}

/** RAND: two 8-byte seeds. */
export function decodeRand(r: Reader): EventBody<RandEvent> {
  return { type: "Rand", seed1: r.u64(), seed2: r.u64() }; // 8 bytes + 8 bytes: seeds
}

const UserVarType = { STRING: 0, REAL: 1, INT: 2, ROW: 3, DECIMAL: 4 } as const;
const UNSIGNED_FLAG = 1;

/**
 * USER_VAR: name length and name, a NULL flag, then the value's type, charset, length and bytes,
 * and (from MySQL 5.6 / MariaDB 10.0 on) a flags byte (1 = unsigned).
 */
export function decodeUserVar(r: Reader): EventBody<UserVarEvent> {
  const name = r.string(r.u32()); // 4 bytes: name length, then the name
  const isNull = r.u8() !== 0; // 1 byte: is NULL
  if (isNull) return { type: "UserVar", name, value: null, charset: 63 };
  const valueType = r.u8(); // 1 byte: value type
  const charset = r.u32(); // 4 bytes: charset
  const length = r.u32(); // 4 bytes: value length
  const start = r.pos;
  r.skip(length); // length bytes: value
  const flags = r.remaining > 0 ? r.u8() : 0; // 1 byte: flags (optional)
  const b = r.bytes;
  let value: unknown;
  switch (valueType) {
    case UserVarType.STRING: {
      const decode = charsetDecoder(charset);
      value = decode === undefined ? b.slice(start, start + length) : decode(b, start, start + length);
      break;
    }
    case UserVarType.REAL:
      if (length !== 8) throw new ProtocolError("malformed", `USER_VAR REAL value of ${length} bytes`);
      value = new DataView(b.buffer, b.byteOffset + start, 8).getFloat64(0, true);
      break;
    case UserVarType.INT: {
      if (length !== 8) throw new ProtocolError("malformed", `USER_VAR INT value of ${length} bytes`);
      const view = new DataView(b.buffer, b.byteOffset + start, 8);
      const v = flags & UNSIGNED_FLAG ? view.getBigUint64(0, true) : view.getBigInt64(0, true);
      value = v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      break;
    }
    case UserVarType.DECIMAL:
      if (length < 2) throw new ProtocolError("malformed", "USER_VAR DECIMAL value without precision");
      value = decodeDecimalBinary(b.subarray(0, start + length), start + 2, b[start], b[start + 1]);
      break;
    default:
      value = b.slice(start, start + length);
  }
  return { type: "UserVar", name, value, charset };
}

/** ROWS_QUERY: a length byte (of a possibly truncated count), then the statement to the end. */
export function decodeRowsQuery(r: Reader): EventBody<RowsQueryEvent> {
  r.skip(1); // 1 byte: length (ignored; the text runs to the end)
  return { type: "RowsQuery", query: utf8(r.bytes, r.pos, r.end) }; // string<EOF>: the statement
}

/** MariaDB ANNOTATE_ROWS: the statement, the whole body. */
export function decodeAnnotateRows(r: Reader): EventBody<MariadbAnnotateRowsEvent> {
  return { type: "MariadbAnnotateRows", query: utf8(r.bytes, r.pos, r.end) }; // string<EOF>: the statement
}

/**
 * QUERY_EVENT (a statement: DDL, BEGIN/COMMIT, statement-format DML) and MariaDB's
 * QUERY_COMPRESSED_EVENT, whose statement text is zlib-compressed. Post-header: thread id, execution
 * time, database name length, error code, status variables length; then the status variables, the
 * database name and a NUL, and the statement. Also MariaDB's compressed-record format, shared with
 * compressed rows events: a header byte (0x80 | bytes of length), the uncompressed length
 * big-endian, then a zlib stream.
 *
 * Pages:
 * http://kb-mirror.mariadb.com/kb/en/query_event (MariaDB knowledge base mirror)
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_replication_binlog_event.html (QUERY_EVENT)
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/rows_event_v1v2-rows_compressed_event_v1 (MariaDB's compressed-record header)
 */
import { Reader, utf8, Writer } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import type { EventBody, QueryEvent } from "./events.ts";
import { zlibInflate } from "./inflate.ts";

/** Inflates a MariaDB compressed record in bytes [start, end). */
export function uncompressRecord(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (end - start < 2) throw new ProtocolError("truncated", "compressed binlog record truncated");
  const head = bytes[start]; // 1 byte: header (0x80 | number of length bytes)
  const lengthBytes = head & 0x07;
  if ((head & 0x80) === 0 || (head & 0x70) !== 0 || lengthBytes < 1 || lengthBytes > 4) {
    throw new ProtocolError(
      "malformed",
      `compressed binlog record with unknown header 0x${head.toString(16)}`,
    );
  }
  if (end - start < 1 + lengthBytes) {
    throw new ProtocolError("truncated", "compressed binlog record truncated");
  }
  let size = 0; // 1-4 bytes: uncompressed length, big-endian
  for (let i = 1; i <= lengthBytes; i++) size = size * 256 + bytes[start + i]; // then the zlib stream
  return zlibInflate(bytes, start + 1 + lengthBytes, end, size);
}

/** Decodes a QUERY (or MariaDB QUERY_COMPRESSED) body. */
export function decodeQuery(r: Reader, postHeaderLength: number, compressed: boolean): EventBody<QueryEvent> {
  const start = r.pos;
  const threadId = r.u32(); // 4 bytes: thread id
  const executionTime = r.u32(); // 4 bytes: execution time
  const schemaLength = r.u8(); // 1 byte: schema name length
  const errorCode = r.u16(); // 2 bytes: error code
  const statusVarsLength = postHeaderLength >= 13 ? r.u16() : 0; // 2 bytes: status variables length
  r.pos = start + postHeaderLength;
  const statusVars = r.bytesCopy(statusVarsLength); // status_vars_length bytes: status variables
  const schema = r.string(schemaLength); // schema_length bytes: schema name
  r.skip(1); // 1 byte: its NUL
  // string<EOF>: the statement (zlib record when compressed)
  const query = compressed ? utf8(uncompressRecord(r.bytes, r.pos, r.end)) : r.restString();
  return { type: "Query", threadId, executionTime, errorCode, schema, query, statusVars, compressed };
}

/** The body of a QUERY event (no status variables unless given). */
export function encodeQuery(
  fields: {
    threadId?: number;
    executionTime?: number;
    errorCode?: number;
    schema: string;
    query: string;
    statusVars?: Uint8Array;
  },
): Uint8Array {
  const schema = new TextEncoder().encode(fields.schema);
  const statusVars = fields.statusVars ?? new Uint8Array(0);
  return new Writer(64 + fields.query.length)
    .u32(fields.threadId ?? 0) // 4 bytes: thread id
    .u32(fields.executionTime ?? 0) // 4 bytes: execution time
    .u8(schema.length) // 1 byte: schema name length
    .u16(fields.errorCode ?? 0) // 2 bytes: error code
    .u16(statusVars.length) // 2 bytes: status variables length
    .bytes(statusVars) // status variables
    .bytes(schema) // schema name
    .u8(0) // its NUL
    .string(fields.query) // string<EOF>: the statement
    .finish();
}

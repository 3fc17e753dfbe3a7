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
  const head = bytes[start];
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
  let size = 0;
  for (let i = 1; i <= lengthBytes; i++) size = size * 256 + bytes[start + i];
  return zlibInflate(bytes, start + 1 + lengthBytes, end, size);
}

/** Decodes a QUERY (or MariaDB QUERY_COMPRESSED) body. */
export function decodeQuery(r: Reader, postHeaderLength: number, compressed: boolean): EventBody<QueryEvent> {
  const start = r.pos;
  const threadId = r.u32();
  const executionTime = r.u32();
  const schemaLength = r.u8();
  const errorCode = r.u16();
  const statusVarsLength = postHeaderLength >= 13 ? r.u16() : 0;
  r.pos = start + postHeaderLength;
  const statusVars = r.bytesCopy(statusVarsLength);
  const schema = r.string(schemaLength);
  r.skip(1);
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
    .u32(fields.threadId ?? 0)
    .u32(fields.executionTime ?? 0)
    .u8(schema.length)
    .u16(fields.errorCode ?? 0)
    .u16(statusVars.length)
    .bytes(statusVars)
    .bytes(schema)
    .u8(0)
    .string(fields.query)
    .finish();
}

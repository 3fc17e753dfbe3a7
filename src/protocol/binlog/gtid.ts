/**
 * GTID events. MySQL: GTID_LOG_EVENT and ANONYMOUS_GTID_LOG_EVENT (flags, source UUID, number,
 * then from 5.7 the logical clock, from 8.0 commit timestamps, transaction length and server
 * versions), GTID_TAGGED_LOG_EVENT (8.3+: the same fields in the serialization library's format, with
 * a tag) and PREVIOUS_GTIDS_LOG_EVENT. MariaDB: GTID_EVENT (sequence number, domain, flags, commit
 * id, XA and extra flags) and GTID_LIST_EVENT. Decoders read an event body (checksum excluded).
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/classmysql_1_1binlog_1_1event_1_1Gtid__event.html
 * http://kb-mirror.mariadb.com/kb/en/library/server-client-software/client-libraries/clientserver-protocol/replication-protocol/gtid_event (mirror)
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/fake-gtid_list-event
 */
import { Reader, Writer } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import type {
  AnonymousGtidEvent,
  EventBody,
  GtidEvent,
  GtidTaggedEvent,
  MariadbGtidEvent,
  MariadbGtidListEvent,
  MariadbGtidPosition,
  MysqlGtidFields,
  PreviousGtidsEvent,
} from "./events.ts";
import { decodeGtidSetBinary, formatGtidSet, formatMariadbGtids, formatUuid, parseUuid } from "./gtid-set.ts";
import { readVarlenInt, readVarlenUint } from "./serialization.ts";

function integer(v: bigint): number | bigint {
  return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v;
}

/** The fields of an untagged MySQL GTID event (GTID or ANONYMOUS_GTID body). */
function decodeMysqlGtidFields(r: Reader): MysqlGtidFields {
  const gtidFlags = r.u8(); // 1 byte: flags
  const uuid = formatUuid(r.bytesView(16)); // 16 bytes: source UUID
  const gno = integer(r.i64()); // 8 bytes: GNO
  let lastCommitted: number | bigint = 0, sequenceNumber: number | bigint = 0;
  let immediateCommitTimestamp: number | bigint = 0, originalCommitTimestamp: number | bigint = 0;
  let transactionLength: number | bigint = 0;
  let immediateServerVersion = 0, originalServerVersion = 0;
  if (r.remaining >= 17 && r.peek() === 2) {
    r.skip(1); // 1 byte: logical clock type code (2)
    lastCommitted = integer(r.i64()); // 8 bytes: last committed
    sequenceNumber = integer(r.i64()); // 8 bytes: sequence number
    if (r.remaining >= 7) {
      // 7 bytes: immediate commit timestamp (bit 55: original follows)
      let ts = BigInt(r.u48()) | (BigInt(r.u8()) << 48n);
      const hasOriginal = (ts & (1n << 55n)) !== 0n;
      ts &= ~(1n << 55n);
      immediateCommitTimestamp = integer(ts);
      originalCommitTimestamp = immediateCommitTimestamp;
      // 7 bytes: original commit timestamp
      if (hasOriginal) originalCommitTimestamp = integer(BigInt(r.u48()) | (BigInt(r.u8()) << 48n));
      if (r.remaining > 0) transactionLength = r.lenencBig(); // lenenc: transaction length
      if (r.remaining >= 4) {
        const v = r.u32(); // 4 bytes: immediate server version (bit 31: original follows)
        immediateServerVersion = v & 0x7fffffff;
        // 4 bytes: original server version
        originalServerVersion = v & 0x80000000 ? r.u32() : immediateServerVersion;
      }
    }
  }
  return {
    uuid,
    gno,
    gtidFlags,
    lastCommitted,
    sequenceNumber,
    immediateCommitTimestamp,
    originalCommitTimestamp,
    transactionLength,
    immediateServerVersion,
    originalServerVersion,
  };
}

/** GTID_LOG_EVENT. */
export function decodeGtid(r: Reader): EventBody<GtidEvent> {
  const fields = decodeMysqlGtidFields(r);
  return { type: "Gtid", ...fields, gtid: `${fields.uuid}:${fields.gno}` };
}

/** ANONYMOUS_GTID_LOG_EVENT. */
export function decodeAnonymousGtid(r: Reader): EventBody<AnonymousGtidEvent> {
  return { type: "AnonymousGtid", ...decodeMysqlGtidFields(r) };
}

/** The body of a GTID_LOG_EVENT with the 5.7 logical clock (what tests and fakes need). */
export function encodeGtid(
  fields: {
    uuid: string;
    gno: number | bigint;
    gtidFlags?: number;
    lastCommitted?: number;
    sequenceNumber?: number;
  },
): Uint8Array {
  return new Writer(42)
    .u8(fields.gtidFlags ?? 1)
    .bytes(parseUuid(fields.uuid))
    .i64(BigInt(fields.gno))
    .u8(2)
    .i64(fields.lastCommitted ?? 0)
    .i64(fields.sequenceNumber ?? 1)
    .finish();
}

/** GTID_TAGGED_LOG_EVENT field ids (serialization format version 2). */
const TaggedField = {
  FLAGS: 0,
  UUID: 1,
  GNO: 2,
  TAG: 3,
  LAST_COMMITTED: 4,
  SEQUENCE_NUMBER: 5,
  IMMEDIATE_COMMIT_TIMESTAMP: 6,
  ORIGINAL_COMMIT_TIMESTAMP: 7,
  TRANSACTION_LENGTH: 8,
  IMMEDIATE_SERVER_VERSION: 9,
  ORIGINAL_SERVER_VERSION: 10,
  COMMIT_GROUP_TICKET: 11,
} as const;

/**
 * GTID_TAGGED_LOG_EVENT: a version byte (2), the payload size and the last non-ignorable field id
 * as variable-length integers, then (field id, value) pairs.
 */
export function decodeGtidTagged(r: Reader): EventBody<GtidTaggedEvent> {
  const start = r.pos;
  const version = r.u8(); // 1 byte: serialization format version
  if (version !== 2) {
    throw new ProtocolError(
      "unsupported",
      `GTID_TAGGED_LOG_EVENT serialization version ${version} (only 2 is known)`,
    );
  }
  const payloadSize = readVarlenUint(r); // varlen: payload size
  const lastNonIgnorable = readVarlenUint(r); // varlen: last non-ignorable field id
  const end = start + Number(payloadSize);
  if (end < r.pos || end > r.end) {
    throw new ProtocolError(
      "malformed",
      `GTID_TAGGED_LOG_EVENT payload of ${payloadSize} bytes does not fit the event`,
    );
  }
  const f = new Reader(r.bytes, r.pos, end);
  r.pos = end;
  let gtidFlags = 0, uuid = "00000000-0000-0000-0000-000000000000", tag = "";
  let gno: number | bigint = 0, lastCommitted: number | bigint = 0, sequenceNumber: number | bigint = 0;
  let immediateCommitTimestamp: number | bigint = 0, originalCommitTimestamp: number | bigint | undefined;
  let transactionLength: number | bigint = 0, immediateServerVersion = 0;
  let originalServerVersion: number | undefined;
  while (f.remaining > 0) {
    // varlen: field id, then its value (varlen, or varlen length + bytes)
    const id = Number(readVarlenUint(f));
    switch (id) {
      case TaggedField.FLAGS:
        gtidFlags = Number(readVarlenUint(f));
        break;
      case TaggedField.UUID: {
        const bytes = new Uint8Array(16);
        for (let i = 0; i < 16; i++) bytes[i] = Number(readVarlenUint(f) & 0xffn);
        uuid = formatUuid(bytes);
        break;
      }
      case TaggedField.GNO:
        gno = integer(readVarlenInt(f));
        break;
      case TaggedField.TAG:
        tag = f.string(Number(readVarlenUint(f)));
        break;
      case TaggedField.LAST_COMMITTED:
        lastCommitted = integer(readVarlenInt(f));
        break;
      case TaggedField.SEQUENCE_NUMBER:
        sequenceNumber = integer(readVarlenInt(f));
        break;
      case TaggedField.IMMEDIATE_COMMIT_TIMESTAMP:
        immediateCommitTimestamp = integer(readVarlenUint(f));
        break;
      case TaggedField.ORIGINAL_COMMIT_TIMESTAMP:
        originalCommitTimestamp = integer(readVarlenUint(f));
        break;
      case TaggedField.TRANSACTION_LENGTH:
        transactionLength = integer(readVarlenUint(f));
        break;
      case TaggedField.IMMEDIATE_SERVER_VERSION:
        immediateServerVersion = Number(readVarlenUint(f));
        break;
      case TaggedField.ORIGINAL_SERVER_VERSION:
        originalServerVersion = Number(readVarlenUint(f));
        break;
      case TaggedField.COMMIT_GROUP_TICKET:
        readVarlenUint(f);
        break;
      default:
        if (BigInt(id) <= lastNonIgnorable) {
          throw new ProtocolError("unsupported", `GTID_TAGGED_LOG_EVENT has unknown required field ${id}`);
        }
        f.pos = f.end; // ignorable fields from a newer server: the rest can be skipped
    }
  }
  return {
    type: "GtidTagged",
    uuid,
    tag,
    gno,
    gtid: `${uuid}:${tag}:${gno}`,
    gtidFlags,
    lastCommitted,
    sequenceNumber,
    immediateCommitTimestamp,
    originalCommitTimestamp: originalCommitTimestamp ?? immediateCommitTimestamp,
    transactionLength,
    immediateServerVersion,
    originalServerVersion: originalServerVersion ?? immediateServerVersion,
  };
}

/** PREVIOUS_GTIDS_LOG_EVENT: a binary GTID set. */
export function decodePreviousGtids(r: Reader): EventBody<PreviousGtidsEvent> {
  const entries = decodeGtidSetBinary(r);
  return { type: "PreviousGtids", entries, gtidSet: formatGtidSet(entries) };
}

/** MariaDB GTID flags (`flags2`). */
export const MariadbGtidFlag = {
  STANDALONE: 1,
  GROUP_COMMIT_ID: 2,
  TRANSACTIONAL: 4,
  ALLOW_PARALLEL: 8,
  WAITED: 16,
  DDL: 32,
  PREPARED_XA: 64,
  COMPLETED_XA: 128,
} as const;

/** MariaDB GTID_EVENT: sequence number (8), domain (4), flags (1), then commit id or padding, XA id, extra flags. */
export function decodeMariadbGtid(r: Reader, serverId: number): EventBody<MariadbGtidEvent> {
  const sequence = r.u64Number(); // 8 bytes: sequence number
  const domainId = r.u32(); // 4 bytes: domain id
  const gtidFlags = r.u8(); // 1 byte: flags
  // 8 bytes: commit id (with FL_GROUP_COMMIT_ID)
  const commitId = gtidFlags & MariadbGtidFlag.GROUP_COMMIT_ID ? r.u64Number() : undefined;
  r.pos = r.end; // XA ids and extra flags are not exposed
  return {
    type: "MariadbGtid",
    gtid: `${domainId}-${serverId}-${sequence}`,
    domainId,
    sequence,
    gtidFlags,
    commitId,
    standalone: (gtidFlags & MariadbGtidFlag.STANDALONE) !== 0,
  };
}

/** The body of a MariaDB GTID_EVENT. */
export function encodeMariadbGtid(
  sequence: number | bigint,
  domainId: number,
  gtidFlags: number,
): Uint8Array {
  return new Writer(19).u64(sequence).u32(domainId).u8(gtidFlags).zeros(6).finish();
}

/** MariaDB GTID_LIST_EVENT: a count (low 28 bits) and flags (high 4), then (domain, server, sequence) triples. */
export function decodeMariadbGtidList(r: Reader): EventBody<MariadbGtidListEvent> {
  const word = r.u32(); // 4 bytes: count (low 28 bits) and flags (high 4)
  const count = word & 0x0fffffff;
  if (count * 16 > r.remaining) throw new ProtocolError("truncated", `GTID list of ${count} GTIDs truncated`);
  const gtids: MariadbGtidPosition[] = [];
  for (let i = 0; i < count; i++) {
    // 4 bytes domain, 4 bytes server id, 8 bytes sequence
    gtids.push({ domainId: r.u32(), serverId: r.u32(), sequence: r.u64Number() });
  }
  return { type: "MariadbGtidList", gtids, gtidList: formatMariadbGtids(gtids), listFlags: word >>> 28 };
}

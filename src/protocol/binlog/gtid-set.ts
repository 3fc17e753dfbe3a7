/**
 * GTID sets. MySQL's as text (`3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7,uuid2:tag:1-3`) and in the
 * binary form of PREVIOUS_GTIDS_LOG_EVENT and COM_BINLOG_DUMP_GTID (number of sources; per source
 * its 16-byte UUID, [tag,] number of intervals and each interval as [start, end) in 8-byte
 * integers; the tagged form, MySQL 8.3+, marks the count with a format byte). MariaDB's GTID
 * positions as text (`domain-server-sequence`, comma separated).
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_binlog_dump_gtid.html (the binary GTID set)
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/classmysql_1_1binlog_1_1event_1_1Gtid__event.html
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/fake-gtid_list-event (MariaDB's GTID positions)
 */
import { Reader, Writer } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import type { GtidSetEntry, MariadbGtidPosition } from "./events.ts";
import { readVarlenUint, writeVarlenUint } from "./serialization.ts";

/** A UUID's 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower case). */
export function formatUuid(bytes: Uint8Array, start = 0): string {
  let hex = "";
  for (let i = 0; i < 16; i++) hex += bytes[start + i].toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The 16 bytes of a UUID in text form (dashes optional). */
export function parseUuid(text: string): Uint8Array {
  const hex = text.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new TypeError(`invalid UUID ${JSON.stringify(text)} in a GTID set`);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function integer(v: bigint): number | bigint {
  return v <= 9007199254740991n ? Number(v) : v;
}

/** A MySQL GTID set as text: sources in the given order, intervals as `a-b` or `a`. */
export function formatGtidSet(entries: readonly GtidSetEntry[]): string {
  return entries.map((e) => {
    const intervals = e.intervals.map(([a, b]) => (BigInt(a) === BigInt(b) ? String(a) : `${a}-${b}`));
    return [e.uuid, ...(e.tag ? [e.tag] : []), ...intervals].join(":");
  }).join(",");
}

/**
 * Parses a MySQL GTID set (`uuid:1-5:7,uuid:tag:1-3`, whitespace and newlines allowed). Throws a
 * TypeError naming what is wrong.
 */
export function parseGtidSet(text: string): GtidSetEntry[] {
  const entries: GtidSetEntry[] = [];
  for (const part of text.split(",")) {
    const source = part.replace(/\s+/g, "");
    if (source === "") continue;
    const [uuidText, ...rest] = source.split(":");
    const uuid = formatUuid(parseUuid(uuidText));
    let tag: string | undefined;
    let intervals: [number | bigint, number | bigint][] = [];
    const flush = () => {
      if (intervals.length > 0) {
        entries.push(tag === undefined ? { uuid, intervals } : { uuid, tag, intervals });
      }
      intervals = [];
    };
    for (const piece of rest) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(piece);
      if (m === null) {
        if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,31}$/.test(piece)) {
          throw new TypeError(
            `invalid GTID set ${JSON.stringify(text)}: "${piece}" is neither an interval nor a tag`,
          );
        }
        flush();
        tag = piece.toLowerCase();
        continue;
      }
      const a = BigInt(m[1]), b = BigInt(m[2] ?? m[1]);
      if (a < 1n || b < a) throw new TypeError(`invalid GTID interval "${piece}" in ${JSON.stringify(text)}`);
      intervals.push([integer(a), integer(b)]);
    }
    if (intervals.length === 0) {
      throw new TypeError(`invalid GTID set ${JSON.stringify(text)}: "${source}" has no interval`);
    }
    flush();
  }
  return entries;
}

/** Decodes the binary GTID set of a PREVIOUS_GTIDS event (or a COM_BINLOG_DUMP_GTID) from a Reader. */
export function decodeGtidSetBinary(r: Reader): GtidSetEntry[] {
  // 8 bytes: source count; the tagged form: byte 0 the format (1), bytes 1-6 the count, byte 7 nonzero
  const header = r.u64();
  const tagged = header >> 56n !== 0n;
  const count = tagged ? (header >> 8n) & 0xffffffffffffn : header & 0xffffffffffffffn;
  // each source takes at least 24 bytes: refuse counts the bytes cannot hold before allocating
  if (count * 24n > BigInt(r.remaining)) {
    throw new ProtocolError("truncated", `GTID set of ${count} sources in ${r.remaining} bytes`);
  }
  const entries: GtidSetEntry[] = [];
  for (let i = 0n; i < count; i++) {
    const uuid = formatUuid(r.bytesView(16)); // 16 bytes: source UUID
    let tag: string | undefined;
    if (tagged) {
      const length = Number(readVarlenUint(r)); // varlen: tag length, then the tag (tagged form)
      if (length > 0) tag = r.string(length);
    }
    const n = r.u64(); // 8 bytes: interval count
    if (n * 16n > BigInt(r.remaining)) {
      throw new ProtocolError("truncated", `GTID set of ${n} intervals truncated`);
    }
    const intervals: [number | bigint, number | bigint][] = [];
    for (let j = 0n; j < n; j++) {
      const start = r.u64(); // 8 bytes: interval start
      const end = r.u64(); // 8 bytes: interval end (exclusive)
      intervals.push([integer(start), integer(end - 1n)]);
    }
    entries.push(tag === undefined ? { uuid, intervals } : { uuid, tag, intervals });
  }
  return entries;
}

/** Encodes a GTID set in binary form (tagged form only when an entry has a tag). */
export function encodeGtidSetBinary(entries: readonly GtidSetEntry[]): Uint8Array {
  const tagged = entries.some((e) => e.tag);
  const w = new Writer(8 + entries.length * 40);
  const count = BigInt(entries.length);
  w.u64(tagged ? (1n << 56n) | (count << 8n) | 1n : count); // 8 bytes: source count (tagged: format, count, marker)
  for (const e of entries) {
    w.bytes(parseUuid(e.uuid)); // 16 bytes: UUID
    if (tagged) {
      const tag = new TextEncoder().encode(e.tag ?? "");
      writeVarlenUint(w, BigInt(tag.length)); // varlen: tag length
      w.bytes(tag); // the tag
    }
    w.u64(e.intervals.length); // 8 bytes: interval count
    for (const [a, b] of e.intervals) w.u64(BigInt(a)).u64(BigInt(b) + 1n); // 8 bytes start, 8 bytes end (exclusive)
  }
  return w.finish();
}

/** MariaDB GTID positions as text (`0-1-100,1-2-5`). */
export function formatMariadbGtids(gtids: readonly MariadbGtidPosition[]): string {
  return gtids.map((g) => `${g.domainId}-${g.serverId}-${g.sequence}`).join(",");
}

/** Parses MariaDB GTID positions (`0-1-100,1-2-5`); throws a TypeError when one is malformed. */
export function parseMariadbGtids(text: string): MariadbGtidPosition[] {
  const out: MariadbGtidPosition[] = [];
  for (const part of text.split(",")) {
    const s = part.trim();
    if (s === "") continue;
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(s);
    if (m === null) {
      throw new TypeError(`invalid MariaDB GTID "${s}": expected domain-server-sequence, e.g. 0-1-42`);
    }
    out.push({ domainId: Number(m[1]), serverId: Number(m[2]), sequence: integer(BigInt(m[3])) });
  }
  return out;
}

/** The GTID set with one more transaction (`uuid[:tag]:gno`) in it; intervals stay merged and sorted. */
export function addGtid(entries: readonly GtidSetEntry[], gtid: string): GtidSetEntry[] {
  const parts = gtid.split(":");
  if (parts.length < 2 || parts.length > 3) throw new TypeError(`not a MySQL GTID: ${gtid}`);
  const uuid = formatUuid(parseUuid(parts[0]));
  const tag = parts.length === 3 ? parts[1].toLowerCase() : undefined;
  const gno = BigInt(parts[parts.length - 1]);
  const out = entries.map((e) => ({ ...e, intervals: [...e.intervals] }));
  let entry = out.find((e) => e.uuid === uuid && e.tag === tag);
  if (entry === undefined) {
    entry = tag === undefined ? { uuid, intervals: [] } : { uuid, tag, intervals: [] };
    out.push(entry);
  }
  const merged: [bigint, bigint][] = entry.intervals.map(([a, b]) => [BigInt(a), BigInt(b)]);
  merged.push([gno, gno]);
  merged.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const intervals: [number | bigint, number | bigint][] = [];
  let current = merged[0];
  for (const next of merged.slice(1)) {
    if (next[0] <= current[1] + 1n) current = [current[0], next[1] > current[1] ? next[1] : current[1]];
    else {
      intervals.push([integer(current[0]), integer(current[1])]);
      current = next;
    }
  }
  intervals.push([integer(current[0]), integer(current[1])]);
  entry.intervals = intervals;
  return out;
}

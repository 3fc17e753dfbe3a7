/**
 * The binlog codec piece by piece, on bytes built here: event headers, FORMAT_DESCRIPTION and
 * checksums, a stream of synthetic events through the decoder (GTIDs on the events of a
 * transaction, heartbeats, unknown types), binary JSON in its small and large forms, JSON diffs,
 * DECIMAL, GTID sets, the replication commands, and that rows of filtered tables are not decoded.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { CHECKSUM_LENGTH, ChecksumAlgorithm, crc32 } from "../../src/protocol/binlog/checksum.ts";
import { encodeHeartbeatV2, encodeRotate, encodeXid } from "../../src/protocol/binlog/control-events.ts";
import { decodeDecimalBinary, encodeDecimalBinary } from "../../src/protocol/binlog/decimal.ts";
import { BinlogDecoder } from "../../src/protocol/binlog/decoder.ts";
import { EventType } from "../../src/protocol/binlog/event-types.ts";
import type { BinlogEvent } from "../../src/protocol/binlog/events.ts";
import { encodeFormatDescription } from "../../src/protocol/binlog/format-description.ts";
import {
  addGtid,
  decodeGtidSetBinary,
  encodeGtidSetBinary,
  formatGtidSet,
  formatMariadbGtids,
  parseGtidSet,
  parseMariadbGtids,
} from "../../src/protocol/binlog/gtid-set.ts";
import { encodeGtid, encodeMariadbGtid, MariadbGtidFlag } from "../../src/protocol/binlog/gtid.ts";
import {
  decodeEventHeader,
  encodeEventHeader,
  EVENT_HEADER_LENGTH,
} from "../../src/protocol/binlog/header.ts";
import { decodeJsonBinary, jsonText } from "../../src/protocol/binlog/json-binary.ts";
import { applyJsonDiffs, decodeJsonDiffs, parseJsonPath } from "../../src/protocol/binlog/json-diff.ts";
import { encodeQuery } from "../../src/protocol/binlog/query.ts";
import {
  decodeBinlogDump,
  decodeBinlogDumpGtid,
  decodeRegisterReplica,
  encodeBinlogDump,
  encodeBinlogDumpGtid,
  encodeRegisterReplica,
} from "../../src/protocol/binlog/replication.ts";
import { Reader, Writer } from "../../src/protocol/bytes.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

/** A whole event: header, body and (with CRC32) its checksum. */
function event(type: number, body: Uint8Array, logPos: number, crc = true, serverId = 1): Uint8Array {
  const size = EVENT_HEADER_LENGTH + body.length + (crc ? CHECKSUM_LENGTH : 0);
  const out = new Uint8Array(size);
  out.set(
    encodeEventHeader({
      timestamp: 1700000000,
      eventType: type,
      serverId,
      eventSize: size,
      logPos,
      flags: 0,
    }),
  );
  out.set(body, EVENT_HEADER_LENGTH);
  if (crc) new DataView(out.buffer).setUint32(size - 4, crc32(out, 0, size - 4), true);
  return out;
}

describe("header, FORMAT_DESCRIPTION and checksums", () => {
  test("the 19-byte header round-trips", () => {
    const h = {
      timestamp: 1234567890,
      eventType: 30,
      serverId: 4294967295,
      eventSize: 100,
      logPos: 4096,
      flags: 0x20,
    };
    assert.deepEqual(decodeEventHeader(encodeEventHeader(h)), h);
    assert.throws(() => decodeEventHeader(new Uint8Array(10)), ProtocolError);
    assert.throws(() => decodeEventHeader(encodeEventHeader({ ...h, eventSize: 5 })), /less than its header/);
  });

  test("crc32 is zlib's", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  test("a synthetic stream: checksums verified, GTIDs on the events of their transaction", () => {
    const fde = encodeFormatDescription({
      serverVersion: "8.0.36",
      checksumAlgorithm: ChecksumAlgorithm.CRC32,
    });
    const uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    let pos = 4 + fde.length;
    const next = (type: number, body: Uint8Array) => {
      const e = event(type, body, pos + body.length + EVENT_HEADER_LENGTH + 4);
      pos += e.length;
      return e;
    };
    const events = [
      fde,
      next(EventType.GTID, encodeGtid({ uuid, gno: 42 })),
      next(EventType.QUERY, encodeQuery({ schema: "db", query: "BEGIN" })),
      next(EventType.QUERY, encodeQuery({ schema: "db", query: "INSERT INTO t VALUES (1)" })),
      next(EventType.XID, encodeXid(7)),
      next(EventType.GTID, encodeGtid({ uuid, gno: 43 })),
      next(EventType.QUERY, encodeQuery({ schema: "db", query: "CREATE TABLE u (id INT)" })),
      next(EventType.HEARTBEAT_V2, encodeHeartbeatV2("binlog.000007", 12345)),
      next(200, new Uint8Array([1, 2, 3])),
      next(EventType.ROTATE, encodeRotate("binlog.000008", 4)),
    ];
    const decoder = new BinlogDecoder({ file: "binlog.000007" });
    const out: BinlogEvent[] = [];
    for (const e of events) out.push(...decoder.decode(e));
    assert.deepEqual(out.map((e) => e.type), [
      "FormatDescription",
      "Gtid",
      "Query",
      "Query",
      "Xid",
      "Gtid",
      "Query",
      "Heartbeat",
      "Unknown",
      "Rotate",
    ]);
    assert.deepEqual(out.map((e) => e.gtid), [
      undefined,
      `${uuid}:42`,
      `${uuid}:42`,
      `${uuid}:42`,
      `${uuid}:42`,
      `${uuid}:43`,
      `${uuid}:43`,
      undefined,
      undefined,
      undefined,
    ]);
    const heartbeat = out[7];
    assert.ok(heartbeat.type === "Heartbeat");
    assert.equal(heartbeat.version, 2);
    assert.equal(heartbeat.logFile, "binlog.000007");
    assert.equal(heartbeat.logPosition, 12345);
    const unknown = out[8];
    assert.ok(unknown.type === "Unknown");
    assert.deepEqual(unknown.data, new Uint8Array([1, 2, 3]));
    assert.equal(out[1].position, 4 + fde.length);
    assert.equal(out[9].file, "binlog.000007");
    assert.equal(decoder.file, "binlog.000008");
    const xid = out[4];
    assert.ok(xid.type === "Xid" && xid.xid === 7);

    // a changed byte: the event is refused, naming the file and the position
    const bad = events[3].slice();
    bad[EVENT_HEADER_LENGTH + 20] ^= 1;
    const d2 = new BinlogDecoder({ file: "binlog.000007" });
    for (const e of events.slice(0, 3)) d2.decode(e);
    assert.throws(() => d2.decode(bad), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.reason, "checksum");
      assert.match(
        error.message,
        new RegExp(`Query event \\(type 2\\) at binlog\\.000007:${out[3].position}`),
      );
      return true;
    });
  });

  test("MariaDB GTIDs: a standalone one covers the next event only", () => {
    const fde = encodeFormatDescription({ serverVersion: "10.11.6-MariaDB-log" });
    const decoder = new BinlogDecoder();
    decoder.decode(fde);
    const gtid = decoder.decode(
      event(EventType.MARIADB_GTID, encodeMariadbGtid(9, 2, MariadbGtidFlag.STANDALONE), 500, false, 3),
    )[0];
    assert.ok(gtid.type === "MariadbGtid");
    assert.equal(gtid.gtid, "2-3-9");
    assert.equal(gtid.standalone, true);
    const ddl = decoder.decode(
      event(EventType.QUERY, encodeQuery({ schema: "d", query: "DROP TABLE x" }), 600, false),
    )[0];
    assert.equal(ddl.gtid, "2-3-9");
    const after =
      decoder.decode(event(EventType.QUERY, encodeQuery({ schema: "d", query: "FLUSH" }), 700, false))[0];
    assert.equal(after.gtid, undefined);
  });
});

describe("rows of filtered tables are not decoded", () => {
  const file = new Uint8Array(
    readFileSync(new URL("../../../shared/fixtures/binlog/mysql-bin.checksum-crc32", import.meta.url)),
  );

  /** The file with the bytes of every rows event body scrambled (checksums then do not match). */
  function scrambled(): Uint8Array {
    const copy = file.slice();
    for (let p = 4; p < copy.length;) {
      const h = decodeEventHeader(copy, p);
      if (h.eventType >= 30 && h.eventType <= 32) {
        for (let i = p + EVENT_HEADER_LENGTH + 10; i < p + h.eventSize - 4; i++) copy[i] = 0xff;
      }
      p += h.eventSize;
    }
    return copy;
  }

  test("a refused table's rows events are dropped without looking at their rows", () => {
    const bytes = scrambled();
    const read = (includeTable: (schema: string, table: string) => boolean) => {
      const decoder = new BinlogDecoder({ verifyChecksums: false, includeTable });
      const out: BinlogEvent[] = [];
      for (let p = 4; p < bytes.length;) {
        const h = decodeEventHeader(bytes, p);
        out.push(...decoder.decode(bytes, p, p + h.eventSize, p));
        p += h.eventSize;
      }
      return out;
    };
    const none = read(() => false);
    assert.equal(none.filter((e) => e.type === "WriteRows" || e.type === "UpdateRows").length, 0);
    assert.equal(none.filter((e) => e.type === "TableMap").length, 60);
    assert.throws(() => read(() => true), ProtocolError);
  });
});

/** MySQL's binary JSON for a JS value, in the large form when `large` (a test-side encoder). */
function jsonBinary(value: unknown, large = false): Uint8Array {
  const w = new Writer();
  w.u8(typeCode(value, large));
  w.bytes(jsonBody(value, large));
  return w.finish();
}

function typeCode(v: unknown, large: boolean): number {
  if (v === null || typeof v === "boolean") return 0x04;
  if (typeof v === "number") return Number.isInteger(v) ? (v >= -32768 && v <= 32767 ? 0x05 : 0x09) : 0x0b;
  if (typeof v === "string") return 0x0c;
  if (Array.isArray(v)) return large ? 0x03 : 0x02;
  return large ? 0x01 : 0x00;
}

function jsonBody(v: unknown, large: boolean): Uint8Array {
  const w = new Writer();
  if (v === null || typeof v === "boolean") return w.u8(v === null ? 0 : v ? 1 : 2).finish();
  if (typeof v === "number") {
    if (!Number.isInteger(v)) return w.f64(v).finish();
    return v >= -32768 && v <= 32767 ? w.u16(v & 0xffff).finish() : w.i64(BigInt(v)).finish();
  }
  if (typeof v === "string") {
    const bytes = new TextEncoder().encode(v);
    let n = bytes.length;
    do {
      w.u8((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n >>>= 7;
    } while (n > 0);
    return w.bytes(bytes).finish();
  }
  const isArray = Array.isArray(v);
  const entries = isArray ? (v as unknown[]).map((x) => ["", x] as const) : Object.entries(v as object);
  const size = large ? 4 : 2;
  const keys = entries.map(([k]) => new TextEncoder().encode(k));
  const headerSize = 2 * size + (isArray ? 0 : entries.length * (size + 2)) + entries.length * (1 + size);
  let offset = headerSize + keys.reduce((n, k) => n + (isArray ? 0 : k.length), 0);
  const values: Uint8Array[] = [];
  const valueEntries: [number, number][] = [];
  for (const [, x] of entries) {
    const t = typeCode(x, large);
    if (t === 0x04) valueEntries.push([t, x === null ? 0 : x ? 1 : 2]);
    else if (t === 0x05) valueEntries.push([t, (x as number) & 0xffff]);
    else {
      const body = jsonBody(x, large);
      valueEntries.push([t, offset]);
      values.push(body);
      offset += body.length;
    }
  }
  const put = (n: number) => (large ? w.u32(n) : w.u16(n));
  put(entries.length);
  put(offset);
  let keyOffset = headerSize;
  if (!isArray) {
    for (const k of keys) {
      put(keyOffset);
      w.u16(k.length);
      keyOffset += k.length;
    }
  }
  for (const [t, x] of valueEntries) {
    w.u8(t);
    put(x);
  }
  if (!isArray) { for (const k of keys) w.bytes(k); }
  for (const b of values) w.bytes(b);
  return w.finish();
}

describe("binary JSON", () => {
  const doc = {
    a: 1,
    b: [true, false, null, -5, 70000, 1.5, "x".repeat(200)],
    c: { nested: { deeper: ["é", { k: -1 }] } },
    "": "empty key",
  };

  test("small and large objects and arrays, inlined and offset values, long strings", () => {
    assert.deepEqual(decodeJsonBinary(jsonBinary(doc), 0, jsonBinary(doc).length), doc);
    const large = jsonBinary(doc, true);
    assert.deepEqual(decodeJsonBinary(large, 0, large.length), doc);
    const big = { list: Array.from({ length: 5000 }, (_, i) => ({ i, s: `item ${i}` })) };
    const bytes = jsonBinary(big, true);
    assert.ok(bytes.length > 65536);
    assert.deepEqual(decodeJsonBinary(bytes, 0, bytes.length), big);
    for (const scalar of [null, true, false, 0, -32768, 2 ** 40, 3.25, "text"]) {
      const b = jsonBinary(scalar);
      assert.deepEqual(decodeJsonBinary(b, 0, b.length), scalar);
    }
    assert.equal(decodeJsonBinary(new Uint8Array(0), 0, 0), null);
  });

  test("as MySQL prints it", () => {
    assert.equal(
      jsonText({ a: [1, "x", null, true], b: { c: 1.5 } }),
      '{"a": [1, "x", null, true], "b": {"c": 1.5}}',
    );
    assert.equal(jsonText([]), "[]");
    assert.equal(jsonText({}), "{}");
  });

  test("truncated or malformed documents are ProtocolErrors", () => {
    const bytes = jsonBinary(doc);
    for (let n = 1; n < bytes.length; n += 7) {
      try {
        decodeJsonBinary(bytes, 0, n);
      } catch (error) {
        assert.ok(error instanceof ProtocolError, String(error));
      }
    }
    assert.throws(() => decodeJsonBinary(new Uint8Array([0x0d, 0]), 0, 2), /unknown type/);
  });
});

describe("JSON diffs (partial updates)", () => {
  test("paths", () => {
    assert.deepEqual(parseJsonPath("$"), []);
    assert.deepEqual(parseJsonPath('$.a[2]."b c".d[last-1]'), ["a", 2, "b c", "d", { last: 1 }]);
    assert.throws(() => parseJsonPath("$.a[*]"), ProtocolError);
  });

  test("replace, insert and remove, as the server applies them", () => {
    const doc = { a: [1, 2, 3], b: { c: "x" }, d: 1 };
    const out = applyJsonDiffs(doc, [
      { operation: "replace", path: "$.a[1]", value: 20 },
      { operation: "insert", path: "$.a[0]", value: 0 },
      { operation: "insert", path: "$.b.e", value: [true] },
      { operation: "remove", path: "$.d" },
      { operation: "replace", path: "$.missing.x", value: 1 },
    ]);
    assert.deepEqual(out, { a: [0, 1, 20, 3], b: { c: "x", e: [true] } });
    assert.deepEqual(doc, { a: [1, 2, 3], b: { c: "x" }, d: 1 }, "the input is not changed");
  });

  test("the diff list format: operation, path, value", () => {
    const value = jsonBinary({ z: 1 });
    const w = new Writer().u8(0).lenencString("$.a").lenencBytes(value).u8(2).lenencString("$.b");
    const bytes = w.finish();
    assert.deepEqual(decodeJsonDiffs(bytes, 0, bytes.length), [
      { operation: "replace", path: "$.a", value: { z: 1 } },
      { operation: "remove", path: "$.b" },
    ]);
    assert.throws(() => decodeJsonDiffs(new Uint8Array([7]), 0, 1), /unknown JSON diff operation/);
  });
});

describe("DECIMAL", () => {
  test("MySQL's documented example: DECIMAL(14,4) 1234567890.1234", () => {
    const bytes = new Uint8Array([0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2]);
    assert.equal(decodeDecimalBinary(bytes, 0, 14, 4), "1234567890.1234");
    assert.deepEqual(encodeDecimalBinary("1234567890.1234", 14, 4), bytes);
    const negative = new Uint8Array([0x7e, 0xf2, 0x04, 0xc7, 0x2d, 0xfb, 0x2d]);
    assert.equal(decodeDecimalBinary(negative, 0, 14, 4), "-1234567890.1234");
  });

  test("scales and edges", () => {
    for (
      const [text, p, s] of [
        ["0.00", 5, 2],
        ["-0.50", 5, 2],
        ["99999", 5, 0],
        ["0.000000001", 18, 9],
        ["-12345678901234567890123456789012345.123456789012345678901234567891", 65, 30],
      ] as const
    ) {
      assert.equal(decodeDecimalBinary(encodeDecimalBinary(text, p, s), 0, p, s), text);
    }
    assert.throws(() => decodeDecimalBinary(new Uint8Array(2), 0, 10, 2), ProtocolError);
    assert.throws(() => decodeDecimalBinary(new Uint8Array(9), 0, 70, 2), /invalid DECIMAL/);
  });
});

describe("GTID sets and replication commands", () => {
  test("MySQL GTID sets: text, tags and binary", () => {
    const set = parseGtidSet(
      "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7, 3E11FA47-71CA-11E1-9E33-C80AA9429562:Tag_1:1-3",
    );
    assert.deepEqual(set, [
      { uuid: "3e11fa47-71ca-11e1-9e33-c80aa9429562", intervals: [[1, 5], [7, 7]] },
      { uuid: "3e11fa47-71ca-11e1-9e33-c80aa9429562", tag: "tag_1", intervals: [[1, 3]] },
    ]);
    assert.deepEqual(decodeGtidSetBinary(new Reader(encodeGtidSetBinary(set))), set);
    assert.throws(() => parseGtidSet("nope:1"), TypeError);
    assert.throws(() => parseGtidSet("3E11FA47-71CA-11E1-9E33-C80AA9429562:5-1"), /invalid GTID interval/);
    assert.throws(() => parseGtidSet("3E11FA47-71CA-11E1-9E33-C80AA9429562"), /no interval/);
  });

  test("adding a GTID to a set merges intervals", () => {
    const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    let set = parseGtidSet(`${u}:1-3:5`);
    set = addGtid(set, `${u}:4`);
    assert.equal(formatGtidSet(set), `${u}:1-5`);
    set = addGtid(set, `${u}:7`);
    set = addGtid(set, `${u}:tag:1`);
    assert.equal(formatGtidSet(set), `${u}:1-5:7,${u}:tag:1`);
    assert.equal(formatGtidSet(addGtid([], `${u}:9`)), `${u}:9`);
  });

  test("MariaDB GTID positions", () => {
    const gtids = parseMariadbGtids("0-1-100, 1-2-18446744073709551615");
    assert.deepEqual(gtids, [
      { domainId: 0, serverId: 1, sequence: 100 },
      { domainId: 1, serverId: 2, sequence: 18446744073709551615n },
    ]);
    assert.equal(formatMariadbGtids(gtids), "0-1-100,1-2-18446744073709551615");
    assert.throws(() => parseMariadbGtids("0-1"), /domain-server-sequence/);
  });

  test("COM_REGISTER_SLAVE, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID round-trip", () => {
    const register = { serverId: 1234, hostname: "h", user: "u", password: "", port: 3306 };
    assert.deepEqual(decodeRegisterReplica(encodeRegisterReplica(register)), register);
    const dump = { position: 4, flags: 1, serverId: 99, file: "mysql-bin.000003" };
    assert.deepEqual(decodeBinlogDump(encodeBinlogDump(dump)), dump);
    const gtid = {
      flags: 0x04,
      serverId: 7,
      file: "",
      position: 4,
      gtids: parseGtidSet("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-57"),
    };
    assert.deepEqual(decodeBinlogDumpGtid(encodeBinlogDumpGtid(gtid)), gtid);
  });
});

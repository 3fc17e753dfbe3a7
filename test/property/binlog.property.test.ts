/**
 * Properties of the binlog codec: the decoder fed arbitrary bytes, or real events with bytes
 * changed, cut or grown, returns events or throws a ProtocolError, never another exception, a hang
 * or an unbounded allocation; DECIMAL, GTID sets and the serialization library's integers
 * round-trip through their encoders; zlib streams of any data inflate back.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { deflateSync } from "node:zlib";
import { decodeDecimalBinary, encodeDecimalBinary } from "../../src/protocol/binlog/decimal.ts";
import { BinlogDecoder } from "../../src/protocol/binlog/decoder.ts";
import { readBinlogFile } from "../../src/protocol/binlog/file.ts";
import {
  decodeGtidSetBinary,
  encodeGtidSetBinary,
  formatGtidSet,
  parseGtidSet,
} from "../../src/protocol/binlog/gtid-set.ts";
import { decodeEventHeader, EVENT_HEADER_LENGTH } from "../../src/protocol/binlog/header.ts";
import { zlibInflate } from "../../src/protocol/binlog/inflate.ts";
import { decodeJsonBinary } from "../../src/protocol/binlog/json-binary.ts";
import {
  readVarlenInt,
  readVarlenUint,
  writeVarlenInt,
  writeVarlenUint,
} from "../../src/protocol/binlog/serialization.ts";
import { Reader, Writer } from "../../src/protocol/bytes.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

const runs = { numRuns: 300 };
const SHARED = new URL("../../../shared/fixtures/binlog/", import.meta.url);

/** Asserts `f` returns or throws a ProtocolError. */
function onlyProtocolErrors(f: () => unknown): void {
  try {
    f();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

/** The events of a fixture file as separate byte arrays, after the file header. */
function fixtureEvents(name: string): Uint8Array[] {
  const file = new Uint8Array(readFileSync(new URL(name, SHARED)));
  const out: Uint8Array[] = [];
  for (let p = 4; p + EVENT_HEADER_LENGTH <= file.length;) {
    const h = decodeEventHeader(file, p);
    out.push(file.slice(p, p + h.eventSize));
    p += h.eventSize;
  }
  return out;
}

const fixtures = [
  "json.binlog.000001",
  "mariadb-bin.000001",
  "mysql-bin.checksum-crc32",
  "mysql-enum-string-set.000001",
  "mysql-bin.compressed",
  "time_issue.000001",
  "mysql_type_bit.000001",
  "binlog_transaction_with_GTID.000001",
].map((name) => ({ name, events: fixtureEvents(name) }));

describe("the decoder never fails with anything but a ProtocolError", () => {
  test("arbitrary bytes as an event", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyProtocolErrors(() => new BinlogDecoder().decode(bytes));
      }),
      runs,
    );
  });

  test("arbitrary bytes as a binlog file", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const file = new Uint8Array(bytes.length + 4);
        file.set([0xfe, 0x62, 0x69, 0x6e]);
        file.set(bytes, 4);
        onlyProtocolErrors(() => [...readBinlogFile(file)]);
      }),
      runs,
    );
  });

  test("real events with bytes changed (checksums off, so the bodies are decoded)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        ({ events }, pick, changes) => {
          const decoder = new BinlogDecoder({ verifyChecksums: false });
          const target = pick % events.length;
          // prime the decoder with the events before (FORMAT_DESCRIPTION, TABLE_MAPs)
          for (let i = 0; i < target; i++) onlyProtocolErrors(() => decoder.decode(events[i]));
          const bytes = events[target].slice();
          for (const [at, value] of changes) {
            const i = EVENT_HEADER_LENGTH + (at % Math.max(1, bytes.length - EVENT_HEADER_LENGTH));
            if (i < bytes.length) bytes[i] = value;
          }
          onlyProtocolErrors(() => decoder.decode(bytes));
        },
      ),
      runs,
    );
  });

  test("real events cut short or with bytes added (sizes fixed up)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.nat(),
        fc.integer({ min: -40, max: 40 }),
        ({ events }, pick, delta) => {
          const decoder = new BinlogDecoder({ verifyChecksums: false });
          const target = pick % events.length;
          for (let i = 0; i < target; i++) onlyProtocolErrors(() => decoder.decode(events[i]));
          const original = events[target];
          const size = Math.max(EVENT_HEADER_LENGTH, original.length + delta);
          const bytes = new Uint8Array(size);
          bytes.set(original.subarray(0, size));
          new DataView(bytes.buffer).setUint32(9, size, true);
          onlyProtocolErrors(() => decoder.decode(bytes));
        },
      ),
      runs,
    );
  });

  test("arbitrary bytes as binary JSON", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        onlyProtocolErrors(() => decodeJsonBinary(bytes, 0, bytes.length));
      }),
      runs,
    );
  });

  test("arbitrary bytes as a zlib stream", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(1000), (bytes, size) => {
        onlyProtocolErrors(() => zlibInflate(bytes, 0, bytes.length, size));
      }),
      runs,
    );
  });
});

describe("round trips", () => {
  test("DECIMAL(precision, scale) binary form", () => {
    const decimal = fc.integer({ min: 1, max: 65 }).chain((precision) =>
      fc.integer({ min: 0, max: Math.min(30, precision) }).chain((scale) =>
        fc.tuple(
          fc.constant(precision),
          fc.constant(scale),
          fc.boolean(),
          fc.stringMatching(new RegExp(`^[0-9]{0,${precision - scale}}$`)),
          fc.stringMatching(new RegExp(`^[0-9]{${scale}}$`)),
        )
      )
    );
    fc.assert(
      fc.property(decimal, ([precision, scale, negative, int, frac]) => {
        const intText = int.replace(/^0+/, "") || "0";
        const text = (negative ? "-" : "") + intText + (scale > 0 ? "." + frac : "");
        const bytes = encodeDecimalBinary(text, precision, scale);
        const back = decodeDecimalBinary(bytes, 0, precision, scale);
        const zero = /^-?0(\.0*)?$/.test(text);
        assert.equal(back, zero ? text.replace(/^-/, "") : text);
      }),
      runs,
    );
  });

  test("GTID sets: text and binary forms", () => {
    const uuid = fc.uuid();
    const interval = fc.tuple(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1000 }))
      .map(([a, n]) => [a, a + n] as const);
    const entry = fc.record({
      uuid,
      tag: fc.option(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), { nil: undefined }),
      intervals: fc.array(interval, { minLength: 1, maxLength: 3 }),
    }).map((e) => (e.tag === undefined ? { uuid: e.uuid, intervals: e.intervals } : e));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), (entries) => {
        const binary = encodeGtidSetBinary(entries);
        assert.deepEqual(
          decodeGtidSetBinary(new Reader(binary)),
          entries.map((e) => ({ ...e, intervals: [...e.intervals] })),
        );
        const text = formatGtidSet(entries);
        if (entries.length > 0) assert.equal(formatGtidSet(parseGtidSet(text)), text);
      }),
      runs,
    );
  });

  test("variable-length integers of the serialization library", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
        (u, s) => {
          const w = new Writer();
          writeVarlenUint(w, u);
          writeVarlenInt(w, s);
          const r = new Reader(w.finish());
          assert.equal(readVarlenUint(r), u);
          assert.equal(readVarlenInt(r), s);
          assert.equal(r.remaining, 0);
        },
      ),
      runs,
    );
  });

  test("zlib streams inflate back to their data", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 9 }), (data, level) => {
        const z = new Uint8Array(deflateSync(data, { level }));
        assert.deepEqual(zlibInflate(z, 0, z.length, data.length), data);
      }),
      { numRuns: 100 },
    );
  });
});

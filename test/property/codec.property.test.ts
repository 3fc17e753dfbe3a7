/**
 * Properties of the packet codec: every packet type round-trips through its encoder and decoder;
 * framing survives arbitrary chunk boundaries; every decoder fed arbitrary bytes returns a value or
 * throws a ProtocolError, never another exception.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Reader, Writer } from "../../src/protocol/bytes.ts";
import { Capability } from "../../src/protocol/constants.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import { encodePacket, frameShortCommand, PacketDecoder } from "../../src/protocol/framing.ts";
import {
  decodeAuthMoreData,
  decodeAuthSwitchRequest,
  decodeGreeting,
  decodeHandshakeResponse,
  decodeSslRequest,
  encodeAuthMoreData,
  encodeAuthSwitchRequest,
  encodeGreeting,
  encodeHandshakeResponse,
  encodeSslRequest,
} from "../../src/protocol/handshake.ts";
import {
  decodeColumnCount,
  decodeColumnDefinition,
  decodeEof,
  decodeErr,
  decodeFieldListColumn,
  decodeLocalInfileRequest,
  decodeOk,
  decodeTextRow,
  encodeColumnCount,
  encodeColumnDefinition,
  encodeEof,
  encodeErr,
  encodeFieldListColumn,
  encodeLocalInfileRequest,
  encodeOk,
  encodeTextRow,
} from "../../src/protocol/results.ts";

const runs = { numRuns: 200 };
const text = fc.string({ maxLength: 40 });
const nulFree = fc.string({ maxLength: 40 }).filter((s) => !s.includes("\0"));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

/** Lists of packet payloads: short random ones and patterned ones of up to `large` bytes. */
const payloadLists = (large: number, maxLength: number) =>
  fc.array(
    fc.oneof(
      bytes(300),
      fc.integer({ min: 0, max: large }).map((n) => new Uint8Array(n).map((_, i) => i * 7)),
    ),
    { minLength: 1, maxLength },
  );

/** The payloads framed one after the other, sequence ids 0, 1, 2 ... */
function framedStream(payloads: readonly Uint8Array[]): Uint8Array {
  const stream: number[] = [];
  payloads.forEach((p, i) => {
    for (const b of encodePacket(p, i)) stream.push(b);
  });
  return Uint8Array.from(stream);
}
const lenencValue = fc.oneof(
  fc.integer({ min: 0, max: 0xfa }),
  fc.integer({ min: 0, max: 0xffff }),
  fc.integer({ min: 0, max: 0xffffff }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

/** A plain-object copy (fast-check's records may have another prototype). */
function plain<T extends object>(o: T): T {
  const out = { ...o } as Record<string, unknown>;
  if (out.attributes) out.attributes = { ...(out.attributes as object) };
  return out as T;
}

/** Asserts that decoding arbitrary bytes yields a value or a ProtocolError, nothing else. */
function decodesOrProtocolError(decode: (b: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(bytes(64), (b) => {
      try {
        decode(b);
      } catch (error) {
        assert.ok(
          error instanceof ProtocolError,
          `unexpected ${(error as Error)?.name}: ${(error as Error)?.message}`,
        );
      }
    }),
    { numRuns: 500 },
  );
}

describe("Reader / Writer", () => {
  test("length-encoded integers round-trip", () => {
    fc.assert(
      fc.property(lenencValue, (v) => {
        const b = new Writer().lenenc(v).finish();
        const r = new Reader(b);
        assert.equal(r.lenenc(), v);
        assert.equal(r.remaining, 0);
      }),
      runs,
    );
  });
  test("fixed integers and strings round-trip", () => {
    fc.assert(
      fc.property(u16, u32, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), nulFree, text, (a, b, c, s, t) => {
        const w = new Writer(1).u16(a).u24(a * 3).u32(b).u48(b * 7).u64(c).nulString(s).lenencString(t);
        const r = new Reader(w.finish());
        assert.deepEqual([r.u16(), r.u24(), r.u32(), r.u48(), r.u64(), r.nulString(), r.lenencString()], [
          a,
          a * 3,
          b,
          b * 7,
          c,
          s,
          t,
        ]);
      }),
      runs,
    );
  });
});

describe("framing", () => {
  test("frameShortCommand frames short ASCII text as encodePacket frames its payload, and declines the rest", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 40 })),
        (command, text) => {
          const framed = frameShortCommand(command, text);
          const ascii = [...text].every((c) => c.charCodeAt(0) < 0x80);
          if (!ascii || text.length > 256) {
            assert.equal(framed, undefined);
            return;
          }
          const payload = new Uint8Array([command, ...new TextEncoder().encode(text)]);
          assert.deepEqual(framed, encodePacket(payload, 0));
        },
      ),
      runs,
    );
    assert.equal(frameShortCommand(3, "SELECT 'é'"), undefined);
    assert.equal(frameShortCommand(3, "x".repeat(257)), undefined);
    assert.deepEqual(frameShortCommand(3, "x".repeat(256))!.subarray(0, 5), new Uint8Array([1, 1, 0, 0, 3]));
  });
  test("arbitrary payloads split at arbitrary chunk boundaries give the same packets", () => {
    fc.assert(
      fc.property(
        fc.array(bytes(300), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream: number[] = [];
          payloads.forEach((p, i) => stream.push(...encodePacket(p, i)));
          const all = Uint8Array.from(stream);
          const decoder = new PacketDecoder();
          const got: Uint8Array[] = [];
          let pos = 0, k = 0;
          while (pos < all.length) {
            const n = cuts[k++ % cuts.length];
            decoder.push(all.slice(pos, pos + n));
            pos += n;
            for (let p = decoder.next(); p; p = decoder.next()) got.push(p.payload.slice());
          }
          assert.deepEqual(got, payloads);
        },
      ),
      runs,
    );
  });
  test("nextRange over a reused receive buffer: packets of up to 70 KB, chunks of up to 100 KB", () => {
    fc.assert(
      fc.property(
        payloadLists(70_000, 10),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const all = framedStream(payloads);
          const decoder = new PacketDecoder();
          const got: Uint8Array[] = [];
          const chunks: [Uint8Array, Uint8Array][] = [];
          let pos = 0, k = 0;
          while (pos < all.length) {
            const n = cuts[k++ % cuts.length];
            const chunk = all.slice(pos, pos + n);
            chunks.push([chunk, chunk.slice()]);
            decoder.push(chunk);
            pos += n;
            // Views taken after one push stay intact until the next push.
            const views: [Uint8Array, Uint8Array][] = [];
            while (decoder.nextRange()) {
              assert.equal(decoder.payloadSeq, got.length + views.length);
              const view = decoder.bytes.subarray(decoder.payloadStart, decoder.payloadEnd);
              views.push([view, view.slice()]);
            }
            for (const [view, copy] of views) {
              assert.deepEqual(view, copy);
              got.push(copy);
            }
          }
          assert.deepEqual(got, payloads);
          // The decoder never writes into a chunk it was given.
          for (const [chunk, copy] of chunks) assert.deepEqual(chunk, copy);
        },
      ),
      { numRuns: 100 },
    );
  });
  test("packets read only partly between pushes: the same packets, and `buffered` counts what is left", () => {
    fc.assert(
      fc.property(
        payloadLists(5_000, 30),
        fc.array(fc.integer({ min: 1, max: 6_000 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts, reads) => {
          const all = framedStream(payloads);
          const decoder = new PacketDecoder();
          const got: Uint8Array[] = [];
          let pos = 0, k = 0, consumed = 0;
          const take = () => {
            if (!decoder.nextRange()) return false;
            const payload = decoder.bytes.slice(decoder.payloadStart, decoder.payloadEnd);
            assert.equal(decoder.payloadSeq, got.length);
            got.push(payload);
            consumed += payload.length + 4;
            return true;
          };
          while (pos < all.length) {
            const n = cuts[k % cuts.length];
            decoder.push(all.slice(pos, pos + n));
            pos += Math.min(n, all.length - pos);
            // Some packets now (maybe none), the rest after later pushes.
            for (let r = reads[k++ % reads.length]; r > 0 && take(); r--);
            assert.equal(decoder.buffered, pos - consumed);
          }
          while (take());
          assert.equal(decoder.buffered, 0);
          assert.deepEqual(got, payloads);
        },
      ),
      runs,
    );
  });
  test("a payload of 16 MiB and more is split and joined", () => {
    for (const size of [0xffffff - 1, 0xffffff, 0xffffff + 1, 2 * 0xffffff]) {
      const payload = new Uint8Array(size);
      for (let i = 0; i < size; i += 4099) payload[i] = i & 0xff;
      const framed = encodePacket(payload, 3);
      assert.equal(framed.length, size + 4 * (Math.floor(size / 0xffffff) + 1));
      const decoder = new PacketDecoder(64 * 1024 * 1024);
      decoder.push(framed.subarray(0, 1000));
      assert.equal(decoder.next(), undefined);
      decoder.push(framed.subarray(1000));
      const p = decoder.next();
      assert.ok(p);
      assert.equal(p.seq, 3);
      assert.equal(p.payload.length, size);
      assert.equal(p.payload[4099], 4099 & 0xff);
      assert.equal(decoder.next(), undefined);
    }
  });
  test("a packet over maxPacketSize is refused from its header, before it is buffered", () => {
    const decoder = new PacketDecoder(1024);
    decoder.push(new Uint8Array([0x01, 0x04, 0x00, 0x00]));
    assert.throws(() => decoder.next(), (e) => e instanceof ProtocolError && e.reason === "oversized");
  });
  test("a wrong sequence id inside a split payload is refused", () => {
    const first = encodePacket(new Uint8Array(0xffffff + 10), 0);
    first[0xffffff + 4 + 3] = 9; // second fragment's sequence id
    const decoder = new PacketDecoder();
    decoder.push(first);
    assert.throws(() => decoder.next(), (e) => e instanceof ProtocolError && e.reason === "sequence");
  });
  test("arbitrary bytes give packets or a ProtocolError", () => {
    decodesOrProtocolError((b) => {
      const d = new PacketDecoder(4096);
      d.push(b);
      while (d.next());
    });
  });
});

const greeting = fc.record({
  protocolVersion: fc.constant(10),
  serverVersion: nulFree,
  connectionId: u32,
  scramble: fc.uint8Array({ minLength: 20, maxLength: 20, min: 1 }),
  capabilities: u32.map((c) =>
    (c | Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH) >>> 0
  ),
  mariadbCapabilities: u32,
  charset: fc.integer({ min: 0, max: 255 }),
  statusFlags: u16,
  authPluginName: nulFree,
});

const response = fc.record({
  capabilities: u32.map((c) => (c | Capability.PROTOCOL_41) >>> 0),
  mariadbCapabilities: u32,
  maxPacketSize: u32,
  charset: fc.integer({ min: 0, max: 255 }),
  user: nulFree,
  authResponse: bytes(255),
  database: nulFree,
  authPluginName: nulFree,
  attributes: fc.dictionary(text, text, { maxKeys: 4 }),
});

describe("handshake packets round-trip", () => {
  test("HandshakeV10", () => {
    fc.assert(
      fc.property(greeting, (g) => {
        const expected = {
          ...g,
          mariadbCapabilities: g.capabilities & Capability.MYSQL ? 0 : g.mariadbCapabilities,
        };
        assert.deepEqual(decodeGreeting(encodeGreeting(g)), plain(expected));
      }),
      runs,
    );
  });
  test("HandshakeResponse41", () => {
    fc.assert(
      fc.property(response, (r) => {
        const c = r.capabilities;
        const lenenc = (c & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) !== 0;
        const secure = (c & Capability.SECURE_CONNECTION) !== 0;
        // Without either flag the auth response is NUL-terminated and must not contain a NUL.
        const authResponse = !lenenc && !secure ? r.authResponse.filter((b) => b !== 0) : r.authResponse;
        const input = { ...r, authResponse };
        const expected = {
          ...input,
          mariadbCapabilities: c & Capability.MYSQL ? 0 : r.mariadbCapabilities,
          database: c & Capability.CONNECT_WITH_DB ? r.database : "",
          authPluginName: c & Capability.PLUGIN_AUTH ? r.authPluginName : "",
          attributes: c & Capability.CONNECT_ATTRS ? r.attributes : {},
        };
        // An empty database followed by nothing is indistinguishable from no database: fine.
        assert.deepEqual(plain(decodeHandshakeResponse(encodeHandshakeResponse(input))), plain(expected));
      }),
      runs,
    );
  });
  test("SSLRequest", () => {
    fc.assert(
      fc.property(response, (r) => {
        const d = decodeSslRequest(encodeSslRequest(r));
        assert.equal(d.capabilities, (r.capabilities | Capability.SSL) >>> 0);
        assert.equal(d.maxPacketSize, r.maxPacketSize);
        assert.equal(d.charset, r.charset);
      }),
      runs,
    );
  });
  test("AuthSwitchRequest and AuthMoreData", () => {
    fc.assert(
      fc.property(nulFree, fc.uint8Array({ maxLength: 40, min: 1 }), (pluginName, pluginData) => {
        assert.deepEqual(decodeAuthSwitchRequest(encodeAuthSwitchRequest({ pluginName, pluginData })), {
          pluginName,
          pluginData,
        });
        assert.deepEqual(decodeAuthMoreData(encodeAuthMoreData(pluginData)), pluginData);
      }),
      runs,
    );
  });
  test("client_ed25519's nonce is sent bare: one ending in 0x00 keeps all 32 bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (nonce) => {
        const p = encodeAuthSwitchRequest({ pluginName: "client_ed25519", pluginData: nonce });
        assert.equal(p.length, 1 + 15 + 32);
        assert.deepEqual(decodeAuthSwitchRequest(p).pluginData, nonce);
      }),
      runs,
    );
    const nonce = new Uint8Array(32).fill(7);
    nonce[31] = 0;
    const p = encodeAuthSwitchRequest({ pluginName: "client_ed25519", pluginData: nonce });
    assert.deepEqual(decodeAuthSwitchRequest(p).pluginData, nonce);
  });
});

const okPacket = fc.record({
  affectedRows: fc.oneof(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  ),
  insertId: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  statusFlags: u16.map((s) => s & ~0x4000),
  warningCount: u16,
  info: text,
  sessionStateChanges: fc.constant(undefined),
});

const column = fc.record({
  catalog: text,
  schema: text,
  table: text,
  orgTable: text,
  name: text,
  orgName: text,
  charset: u16,
  length: u32,
  type: fc.integer({ min: 0, max: 255 }),
  flags: u16,
  decimals: fc.integer({ min: 0, max: 255 }),
});

describe("result packets round-trip", () => {
  test("LOCAL INFILE request", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (name) => {
        const p = encodeLocalInfileRequest(name);
        assert.equal(p[0], 0xfb);
        assert.equal(decodeLocalInfileRequest(p), name);
      }),
      runs,
    );
    assert.throws(() => decodeLocalInfileRequest(new Uint8Array(0)), ProtocolError);
  });
  test("OK, with and without CLIENT_SESSION_TRACK", () => {
    fc.assert(
      fc.property(okPacket, fc.boolean(), (ok, track) => {
        const caps = Capability.PROTOCOL_41 | (track ? Capability.SESSION_TRACK : 0);
        assert.deepEqual(decodeOk(encodeOk(ok, caps), caps), plain(ok));
        assert.deepEqual(decodeOk(encodeOk(ok, caps, 0xfe), caps), plain(ok));
      }),
      runs,
    );
  });
  test("ERR and EOF", () => {
    fc.assert(
      fc.property(
        u16,
        fc.stringMatching(/^[0-9A-Z]{5}$/),
        text,
        u16,
        u16,
        (errno, sqlState, message, w, s) => {
          assert.deepEqual(decodeErr(encodeErr({ errno, sqlState, message })), { errno, sqlState, message });
          assert.deepEqual(decodeEof(encodeEof({ warningCount: w, statusFlags: s })), {
            warningCount: w,
            statusFlags: s,
          });
        },
      ),
      runs,
    );
  });
  test("column count and definitions (with and without MariaDB extended type info)", () => {
    fc.assert(
      fc.property(
        column,
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        fc.integer({ min: 1, max: 4096 }),
        (c, extendedType, format, n) => {
          assert.equal(decodeColumnCount(encodeColumnCount(n)), n);
          assert.deepEqual(decodeColumnDefinition(encodeColumnDefinition(c)), plain(c));
          const ext = extendedType !== undefined || format !== undefined ? { ...c, extendedType, format } : c;
          assert.deepEqual(decodeColumnDefinition(encodeColumnDefinition(ext, true), true), plain(ext));
        },
      ),
      runs,
    );
  });
  test("COM_FIELD_LIST column definitions, with their default value", () => {
    fc.assert(
      fc.property(column, fc.option(text, { nil: null }), fc.boolean(), (c, defaultValue, ext) => {
        const f = { ...plain(c), defaultValue };
        assert.deepEqual(decodeFieldListColumn(encodeFieldListColumn(f, ext), ext), f);
      }),
      runs,
    );
  });
  test("text rows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(bytes(300), { nil: null }), { minLength: 1, maxLength: 12 }),
        (values) => {
          const decoded = decodeTextRow(encodeTextRow(values), values.length).map((v) => v?.slice() ?? null);
          assert.deepEqual(decoded, values);
        },
      ),
      runs,
    );
  });
});

describe("decoders fed arbitrary bytes give a value or a ProtocolError", () => {
  const decoders: Record<string, (b: Uint8Array) => unknown> = {
    greeting: decodeGreeting,
    handshakeResponse: decodeHandshakeResponse,
    sslRequest: decodeSslRequest,
    authSwitch: decodeAuthSwitchRequest,
    authMoreData: decodeAuthMoreData,
    ok: (b) => decodeOk(b, Capability.PROTOCOL_41 | Capability.SESSION_TRACK),
    err: decodeErr,
    eof: decodeEof,
    columnCount: decodeColumnCount,
    columnDefinition: (b) => decodeColumnDefinition(b, true),
    fieldListColumn: (b) => decodeFieldListColumn(b, false),
    textRow: (b) => decodeTextRow(b, 3),
    localInfileRequest: decodeLocalInfileRequest,
  };
  for (const [name, decode] of Object.entries(decoders)) {
    test(name, () => decodesOrProtocolError(decode));
  }
  test("a header byte followed by arbitrary bytes", () => {
    for (const header of [0x00, 0xfe, 0xff, 0x01, 0x0a]) {
      decodesOrProtocolError((b) => {
        const p = new Uint8Array(b.length + 1);
        p[0] = header;
        p.set(b, 1);
        decodeOk(p, Capability.PROTOCOL_41);
        decodeErr(p);
        decodeGreeting(p);
      });
    }
  });
});

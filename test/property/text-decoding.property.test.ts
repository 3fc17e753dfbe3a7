/**
 * Properties of the UTF-8 fast paths: the runtime's native range decoder (runtime/text.ts) and the
 * portable short-ASCII path of values.ts give exactly the string `TextDecoder("utf-8", { ignoreBOM:
 * true })` gives, for any bytes (valid text, invalid sequences, a BOM), at any offset, at the
 * lengths around the short-value cut-off; and string columns decode the same through either.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ColumnDefinition } from "../../src/protocol/results.ts";
import { defaultValueOptions, portableUtf8, textDecoder, useNativeUtf8 } from "../../src/protocol/values.ts";
import { nativeUtf8 } from "../../src/runtime/text.ts";

const reference = new TextDecoder("utf-8", { ignoreBOM: true });
const runs = { numRuns: 500 };

/** Bytes that are mostly ASCII with some multi-byte and invalid sequences, at any length up to 200. */
const bytesLike = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 80 }).map((s) => new TextEncoder().encode(s)),
  fc.array(fc.integer({ min: 0, max: 0x7f }), { maxLength: 100 }).map((a) => new Uint8Array(a)),
  fc.tuple(
    fc.array(fc.integer({ min: 0x20, max: 0x7e }), { minLength: 60, maxLength: 70 }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.nat(70),
  ).map(([ascii, high, at]) => {
    const a = [...ascii];
    a.splice(at % (a.length + 1), 0, high);
    return new Uint8Array(a);
  }),
);

/** The value inside a larger array, as in a row packet. */
const framed = fc.tuple(fc.uint8Array({ maxLength: 8 }), bytesLike, fc.uint8Array({ maxLength: 8 })).map(
  ([before, value, after]) => {
    const bytes = new Uint8Array(before.length + value.length + after.length);
    bytes.set(before);
    bytes.set(value, before.length);
    bytes.set(after, before.length + value.length);
    return { bytes, start: before.length, end: before.length + value.length };
  },
);

const varchar: ColumnDefinition = {
  catalog: "def",
  schema: "",
  table: "",
  orgTable: "",
  name: "v",
  orgName: "",
  charset: 45, // utf8mb4_general_ci
  length: 255,
  type: 253,
  flags: 0,
  decimals: 0,
};

describe("UTF-8 fast paths", () => {
  test("the portable path equals TextDecoder on any bytes", () => {
    fc.assert(
      fc.property(framed, ({ bytes, start, end }) => {
        assert.equal(portableUtf8(bytes, start, end), reference.decode(bytes.subarray(start, end)));
      }),
      runs,
    );
  });

  test("the portable path at the lengths around its ASCII cut-off (63, 64, 65 bytes)", () => {
    for (const length of [0, 1, 12, 13, 31, 32, 33, 63, 64, 65, 200]) {
      const ascii = new Uint8Array(length).map((_, i) => 0x41 + (i % 26));
      assert.equal(portableUtf8(ascii, 0, length), reference.decode(ascii));
      if (length === 0) continue;
      const high = ascii.slice();
      high[length - 1] = 0xc3; // a truncated sequence at the very end
      assert.equal(portableUtf8(high, 0, length), reference.decode(high));
    }
  });

  test("the native decoder, where the runtime has one, equals TextDecoder on any bytes", (t) => {
    if (nativeUtf8 === undefined) {
      t.diagnostic("this runtime has no native UTF-8 range decoder: TextDecoder is used");
      return;
    }
    const decode = nativeUtf8;
    fc.assert(
      fc.property(framed, ({ bytes, start, end }) => {
        assert.equal(decode(bytes, start, end), reference.decode(bytes.subarray(start, end)));
      }),
      runs,
    );
  });

  test("a string column decodes the same with and without the native decoder", () => {
    const decode = textDecoder(varchar, defaultValueOptions);
    try {
      fc.assert(
        fc.property(framed, ({ bytes, start, end }) => {
          useNativeUtf8(undefined);
          const portable = decode(bytes, start, end);
          useNativeUtf8(nativeUtf8);
          assert.equal(decode(bytes, start, end), portable);
        }),
        runs,
      );
    } finally {
      useNativeUtf8(nativeUtf8);
    }
  });
});

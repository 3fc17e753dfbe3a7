/**
 * Row objects built by the row parsers (text and binary protocol): the same own properties, in the
 * same order, as a plain `{}` filled column by column, whatever the width (the parsers copy a
 * per-result-set key template, built differently above 16 columns), with duplicate names (the
 * later value wins, at the first one's place), names that need escaping, integer-like names,
 * NULLs, "__proto__", and a payload inside a larger buffer.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ColumnType } from "../../src/protocol/constants.ts";
import type { ColumnDefinition } from "../../src/protocol/results.ts";
import {
  binaryRowParser,
  binaryRowRangeParser,
  textRowParser,
  textRowRangeParser,
} from "../../src/protocol/rows.ts";
import { defaultValueOptions } from "../../src/protocol/values.ts";

function varchar(name: string): ColumnDefinition {
  return {
    catalog: "def",
    schema: "",
    table: "",
    orgTable: "",
    name,
    orgName: name,
    charset: 45,
    length: 255,
    type: ColumnType.VAR_STRING,
    flags: 0,
    decimals: 0,
  };
}

const encoder = new TextEncoder();

/** A text row: each value length-prefixed, NULL as 0xFB. */
function textRow(values: readonly (string | null)[]): Uint8Array {
  const out: number[] = [];
  for (const v of values) {
    if (v === null) out.push(0xfb);
    else {
      const bytes = encoder.encode(v);
      out.push(bytes.length, ...bytes);
    }
  }
  return Uint8Array.from(out);
}

/** A binary row: 0x00, the NULL bitmap (offset 2), then the non-NULL values length-prefixed. */
function binaryRow(values: readonly (string | null)[]): Uint8Array {
  const bitmap = new Uint8Array((values.length + 9) >> 3);
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v === null) bitmap[(i + 2) >> 3] |= 1 << ((i + 2) & 7);
    else {
      const bytes = encoder.encode(v);
      out.push(bytes.length, ...bytes);
    }
  });
  return Uint8Array.from([0, ...bitmap, ...out]);
}

/** What a row must be: a plain object filled in column order (later duplicates win). */
function expected(names: readonly string[], values: readonly (string | null)[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  names.forEach((name, i) => {
    Object.defineProperty(row, name, {
      value: values[i],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return row;
}

function check(names: readonly string[]): void {
  const columns = names.map(varchar);
  const values = names.map((name, i) => (i % 5 === 3 ? null : `${name}=${i}`));
  const want = expected(names, values);
  for (
    const [label, row] of [
      ["text", textRowParser(columns, defaultValueOptions, false)(textRow(values))],
      ["binary", binaryRowParser(columns, defaultValueOptions, false)(binaryRow(values))],
    ] as const
  ) {
    assert.deepStrictEqual(row, want, `${label}, ${names.length} columns`);
    assert.deepStrictEqual(Object.keys(row as object), Object.keys(want), `${label} key order`);
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
  }
}

describe("row objects", () => {
  test("every width from 1 to 40 columns, and 100 and 300", () => {
    for (let n = 1; n <= 40; n++) check(Array.from({ length: n }, (_, i) => `c${i}`));
    check(Array.from({ length: 100 }, (_, i) => `column_${i}`));
    check(Array.from({ length: 300 }, (_, i) => `c${i}`));
  });

  test("duplicate names: the later value wins, at the first one's place (narrow and wide)", () => {
    check(["a", "b", "a", "c", "b"]);
    check([...Array.from({ length: 20 }, (_, i) => `k${i}`), "k3", "k0", "k19"]);
  });

  test("names that need escaping, empty and integer-like names (narrow and wide)", () => {
    const odd = [
      'quo"te',
      "back\\slash",
      "new\nline",
      "",
      "2",
      "10",
      "1",
      "ünï",
      "😀",
      "toString",
      "constructor",
    ];
    check(odd);
    check([...odd, ...Array.from({ length: 20 }, (_, i) => `w${i}`)]);
  });

  test('a column called "__proto__" is an own property, and no prototype is set', () => {
    for (
      const names of [["a", "__proto__", "b"], [
        ...Array.from({ length: 20 }, (_, i) => `p${i}`),
        "__proto__",
      ]]
    ) {
      const columns = names.map(varchar);
      const values = names.map((_, i) => `v${i}`);
      const row = textRowParser(columns, defaultValueOptions, false)(textRow(values)) as Record<
        string,
        unknown
      >;
      assert.equal(Object.getPrototypeOf(row), Object.prototype);
      assert.ok(Object.hasOwn(row, "__proto__"));
      assert.deepStrictEqual(Object.keys(row), names);
    }
  });

  test("a payload inside a larger buffer is read in place (range parsers)", () => {
    const names = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const columns = names.map(varchar);
    const values = names.map((_, i) => (i === 7 ? null : `x${i}`));
    for (
      const [parse, payload] of [
        [textRowRangeParser(columns, defaultValueOptions, false), textRow(values)],
        [binaryRowRangeParser(columns, defaultValueOptions, false), binaryRow(values)],
      ] as const
    ) {
      const buffer = new Uint8Array(payload.length + 10).fill(0xfe);
      buffer.set(payload, 4);
      assert.deepStrictEqual(parse(buffer, 4, 4 + payload.length), expected(names, values));
      // One byte short of the payload is a truncated row, not a wrong one.
      assert.throws(() => parse(buffer, 4, 3 + payload.length));
    }
  });
});

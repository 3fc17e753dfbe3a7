/**
 * Properties of values and literals: an escaped string reads back (by MySQL's own lexing rules) as
 * the original and hides no placeholder; integer text decodes exactly as BigInt reads it, under
 * every `bigint` mode; a Date written by escapeValue decodes back to the same instant; and no text
 * decoder throws on arbitrary bytes.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ColumnType } from "../../src/protocol/constants.ts";
import { escapeValue, formatQuery } from "../../src/protocol/escape.ts";
import type { ColumnDefinition } from "../../src/protocol/results.ts";
import {
  defaultValueOptions,
  parseTimezone,
  textDecoder,
  type ValueOptions,
} from "../../src/protocol/values.ts";

const runs = { numRuns: 300 };

function column(type: number, extra: Partial<ColumnDefinition> = {}): ColumnDefinition {
  return {
    catalog: "def",
    schema: "",
    table: "",
    orgTable: "",
    name: "v",
    orgName: "",
    charset: 63,
    length: 20,
    type,
    flags: 0,
    decimals: 0,
    ...extra,
  };
}

function decodeText(
  col: ColumnDefinition,
  text: string,
  options: ValueOptions = defaultValueOptions,
): unknown {
  const b = new TextEncoder().encode(text);
  return textDecoder(col, options)(b, 0, b.length);
}

/**
 * Reads one single-quoted literal the way MySQL's lexer does and returns its value, asserting that
 * the literal ends exactly at the end of `sql` (no quote escaped early, nothing after it).
 */
function unquote(sql: string, noBackslashEscapes: boolean): string {
  assert.equal(sql[0], "'");
  let out = "";
  let i = 1;
  for (;;) {
    assert.ok(i < sql.length, `unterminated literal ${JSON.stringify(sql)}`);
    const c = sql[i];
    if (c === "\\" && !noBackslashEscapes) {
      const e = sql[i + 1];
      const map: Record<string, string> = { "0": "\0", n: "\n", r: "\r", Z: "\x1a", b: "\b", t: "\t" };
      out += map[e] ?? e; // \\ \' \" and any other escaped character stand for themselves
      i += 2;
    } else if (c === "'") {
      if (sql[i + 1] === "'") {
        out += "'";
        i += 2;
      } else {
        assert.equal(i, sql.length - 1, `literal ends early in ${JSON.stringify(sql)}`);
        return out;
      }
    } else {
      out += c;
      i++;
    }
  }
}

const special = fc.constantFrom(
  "'",
  '"',
  "\\",
  "\0",
  "\n",
  "\r",
  "\x1a",
  "`",
  "?",
  "-",
  "#",
  "/",
  "*",
  "a",
  "é",
  "😀",
);
const tricky = fc.array(special, { maxLength: 30 }).map((a) => a.join(""));
const anyString = fc.oneof(
  tricky,
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ maxLength: 30 }),
);

describe("escapeValue(string)", () => {
  for (const noBackslashEscapes of [false, true]) {
    const options = { timezone: 0, noBackslashEscapes } as const;
    test(`reads back as the original${noBackslashEscapes ? " (NO_BACKSLASH_ESCAPES)" : ""}`, () => {
      fc.assert(
        fc.property(anyString, (s) => assert.equal(unquote(escapeValue(s, options), noBackslashEscapes), s)),
        runs,
      );
    });

    test(`hides no placeholder from the scanner${noBackslashEscapes ? " (NO_BACKSLASH_ESCAPES)" : ""}`, () => {
      fc.assert(
        fc.property(anyString, anyString, (a, b) => {
          const sql = formatQuery("SELECT ?, ?", [a, b], options);
          // The output has no placeholder left outside literals: formatting it again changes nothing.
          assert.equal(formatQuery(sql, [], options), sql);
          assert.equal(formatQuery(sql + ", ?", [7], options), sql + ", 7");
        }),
        runs,
      );
    });
  }

  test("strings with lone surrogates are refused, all others accepted", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), (s) => {
        const wellFormed = !/\p{Surrogate}/u.test(s);
        if (wellFormed) assert.equal(unquote(escapeValue(s, { timezone: 0 }), false), s);
        else assert.throws(() => escapeValue(s, { timezone: 0 }), TypeError);
      }),
      runs,
    );
  });
});

describe("integer text", () => {
  const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n });
  const longlong = column(ColumnType.LONGLONG);

  test("BIGINT decodes exactly as BigInt reads it, under every mode", () => {
    const modes = ["auto", "bigint", "string", "number", "number-or-string"] as const;
    const opts = modes.map((bigint) => ({ ...defaultValueOptions, bigint }));
    fc.assert(
      fc.property(int64, (v) => {
        const text = v.toString();
        const [auto, big, str, num, either] = opts.map((o) => decodeText(longlong, text, o));
        const safe = v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n;
        if (safe) {
          assert.equal(typeof auto, "number");
          assert.equal(BigInt(auto as number), v);
          assert.equal(either, auto);
        } else {
          assert.equal(auto, v);
          assert.equal(either, text);
        }
        assert.equal(big, v);
        assert.equal(str, text);
        assert.equal(num, Number(text));
      }),
      runs,
    );
  });

  test("small integers and ZEROFILL text", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.nat(10), (v, zeros) => {
        assert.equal(decodeText(column(ColumnType.LONG), String(v)), v);
        if (v >= 0) assert.equal(decodeText(column(ColumnType.LONG), "0".repeat(zeros) + v), v);
      }),
      runs,
    );
  });
});

describe("float text", () => {
  const double = column(ColumnType.DOUBLE);
  const float = column(ColumnType.FLOAT);
  /** What the decoder must give: the number Number() reads, or the text when it is not one. */
  const expected = (text: string) => {
    const v = Number(text);
    return v !== v || text.length === 0 ? text : v;
  };

  test("plain decimals of up to 17 digits decode exactly as Number() reads them (sign of zero too)", () => {
    const decimal = fc.tuple(
      fc.boolean(),
      fc.stringMatching(/^[0-9]{1,17}$/),
      fc.option(fc.stringMatching(/^[0-9]{0,17}$/)),
    ).map(([negative, whole, fraction]) =>
      `${negative ? "-" : ""}${whole}${fraction === null ? "" : `.${fraction}`}`
    );
    fc.assert(
      fc.property(decimal, (text) => {
        assert.ok(Object.is(decodeText(double, text), expected(text)), text);
        assert.ok(Object.is(decodeText(float, text), expected(text)), text);
      }),
      { numRuns: 2000 },
    );
  });

  test("any double's text (shortest form, with exponents) decodes to that double", () => {
    fc.assert(
      fc.property(fc.double(), (v) => {
        const text = String(v);
        assert.ok(Object.is(decodeText(double, text), expected(text)), text);
      }),
      { numRuns: 2000 },
    );
  });

  test("the shapes around the fast path: 15 and 16 digits, points, signs, junk", () => {
    for (
      const text of [
        "0",
        "-0",
        "0.0",
        "-0.0",
        "123456789012345",
        "-123456789012345",
        "1234567890123456",
        "9007199254740993",
        "0.000000000000001",
        "0.1",
        "0.3",
        "1.7976931348623157e308",
        "5e-324",
        "1.",
        ".5",
        "-",
        "-.",
        ".",
        "1.2.3",
        "+5",
        " 5",
        "1e5",
        "inf",
        "-inf",
        "nan",
        "",
        "12a",
        "0x10",
      ]
    ) {
      assert.ok(Object.is(decodeText(double, text), expected(text)), JSON.stringify(text));
    }
  });
});

describe("dates", () => {
  const dates = fc.date({
    min: new Date("0001-01-01T00:00:00.000Z"),
    max: new Date("9999-12-31T23:59:59.999Z"),
    noInvalidDate: true,
  });
  const dt3 = column(ColumnType.DATETIME, { decimals: 3 });
  const date = column(ColumnType.DATE);

  for (const timezone of ["Z", "+05:30", "-08:00", "+14:00"]) {
    test(`a Date written by escapeValue decodes to the same instant (${timezone})`, () => {
      const zone = parseTimezone(timezone);
      const options = { ...defaultValueOptions, timezone };
      fc.assert(
        fc.property(dates, (d) => {
          // Years 1-9999 in UTC can fall outside 1-9999 after the offset: year 10000 cannot be
          // written, and year 0 is read back as text.
          const wallYear = new Date(d.getTime() + (zone as number) * 60_000).getUTCFullYear();
          if (wallYear === 10000) {
            assert.throws(() => escapeValue(d, { timezone: zone }), TypeError);
            return;
          }
          const literal = escapeValue(d, { timezone: zone });
          const decoded = decodeText(dt3, literal.slice(1, -1), options);
          if (wallYear === 0) {
            assert.equal(decoded, literal.slice(1, -1));
            return;
          }
          assert.ok(decoded instanceof Date);
          assert.equal(decoded.getTime(), d.getTime());
          // DATE: the day part decodes to midnight of that day in the zone.
          const day = decodeText(date, literal.slice(1, 11), options) as Date;
          assert.equal(escapeValue(day, { timezone: zone }), literal.slice(0, 11) + " 00:00:00.000'");
        }),
        runs,
      );
    });
  }

  test("a Date written by escapeValue decodes to the same wall-clock time (local)", () => {
    const options = { ...defaultValueOptions, timezone: "local" };
    const local = fc.date({
      min: new Date("0002-01-01T00:00:00.000Z"),
      max: new Date("9998-12-31T00:00:00.000Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(local, (d) => {
        const literal = escapeValue(d, { timezone: "local" });
        const decoded = decodeText(dt3, literal.slice(1, -1), options) as Date;
        assert.ok(decoded instanceof Date);
        // Wall-clock times repeated by a DST change map to one of their instants: compare the text.
        assert.equal(escapeValue(decoded, { timezone: "local" }), literal);
      }),
      runs,
    );
  });
});

describe("arbitrary bytes", () => {
  const types = Object.values(ColumnType);
  test("every text decoder returns a value and never throws", () => {
    const option = fc.record({
      timezone: fc.constantFrom("local", "Z", "+05:30"),
      dateStrings: fc.boolean(),
      bigint: fc.constantFrom("auto", "bigint", "string", "number", "number-or-string"),
      decimal: fc.constantFrom("string", "number"),
      jsonParse: fc.boolean(),
      dates: fc.constantFrom("exact", "lossy"),
      bits: fc.constantFrom("value", "bytes"),
    }) as fc.Arbitrary<ValueOptions>;
    const col = fc.record({
      type: fc.constantFrom(...types),
      charset: fc.constantFrom(63, 45, 8, 51, 54, 56, 35, 60, 13, 3, 9999),
      length: fc.integer({ min: 1, max: 64 }),
      decimals: fc.constantFrom(0, 3, 6, 31, 39),
      extendedType: fc.constantFrom(undefined, "json", "uuid", "point"),
      format: fc.constantFrom(undefined, "json"),
    });
    fc.assert(
      fc.property(col, option, fc.uint8Array({ maxLength: 40 }), (c, o, bytes) => {
        const v = textDecoder(column(c.type, c), o)(bytes, 0, bytes.length);
        assert.notEqual(v, undefined);
        // An Invalid Date only where asked for ("lossy" dates, as mysql2 gives them).
        if (v instanceof Date && o.dates !== "lossy") {
          assert.ok(!Number.isNaN(v.getTime()), "never an Invalid Date");
        }
        if (typeof v === "number") assert.ok(!Number.isNaN(v), "never NaN");
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * Properties of the value and row encoders (src/protocol/encode-values.ts, binary-rows.ts): for every
 * column type, a JS value as the decoders give it (rows.ts textRowParser / binaryRowParser, default
 * options in a fixed zone) encodes to a text row and to a binary row that both decode back to an
 * equal value, losslessly (BIGINT beyond 2^53, DECIMAL strings, DATETIME(6), TIME beyond 24 h and
 * negative, zero dates, BIT(64), JSON, blobs). Raw binary rows round-trip, and arbitrary bytes into
 * the binary row decoder give rows or a ProtocolError.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  binaryRowEncoder,
  decodeBinaryRow,
  encodeBinaryRow,
  textRowEncoder,
} from "../../src/protocol/binary-rows.ts";
import { Charset, ColumnFlag, ColumnType } from "../../src/protocol/constants.ts";
import { encodeBinaryValue, encodeTextValue } from "../../src/protocol/encode-values.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import type { ColumnDefinition } from "../../src/protocol/results.ts";
import { binaryRowParser, textRowParser } from "../../src/protocol/rows.ts";
import {
  dateFromParts,
  defaultValueOptions,
  longLongValue,
  type ValueOptions,
} from "../../src/protocol/values.ts";

const ZONE = 150; // +02:30: a fixed zone, so no DST gap can move a Date
const options: ValueOptions = { ...defaultValueOptions, timezone: "+02:30" };

function column(type: number, extra: Partial<ColumnDefinition> = {}): ColumnDefinition {
  return {
    catalog: "def",
    schema: "",
    table: "",
    orgTable: "",
    name: "c",
    orgName: "c",
    charset: Charset.BINARY,
    length: 0,
    type,
    flags: 0,
    decimals: 0,
    ...extra,
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 8 });

/** A column and values of it, as the decoders give them. */
interface Case {
  readonly column: ColumnDefinition;
  readonly value: unknown;
}

const intCase = (type: number, min: number, max: number, umax: number) =>
  fc.boolean().chain((unsigned) =>
    nullable(fc.integer({ min: unsigned ? 0 : min, max: unsigned ? umax : max })).map((value): Case => ({
      column: column(type, { flags: ColumnFlag.NUM | (unsigned ? ColumnFlag.UNSIGNED : 0) }),
      value,
    }))
  );

const bigintCase = fc.boolean().chain((unsigned) =>
  nullable(
    fc.bigInt(unsigned ? { min: 0n, max: 2n ** 64n - 1n } : { min: -(2n ** 63n), max: 2n ** 63n - 1n })
      .map((v) => longLongValue(v, "auto")),
  ).map((value): Case => ({
    column: column(ColumnType.LONGLONG, { flags: unsigned ? ColumnFlag.UNSIGNED : 0 }),
    value,
  }))
);

const floatCase = nullable(
  fc.double({ min: -1e30, max: 1e30, noNaN: true }).map((v) => Number(v.toPrecision(6)))
    .filter((v) => !Object.is(v, -0) && (v === 0 || Math.abs(v) > 1e-30)),
).map((value): Case => ({ column: column(ColumnType.FLOAT, { decimals: 31 }), value }));

const doubleCase = nullable(
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)),
)
  .map((value): Case => ({ column: column(ColumnType.DOUBLE, { decimals: 31 }), value }));

const decimalCase = nullable(
  fc.tuple(fc.boolean(), fc.stringMatching(/^[1-9]\d{0,30}$|^0$/), fc.stringMatching(/^\d{0,30}$/))
    .map(([neg, int, frac]) => (neg ? "-" : "") + int + (frac ? "." + frac : "")),
).map((value): Case => ({ column: column(ColumnType.NEWDECIMAL, { decimals: 30 }), value }));

const ymd = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 0, max: 12 }),
  day: fc.integer({ min: 0, max: 31 }),
});
const hms = fc.record({
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
});

const dateCase = nullable(
  ymd.map(({ year, month, day }) =>
    dateFromParts(year, month, day, 0, 0, 0, 0, ZONE) ?? `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`
  ),
).map((value): Case => ({ column: column(ColumnType.DATE), value }));

/** DATETIME/TIMESTAMP(0..6): a Date when one stands for the value (at most 3 digits), else the server's text. */
const dateTimeCase = fc.tuple(
  fc.constantFrom(ColumnType.DATETIME, ColumnType.TIMESTAMP),
  fc.integer({ min: 0, max: 6 }),
).chain(([type, decimals]) =>
  nullable(
    fc.tuple(ymd, hms, fc.integer({ min: 0, max: 999_999 }), fc.boolean()).map(([d, t, us, zero]) => {
      if (zero) return "0000-00-00 00:00:00" + (decimals > 0 ? "." + "0".repeat(decimals) : "");
      const micros = decimals === 0 ? 0 : Math.floor(us / 10 ** (6 - decimals)) * 10 ** (6 - decimals);
      if (decimals <= 3) {
        const date = dateFromParts(d.year, d.month, d.day, t.hour, t.minute, t.second, micros / 1000, ZONE);
        if (date !== undefined) return date;
      }
      return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:`
        + `${pad(t.second, 2)}` + (decimals > 0 ? "." + pad(micros, 6).slice(0, decimals) : "");
    }),
  ).map((value): Case => ({ column: column(type, { decimals }), value }))
);

/** TIME(0..6), beyond 24 h and negative. */
const timeCase = fc.integer({ min: 0, max: 6 }).chain((decimals) =>
  nullable(
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 838 }), hms, fc.integer({ min: 0, max: 999_999 })).map(
      ([neg, hours, t, us]) => {
        const frac = decimals > 0 ? "." + pad(us, 6).slice(0, decimals) : "";
        return (neg ? "-" : "") + pad(hours, 2) + ":" + pad(t.minute, 2) + ":" + pad(t.second, 2) + frac;
      },
    ),
  ).map((value): Case => ({ column: column(ColumnType.TIME, { decimals }), value }))
);

const bitCase = fc.integer({ min: 1, max: 64 }).chain((bits) =>
  nullable(
    (bits === 1 ? fc.boolean() : fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })) as fc.Arbitrary<
      unknown
    >,
  ).map((value): Case => ({
    column: column(ColumnType.BIT, { length: bits, flags: ColumnFlag.UNSIGNED }),
    value,
  }))
);

/** JSON: MySQL's JSON type (binary charset) and MariaDB's LONGTEXT with extended type "json". */
const jsonCase = fc.boolean().chain((mysql) =>
  nullable(
    fc.jsonValue().filter((v) =>
      typeof v !== "string" && v !== null
      && JSON.stringify(JSON.parse(JSON.stringify(v))) === JSON.stringify(v)
      && !JSON.stringify(v).includes("-0")
    ).map((v) => JSON.parse(JSON.stringify(v))),
  ).map((value): Case => ({
    column: mysql
      ? column(ColumnType.JSON)
      : column(ColumnType.BLOB, { charset: Charset.UTF8MB4_GENERAL_CI, extendedType: "json" }),
    value,
  }))
);

const stringCase = fc.constantFrom(ColumnType.VAR_STRING, ColumnType.STRING, ColumnType.BLOB, ColumnType.ENUM)
  .chain((type) =>
    nullable(fc.string({ unit: "binary", maxLength: 30 })).map((value): Case => ({
      column: column(type, { charset: Charset.UTF8MB4_GENERAL_CI }),
      value,
    }))
  );

const blobCase = nullable(fc.uint8Array({ maxLength: 300 })).map((value): Case => ({
  column: column(ColumnType.BLOB, { flags: ColumnFlag.BLOB | ColumnFlag.BINARY }),
  value,
}));

const anyCase: fc.Arbitrary<Case> = fc.oneof(
  intCase(ColumnType.TINY, -0x80, 0x7f, 0xff),
  intCase(ColumnType.SHORT, -0x8000, 0x7fff, 0xffff),
  intCase(ColumnType.INT24, -0x800000, 0x7fffff, 0xffffff),
  intCase(ColumnType.LONG, -0x80000000, 0x7fffffff, 0xffffffff),
  intCase(ColumnType.YEAR, 0, 2155, 2155),
  bigintCase,
  floatCase,
  doubleCase,
  decimalCase,
  dateCase,
  dateTimeCase,
  timeCase,
  bitCase,
  jsonCase,
  stringCase,
  blobCase,
);

const runs = { numRuns: 400 };

describe("value encoders against the decoders", () => {
  test("one value of every column type round-trips through a text row and a binary row", () => {
    fc.assert(
      fc.property(anyCase, ({ column: c, value }) => {
        const text = textRowParser([c], options, true)(textRowEncoder([c], ZONE)([value])) as unknown[];
        assert.deepStrictEqual(text[0], value, "text protocol");
        const binary = binaryRowParser([c], options, true)(binaryRowEncoder([c], ZONE)([value])) as unknown[];
        assert.deepStrictEqual(binary[0], value, "binary protocol");
      }),
      { numRuns: 3000 },
    );
  });

  test("rows of many columns round-trip, NULL bitmap included", () => {
    fc.assert(
      fc.property(fc.array(anyCase, { minLength: 1, maxLength: 20 }), (cases) => {
        const columns = cases.map((k, i) => ({ ...k.column, name: `c${i}` }));
        const values = cases.map((k) => k.value);
        assert.deepStrictEqual(
          textRowParser(columns, options, true)(textRowEncoder(columns, ZONE)(values)),
          values,
        );
        assert.deepStrictEqual(
          binaryRowParser(columns, options, true)(binaryRowEncoder(columns, ZONE)(values)),
          values,
        );
      }),
      runs,
    );
  });

  test("raw binary rows round-trip through encodeBinaryRow / decodeBinaryRow", () => {
    fc.assert(
      fc.property(fc.array(anyCase, { minLength: 1, maxLength: 20 }), (cases) => {
        const columns = cases.map((k) => k.column);
        const raw = cases.map((k) => encodeBinaryValue(k.value, k.column, ZONE));
        const decoded = decodeBinaryRow(encodeBinaryRow(columns, raw), columns).map((v) => v && v.slice());
        assert.deepStrictEqual(decoded, raw);
      }),
      runs,
    );
  });

  test("arbitrary bytes into decodeBinaryRow give a row or a ProtocolError", () => {
    fc.assert(
      fc.property(
        fc.array(anyCase, { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        (cases, b) => {
          try {
            decodeBinaryRow(b, cases.map((k) => k.column));
          } catch (error) {
            assert.ok(error instanceof ProtocolError, String(error));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("value encoders refuse what a column cannot hold", () => {
  test("with a TypeError naming the value", () => {
    const tiny = column(ColumnType.TINY);
    assert.throws(() => encodeBinaryValue(200, tiny, 0, "v"), /v is 200, out of range/);
    assert.throws(
      () => encodeBinaryValue(-1, column(ColumnType.LONG, { flags: ColumnFlag.UNSIGNED }), 0),
      TypeError,
    );
    assert.throws(() => encodeBinaryValue("x", tiny, 0), /not an integer/);
    assert.throws(() => encodeBinaryValue("yesterday", column(ColumnType.DATETIME), 0), /not a Date/);
    assert.throws(() => encodeBinaryValue("1:2", column(ColumnType.TIME), 0), /not a TIME/);
    assert.throws(
      () => encodeTextValue(4n, column(ColumnType.BIT, { length: 2 }), 0),
      /does not fit BIT\(2\)/,
    );
    assert.throws(() => encodeTextValue({ a: 1 }, column(ColumnType.VAR_STRING), 0), /only a JSON field/);
    assert.throws(() => encodeTextValue(NaN, column(ColumnType.DOUBLE), 0), /no MySQL value/);
    assert.throws(() => encodeTextValue(new Date(NaN), column(ColumnType.DATETIME), 0), /Invalid Date/);
    assert.throws(() => textRowEncoder([tiny], 0)([1, 2]), /needs 1 values/);
  });
  test("golden bytes of a binary row: header, NULL bitmap at offset 2, values", () => {
    const cols = [column(ColumnType.TINY), column(ColumnType.VAR_STRING), column(ColumnType.DATE)];
    const row = binaryRowEncoder(cols, 0)([-1, null, "2024-02-29"]);
    assert.deepEqual([...row], [0x00, 0b0000_1000, 0xff, 4, 0xe8, 0x07, 2, 29]);
  });
});

/**
 * Text-protocol values: every column type and its edges (integer limits under every `bigint` mode,
 * years 1-9999, zero and invalid dates, time zones, DATETIME(6), BIT, charsets, JSON). The bytes
 * are what the server sends (checked against MariaDB 10.11 with `mariadb --column-type-info`, and
 * the charset bytes with `SELECT HEX(CONVERT(x USING charset))`).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { collationCharset, collationName } from "../../src/protocol/collations.ts";
import { CollationIds, ColumnFlag, ColumnType } from "../../src/protocol/constants.ts";
import type { ColumnDefinition } from "../../src/protocol/results.ts";
import {
  bitValue,
  charsetDecoder,
  dateFromParts,
  defaultValueOptions,
  longLongValue,
  parseTimezone,
  textDecoder,
  type ValueOptions,
} from "../../src/protocol/values.ts";

const BINARY = 63;
const UTF8MB4 = 45;

function column(type: number, extra: Partial<ColumnDefinition> = {}): ColumnDefinition {
  return {
    catalog: "def",
    schema: "test",
    table: "t",
    orgTable: "t",
    name: "v",
    orgName: "v",
    charset: BINARY,
    length: 20,
    type,
    flags: 0,
    decimals: 0,
    ...extra,
  };
}

function options(extra: Partial<ValueOptions> = {}): ValueOptions {
  return { ...defaultValueOptions, ...extra };
}

/** Decodes `value` (text as UTF-8, or raw bytes) as it would arrive inside a row packet. */
function decode(
  col: ColumnDefinition,
  value: string | readonly number[],
  opts = defaultValueOptions,
): unknown {
  const inner = typeof value === "string" ? new TextEncoder().encode(value) : Uint8Array.from(value);
  // Surround the value with other bytes, as in a packet, to catch decoders that read outside it.
  const packet = new Uint8Array(inner.length + 6).fill(0x39);
  packet.set(inner, 3);
  return textDecoder(col, opts)(packet, 3, 3 + inner.length);
}

describe("integers", () => {
  test("TINY, SHORT, INT24, LONG at their limits, signed and unsigned", () => {
    const cases: [number, string, number][] = [
      [ColumnType.TINY, "-128", -128],
      [ColumnType.TINY, "255", 255],
      [ColumnType.SHORT, "-32768", -32768],
      [ColumnType.SHORT, "65535", 65535],
      [ColumnType.INT24, "-8388608", -8388608],
      [ColumnType.INT24, "16777215", 16777215],
      [ColumnType.LONG, "-2147483648", -2147483648],
      [ColumnType.LONG, "4294967295", 4294967295],
      [ColumnType.LONG, "0", 0],
      [ColumnType.LONG, "0000000042", 42], // ZEROFILL
      [ColumnType.LONG, "00000000000000000000000042", 42], // INT(26) ZEROFILL
    ];
    for (const [type, text, expected] of cases) assert.equal(decode(column(type), text), expected, text);
    assert.ok(Object.is(decode(column(ColumnType.LONG), "-0"), 0), "no negative zero");
  });

  test("YEAR is a number, also 0000 and YEAR(2)", () => {
    assert.equal(decode(column(ColumnType.YEAR), "2024"), 2024);
    assert.equal(decode(column(ColumnType.YEAR), "0000"), 0);
    assert.equal(decode(column(ColumnType.YEAR, { length: 2 }), "99"), 99);
  });

  test("text that is not an integer comes back as the text, never NaN", () => {
    for (const text of ["", "-", "1.5", "abc", " 1", "1e3"]) {
      assert.equal(decode(column(ColumnType.LONG), text), text);
      assert.equal(decode(column(ColumnType.LONGLONG), text), text);
    }
    // Beyond 64 bits (only a broken server sends it): still exact.
    assert.equal(decode(column(ColumnType.LONGLONG), "123456789012345678901"), 123456789012345678901n);
  });
});

describe("BIGINT under every `bigint` mode", () => {
  const max = "9223372036854775807";
  const min = "-9223372036854775808";
  const umax = "18446744073709551615";
  const safe = "9007199254740991";
  const unsafe = "9007199254740992";
  const signed = column(ColumnType.LONGLONG);
  const unsigned = column(ColumnType.LONGLONG, { flags: ColumnFlag.UNSIGNED });

  test("auto (default): number up to 2^53-1, bigint beyond", () => {
    assert.equal(decode(signed, "5"), 5);
    assert.equal(decode(signed, "-5"), -5);
    assert.equal(decode(signed, safe), Number.MAX_SAFE_INTEGER);
    assert.equal(decode(signed, "-" + safe), -Number.MAX_SAFE_INTEGER);
    assert.equal(decode(signed, unsafe), 9007199254740992n);
    assert.equal(decode(signed, "-" + unsafe), -9007199254740992n);
    assert.equal(decode(signed, max), 9223372036854775807n);
    assert.equal(decode(signed, min), -9223372036854775808n);
    assert.equal(decode(unsigned, umax), 18446744073709551615n);
    assert.equal(decode(unsigned, "00000000000000000042"), 42); // ZEROFILL
  });

  test("bigint: always a bigint", () => {
    const o = options({ bigint: "bigint" });
    assert.equal(decode(signed, "5", o), 5n);
    assert.equal(decode(signed, "0", o), 0n);
    assert.equal(decode(signed, "-5", o), -5n);
    assert.equal(decode(signed, max, o), 9223372036854775807n);
    assert.equal(decode(signed, min, o), -9223372036854775808n);
    assert.equal(decode(unsigned, umax, o), 18446744073709551615n);
  });

  test("string: the digits as sent", () => {
    const o = options({ bigint: "string" });
    for (const text of ["5", "-5", max, min, umax]) assert.equal(decode(signed, text, o), text);
  });

  test("number: lossy, as asked", () => {
    const o = options({ bigint: "number" });
    assert.equal(decode(signed, "5", o), 5);
    assert.equal(decode(signed, max, o), 9223372036854775807);
    assert.equal(decode(signed, min, o), -9223372036854775808);
    assert.equal(decode(unsigned, umax, o), 18446744073709551615);
  });

  test("longLongValue (shared with the binary protocol)", () => {
    assert.equal(longLongValue(5n, "auto"), 5);
    assert.equal(longLongValue(2n ** 53n, "auto"), 2n ** 53n);
    assert.equal(longLongValue(-(2n ** 53n) + 1n, "auto"), -(2 ** 53) + 1);
    assert.equal(longLongValue(5n, "bigint"), 5n);
    assert.equal(longLongValue(2n ** 64n - 1n, "string"), "18446744073709551615");
    assert.equal(longLongValue(2n ** 63n, "number"), 2 ** 63);
  });
});

describe("DECIMAL, FLOAT, DOUBLE", () => {
  test("DECIMAL is the exact text, also computed (binary charset)", () => {
    const d = column(ColumnType.NEWDECIMAL, { decimals: 9 });
    assert.equal(decode(d, "12345678901234567890.123456789"), "12345678901234567890.123456789");
    assert.equal(decode(column(ColumnType.NEWDECIMAL, { decimals: 2, charset: BINARY }), "3.30"), "3.30");
    assert.equal(decode(column(ColumnType.DECIMAL), "-0.5"), "-0.5");
    const long = "-" + "9".repeat(56) + "." + "1".repeat(9);
    assert.equal(decode(d, long), long);
  });

  test("DECIMAL as a number when asked", () => {
    const o = options({ decimal: "number" });
    assert.equal(decode(column(ColumnType.NEWDECIMAL), "3.30", o), 3.3);
    assert.equal(decode(column(ColumnType.NEWDECIMAL), "-12.5", o), -12.5);
  });

  test("FLOAT and DOUBLE are numbers", () => {
    assert.equal(decode(column(ColumnType.FLOAT), "1.5"), 1.5);
    assert.equal(decode(column(ColumnType.FLOAT), "1.1"), 1.1);
    assert.equal(decode(column(ColumnType.FLOAT), "-3.25e10"), -3.25e10);
    assert.equal(decode(column(ColumnType.DOUBLE), "0.1"), 0.1);
    assert.equal(decode(column(ColumnType.DOUBLE), "1e300"), 1e300);
    assert.equal(decode(column(ColumnType.DOUBLE), "1.7976931348623157e308"), 1.7976931348623157e308);
    assert.equal(decode(column(ColumnType.DOUBLE), "-0"), -0);
    assert.equal(decode(column(ColumnType.DOUBLE), "nonsense"), "nonsense");
  });
});

describe("DATE", () => {
  const date = column(ColumnType.DATE);
  const utc = options({ timezone: "Z" });

  test("a Date at midnight in the time zone", () => {
    assert.equal((decode(date, "2024-02-29", utc) as Date).toISOString(), "2024-02-29T00:00:00.000Z");
    const ist = decode(date, "2024-02-29", options({ timezone: "+05:30" })) as Date;
    assert.equal(ist.toISOString(), "2024-02-28T18:30:00.000Z");
    const pst = decode(date, "2024-02-29", options({ timezone: "-08:00" })) as Date;
    assert.equal(pst.toISOString(), "2024-02-29T08:00:00.000Z");
  });

  test("local time", () => {
    const d = decode(date, "2024-07-04") as Date;
    assert.deepEqual(
      [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()],
      [2024, 6, 4, 0, 0, 0],
    );
  });

  test("years 1, 99, 999 and 9999 keep their year, in every zone", () => {
    for (
      const [text, iso] of [
        ["0001-01-01", "0001-01-01T00:00:00.000Z"],
        ["0099-12-31", "0099-12-31T00:00:00.000Z"],
        ["0999-06-15", "0999-06-15T00:00:00.000Z"],
        ["9999-12-31", "9999-12-31T00:00:00.000Z"],
        ["0004-02-29", "0004-02-29T00:00:00.000Z"],
      ]
    ) {
      assert.equal((decode(date, text, utc) as Date).toISOString(), iso);
      const local = decode(date, text) as Date;
      const [y, m, d] = text.split("-").map(Number);
      assert.deepEqual([local.getFullYear(), local.getMonth() + 1, local.getDate(), local.getHours()], [
        y,
        m,
        d,
        0,
      ]);
      const ist = decode(date, text, options({ timezone: "+05:30" })) as Date;
      assert.equal(ist.getTime(), Date.parse(iso) - 330 * 60_000);
    }
  });

  test("zero dates, zero months or days, year 0 and impossible days: the text as sent", () => {
    for (
      const text of [
        "0000-00-00",
        "2020-00-15",
        "2020-05-00",
        "0000-01-01",
        "2021-02-31",
        "2021-04-31",
        "2023-02-29",
      ]
    ) {
      assert.equal(decode(date, text), text);
      assert.equal(decode(date, text, utc), text);
    }
  });

  test("anything else the server might send is the text, never an Invalid Date", () => {
    for (const text of ["", "2020-1-1", "2020/01/01", "20200101", "2020-01-01x", "2020-13-01"]) {
      assert.equal(decode(date, text), text);
    }
  });

  test("dateStrings", () => {
    assert.equal(decode(date, "2024-02-29", options({ dateStrings: true })), "2024-02-29");
    assert.equal(decode(date, "2024-02-29", options({ dateStrings: ["DATE"] })), "2024-02-29");
    assert.ok(
      decode(date, "2024-02-29", options({ dateStrings: ["DATETIME", "TIMESTAMP"] })) instanceof Date,
    );
    assert.equal(
      decode(column(ColumnType.NEWDATE), "2024-02-29", options({ dateStrings: ["DATE"] })),
      "2024-02-29",
    );
  });
});

describe("DATETIME and TIMESTAMP", () => {
  const dt = column(ColumnType.DATETIME);
  const dt3 = column(ColumnType.DATETIME, { decimals: 3 });
  const utc = options({ timezone: "Z" });

  test("Dates in the time zone: Z, +05:30, -08:00", () => {
    assert.equal((decode(dt, "2024-02-29 13:14:15", utc) as Date).toISOString(), "2024-02-29T13:14:15.000Z");
    const ist = decode(dt, "2024-02-29 13:14:15", options({ timezone: "+05:30" })) as Date;
    assert.equal(ist.toISOString(), "2024-02-29T07:44:15.000Z");
    const pst = decode(dt, "2024-02-29 23:14:15", options({ timezone: "-08:00" })) as Date;
    assert.equal(pst.toISOString(), "2024-03-01T07:14:15.000Z");
    const ts = decode(column(ColumnType.TIMESTAMP), "1970-01-01 00:00:00", utc) as Date;
    assert.equal(ts.getTime(), 0);
  });

  test("local time", () => {
    const d = decode(dt, "2024-02-29 13:14:15") as Date;
    assert.deepEqual(
      [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()],
      [2024, 1, 29, 13, 14, 15],
    );
    const early = decode(dt3, "0012-03-04 05:06:07.890") as Date;
    assert.deepEqual(
      [early.getFullYear(), early.getMonth(), early.getDate(), early.getHours(), early.getMinutes()],
      [12, 2, 4, 5, 6],
    );
    assert.equal(early.getMilliseconds(), 890);
  });

  test("1 to 3 fractional digits are milliseconds", () => {
    const c = (decimals: number) => column(ColumnType.DATETIME, { decimals });
    assert.equal((decode(c(1), "1970-01-01 00:00:01.5", utc) as Date).getTime(), 1500);
    assert.equal((decode(c(2), "1970-01-01 00:00:01.25", utc) as Date).getTime(), 1250);
    assert.equal((decode(c(3), "1970-01-01 00:00:01.125", utc) as Date).getTime(), 1125);
    assert.equal(
      (decode(c(3), "2024-01-01 00:00:00.000", utc) as Date).toISOString(),
      "2024-01-01T00:00:00.000Z",
    );
  });

  test("DATETIME(4..6) and TIMESTAMP(6): the text, microseconds intact", () => {
    const dt6 = column(ColumnType.DATETIME, { decimals: 6 });
    assert.equal(decode(dt6, "2024-01-02 03:04:05.123456"), "2024-01-02 03:04:05.123456");
    assert.equal(decode(dt6, "2024-01-02 03:04:05.000000", utc), "2024-01-02 03:04:05.000000");
    const ts6 = column(ColumnType.TIMESTAMP, { decimals: 6 });
    assert.equal(decode(ts6, "2024-01-01 00:00:00.500000"), "2024-01-01 00:00:00.500000");
    assert.equal(
      decode(column(ColumnType.DATETIME, { decimals: 4 }), "2024-01-02 03:04:05.1234"),
      "2024-01-02 03:04:05.1234",
    );
  });

  test("years 1, 99, 999, 9999", () => {
    for (
      const text of [
        "0001-01-01 00:00:00",
        "0099-12-31 23:59:59",
        "0999-01-01 12:00:00",
        "9999-12-31 23:59:59",
      ]
    ) {
      assert.equal((decode(dt, text, utc) as Date).toISOString(), text.replace(" ", "T") + ".000Z");
    }
  });

  test("zero and invalid datetimes: the text as sent", () => {
    for (
      const text of [
        "0000-00-00 00:00:00",
        "2020-05-00 10:00:00",
        "2020-00-01 10:00:00",
        "2021-02-31 10:00:00",
        "0000-01-01 00:00:00",
        "2020-01-01 24:00:00",
        "2020-01-01T00:00:00",
        "2020-01-01 00:00",
        "2020-01-01 00:00:00.",
      ]
    ) {
      assert.equal(decode(dt, text), text);
    }
    assert.equal(
      decode(column(ColumnType.DATETIME, { decimals: 2 }), "0000-00-00 00:00:00.00"),
      "0000-00-00 00:00:00.00",
    );
    // More digits than a Date holds, in a column that promised at most 3: keep the text.
    assert.equal(decode(dt3, "2020-01-01 00:00:00.1234"), "2020-01-01 00:00:00.1234");
    assert.ok(decode(dt3, "2020-01-01 00:00:00.1230") instanceof Date);
  });

  test("dateStrings, by type", () => {
    const ts = column(ColumnType.TIMESTAMP);
    assert.equal(decode(dt, "2024-02-29 13:14:15", options({ dateStrings: true })), "2024-02-29 13:14:15");
    assert.equal(decode(ts, "2024-02-29 13:14:15", options({ dateStrings: true })), "2024-02-29 13:14:15");
    const onlyTs = options({ dateStrings: ["TIMESTAMP"] });
    assert.equal(decode(ts, "2024-02-29 13:14:15", onlyTs), "2024-02-29 13:14:15");
    assert.ok(decode(dt, "2024-02-29 13:14:15", onlyTs) instanceof Date);
    const onlyDt = options({ dateStrings: ["DATETIME"] });
    assert.equal(decode(dt, "2024-02-29 13:14:15", onlyDt), "2024-02-29 13:14:15");
    assert.ok(decode(ts, "2024-02-29 13:14:15", onlyDt) instanceof Date);
  });
});

describe("TIME", () => {
  test("the text as sent: beyond 24 hours, negative, fractions", () => {
    for (
      const text of [
        "-838:59:59.000000",
        "838:59:59",
        "-00:00:01",
        "25:00:00",
        "12:34:56.789",
        "-00:00:01.000",
      ]
    ) {
      assert.equal(decode(column(ColumnType.TIME), text), text);
    }
  });
});

describe("BIT", () => {
  test("BIT(1) is a boolean", () => {
    const b1 = column(ColumnType.BIT, { length: 1, flags: ColumnFlag.UNSIGNED });
    assert.equal(decode(b1, [1]), true);
    assert.equal(decode(b1, [0]), false);
  });

  test("BIT(2..64) is a bigint from big-endian bytes", () => {
    assert.equal(decode(column(ColumnType.BIT, { length: 5 }), [21]), 21n);
    assert.equal(decode(column(ColumnType.BIT, { length: 5 }), [0]), 0n);
    assert.equal(decode(column(ColumnType.BIT, { length: 16 }), [1, 2]), 0x102n);
    const b64 = column(ColumnType.BIT, { length: 64 });
    assert.equal(decode(b64, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 18446744073709551615n);
    assert.equal(decode(b64, [0, 0, 0, 0, 0, 0, 0, 1]), 1n);
    assert.equal(decode(b64, [0x80, 0, 0, 0, 0, 0, 0, 0]), 2n ** 63n);
    assert.equal(
      decode(column(ColumnType.BIT, { length: 48 }), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      2n ** 48n - 1n,
    );
  });

  test("bitValue (shared with the binary protocol)", () => {
    assert.equal(bitValue(new Uint8Array([0, 0, 1]), 0, 3, 1), true);
    assert.equal(bitValue(new Uint8Array([9, 1, 0, 9]), 1, 3, 9), 256n);
  });
});

describe("strings and charsets", () => {
  const text = (charset: number) => column(ColumnType.VAR_STRING, { charset });

  test("UTF-8 (utf8mb4, utf8mb3, MySQL 8's 0900 collations, MariaDB's uca1400 ones)", () => {
    const s = "héllo wörld 🎉 中文";
    const bytes = [...new TextEncoder().encode(s)];
    for (const id of [UTF8MB4, 33, 46, 224, 255, 309, 323, 2048, 2304]) {
      assert.equal(decode(text(id), bytes), s, `id ${id}`);
    }
    assert.equal(decode(text(UTF8MB4), "ab"), "ab");
    assert.equal(decode(text(UTF8MB4), ""), "");
  });

  test("a leading U+FEFF is part of the value", () => {
    assert.equal(decode(text(UTF8MB4), "\uFEFFx"), "\uFEFFx");
    assert.equal(decode(text(54), [0xfe, 0xff, 0, 0x41]), "\uFEFFA");
  });

  test("latin1 is windows-1252", () => {
    assert.equal(decode(text(8), [0x63, 0x61, 0x66, 0xe9]), "café");
    assert.equal(decode(text(47), [0x80, 0x9f]), "€Ÿ"); // latin1_bin
  });

  test("Cyrillic, Central European, Greek, Hebrew, Turkish, Baltic, Arabic", () => {
    assert.equal(decode(text(51), [0xe6, 0xe8, 0xe7, 0xed, 0xfc]), "жизнь"); // cp1251_general_ci
    assert.equal(decode(text(14), [0xc0]), "А"); // cp1251_bulgarian_ci
    assert.equal(decode(text(7), [0xd6]), "ж"); // koi8r
    assert.equal(decode(text(22), [0xa4]), "є"); // koi8u
    assert.equal(decode(text(26), [0x9a]), "š"); // cp1250
    assert.equal(decode(text(9), [0xb1]), "ą"); // latin2
    assert.equal(decode(text(25), [0xe1]), "α"); // greek
    assert.equal(decode(text(16), [0xe0]), "א"); // hebrew
    assert.equal(decode(text(30), [0xfd]), "ı"); // latin5
    assert.equal(decode(text(41), [0xe0]), "ą"); // latin7
    assert.equal(decode(text(59), [0xe0]), "ą"); // cp1257
    assert.equal(decode(text(57), [0xc7]), "ا"); // cp1256
    assert.equal(decode(text(36), [0xa0]), "а"); // cp866
  });

  test("UTF-16, UTF-16LE, UCS-2, UTF-32", () => {
    assert.equal(decode(text(54), [0, 0xe9, 0xd8, 0x3d, 0xde, 0]), "é😀"); // utf16_general_ci
    assert.equal(decode(text(56), [0xe9, 0, 0x3d, 0xd8, 0, 0xde]), "é😀"); // utf16le_general_ci
    assert.equal(decode(text(35), [0, 0xe9, 0x04, 0x36]), "éж"); // ucs2_general_ci
    assert.equal(decode(text(60), [0, 0, 0, 0xe9, 0, 1, 0xf6, 0]), "é😀"); // utf32_general_ci
    assert.equal(decode(text(60), [0, 0x11, 0, 0, 0, 0, 0xd8, 0]), "\uFFFD\uFFFD"); // not Unicode
    const long = "x😀".repeat(3000);
    const bytes = [...long].flatMap((c) => {
      const cp = c.codePointAt(0)!;
      return [cp >>> 24, (cp >>> 16) & 0xff, (cp >>> 8) & 0xff, cp & 0xff];
    });
    assert.equal(decode(text(60), bytes), long);
  });

  test("Japanese, Korean, Chinese", () => {
    assert.equal(decode(text(13), [0x82, 0xa0]), "あ"); // sjis
    assert.equal(decode(text(95), [0x82, 0xa0]), "あ"); // cp932
    assert.equal(decode(text(12), [0xa4, 0xa2]), "あ"); // ujis
    assert.equal(decode(text(97), [0xa4, 0xa2]), "あ"); // eucjpms
    assert.equal(decode(text(19), [0xb0, 0xa1]), "가"); // euckr
    assert.equal(decode(text(28), [0xd6, 0xd0]), "中"); // gbk
    assert.equal(decode(text(24), [0xd6, 0xd0]), "中"); // gb2312
    assert.equal(decode(text(248), [0xd6, 0xd0]), "中"); // gb18030 (MySQL)
    assert.equal(decode(text(1), [0xa4, 0xa4]), "中"); // big5
  });

  test("ENUM and SET are strings", () => {
    assert.equal(decode(column(ColumnType.STRING, { charset: UTF8MB4, flags: ColumnFlag.ENUM }), "ç"), "ç");
    assert.equal(
      decode(column(ColumnType.STRING, { charset: UTF8MB4, flags: ColumnFlag.SET }), "x,z"),
      "x,z",
    );
  });

  test("TEXT is a string, BLOB (binary charset) is bytes", () => {
    assert.equal(
      decode(column(ColumnType.BLOB, { charset: UTF8MB4, flags: ColumnFlag.BLOB }), "long text"),
      "long text",
    );
    assert.deepEqual(
      decode(column(ColumnType.BLOB, { flags: ColumnFlag.BLOB }), [0, 255, 16]),
      new Uint8Array([0, 255, 16]),
    );
  });

  test("a charset with no decoder gives bytes; an unknown collation id is read as UTF-8", () => {
    assert.deepEqual(decode(text(3), [0x41, 0xe9]), new Uint8Array([0x41, 0xe9])); // dec8
    assert.deepEqual(decode(text(4), [0x82]), new Uint8Array([0x82])); // cp850
    assert.equal(decode(text(4000), "é"), "é");
  });

  test("charsetDecoder", () => {
    assert.equal(charsetDecoder(63), undefined);
    assert.equal(charsetDecoder(3), undefined);
    assert.equal(charsetDecoder(8)!(new Uint8Array([0x41, 0xe9, 0x42]), 1, 2), "é");
    assert.equal(charsetDecoder(45)!(new TextEncoder().encode("aé"), 0, 3), "aé");
  });
});

describe("bytes", () => {
  test("BINARY, VARBINARY, BLOB, GEOMETRY: a copy, never a view into the packet", () => {
    for (
      const type of [
        ColumnType.STRING,
        ColumnType.VAR_STRING,
        ColumnType.BLOB,
        ColumnType.LONG_BLOB,
        ColumnType.GEOMETRY,
      ]
    ) {
      const packet = new Uint8Array([9, 1, 2, 0, 255, 9]);
      const v = textDecoder(column(type), defaultValueOptions)(packet, 1, 5) as Uint8Array;
      assert.ok(v instanceof Uint8Array);
      assert.deepEqual(v, new Uint8Array([1, 2, 0, 255]));
      packet.fill(7);
      assert.deepEqual(v, new Uint8Array([1, 2, 0, 255]));
      assert.equal(v.byteOffset, 0);
      assert.equal(v.buffer.byteLength, 4);
    }
  });

  test("GEOMETRY with a MariaDB extended type is still bytes", () => {
    assert.deepEqual(
      decode(column(ColumnType.GEOMETRY, { extendedType: "point" }), [1, 2]),
      new Uint8Array([1, 2]),
    );
  });

  test("other types: text, or bytes with the binary charset", () => {
    assert.deepEqual(decode(column(ColumnType.VECTOR), [1, 2, 3, 4]), new Uint8Array([1, 2, 3, 4]));
    assert.equal(decode(column(ColumnType.VECTOR, { charset: UTF8MB4 }), "x"), "x");
  });
});

describe("JSON", () => {
  const doc = { a: [1, "two", null], b: { c: true } };
  const textOf = JSON.stringify(doc);

  test("MySQL's JSON type (binary charset) is parsed", () => {
    assert.deepEqual(decode(column(ColumnType.JSON), textOf), doc);
    assert.deepEqual(decode(column(ColumnType.JSON), '"é"'), "é");
    assert.equal(decode(column(ColumnType.JSON), "1"), 1);
  });

  test("MariaDB's JSON (LONGTEXT with format or type json) is parsed", () => {
    const blob = column(ColumnType.BLOB, { charset: 33, format: "json" });
    assert.deepEqual(decode(blob, textOf), doc);
    const ext = column(ColumnType.LONG_BLOB, { charset: UTF8MB4, extendedType: "json" });
    assert.deepEqual(decode(ext, "[1,2]"), [1, 2]);
  });

  test("jsonParse: false gives the text", () => {
    const o = options({ jsonParse: false });
    assert.equal(decode(column(ColumnType.JSON), textOf, o), textOf);
    assert.equal(decode(column(ColumnType.BLOB, { charset: 33, format: "json" }), textOf, o), textOf);
  });

  test("text that is not JSON comes back as the text", () => {
    assert.equal(decode(column(ColumnType.BLOB, { charset: 33, format: "json" }), "{oops"), "{oops");
  });
});

describe("MariaDB extended types", () => {
  test("uuid, inet4, inet6 are strings", () => {
    const u = "8a28f156-e568-11f1-ab75-02fc00000001";
    assert.equal(decode(column(ColumnType.STRING, { charset: 33, extendedType: "uuid" }), u), u);
    assert.equal(
      decode(column(ColumnType.STRING, { charset: 33, extendedType: "inet4" }), "1.2.3.4"),
      "1.2.3.4",
    );
    assert.equal(decode(column(ColumnType.STRING, { charset: 33, extendedType: "inet6" }), "::1"), "::1");
    assert.equal(decode(column(ColumnType.STRING, { charset: BINARY, extendedType: "inet6" }), "::1"), "::1");
  });
});

describe("parseTimezone", () => {
  test("local, Z and offsets", () => {
    assert.equal(parseTimezone("local"), "local");
    assert.equal(parseTimezone("Z"), 0);
    assert.equal(parseTimezone("+00:00"), 0);
    assert.equal(parseTimezone("-00:00"), 0);
    assert.equal(parseTimezone("+05:30"), 330);
    assert.equal(parseTimezone("-08:00"), -480);
    assert.equal(parseTimezone("+14:00"), 840);
    assert.equal(parseTimezone("-23:59"), -1439);
  });

  test("anything else is a TypeError", () => {
    for (const bad of ["", "UTC", "z", "+5:30", "+0530", "05:30", "+24:00", "+05:60", "Europe/Paris", " Z"]) {
      assert.throws(() => parseTimezone(bad), TypeError, bad);
    }
    assert.throws(() => parseTimezone(undefined as unknown as string), TypeError);
    assert.throws(() => textDecoder(column(ColumnType.DATE), options({ timezone: "bad" })), TypeError);
  });
});

describe("dateFromParts", () => {
  test("refuses what no Date can stand for", () => {
    assert.equal(dateFromParts(0, 1, 1, 0, 0, 0, 0, 0), undefined);
    assert.equal(dateFromParts(2020, 0, 1, 0, 0, 0, 0, 0), undefined);
    assert.equal(dateFromParts(2020, 2, 30, 0, 0, 0, 0, 0), undefined);
    assert.equal(dateFromParts(10000, 1, 1, 0, 0, 0, 0, 0), undefined);
    assert.equal(dateFromParts(2000, 2, 29, 0, 0, 0, 0, 0)?.toISOString(), "2000-02-29T00:00:00.000Z");
    assert.equal(dateFromParts(1900, 2, 29, 0, 0, 0, 0, 0), undefined);
  });
});

describe("collations", () => {
  test("every id in CollationIds has a charset that matches its name", () => {
    for (const [name, id] of Object.entries(CollationIds)) {
      const charset = collationCharset(id);
      assert.ok(charset !== undefined, name);
      assert.ok(
        name === charset || name.startsWith(charset + "_")
          || name.startsWith("utf8_") && charset === "utf8mb3",
        `${name} (${id}) is ${charset}`,
      );
    }
  });

  test("names and charsets of MariaDB and MySQL ids", () => {
    assert.equal(collationName(45), "utf8mb4_general_ci");
    assert.equal(collationName(63), "binary");
    assert.equal(collationCharset(63), "binary");
    assert.equal(collationName(8), "latin1_swedish_ci");
    assert.equal(collationName(255), "utf8mb4_0900_ai_ci");
    assert.equal(collationName(323), "utf8mb4_mn_cyrl_0900_as_cs");
    assert.equal(collationCharset(248), "gb18030");
    assert.equal(collationName(2304), "utf8mb4_uca1400_ai_ci");
    assert.equal(collationCharset(1025), "big5");
    assert.equal(collationName(99999), undefined);
    assert.equal(collationCharset(0), undefined);
  });

  test("NO PAD twins (id + 1024) and uca1400 blocks, which the table stores by rule", () => {
    assert.equal(collationName(1056), "armscii8_general_nopad_ci");
    assert.equal(collationName(1088), "armscii8_nopad_bin");
    assert.equal(collationName(1174), "ucs2_unicode_520_nopad_ci");
    assert.equal(collationCharset(1174), "ucs2");
    assert.equal(collationName(2048), "utf8mb3_uca1400_ai_ci");
    assert.equal(collationName(2304 + 8 + 3), "utf8mb4_uca1400_icelandic_as_cs");
    assert.equal(collationName(2304 + 4), "utf8mb4_uca1400_nopad_ai_ci");
    assert.equal(collationName(3072 + 24 * 8 + 7), "utf32_uca1400_croatian_nopad_as_cs");
    assert.equal(collationCharset(2816 + 23 * 8), "utf16");
    assert.equal(collationName(2304 + 21 * 8), undefined); // a tailoring number no collation uses
    assert.equal(collationName(2304 + 25 * 8), undefined);
  });
});

describe("the mysql2 entry's value modes (lossy, chosen explicitly)", () => {
  const wrapped: Uint8Array[] = [];
  const wrap = (bytes: Uint8Array) => {
    wrapped.push(bytes);
    return bytes;
  };

  test('bigint "number-or-string": a number within 2^53, else the text', () => {
    const opts = options({ bigint: "number-or-string" });
    const col = column(ColumnType.LONGLONG);
    assert.equal(decode(col, "9007199254740991", opts), 9007199254740991);
    assert.equal(decode(col, "-9007199254740991", opts), -9007199254740991);
    assert.equal(decode(col, "9007199254740993", opts), "9007199254740993");
    assert.equal(decode(col, "18446744073709551615", opts), "18446744073709551615");
    assert.equal(longLongValue(-9223372036854775808n, "number-or-string"), "-9223372036854775808");
    assert.equal(longLongValue(42n, "number-or-string"), 42);
  });

  test('dates "lossy": always a Date, the fraction cut to milliseconds, an Invalid Date for what no Date is', () => {
    const opts = options({ dates: "lossy", timezone: "Z" });
    const dt6 = column(ColumnType.DATETIME, { decimals: 6 });
    assert.equal(
      (decode(dt6, "2024-01-02 03:04:05.123456", opts) as Date).toISOString(),
      "2024-01-02T03:04:05.123Z",
    );
    assert.equal(
      (decode(dt6, "2024-01-02 03:04:05", opts) as Date).toISOString(),
      "2024-01-02T03:04:05.000Z",
    );
    for (const text of ["0000-00-00 00:00:00", "2024-02-30 00:00:00", "2024-01-02 03:04:05.", "garbage"]) {
      const v = decode(dt6, text, opts);
      assert.ok(v instanceof Date && Number.isNaN(v.getTime()), `${text}: ${String(v)}`);
    }
    const date = column(ColumnType.DATE);
    assert.equal((decode(date, "2024-02-29", opts) as Date).toISOString(), "2024-02-29T00:00:00.000Z");
    const zero = decode(date, "0000-00-00", opts);
    assert.ok(zero instanceof Date && Number.isNaN(zero.getTime()));
    // dateStrings still wins; the exact default keeps the text.
    assert.equal(
      decode(dt6, "0000-00-00 00:00:00", options({ dates: "lossy", dateStrings: true })),
      "0000-00-00 00:00:00",
    );
    assert.equal(decode(dt6, "2024-01-02 03:04:05.123456", options()), "2024-01-02 03:04:05.123456");
  });

  test('bits "bytes" and the bytes option: BIT, binary strings and GEOMETRY through the wrapper', () => {
    wrapped.length = 0;
    const opts = options({ bits: "bytes", bytes: wrap });
    assert.deepEqual([...(decode(column(ColumnType.BIT, { length: 1 }), [1], opts) as Uint8Array)], [1]);
    assert.deepEqual(
      [...(decode(column(ColumnType.BIT, { length: 16 }), [0xa5, 0x01], opts) as Uint8Array)],
      [
        0xa5,
        0x01,
      ],
    );
    assert.deepEqual([...(decode(column(ColumnType.BLOB), [0, 255], opts) as Uint8Array)], [0, 255]);
    assert.deepEqual([...(decode(column(ColumnType.GEOMETRY), [1, 2, 3], opts) as Uint8Array)], [1, 2, 3]);
    assert.equal(wrapped.length, 4);
    // Text columns and the default BIT are untouched.
    assert.equal(decode(column(ColumnType.VAR_STRING, { charset: UTF8MB4 }), "abc", opts), "abc");
    assert.equal(decode(column(ColumnType.BIT, { length: 1 }), [1]), true);
  });
});

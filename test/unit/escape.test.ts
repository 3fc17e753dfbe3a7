/**
 * Client-side literals and placeholders: every kind of value, identifiers, and the placeholder
 * scanner's edge cases (quotes, comments, `??`, named parameters, count mismatches). The string and
 * date literals were checked against MariaDB 10.11 (`SELECT HEX(<literal>)` gives back the bytes of
 * the original, with and without NO_BACKSLASH_ESCAPES).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { escapeId, type EscapeOptions, escapeValue, formatQuery, raw } from "../../src/protocol/escape.ts";

const utc: EscapeOptions = { timezone: 0 };
const local: EscapeOptions = { timezone: "local" };
const nbe: EscapeOptions = { timezone: 0, noBackslashEscapes: true };

describe("escapeValue", () => {
  test("NULL, booleans, numbers, bigints", () => {
    assert.equal(escapeValue(null, utc), "NULL");
    assert.equal(escapeValue(true, utc), "true");
    assert.equal(escapeValue(false, utc), "false");
    assert.equal(escapeValue(0, utc), "0");
    assert.equal(escapeValue(-0, utc), "0");
    assert.equal(escapeValue(42, utc), "42");
    assert.equal(escapeValue(-1.5, utc), "-1.5");
    assert.equal(escapeValue(0.1, utc), "0.1");
    assert.equal(escapeValue(1e21, utc), "1e+21");
    assert.equal(escapeValue(Number.MAX_SAFE_INTEGER, utc), "9007199254740991");
    assert.equal(escapeValue(18446744073709551615n, utc), "18446744073709551615");
    assert.equal(escapeValue(-9223372036854775808n, utc), "-9223372036854775808");
  });

  test("NaN and Infinity are refused", () => {
    for (const v of [NaN, Infinity, -Infinity]) assert.throws(() => escapeValue(v, utc), TypeError);
  });

  test("strings: quotes, backslash, NUL, newlines, Ctrl-Z escaped", () => {
    assert.equal(escapeValue("", utc), "''");
    assert.equal(escapeValue("plain", utc), "'plain'");
    assert.equal(escapeValue("it's", utc), "'it\\'s'");
    assert.equal(escapeValue('say "hi"', utc), "'say \\\"hi\\\"'");
    assert.equal(escapeValue("a\\b", utc), "'a\\\\b'");
    assert.equal(escapeValue("\0\n\r\x1a", utc), "'\\0\\n\\r\\Z'");
    assert.equal(escapeValue("\t\b%_?", utc), "'\t\b%_?'");
    assert.equal(escapeValue("héllo 🎉", utc), "'héllo 🎉'");
    assert.equal(escapeValue("\\'; DROP TABLE t; --", utc), "'\\\\\\'; DROP TABLE t; --'");
  });

  test("strings under NO_BACKSLASH_ESCAPES: only quotes doubled", () => {
    assert.equal(escapeValue("it's", nbe), "'it''s'");
    assert.equal(escapeValue("a\\b", nbe), "'a\\b'");
    assert.equal(escapeValue("\\'", nbe), "'\\'''");
    assert.equal(escapeValue('\0\n"', nbe), "'\0\n\"'");
  });

  test("a lone surrogate (no UTF-8 for it) is refused", () => {
    assert.throws(() => escapeValue("a\uD800b", utc), TypeError);
    assert.throws(() => escapeValue("\uDC00", utc), TypeError);
    assert.equal(escapeValue("\uD83D\uDE00", utc), "'😀'");
  });

  test("Dates in the time zone, with milliseconds", () => {
    const d = new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 6));
    assert.equal(escapeValue(d, utc), "'2024-02-29 13:14:15.006'");
    assert.equal(escapeValue(d, { timezone: 330 }), "'2024-02-29 18:44:15.006'");
    assert.equal(escapeValue(d, { timezone: -480 }), "'2024-02-29 05:14:15.006'");
    assert.equal(
      escapeValue(new Date(Date.UTC(2024, 0, 1, 3)), { timezone: -480 }),
      "'2023-12-31 19:00:00.000'",
    );
    const l = new Date(2024, 6, 4, 5, 6, 7, 890);
    assert.equal(escapeValue(l, local), "'2024-07-04 05:06:07.890'");
  });

  test("years before 1000 are padded to four digits", () => {
    const d = new Date(0);
    d.setUTCFullYear(5, 0, 2);
    assert.equal(escapeValue(d, utc), "'0005-01-02 00:00:00.000'");
    d.setUTCFullYear(999, 11, 31);
    assert.equal(escapeValue(d, utc), "'0999-12-31 00:00:00.000'");
    const l = new Date(0);
    l.setFullYear(42, 5, 6);
    l.setHours(7, 8, 9, 10);
    assert.equal(escapeValue(l, local), "'0042-06-06 07:08:09.010'");
  });

  test("Invalid Dates and years MySQL cannot hold are refused", () => {
    assert.throws(() => escapeValue(new Date(NaN), utc), TypeError);
    assert.throws(() => escapeValue(new Date("10000-01-01T00:00:00Z"), utc), TypeError);
    const bc = new Date(0);
    bc.setUTCFullYear(-1);
    assert.throws(() => escapeValue(bc, utc), TypeError);
  });

  test("bytes as X'hex'", () => {
    assert.equal(escapeValue(new Uint8Array([0, 255, 16, 0xab]), utc), "X'00ff10ab'");
    assert.equal(escapeValue(new Uint8Array(0), utc), "X''");
    assert.equal(escapeValue(new Uint8Array([9, 1, 2, 9]).subarray(1, 3), utc), "X'0102'");
  });

  test("arrays are lists; nested arrays are groups", () => {
    assert.equal(escapeValue([1, "a", null], utc), "1, 'a', NULL");
    assert.equal(escapeValue([[1, "a"], [2, null]], utc), "(1, 'a'), (2, NULL)");
    assert.equal(escapeValue([[1, [2, 3]]], utc), "(1, (2, 3))");
    assert.equal(escapeValue([], utc), "");
    assert.equal(escapeValue([new Uint8Array([1])], utc), "X'01'");
  });

  test("plain objects are `key` = value pairs", () => {
    assert.equal(escapeValue({ a: 1, b: "x", c: null }, utc), "`a` = 1, `b` = 'x', `c` = NULL");
    assert.equal(escapeValue({ "t.a": 1, "we`ird": 2 }, utc), "`t`.`a` = 1, `we``ird` = 2");
    const bare = Object.assign(Object.create(null), { k: true });
    assert.equal(escapeValue(bare, utc), "`k` = true");
    assert.equal(
      escapeValue({ d: new Date(0), r: raw("NOW()") }, utc),
      "`d` = '1970-01-01 00:00:00.000', `r` = NOW()",
    );
  });

  test("values with no SQL literal inside objects and arrays are refused", () => {
    assert.throws(() => escapeValue({ a: { b: 1 } }, utc), /JSON.stringify/);
    assert.throws(() => escapeValue({ a: [1, 2] }, utc), TypeError);
    assert.throws(() => escapeValue([{ a: 1 }], utc), TypeError);
    assert.throws(() => escapeValue({ a: undefined }, utc), /undefined as the value of "a"/);
    assert.throws(() => escapeValue({ f: () => 1 }, utc), /function/);
  });

  test("toSqlString and raw()", () => {
    assert.equal(escapeValue(raw("CURRENT_TIMESTAMP"), utc), "CURRENT_TIMESTAMP");
    assert.equal(escapeValue({ toSqlString: () => "POINT(1, 2)" }, utc), "POINT(1, 2)");
    assert.throws(() => escapeValue({ toSqlString: () => 5 }, utc), TypeError);
    assert.throws(() => raw(5 as unknown as string), TypeError);
  });

  test("undefined, functions, symbols and other objects are TypeErrors naming the type", () => {
    assert.throws(() => escapeValue(undefined, utc), /undefined/);
    assert.throws(() => escapeValue(() => 1, utc), /function/);
    assert.throws(() => escapeValue(Symbol("s"), utc), /symbol/);
    assert.throws(() => escapeValue(new Map(), utc), /Map/);
    assert.throws(() => escapeValue(new ArrayBuffer(2), utc), /ArrayBuffer/);
    assert.throws(() => escapeValue(new (class Thing {})(), utc), /Thing/);
  });
});

describe("escapeId", () => {
  test("backticks, doubled inside", () => {
    assert.equal(escapeId("col"), "`col`");
    assert.equal(escapeId("we`ird"), "`we``ird`");
    assert.equal(escapeId("`"), "````");
    assert.equal(escapeId("héllo wörld"), "`héllo wörld`");
  });

  test("dots split qualified names unless told otherwise", () => {
    assert.equal(escapeId("db.table.col"), "`db`.`table`.`col`");
    assert.equal(escapeId("a.b", false), "`a.b`");
  });

  test("arrays are comma-separated lists", () => {
    assert.equal(escapeId(["a", "t.b"]), "`a`, `t`.`b`");
  });

  test("non-strings and NUL are refused", () => {
    assert.throws(() => escapeId(5 as unknown as string), TypeError);
    assert.throws(() => escapeId("a\0b"), TypeError);
  });
});

describe("formatQuery", () => {
  test("? takes values, ?? identifiers, in order", () => {
    assert.equal(
      formatQuery("SELECT ?? FROM ?? WHERE id = ? AND name = ?", ["a", "t", 5, "x"], utc),
      "SELECT `a` FROM `t` WHERE id = 5 AND name = 'x'",
    );
    assert.equal(formatQuery("SELECT ??", [["a", "b"]], utc), "SELECT `a`, `b`");
    assert.equal(
      formatQuery("SELECT * FROM t WHERE id IN (?)", [[1, 2, 3]], utc),
      "SELECT * FROM t WHERE id IN (1, 2, 3)",
    );
    assert.equal(
      formatQuery("INSERT INTO t (a, b) VALUES ?", [[[1, "x"], [2, "y"]]], utc),
      "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')",
    );
    assert.equal(formatQuery("SELECT 1", [], utc), "SELECT 1");
    assert.equal(formatQuery("?", [null], utc), "NULL");
  });

  test("placeholders inside strings and quoted identifiers are left alone", () => {
    assert.equal(formatQuery("SELECT '?', \"?\", `?`, ?", [1], utc), "SELECT '?', \"?\", `?`, 1");
    assert.equal(formatQuery("SELECT 'it\\'s ?', ?", [1], utc), "SELECT 'it\\'s ?', 1");
    assert.equal(formatQuery("SELECT 'it''s ?', ?", [1], utc), "SELECT 'it''s ?', 1");
    assert.equal(formatQuery('SELECT "a\\" ?", ?', [1], utc), 'SELECT "a\\" ?", 1');
    assert.equal(formatQuery("SELECT `a``?`, ?", [1], utc), "SELECT `a``?`, 1");
    assert.equal(formatQuery("SELECT `a\\`, ?", [1], utc), "SELECT `a\\`, 1");
  });

  test("with NO_BACKSLASH_ESCAPES a backslash does not escape the quote", () => {
    assert.equal(formatQuery("SELECT 'a\\', ?", [1], nbe), "SELECT 'a\\', 1");
    assert.throws(() => formatQuery("SELECT 'a\\', ?", [1], utc), /0 placeholders but 1 parameter/);
  });

  test("placeholders inside comments are left alone", () => {
    assert.equal(formatQuery("SELECT ? -- why?\n, ?", [1, 2], utc), "SELECT 1 -- why?\n, 2");
    assert.equal(formatQuery("SELECT ? # why?\n, ?", [1, 2], utc), "SELECT 1 # why?\n, 2");
    assert.equal(formatQuery("SELECT ? /* why? */, ?", [1, 2], utc), "SELECT 1 /* why? */, 2");
    assert.equal(formatQuery("SELECT ? --", [1], utc), "SELECT 1 --");
    assert.equal(formatQuery("SELECT ? -- ?", [1], utc), "SELECT 1 -- ?");
    assert.equal(formatQuery("SELECT ? /* unterminated ?", [1], utc), "SELECT 1 /* unterminated ?");
  });

  test("-- without a space is not a comment; /*! and /*M! hold SQL", () => {
    assert.equal(formatQuery("SELECT 1--?", [2], utc), "SELECT 1--2");
    assert.equal(formatQuery("SELECT 1 /*!50000 + ? */", [2], utc), "SELECT 1 /*!50000 + 2 */");
    assert.equal(formatQuery("SELECT 1 /*M!100000 + ? */", [2], utc), "SELECT 1 /*M!100000 + 2 */");
  });

  test("??? is not a placeholder", () => {
    assert.equal(formatQuery("SELECT ??? , ?", [1], utc), "SELECT ??? , 1");
  });

  test("too few or too many parameters is a TypeError", () => {
    assert.throws(() => formatQuery("SELECT ?, ?", [1], utc), {
      name: "TypeError",
      message: "the query has 2 placeholders but 1 parameter was given",
    });
    assert.throws(() => formatQuery("SELECT ?", [1, 2], utc), {
      name: "TypeError",
      message: "the query has 1 placeholder but 2 parameters were given",
    });
    assert.throws(() => formatQuery("SELECT 1", [1], utc), /0 placeholders but 1 parameter/);
    assert.throws(() => formatQuery("SELECT '?'", [1], utc), /0 placeholders/);
  });

  test("a value that has no literal fails the whole query", () => {
    assert.throws(() => formatQuery("SELECT ?", [undefined], utc), /undefined/);
    assert.throws(() => formatQuery("SELECT ??", [5], utc), /\?\? placeholder/);
    assert.throws(() => formatQuery("SELECT ?", 5 as unknown as unknown[], utc), TypeError);
  });

  test("an object with ? is the one value (SET ?)", () => {
    assert.equal(
      formatQuery("INSERT INTO t SET ?", { a: 1, b: "x" }, utc),
      "INSERT INTO t SET `a` = 1, `b` = 'x'",
    );
    assert.equal(
      formatQuery("UPDATE t SET ? WHERE id = ?", [{ a: 1 }, 7], utc),
      "UPDATE t SET `a` = 1 WHERE id = 7",
    );
    assert.throws(() => formatQuery("SELECT 1", { a: 1 }, utc), /no placeholders/);
  });

  test("named parameters with an object", () => {
    assert.equal(formatQuery("SELECT :a, :b, :a", { a: 1, b: "x", unused: 3 }, utc), "SELECT 1, 'x', 1");
    assert.equal(formatQuery("SELECT ':a', `:a`, :a -- :a", { a: 1 }, utc), "SELECT ':a', `:a`, 1 -- :a");
    assert.equal(formatQuery("SET @x := :v", { v: 2 }, utc), "SET @x := 2");
    assert.equal(formatQuery("SELECT :a_1", { a_1: [1, 2] }, utc), "SELECT 1, 2");
    assert.throws(() => formatQuery("SELECT :missing", { a: 1 }, utc), /no parameter named "missing"/);
    assert.throws(() => formatQuery("SELECT :a, ?", { a: 1 }, utc), /cannot mix/);
    assert.throws(() => formatQuery("SELECT :a", { a: undefined }, utc), /undefined/);
  });

  test(":name is not special with an array", () => {
    assert.equal(formatQuery("SELECT :a, ?", [1], utc), "SELECT :a, 1");
  });

  test("dates follow the time zone", () => {
    const d = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));
    assert.equal(formatQuery("SELECT ?", [d], { timezone: 330 }), "SELECT '2024-01-01 05:30:00.000'");
  });
});

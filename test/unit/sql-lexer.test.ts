/**
 * The one SQL lexer (src/protocol/sql/lexer.ts): quotes with backslash escapes and doubled quotes
 * (and NO_BACKSLASH_ESCAPES, ANSI_QUOTES), backtick identifiers, the three comment forms with the
 * server's exact rule for `--`, executable comments (MySQL's and MariaDB's, with versions) whose
 * bodies are lexed, placeholders, literals, variables, operators; and the cases where the three
 * scanners it replaced disagreed with each other and with the server.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  executableVersion,
  isMariadbExecutable,
  lex,
  type LexOptions,
  tokenize,
} from "../../src/protocol/sql/lexer.ts";
import { findPlaceholders } from "../../src/protocol/sql/placeholders.ts";

/** Every token as kind:text, whitespace dropped. */
const kinds = (sql: string, options?: LexOptions) =>
  lex(sql, options).filter((t) => t.kind !== "space").map((t) => `${t.kind}:${t.text}`);

/** Placeholder texts found in `sql`. */
const placeholders = (sql: string, options?: LexOptions) =>
  lex(sql, options).filter((t) => t.kind === "placeholder").map((t) => t.text);

describe("strings and identifiers", () => {
  test("single and double quotes: backslash escapes and doubled quotes", () => {
    assert.deepEqual(kinds(`'it''s' 'a\\'b' "q""r" "s\\"t"`), [
      "string:'it''s'",
      "string:'a\\'b'",
      `string:"q""r"`,
      `string:"s\\"t"`,
    ]);
    assert.deepEqual(
      kinds(`'a\\\\' ?`),
      ["string:'a\\\\'", "placeholder:?"],
      "an escaped backslash ends nothing",
    );
  });

  test("NO_BACKSLASH_ESCAPES: a backslash is an ordinary character", () => {
    assert.deepEqual(kinds(`'a\\' ?`, { noBackslashEscapes: true }), ["string:'a\\'", "placeholder:?"]);
    assert.deepEqual(kinds(`'a\\' ?`), ["string:'a\\' ?"]);
  });

  test("backtick identifiers double their backticks and know no backslash", () => {
    assert.deepEqual(kinds("`a``b` `c\\` ?"), ["identifier:`a``b`", "identifier:`c\\`", "placeholder:?"]);
  });

  test("ANSI_QUOTES: double quotes make identifiers", () => {
    assert.deepEqual(kinds(`"a""b" 'c'`, { ansiQuotes: true }), [`identifier:"a""b"`, "string:'c'"]);
  });

  test("unterminated quotes run to the end", () => {
    assert.deepEqual(kinds("SELECT 'open ?"), ["word:SELECT", "string:'open ?"]);
    assert.deepEqual(kinds("SELECT `open ?"), ["word:SELECT", "identifier:`open ?"]);
  });
});

describe("comments", () => {
  test("#, -- and /* */ are comments; the line end after a line comment is not part of it", () => {
    assert.deepEqual(lex("1 # a\n2").map((t) => t.kind), ["number", "space", "comment", "space", "number"]);
    assert.deepEqual(kinds("1 -- a ?\n2 /* b ? */ 3"), [
      "number:1",
      "comment:-- a ?",
      "number:2",
      "comment:/* b ? */",
      "number:3",
    ]);
  });

  test("-- starts a comment only before a space, a control character or the end", () => {
    assert.deepEqual(kinds("5--3"), ["number:5", "operator:-", "operator:-", "number:3"]);
    assert.deepEqual(
      kinds("a --x"),
      ["word:a", "operator:-", "operator:-", "word:x"],
      "--x is not a comment",
    );
    assert.deepEqual(kinds("a --"), ["word:a", "comment:--"], "a trailing -- is a comment");
    assert.deepEqual(kinds("a --\n?"), ["word:a", "comment:--", "placeholder:?"]);
    assert.deepEqual(kinds("a --\t?"), ["word:a", "comment:--\t?"]);
    assert.deepEqual(kinds("a --\u0001?"), ["word:a", "comment:--\u0001?"], "a control character");
    assert.deepEqual(kinds("a --\x7f?"), ["word:a", "comment:--\x7f?"], "DEL is a control character");
    assert.deepEqual(kinds("a --\0?"), ["word:a", "comment:--\0?"]);
  });

  test("-- before a character that is blank only outside ASCII is not a comment", () => {
    assert.deepEqual(kinds("a --\u00a0?"), [
      "word:a",
      "operator:-",
      "operator:-",
      "word:\u00a0",
      "placeholder:?",
    ]);
    assert.deepEqual(placeholders("a --\u2028?"), ["?"]);
  });

  test("--- : the first dash is an operator, the other two start a comment", () => {
    assert.deepEqual(kinds("1 --- ?"), ["number:1", "operator:-", "comment:-- ?"]);
    assert.deepEqual(kinds("1 ---"), ["number:1", "operator:-", "comment:--"]);
    assert.deepEqual(kinds("1 ----?"), [
      "number:1",
      "operator:-",
      "operator:-",
      "operator:-",
      "operator:-",
      "placeholder:?",
    ]);
  });

  test("an unterminated /* runs to the end", () => {
    assert.deepEqual(kinds("1 /* ? "), ["number:1", "comment:/* ? "]);
  });
});

describe("executable comments", () => {
  test("/*! */ and /*!50700 */: an opening token, the body lexed, a closing token", () => {
    assert.deepEqual(kinds("/*!50700 SELECT ? */ /*! 'x' */"), [
      "executable:/*!50700",
      "word:SELECT",
      "placeholder:?",
      "executable-end:*/",
      "executable:/*!",
      "string:'x'",
      "executable-end:*/",
    ]);
    assert.equal(executableVersion("/*!50700"), 50700);
    assert.equal(executableVersion("/*!"), undefined);
    assert.equal(isMariadbExecutable("/*!50700"), false);
  });

  test("MariaDB's /*M! */ and /*M!100300 */", () => {
    assert.deepEqual(kinds("/*M!100300 DELETE FROM t */ /*M! 1 */"), [
      "executable:/*M!100300",
      "word:DELETE",
      "word:FROM",
      "word:t",
      "executable-end:*/",
      "executable:/*M!",
      "number:1",
      "executable-end:*/",
    ]);
    assert.equal(executableVersion("/*M!100300"), 100300);
    assert.equal(isMariadbExecutable("/*M!100300"), true);
  });

  test("a string in the body may hold */; a plain comment inside the body is a comment", () => {
    assert.deepEqual(kinds("/*! '*/' /* c */ ? */ ?"), [
      "executable:/*!",
      "string:'*/'",
      "comment:/* c */",
      "placeholder:?",
      "executable-end:*/",
      "placeholder:?",
    ]);
  });

  test("outside an executable comment, */ is two operators; the public tokenize keeps only the body", () => {
    assert.deepEqual(kinds("2 */ 3"), ["number:2", "operator:*", "operator:/", "number:3"]);
    assert.deepEqual(tokenize("SELECT /*M!100000 1 */ /* c */").map((t) => t.text), ["SELECT", "1"]);
  });

  test("the version is at most six digits; more belong to the body", () => {
    assert.deepEqual(kinds("/*!1000001 */"), ["executable:/*!100000", "number:1", "executable-end:*/"]);
  });
});

describe("placeholders", () => {
  test("? (one token each); none inside strings, identifiers or comments", () => {
    assert.deepEqual(placeholders("SELECT ?, ?? FROM t WHERE a = '?' AND `?` = 1 -- ?\n# ?\n/* ? */"), [
      "?",
      "?",
      "?",
    ]);
  });

  test(":name only when asked; :: and := are not placeholders, nor a colon after a name", () => {
    assert.deepEqual(placeholders("SELECT :a, :b_2"), []);
    const named = { namedPlaceholders: true };
    assert.deepEqual(placeholders("SELECT :a, :b_2, ':c', `:d`", named), [":a", ":b_2"]);
    assert.deepEqual(placeholders("SELECT a::b, @x := 1, t:u, lbl:BEGIN, :1", named), []);
    assert.deepEqual(kinds("@x:=1", named), ["variable:@x", "operator::=", "number:1"]);
  });

  test("findPlaceholders: what formatQuery fills", () => {
    assert.deepEqual(findPlaceholders("? ?? ??? :a /*! ? */??", false, true), [
      { start: 0, end: 1, kind: "?" },
      { start: 2, end: 4, kind: "??" },
      { start: 9, end: 11, kind: ":", name: "a" },
      { start: 16, end: 17, kind: "?" },
      { start: 20, end: 22, kind: "??" },
    ]);
    assert.deepEqual(findPlaceholders("'\\' ?", true, false), [{ start: 4, end: 5, kind: "?" }]);
    assert.deepEqual(findPlaceholders("'\\' ?", false, false), []);
  });
});

describe("literals, variables, operators", () => {
  test("numbers, hex and bit literals", () => {
    assert.deepEqual(kinds("1 1.5 .5 1e3 1.5e-3 0x1F X'1f' x'' 0b101 B'01' N'n\\'x'"), [
      "number:1",
      "number:1.5",
      "number:.5",
      "number:1e3",
      "number:1.5e-3",
      "number:0x1F",
      "number:X'1f'",
      "number:x''",
      "number:0b101",
      "number:B'01'",
      "string:N'n\\'x'",
    ]);
  });

  test("names that only look like numbers (1abc, 0x1G, 0b12), and t.5 is not t followed by .5", () => {
    assert.deepEqual(kinds("1abc 0x1G 0b12 0xZ t.5"), [
      "word:1abc",
      "word:0x1G",
      "word:0b12",
      "word:0xZ",
      "word:t",
      "punct:.",
      "number:5",
    ]);
  });

  test("user and system variables", () => {
    assert.deepEqual(kinds("@a @@sql_mode @@session.time_zone @'q''x' @`b` @"), [
      "variable:@a",
      "variable:@@sql_mode",
      "variable:@@session.time_zone",
      "variable:@'q''x'",
      "variable:@`b`",
      "variable:@",
    ]);
  });

  test("operators longest first, punctuation, and the statement separator", () => {
    assert.deepEqual(kinds("a<=>b->>'$.x'||c!=d;e<<1"), [
      "word:a",
      "operator:<=>",
      "word:b",
      "operator:->>",
      "string:'$.x'",
      "operator:||",
      "word:c",
      "operator:!=",
      "word:d",
      "punct:;",
      "word:e",
      "operator:<<",
      "number:1",
    ]);
  });

  test("tokens cover the text exactly", () => {
    const sql = "SELECT /*!50000 `a`, */ 'b' -- c\n# d\nFROM t;";
    const tokens = lex(sql);
    assert.equal(tokens.map((t) => t.text).join(""), sql);
    for (let k = 1; k < tokens.length; k++) assert.equal(tokens[k].start, tokens[k - 1].end);
  });
});

describe("where the lexer lives", () => {
  // The design's arrows: protocol imports nothing else of the project, and src/sql sits on protocol.
  const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const imports = (dir: string) =>
    readdirSync(resolve(ROOT, dir)).filter((f) => f.endsWith(".ts")).flatMap((f) =>
      [
        ...readFileSync(resolve(ROOT, dir, f), "utf8").matchAll(
          /^(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']/gm,
        ),
      ]
        .map((m) => relative(ROOT, resolve(ROOT, dir, m[1])))
    );

  test("src/protocol/sql imports nothing but itself; src/sql nothing but itself and src/protocol/sql", () => {
    assert.deepEqual(imports("src/protocol/sql").filter((p) => !p.startsWith("src/protocol/sql/")), []);
    assert.deepEqual(
      imports("src/sql").filter((p) => !p.startsWith("src/sql/") && !p.startsWith("src/protocol/sql/")),
      [],
    );
    assert.ok(imports("src/sql").includes("src/protocol/sql/lexer.ts"), "the walker sees imports");
  });
});

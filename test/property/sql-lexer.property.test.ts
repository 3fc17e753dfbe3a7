/**
 * Properties of the one SQL lexer (src/protocol/sql/lexer.ts): on arbitrary SQL-ish text, under
 * every option, it never throws and its tokens cover the text exactly, in order, none empty; and
 * in SQL built from known pieces, the placeholders it finds are exactly the bare ones, never one
 * inside a string, a quoted identifier, a hex literal, a quoted variable name or a comment, and
 * always the ones inside an executable comment.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lex, type LexOptions, tokenize } from "../../src/protocol/sql/lexer.ts";
import { findPlaceholders } from "../../src/protocol/sql/placeholders.ts";

const runs = { numRuns: 500 };

const options: fc.Arbitrary<LexOptions> = fc.record({
  noBackslashEscapes: fc.boolean(),
  ansiQuotes: fc.boolean(),
  namedPlaceholders: fc.boolean(),
});

/** Text made of the characters and pairs that matter to a SQL lexer, plus anything at all. */
const sqlish = fc.array(
  fc.oneof(
    fc.constantFrom(
      "SELECT",
      " ",
      "\n",
      "'",
      '"',
      "`",
      "\\",
      "-",
      "--",
      "-- ",
      "#",
      "/*",
      "*/",
      "/*!",
      "/*!50700",
      "/*M!",
      "/*M!100300",
      "?",
      ":",
      ":a",
      "::",
      ":=",
      "@",
      "@@",
      "x'",
      "0x",
      "0b",
      "1",
      ".",
      "e",
      "N'",
      "(",
      ";",
      "\u00a0",
      "\x7f",
      "\0",
    ),
    fc.string({ maxLength: 3 }),
  ),
  { maxLength: 40 },
).map((parts) => parts.join(""));

describe("the lexer on any text", () => {
  test("never throws; tokens cover the text exactly, in order, none empty", () => {
    fc.assert(
      fc.property(sqlish, options, (sql, opts) => {
        const tokens = lex(sql, opts);
        let at = 0;
        for (const t of tokens) {
          assert.equal(t.start, at);
          assert.ok(t.end > t.start, `empty ${t.kind} token at ${at}`);
          assert.equal(t.text, sql.slice(t.start, t.end));
          at = t.end;
        }
        assert.equal(at, sql.length);
        // The public tokenize is the same tokens, whitespace and comments dropped.
        const significant = tokens.filter((t) =>
          t.kind !== "space" && t.kind !== "comment" && t.kind !== "executable" && t.kind !== "executable-end"
        );
        assert.deepEqual(tokenize(sql, opts), significant);
      }),
      runs,
    );
  });
});

/** A piece of SQL and the placeholders it holds (offsets within the piece). */
interface Piece {
  readonly text: string;
  readonly placeholders: readonly { start: number; text: string }[];
}

const hidden = (text: string): Piece => ({ text, placeholders: [] });

/** Inner characters of a quoted run: placeholders, other quotes, comment markers, escapes. */
function quoted(quote: string, extra: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(
      fc.constantFrom(
        "?",
        "??",
        ":a",
        "x",
        " ",
        "\n",
        "#",
        "-- ",
        "/*",
        "*/",
        "/*!",
        quote + quote,
        ...extra,
      ),
      {
        maxLength: 8,
      },
    )
    .map((inner) => quote + inner.join("") + quote);
}

function pieces(noBackslashEscapes: boolean, named: boolean): fc.Arbitrary<Piece> {
  const escapes = noBackslashEscapes ? [] : ["\\\\", "\\'", '\\"'];
  const others = (quote: string) => ["'", '"', "`"].filter((q) => q !== quote);
  const lineContent = fc.array(fc.constantFrom("?", ":a", "'", '"', "`", "/*", "*/", "x"), { maxLength: 6 })
    .map((a) => a.join(""));
  const blockContent = fc.array(fc.constantFrom("?", ":a", "'", '"', "`", "x", " ", "-- ", "#", "\n"), {
    maxLength: 6,
  }).map((a) => a.join(""));
  const bare: fc.Arbitrary<Piece> = named
    ? fc.constantFrom<Piece>(
      { text: "?", placeholders: [{ start: 0, text: "?" }] },
      { text: ":name", placeholders: [{ start: 0, text: ":name" }] },
      { text: ":a_1", placeholders: [{ start: 0, text: ":a_1" }] },
    )
    : fc.constant<Piece>({ text: "?", placeholders: [{ start: 0, text: "?" }] });
  const neutral = fc.constantFrom(
    "SELECT",
    "a",
    "1",
    "1.5",
    "=",
    "::b",
    "@x:=1",
    "a:b",
    "@x",
    "@@session.y",
    "0x1F",
    "(",
    ")",
    ",",
    ";",
    "--x",
    "5--3",
    "*",
    "/",
  ).map(hidden);
  const hiddenPiece: fc.Arbitrary<Piece> = fc.oneof(
    quoted("'", [...others("'"), ...escapes]).map(hidden),
    quoted('"', [...others('"'), ...escapes]).map(hidden),
    quoted("`", [...others("`"), "\\"]).map(hidden),
    fc.constantFrom("X'?'", "x'??'", "B'?'", "N'?'", "@'?'", "@`:a`", "@@`?`").map(hidden),
    blockContent.map((c) => hidden(`/*${c}*/`)),
    lineContent.map((c) => hidden(`-- ${c}\n`)),
    lineContent.map((c) => hidden(`#${c}\n`)),
    lineContent.map((c) => hidden(`--\t${c}\n`)),
  );
  const simple = fc.oneof(bare, neutral, hiddenPiece);
  // An executable comment: its body's placeholders count (no line comment inside: it would run past */).
  const inExecutable = fc.oneof(bare, neutral, hiddenPiece.filter((p) => !/^(--|#)/.test(p.text)));
  const executable = fc.tuple(
    fc.constantFrom("/*!", "/*!50700", "/*M!", "/*M!100300"),
    fc.array(inExecutable, { maxLength: 4 }),
  ).map(([open, body]) =>
    join([{ text: open, placeholders: [] }, ...body, { text: "*/", placeholders: [] }])
  );
  return fc.oneof({ weight: 4, arbitrary: simple }, { weight: 1, arbitrary: executable });
}

/** Pieces joined by single spaces, placeholders moved to their offsets in the whole. */
function join(list: readonly Piece[]): Piece {
  let text = "";
  const placeholders: { start: number; text: string }[] = [];
  for (const p of list) {
    if (text !== "") text += " ";
    for (const ph of p.placeholders) placeholders.push({ start: text.length + ph.start, text: ph.text });
    text += p.text;
  }
  return { text, placeholders };
}

describe("placeholders", () => {
  test("exactly the bare ones: none inside strings, identifiers or comments; those in executable comments", () => {
    const cases = fc.tuple(fc.boolean(), fc.boolean()).chain(([noBackslashEscapes, named]) =>
      fc.record({
        noBackslashEscapes: fc.constant(noBackslashEscapes),
        named: fc.constant(named),
        sql: fc.array(pieces(noBackslashEscapes, named), { maxLength: 12 }).map(join),
      })
    );
    fc.assert(
      fc.property(cases, ({ noBackslashEscapes, named, sql }) => {
        const found = lex(sql.text, { noBackslashEscapes, namedPlaceholders: named })
          .filter((t) => t.kind === "placeholder")
          .map((t) => ({ start: t.start, text: t.text }));
        assert.deepEqual(found, sql.placeholders, sql.text);
        const filled = findPlaceholders(sql.text, noBackslashEscapes, named);
        assert.deepEqual(filled.map((p) => p.start), sql.placeholders.map((p) => p.start), sql.text);
      }),
      runs,
    );
  });
});

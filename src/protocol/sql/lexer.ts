/**
 * The one SQL lexer of the project: MySQL/MariaDB statement text (the payload of COM_QUERY and
 * COM_STMT_PREPARE) split into tokens that cover the text exactly, in order, whitespace and comments
 * included. Everything that reads SQL text (the placeholder filling of `escape.ts`, the statement
 * classifier, fingerprints, the `USE` / `SET` parsers and the read-only rules in `src/sql/`) reads
 * it through this file, so they all agree on where a string, an identifier or a comment ends.
 *
 * It lives in `src/protocol/` because `protocol/escape.ts` (placeholder formatting) needs it and the
 * design's arrows say protocol imports nothing else of the project; like the rest of protocol it is
 * pure: text in, plain data out, no I/O. The analyses built on it sit one floor up in `src/sql/`.
 *
 * The rules, as the MySQL and MariaDB servers lex (sql/sql_lex.cc):
 * - '...' and "..." strings: backslash escapes (unless `noBackslashEscapes`) and doubled quotes;
 *   with `ansiQuotes`, "..." is an identifier instead. `backtick` identifiers double their backticks.
 * - Comments: `#` and `-- ` to the end of the line, where `--` starts a comment only when the
 *   character after it is a space or a control character (0x00-0x20, 0x7F) or the text ends
 *   (`5--3` is arithmetic, `--x` is not a comment); and `/* ... *\/`.
 * - Executable comments `/*! ... *\/`, `/*!50700 ... *\/`, MariaDB's `/*M! ... *\/` and
 *   `/*M!100300 ... *\/`: the server runs their body, so the opening (`executable`, with its
 *   version) and the closing `*\/` (`executable-end`) are tokens of their own and the body is lexed
 *   as SQL between them. A `/*` inside one is an ordinary comment; a `/*!` inside one opens
 *   nothing new (it is reported, and the first `*\/` closes both), so no SQL is hidden in it.
 * - `?` placeholders, one token each (`placeholders.ts` reads a run, `??`, as client-side
 *   formatting's identifier placeholder), and with `namedPlaceholders` `:name` (not after a name
 *   character or a colon: `a::b`, `x:=1` and `lbl:BEGIN` hold none).
 * - Numbers (1, 1.5, .5, 1e-3), hex and bit literals (0x1F, X'1F', 0b101, B'101'), `@var`,
 *   `@@scope.var`, `@'quoted'`, operators (longest first), and `( ) , ; .` as punctuation.
 * Nothing throws: an unterminated string, identifier or comment runs to the end of the text, and a
 * character that fits no rule is a one-character operator.
 */

/** Kinds of the significant tokens (the ones a statement is made of). */
export type TokenKind =
  /** A keyword or an unquoted identifier. */
  | "word"
  /** A `backtick`-quoted identifier (or a "double-quoted" one under ANSI_QUOTES). */
  | "identifier"
  /** A string literal ('...' or "...", N'...'). */
  | "string"
  /** A number (123, 1.5, 1e3, .5), a hex or bit literal (0x1F, X'1F', 0b101, B'101'). */
  | "number"
  /** A user or system variable (@x, @@session.sql_mode, @'quoted'). */
  | "variable"
  /** A `?` placeholder, or `:name` with `namedPlaceholders`. */
  | "placeholder"
  /** An operator (=, <=>, ->>, ||, :=, ...). */
  | "operator"
  /** ( ) , ; . */
  | "punct";

/** Every kind the lexer reports: the significant ones, and what the server skips or unwraps. */
export type LexKind =
  | TokenKind
  /** Spaces, tabs, line ends. */
  | "space"
  /** `# ...`, `-- ...` (to the end of the line, the line end not included) or `/* ... *\/`. */
  | "comment"
  /** The opening of an executable comment: `/*!`, `/*!50700`, `/*M!`, `/*M!100300`. */
  | "executable"
  /** The `*\/` that closes an executable comment. */
  | "executable-end";

/** One token: its kind, its text as written, and where it is in the SQL (`end` exclusive). */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** One token of the full lexing (`lex`): whitespace and comments included. */
export interface LexToken {
  readonly kind: LexKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** How the session reads SQL text. */
export interface LexOptions {
  /** The session has NO_BACKSLASH_ESCAPES: a backslash in a string is an ordinary character. */
  readonly noBackslashEscapes?: boolean;
  /** The session has ANSI_QUOTES: "..." is an identifier, not a string. */
  readonly ansiQuotes?: boolean;
  /** `:name` is a placeholder (client-side named parameters). */
  readonly namedPlaceholders?: boolean;
}

const OPERATORS = ["<=>", "->>", "<=", ">=", "<>", "!=", "||", "&&", ":=", "<<", ">>", "->"];

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** A character of an unquoted name: ASCII letters, digits, `_`, `$`, and anything beyond ASCII. */
export function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 36 || c >= 128;
}

/** A character of a `:name` placeholder's name (ASCII letters, digits, `_`). */
function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Whether the character after `--` makes it a comment: a space or control character, or the end of
 * the text (NaN), as MySQL's `my_isspace || my_iscntrl` test it.
 */
export function startsDashComment(c: number): boolean {
  return c <= 0x20 || c === 0x7f || c !== c;
}

/**
 * A cursor over SQL text that reads one token at a time without allocating: after `next()`
 * returns true, `kind`, `start` and `end` describe the token. The building block of `lex` and
 * `tokenize`, and of the analyses that must stay cheap on the hot path.
 */
export class SqlLexer {
  /** The text being read. */
  readonly sql: string;
  /** Kind of the current token. */
  kind: LexKind = "space";
  /** Start of the current token. */
  start = 0;
  /** End of the current token (exclusive); where the next one starts. */
  end = 0;
  /** Inside an executable comment (its opening read, its `*\/` not yet). */
  inExecutable = false;
  private readonly backslash: boolean;
  private readonly ansiQuotes: boolean;
  private readonly named: boolean;
  /** Kind and end of the last significant token, for `t.5` (a name part, not a number). */
  private lastKind: LexKind = "space";
  private lastEnd = -1;

  constructor(sql: string, options?: LexOptions) {
    this.sql = sql;
    this.backslash = options?.noBackslashEscapes !== true;
    this.ansiQuotes = options?.ansiQuotes === true;
    this.named = options?.namedPlaceholders === true;
  }

  /** The current token's text. */
  get text(): string {
    return this.sql.slice(this.start, this.end);
  }

  /** Reads the next token; false at the end of the text. */
  next(): boolean {
    const sql = this.sql;
    const n = sql.length;
    const i = this.end;
    if (i >= n) return false;
    this.start = i;
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    let kind: LexKind;
    let j = i + 1;
    if (isSpace(c)) {
      while (j < n && isSpace(sql.charCodeAt(j))) j++;
      kind = "space";
    } else if (c === 35 || (c === 45 && next === 45 && startsDashComment(sql.charCodeAt(i + 2)))) {
      const eol = sql.indexOf("\n", i);
      j = eol < 0 ? n : eol;
      kind = "comment";
    } else if (c === 47 && next === 42) {
      const bang = sql.charCodeAt(i + 2) === 33 ? i + 3 : -1;
      const mBang = sql.charCodeAt(i + 2) === 77 && sql.charCodeAt(i + 3) === 33 ? i + 4 : -1;
      if (bang > 0 || mBang > 0) {
        j = bang > 0 ? bang : mBang;
        const digitsEnd = Math.min(n, j + 6);
        while (j < digitsEnd && isDigit(sql.charCodeAt(j))) j++;
        this.inExecutable = true;
        kind = "executable";
      } else {
        const close = sql.indexOf("*/", i + 2);
        j = close < 0 ? n : close + 2;
        kind = "comment";
      }
    } else if (this.inExecutable && c === 42 && next === 47) {
      j = i + 2;
      this.inExecutable = false;
      kind = "executable-end";
    } else if (c === 39 || (c === 34 && !this.ansiQuotes)) {
      j = quotedEnd(sql, i, c, this.backslash);
      kind = "string";
    } else if (c === 96 || c === 34) {
      j = quotedEnd(sql, i, c, false);
      kind = "identifier";
    } else if ((c === 120 || c === 88 || c === 98 || c === 66) && next === 39) {
      // X'1F', B'101'
      j = quotedEnd(sql, i + 1, 39, false);
      kind = "number";
    } else if ((c === 110 || c === 78) && next === 39) {
      // N'text': a string in the national character set
      j = quotedEnd(sql, i + 1, 39, this.backslash);
      kind = "string";
    } else if (c === 48 && next === 120 && isHex(sql.charCodeAt(i + 2))) {
      j = i + 3;
      while (j < n && isHex(sql.charCodeAt(j))) j++;
      kind = "number";
      if (j < n && isWordChar(sql.charCodeAt(j))) {
        j = wordEnd(sql, j);
        kind = "word";
      }
    } else if (c === 48 && next === 98 && (sql.charCodeAt(i + 2) === 48 || sql.charCodeAt(i + 2) === 49)) {
      j = i + 3;
      while (j < n && (sql.charCodeAt(j) === 48 || sql.charCodeAt(j) === 49)) j++;
      kind = "number";
      if (j < n && isWordChar(sql.charCodeAt(j))) {
        j = wordEnd(sql, j);
        kind = "word";
      }
    } else if (
      isDigit(c)
      || (c === 46 && isDigit(next)
        && !(this.lastEnd === i && (this.lastKind === "word" || this.lastKind === "identifier")))
    ) {
      j = i;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      if (sql.charCodeAt(j) === 46) {
        j++;
        while (j < n && isDigit(sql.charCodeAt(j))) j++;
      }
      const e = sql.charCodeAt(j);
      if (e === 101 || e === 69) {
        const s = sql.charCodeAt(j + 1);
        const d = s === 43 || s === 45 ? j + 2 : j + 1;
        if (isDigit(sql.charCodeAt(d))) {
          j = d;
          while (j < n && isDigit(sql.charCodeAt(j))) j++;
        }
      }
      kind = "number";
      // MySQL allows identifiers that start with digits (1abc): a word after all.
      if (j < n && isWordChar(sql.charCodeAt(j))) {
        j = wordEnd(sql, j);
        kind = "word";
      }
    } else if (isWordChar(c)) {
      j = wordEnd(sql, j);
      kind = "word";
    } else if (c === 64) {
      if (next === 64) j++;
      const q = sql.charCodeAt(j);
      if (q === 39 || q === 34 || q === 96) j = quotedEnd(sql, j, q, q !== 96 && this.backslash);
      else {
        while (j < n && (isWordChar(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) j++;
      }
      kind = "variable";
    } else if (c === 63) {
      kind = "placeholder";
    } else if (
      c === 58 && this.named && isNameStart(next) && !isNameChar(sql.charCodeAt(i - 1))
      && sql.charCodeAt(i - 1) !== 58
    ) {
      j = i + 2;
      while (j < n && isNameChar(sql.charCodeAt(j))) j++;
      kind = "placeholder";
    } else if (c === 40 || c === 41 || c === 44 || c === 59 || c === 46) {
      kind = "punct";
    } else {
      kind = "operator";
      for (const op of OPERATORS) {
        if (sql.startsWith(op, i)) {
          j = i + op.length;
          break;
        }
      }
    }
    this.kind = kind;
    this.end = j;
    if (isSignificant(kind)) {
      this.lastKind = kind;
      this.lastEnd = j;
    }
    return true;
  }
}

/** End of a quoted run starting at `i` (the opening quote): backslash escapes and doubled quotes. */
function quotedEnd(sql: string, i: number, quote: number, backslash: boolean): number {
  const n = sql.length;
  let j = i + 1;
  while (j < n) {
    const c = sql.charCodeAt(j);
    if (backslash && c === 92) j += 2;
    else if (c === quote) {
      if (sql.charCodeAt(j + 1) === quote) j += 2;
      else return j + 1;
    } else j++;
  }
  return n;
}

function wordEnd(sql: string, j: number): number {
  while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
  return j;
}

/** Whether a token of this kind is part of the statement (not whitespace, a comment or a comment marker). */
export function isSignificant(kind: LexKind): kind is TokenKind {
  return kind !== "space" && kind !== "comment" && kind !== "executable" && kind !== "executable-end";
}

/** The version of an executable comment's opening (`/*!50700` gives 50700), or undefined for none. */
export function executableVersion(opening: string): number | undefined {
  const digits = /\d+$/.exec(opening);
  return digits ? Number(digits[0]) : undefined;
}

/** Whether an executable comment's opening is MariaDB's own (`/*M!`), which MySQL treats as a comment. */
export function isMariadbExecutable(opening: string): boolean {
  return opening.startsWith("/*M!");
}

/** Splits SQL into tokens that cover it exactly: whitespace, comments and comment markers included. */
export function lex(sql: string, options?: LexOptions): LexToken[] {
  const lexer = new SqlLexer(sql, options);
  const out: LexToken[] = [];
  while (lexer.next()) out.push({ kind: lexer.kind, text: lexer.text, start: lexer.start, end: lexer.end });
  return out;
}

/**
 * Splits SQL into the tokens of the statement: whitespace and comments dropped, the bodies of
 * executable comments (`/*! ... *\/`, `/*M! ... *\/`), which the server runs, kept. Never throws.
 */
export function tokenize(sql: string, options?: LexOptions): Token[] {
  const lexer = new SqlLexer(sql, options);
  const out: Token[] = [];
  while (lexer.next()) {
    const kind = lexer.kind;
    if (isSignificant(kind)) out.push({ kind, text: lexer.text, start: lexer.start, end: lexer.end });
  }
  return out;
}

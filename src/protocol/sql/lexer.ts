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
 *
 * Pages:
 * https://mariadb.com/kb/en/comment-syntax
 * https://dev.mysql.com/doc/refman/5.7/en/comments.html
 * https://mariadb.com/kb/en/string-literals
 * http://dev.mysql.com/doc/refman/5.7/en/string-literals.html
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

/** Character classes of ASCII (anything beyond ASCII is a word character). */
const OTHER = 0, SPACE = 1, DIGIT = 2, WORD = 3;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  CLASS[c] = c === 32 || (c >= 9 && c <= 13)
    ? SPACE
    : c >= 48 && c <= 57
    ? DIGIT
    : (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36
    ? WORD
    : OTHER;
}

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
function isWordChar(c: number): boolean {
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
function startsDashComment(c: number): boolean {
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
  /** End of the last word or quoted identifier, for `t.5` (a name part after it, not a number). */
  private lastNameEnd = -1;

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
    const cls = c < 128 ? CLASS[c] : WORD;
    let j = i + 1;
    if (cls === WORD) {
      // X'1F', B'101' (hex and bit literals), N'text' (a string in the national character set)
      const lower = c | 0x20;
      if ((lower === 120 || lower === 98 || lower === 110) && sql.charCodeAt(j) === 39) {
        const national = lower === 110;
        this.end = quotedEnd(sql, j, 39, national && this.backslash);
        this.kind = national ? "string" : "number";
        return true;
      }
      this.end = wordEnd(sql, j);
      this.kind = "word";
      this.lastNameEnd = this.end;
      return true;
    }
    if (cls === SPACE) {
      while (j < n && isSpace(sql.charCodeAt(j))) j++;
      this.end = j;
      this.kind = "space";
      return true;
    }
    if (cls === DIGIT) return this.number(i);
    const next = sql.charCodeAt(j);
    let kind: LexKind;
    switch (c) {
      case 39: // '
        j = quotedEnd(sql, i, c, this.backslash);
        kind = "string";
        break;
      case 34: // "
        if (this.ansiQuotes) {
          j = quotedEnd(sql, i, c, false);
          kind = "identifier";
          this.lastNameEnd = j;
        } else {
          j = quotedEnd(sql, i, c, this.backslash);
          kind = "string";
        }
        break;
      case 96: // `
        j = quotedEnd(sql, i, c, false);
        kind = "identifier";
        this.lastNameEnd = j;
        break;
      case 35: // #
        j = lineEnd(sql, i);
        kind = "comment";
        break;
      case 45: // -
        if (next === 45 && startsDashComment(sql.charCodeAt(i + 2))) {
          j = lineEnd(sql, i);
          kind = "comment";
        } else {
          if (next === 62) j = sql.charCodeAt(i + 2) === 62 ? i + 3 : i + 2; // -> ->>
          kind = "operator";
        }
        break;
      case 47: // /
        if (next === 42) {
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
        } else kind = "operator";
        break;
      case 42: // *
        if (this.inExecutable && next === 47) {
          j = i + 2;
          this.inExecutable = false;
          kind = "executable-end";
        } else kind = "operator";
        break;
      case 46: // .
        if (isDigit(next) && this.lastNameEnd !== i) return this.number(i);
        kind = "punct";
        break;
      case 40: // (
      case 41: // )
      case 44: // ,
      case 59: // ;
        kind = "punct";
        break;
      case 64: // @
        if (next === 64) j++;
        {
          const q = sql.charCodeAt(j);
          if (q === 39 || q === 34 || q === 96) j = quotedEnd(sql, j, q, q !== 96 && this.backslash);
          else {
            while (j < n && (isWordChar(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) j++;
          }
        }
        kind = "variable";
        break;
      case 63: // ?
        kind = "placeholder";
        break;
      case 58: // :
        if (next === 61) {
          j = i + 2; // :=
          kind = "operator";
        } else if (
          this.named && isNameStart(next) && !isNameChar(sql.charCodeAt(i - 1))
          && sql.charCodeAt(i - 1) !== 58
        ) {
          j = i + 2;
          while (j < n && isNameChar(sql.charCodeAt(j))) j++;
          kind = "placeholder";
        } else kind = "operator";
        break;
      case 60: // < <= <=> <> <<
        if (next === 61) j = sql.charCodeAt(i + 2) === 62 ? i + 3 : i + 2;
        else if (next === 62 || next === 60) j = i + 2;
        kind = "operator";
        break;
      case 62: // > >= >>
        if (next === 61 || next === 62) j = i + 2;
        kind = "operator";
        break;
      case 33: // !=
        if (next === 61) j = i + 2;
        kind = "operator";
        break;
      case 124: // ||
      case 38: // &&
        if (next === c) j = i + 2;
        kind = "operator";
        break;
      default:
        kind = "operator";
    }
    this.kind = kind;
    this.end = j;
    return true;
  }

  /** A number at `i` (a digit, or a dot before one): 1, 1.5, .5, 1e-3, 0x1F, 0b101; 1abc is a word. */
  private number(i: number): true {
    const sql = this.sql;
    const n = sql.length;
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    let j: number;
    if (c === 48 && next === 120 && isHex(sql.charCodeAt(i + 2))) {
      j = i + 3;
      while (j < n && isHex(sql.charCodeAt(j))) j++;
    } else if (c === 48 && next === 98 && (sql.charCodeAt(i + 2) === 48 || sql.charCodeAt(i + 2) === 49)) {
      j = i + 3;
      while (j < n && (sql.charCodeAt(j) === 48 || sql.charCodeAt(j) === 49)) j++;
    } else {
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
    }
    this.start = i;
    this.kind = "number";
    // MySQL allows identifiers that start with digits (1abc): a word after all.
    if (j < n && isWordChar(sql.charCodeAt(j))) {
      j = wordEnd(sql, j);
      this.kind = "word";
      this.lastNameEnd = j;
    }
    this.end = j;
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
  const n = sql.length;
  while (j < n) {
    const c = sql.charCodeAt(j);
    if (c < 128 ? CLASS[c] < DIGIT : false) break;
    j++;
  }
  return j;
}

/** Where a line comment starting at `i` ends: at the line end (not included) or the end of the text. */
function lineEnd(sql: string, i: number): number {
  const eol = sql.indexOf("\n", i);
  return eol < 0 ? sql.length : eol;
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

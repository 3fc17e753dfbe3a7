/**
 * A MySQL/MariaDB SQL tokenizer for plugins: words, quoted identifiers, string and number literals,
 * variables, placeholders, operators and punctuation, with comments dropped (except the contents of
 * executable comments, `/*! ... *\/`, which the server runs). It never throws: an unterminated
 * string or comment runs to the end of the text. Pure and allocation-light.
 */

/** Kinds of tokens. */
export type TokenKind =
  /** A keyword or an unquoted identifier. */
  | "word"
  /** A `backtick`-quoted identifier. */
  | "identifier"
  /** A string literal ('...' or "..."). */
  | "string"
  /** A number (123, 1.5, 1e3, .5), a hex or bit literal (0x1F, X'1F', 0b101, B'101'). */
  | "number"
  /** A user or system variable (@x, @@session.sql_mode, @'quoted'). */
  | "variable"
  /** A `?` placeholder. */
  | "placeholder"
  /** An operator (=, <=>, ->>, ||, ...). */
  | "operator"
  /** ( ) , ; . */
  | "punct";

/** One token: its kind, its text as written, and where it is in the SQL. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const OPERATORS = ["<=>", "->>", "<=", ">=", "<>", "!=", "||", "&&", ":=", "<<", ">>", "->"];

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 36 || c >= 128;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
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

/** Splits SQL into tokens (comments and whitespace dropped). */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  let inExecutableComment = false;
  const push = (kind: TokenKind, start: number, end: number) => {
    out.push({ kind, text: sql.slice(start, end), start, end });
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    if (isSpace(c)) {
      i++;
      continue;
    }
    // Comments: "-- " (dash dash then a space or control character), "#", "/* */".
    if ((c === 45 && next === 45 && (i + 2 >= n || sql.charCodeAt(i + 2) <= 32)) || c === 35) {
      const eol = sql.indexOf("\n", i);
      i = eol < 0 ? n : eol + 1;
      continue;
    }
    if (c === 47 && next === 42) {
      if (sql.charCodeAt(i + 2) === 33) {
        // /*!NNNNN ... */ : the server runs the contents.
        i += 3;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
        inExecutableComment = true;
        continue;
      }
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (inExecutableComment && c === 42 && next === 47) {
      inExecutableComment = false;
      i += 2;
      continue;
    }
    const start = i;
    if (c === 39 || c === 34) {
      i = quotedEnd(sql, i, c, true);
      push("string", start, i);
      continue;
    }
    if (c === 96) {
      i = quotedEnd(sql, i, c, false);
      push("identifier", start, i);
      continue;
    }
    // X'1F', B'101', N'text' (a string in the national charset)
    if ((c === 120 || c === 88 || c === 98 || c === 66 || c === 110 || c === 78) && next === 39) {
      i = quotedEnd(sql, i + 1, 39, c === 110 || c === 78);
      push(c === 110 || c === 78 ? "string" : "number", start, i);
      continue;
    }
    if (c === 48 && (next === 120 || next === 98) && isHex(sql.charCodeAt(i + 2))) {
      i += 2;
      while (i < n && isHex(sql.charCodeAt(i))) i++;
      if (i < n && isWordChar(sql.charCodeAt(i))) {
        while (i < n && isWordChar(sql.charCodeAt(i))) i++;
        push("word", start, i);
      } else push("number", start, i);
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(next) && !precededByName(out, start))) {
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      if (sql.charCodeAt(i) === 46) {
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      }
      const e = sql.charCodeAt(i);
      if ((e === 101 || e === 69)) {
        const s = sql.charCodeAt(i + 1);
        const d = s === 43 || s === 45 ? i + 2 : i + 1;
        if (isDigit(sql.charCodeAt(d))) {
          i = d;
          while (i < n && isDigit(sql.charCodeAt(i))) i++;
        }
      }
      // MySQL allows identifiers that start with digits (1abc): a word after all.
      if (i < n && isWordChar(sql.charCodeAt(i)) && sql.charCodeAt(i) !== 46) {
        while (i < n && isWordChar(sql.charCodeAt(i))) i++;
        push("word", start, i);
      } else push("number", start, i);
      continue;
    }
    if (isWordChar(c)) {
      while (i < n && isWordChar(sql.charCodeAt(i))) i++;
      push("word", start, i);
      continue;
    }
    if (c === 64) {
      i++;
      if (sql.charCodeAt(i) === 64) i++;
      const q = sql.charCodeAt(i);
      if (q === 39 || q === 34 || q === 96) i = quotedEnd(sql, i, q, q !== 96);
      else {
        while (i < n && (isWordChar(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46)) i++;
      }
      push("variable", start, i);
      continue;
    }
    if (c === 63) {
      i++;
      push("placeholder", start, i);
      continue;
    }
    if (c === 40 || c === 41 || c === 44 || c === 59 || c === 46) {
      i++;
      push("punct", start, i);
      continue;
    }
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    i += op ? op.length : 1;
    push("operator", start, i);
  }
  return out;
}

/** `t.5` is not a number: after a name and a dot, digits are an identifier part. */
function precededByName(out: readonly Token[], start: number): boolean {
  const last = out[out.length - 1];
  return last !== undefined && last.end === start && (last.kind === "word" || last.kind === "identifier");
}

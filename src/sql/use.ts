/**
 * The `USE db` statement read from its tokens: which database it selects. The one place that
 * knows the statement's shape (a name, a `backtick` name with doubled backticks inside), used by the
 * classifier, the pipeline's tracking of the default database, and the client's replayed settings.
 */
import { isSignificant, SqlLexer, type Token } from "../protocol/sql/lexer.ts";

/** A name token's name: a `backtick` identifier unquoted (doubled backticks undone), a word as written. */
export function unquoteName(t: Token): string {
  return t.kind === "identifier" && isClosed(t.text)
    ? t.text.slice(1, -1).replaceAll(t.text[0] + t.text[0], t.text[0])
    : t.text;
}

/** Whether a quoted identifier's text ends with its closing quote (the lexer runs an open one to the end). */
export function isClosed(quoted: string): boolean {
  const q = quoted.charCodeAt(0);
  let i = 1;
  while (i < quoted.length) {
    if (quoted.charCodeAt(i) !== q) i++;
    else if (quoted.charCodeAt(i + 1) === q) i += 2;
    else return i === quoted.length - 1;
  }
  return false;
}

/** The database named by a `USE` at `tokens[i]`, or undefined when no name follows it. */
export function useDatabase(tokens: readonly Token[], i: number): string | undefined {
  const use = tokens[i];
  const name = tokens[i + 1];
  if (use === undefined || use.kind !== "word" || use.text.toUpperCase() !== "USE") return undefined;
  if (name === undefined || !(name.kind === "word" || (name.kind === "identifier" && isClosed(name.text)))) {
    return undefined;
  }
  return unquoteName(name);
}

/**
 * The database `sql` selects when it is one `USE db` statement and nothing else (comments and a
 * trailing `;` allowed); undefined for anything else, `USE a; DROP TABLE b` included. Cheap for
 * other statements: it stops at the first token that is not `USE`.
 */
export function parseUse(sql: string): string | undefined {
  const lexer = new SqlLexer(sql);
  const tokens: Token[] = [];
  while (lexer.next()) {
    const kind = lexer.kind;
    if (!isSignificant(kind)) continue;
    if (kind === "punct" && lexer.text === ";") {
      if (tokens.length < 2) return undefined;
      continue;
    }
    if (tokens.length === 2) return undefined;
    const token: Token = { kind, text: lexer.text, start: lexer.start, end: lexer.end };
    if (tokens.length === 0 && (kind !== "word" || token.text.toUpperCase() !== "USE")) return undefined;
    tokens.push(token);
  }
  return tokens.length === 2 ? useDatabase(tokens, 0) : undefined;
}

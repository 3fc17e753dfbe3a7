/**
 * The placeholders of a query, as client-side formatting (`formatQuery` in `escape.ts`) fills
 * them: read with the one SQL lexer (`lexer.ts`), so a `?` inside a string, a quoted identifier or
 * a comment is never one, and one inside an executable comment (`/*! ... *\/`, `/*M! ... *\/`),
 * which the server runs, is. Pure: text in, spans out.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_prepare.html (`?` markers in the statement text)
 * https://mariadb.com/kb/en/comment-syntax (executable comments)
 */
import { SqlLexer } from "./lexer.ts";

/** One placeholder found in the SQL: its span and what it asks for. */
export interface Placeholder {
  readonly start: number;
  readonly end: number;
  /** "?" a value, "??" an identifier, ":" a named value. */
  readonly kind: "?" | "??" | ":";
  /** The name of a `:name` placeholder (without the colon). */
  readonly name?: string;
}

/**
 * Finds the placeholders of a query: `?` (a value), `??` (an identifier), and with `named` also
 * `:name`. A run of three or more `?` is not a placeholder. Strings follow the session's
 * NO_BACKSLASH_ESCAPES (`noBackslashEscapes`).
 */
export function findPlaceholders(sql: string, noBackslashEscapes: boolean, named: boolean): Placeholder[] {
  const out: Placeholder[] = [];
  const lexer = new SqlLexer(sql, { noBackslashEscapes, namedPlaceholders: named });
  /** The run of `?` tokens being read (each one character, back to back). */
  let runStart = -1;
  let runEnd = -1;
  const endRun = () => {
    if (runEnd - runStart === 1) out.push({ start: runStart, end: runEnd, kind: "?" });
    else if (runEnd - runStart === 2) out.push({ start: runStart, end: runEnd, kind: "??" });
    runStart = runEnd = -1;
  };
  while (lexer.next()) {
    if (lexer.kind !== "placeholder") continue;
    const { start, end } = lexer;
    if (sql.charCodeAt(start) === 0x3a) {
      endRun();
      out.push({ start, end, kind: ":", name: sql.slice(start + 1, end) });
    } else if (start === runEnd) runEnd = end;
    else {
      endRun();
      runStart = start;
      runEnd = end;
    }
  }
  endRun();
  return out;
}

/**
 * The `SET` statement read from its tokens, as session-state tracking needs it: which variables it
 * assigns, in which scope, and the value as written; or which special form it is (`SET NAMES`,
 * `SET CHARACTER SET`, `SET TRANSACTION`, `SET PASSWORD`, `SET ROLE`, `SET DEFAULT ROLE`, MariaDB's
 * `SET STATEMENT ... FOR`). Also the settings the client replays on a new session (`trackedSetting`).
 */
import { isSignificant, SqlLexer, type Token, tokenize } from "../protocol/sql/lexer.ts";
import { parseUse, unquoteName } from "./use.ts";

/** Where an assigned variable lives. */
export type SetScope = "session" | "global" | "persist" | "persist_only" | "user";

/** One `name = value` of a SET. */
export interface SetAssignment {
  /**
   * `user` for `@x`; otherwise the scope keyword or `@@scope.` written (LOCAL is SESSION), else the
   * one of the assignment before it (the server's grammar carries it over), else `session`.
   */
  readonly scope: SetScope;
  /**
   * The variable's name in lower case without `@`/`@@scope.` (`time_zone`, `x` for `@x`), or
   * `names` for SET NAMES and `character set` for SET CHARACTER SET / CHARSET.
   */
  readonly name: string;
  /** The value as written (`'+03:00'`, `utf8mb4 COLLATE utf8mb4_bin`, `DEFAULT`). */
  readonly value: string;
  /** The value's tokens. */
  readonly valueTokens: readonly Token[];
}

/** What a SET statement is. */
export type SetStatement =
  | {
    readonly kind: "variables";
    readonly assignments: readonly SetAssignment[];
    /** The statement as written, without a trailing `;` and comments around it. */
    readonly text: string;
  }
  | {
    readonly kind: "transaction" | "password" | "role" | "default role" | "statement";
    readonly text: string;
  };

const SCOPES: Readonly<Record<string, SetScope>> = {
  SESSION: "session",
  LOCAL: "session",
  GLOBAL: "global",
  PERSIST: "persist",
  PERSIST_ONLY: "persist_only",
};

function up(t: Token | undefined): string {
  return t !== undefined && t.kind === "word" ? t.text.toUpperCase() : "";
}

/**
 * Reads `sql` as one SET statement (comments and a trailing `;` allowed); undefined when it is not
 * exactly one, or its shape is not one the server accepts as far as these rules can tell.
 */
export function parseSet(sql: string): SetStatement | undefined {
  if (!startsWithSet(sql)) return undefined;
  const tokens = tokenize(sql);
  let end = tokens.length;
  while (end > 0 && tokens[end - 1].text === ";") end--;
  if (end < 2 || up(tokens[0]) !== "SET") return undefined;
  for (let k = 0; k < end; k++) if (tokens[k].text === ";") return undefined;
  const text = sql.slice(tokens[0].start, tokens[end - 1].end);
  const first = up(tokens[1]);
  const second = up(tokens[2]);
  if (first === "TRANSACTION" || (SCOPES[first] !== undefined && second === "TRANSACTION")) {
    return { kind: "transaction", text };
  }
  if (first === "PASSWORD") return { kind: "password", text };
  if (first === "ROLE") return { kind: "role", text };
  if (first === "DEFAULT" && second === "ROLE") return { kind: "default role", text };
  if (first === "STATEMENT") return { kind: "statement", text };
  const assignments: SetAssignment[] = [];
  let scope: SetScope = "session";
  let i = 1;
  while (i < end) {
    const word = up(tokens[i]);
    if (SCOPES[word] !== undefined && tokens[i + 1] !== undefined && tokens[i + 1].text !== "=") {
      scope = SCOPES[word];
      i++;
    }
    let name: string;
    let own: SetScope = scope;
    const t = tokens[i];
    if (t === undefined) return undefined;
    const w = up(t);
    if (w === "NAMES" || w === "CHARSET" || (w === "CHARACTER" && up(tokens[i + 1]) === "SET")) {
      name = w === "NAMES" ? "names" : "character set";
      i += w === "CHARACTER" ? 2 : 1;
    } else {
      if (t.kind === "variable") {
        const v = variableName(t);
        if (v === undefined) return undefined;
        [own, name] = v;
        i++;
      } else if (t.kind === "word" || t.kind === "identifier") {
        name = unquoteName(t).toLowerCase();
        i++;
      } else return undefined;
      // A structured variable (`default.key_buffer_size`) or a component's (`plugin.var`).
      while (
        tokens[i]?.text === "." && (tokens[i + 1]?.kind === "word" || tokens[i + 1]?.kind === "identifier")
      ) {
        name += "." + unquoteName(tokens[i + 1]).toLowerCase();
        i += 2;
      }
      const op = tokens[i];
      if (op === undefined || (op.text !== "=" && op.text !== ":=")) return undefined;
      i++;
    }
    const from = i;
    let depth = 0;
    while (i < end && !(depth === 0 && tokens[i].text === ",")) {
      if (tokens[i].text === "(") depth++;
      else if (tokens[i].text === ")") depth--;
      i++;
    }
    if (i === from) return undefined;
    const valueTokens = tokens.slice(from, i);
    const value = sql.slice(valueTokens[0].start, valueTokens[valueTokens.length - 1].end);
    assignments.push({
      scope: name === "names" || name === "character set" ? "session" : own,
      name,
      value,
      valueTokens,
    });
    if (i < end && ++i === end) return undefined; // a comma, and nothing after it
  }
  return assignments.length > 0 ? { kind: "variables", assignments, text } : undefined;
}

/** Whether the first token of `sql` is the word SET (read without lexing the rest). */
function startsWithSet(sql: string): boolean {
  const lexer = new SqlLexer(sql);
  while (lexer.next()) {
    if (isSignificant(lexer.kind)) return lexer.kind === "word" && lexer.text.toUpperCase() === "SET";
  }
  return false;
}

/** Scope and lower-case name of a variable token (`@x`, `@@x`, `@@global.x`, `@'q'`). */
function variableName(t: Token): [SetScope, string] | undefined {
  const text = t.text;
  if (!text.startsWith("@@")) {
    const name = text.slice(1);
    if (name === "") return undefined;
    const q = name[0];
    const unquoted = (q === "'" || q === '"' || q === "`") && name.length >= 2 && name.endsWith(q)
      ? name.slice(1, -1).replaceAll(q + q, q)
      : name;
    return ["user", unquoted.toLowerCase()];
  }
  const rest = text.slice(2).toLowerCase();
  const dot = rest.indexOf(".");
  if (dot > 0) {
    const scope = SCOPES[rest.slice(0, dot).toUpperCase()];
    if (scope !== undefined) return [scope, rest.slice(dot + 1)];
  }
  return rest === "" ? undefined : ["session", rest];
}

/** A session setting the client replays on a new connection, as read from a statement. */
export type TrackedSetting =
  | { readonly kind: "database"; readonly database: string }
  | { readonly kind: "names" | "time_zone"; readonly sql: string };

/**
 * The setting `sql` changes, if it is one statement of the kinds the client replays: `USE db`,
 * `SET NAMES` / `SET CHARACTER SET` alone, or a session `SET time_zone = <one literal>` alone.
 */
export function trackedSetting(sql: string): TrackedSetting | undefined {
  const database = parseUse(sql);
  if (database !== undefined) return { kind: "database", database };
  const set = parseSet(sql);
  if (set?.kind !== "variables" || set.assignments.length !== 1) return undefined;
  const a = set.assignments[0];
  if (a.name === "names" || a.name === "character set") {
    const plain = a.valueTokens.every((t) =>
      t.kind === "word" || t.kind === "string" || t.kind === "identifier"
    );
    return plain ? { kind: "names", sql: set.text } : undefined;
  }
  if (a.name === "time_zone" && a.scope === "session" && a.valueTokens.length === 1) {
    const v = a.valueTokens[0];
    if (v.kind === "string" || v.kind === "word" || v.kind === "number") {
      return { kind: "time_zone", sql: set.text };
    }
  }
  return undefined;
}

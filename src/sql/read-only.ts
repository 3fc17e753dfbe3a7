/**
 * The two read-only rules of the project, in one place, both read with the one SQL lexer. They
 * answer different questions, so they differ on purpose:
 *
 * - **Retry** (`isReadOnlySql`, the client's default `retryable`): may the statement be sent again
 *   on a new connection after the old one was lost before its answer came? It must change nothing
 *   on the server, whatever session it runs in: a SELECT / SHOW / DESCRIBE / EXPLAIN / WITH /
 *   VALUES / TABLE, one statement, no `INTO`, no `:=`, none of the functions with effects
 *   (sequences, named locks), no executable comment (its body depends on the server's version).
 *   A locking read (`FOR UPDATE`) or a read of `@x` or `LAST_INSERT_ID()` passes: resending it
 *   changes nothing (the lock died with the old connection).
 * - **Replica** (`replicaReadOnly`, `classifyQuery(sql).readOnly`, which read/write splitting and
 *   the result cache use): may it run on another server than the session's primary? It must read
 *   only, and its answer must not depend on this session: a read verb (the above, and HELP) with no
 *   top-level write, no locking read, no `INTO`, no user variables, none of the session functions
 *   (LAST_INSERT_ID(), FOUND_ROWS(), GET_LOCK(), NEXTVAL(), NEXT VALUE FOR ...), one statement.
 *   Executable comments are read as the SQL they hold (`/*!40101 SELECT 1 *\/` is a read).
 *
 * test/unit/sql-kind.test.ts shows each difference. `isSessionNeutral` (the pool's "must
 * this session be reset before reuse") is the retry rule widened to one plain INSERT / UPDATE /
 * DELETE / REPLACE.
 */
import { SqlLexer } from "../protocol/sql/lexer.ts";

const READ_KEYWORDS = new Set(["SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "WITH", "VALUES", "TABLE"]);
const DML_KEYWORDS = new Set(["INSERT", "UPDATE", "DELETE", "REPLACE"]);
/** Functions whose call changes something on the server: sequences and named locks. */
const SIDE_EFFECT_FUNCTIONS = new Set([
  "NEXTVAL",
  "SETVAL",
  "LASTVAL",
  "GET_LOCK",
  "RELEASE_LOCK",
  "RELEASE_ALL_LOCKS",
]);

/** What the retry rule looks at, read in one pass over the tokens. */
interface Shape {
  /** The first keyword (after opening parentheses), upper case; "" when the text starts otherwise. */
  keyword: string;
  /** More than one statement, an executable comment, or a `:=` assignment. */
  suspicious: boolean;
  /** The word INTO appears. */
  into: boolean;
  /** A function with effects, or NEXT VALUE FOR. */
  effects: boolean;
  /** INSERT, UPDATE, DELETE or REPLACE appears after the first keyword. */
  dml: boolean;
}

// The words the retry rule looks for after the first, by length, compared in place (no allocation
// per word: this runs for every statement a pooled connection sends).
const INTO = 1, NEXT = 2, VALUE = 3, FOR = 4, EFFECT = 5, DML = 6;
const WATCHED: readonly (readonly [string, number])[] = [
  ["INTO", INTO],
  ["NEXT", NEXT],
  ["VALUE", VALUE],
  ["FOR", FOR],
  ...[...SIDE_EFFECT_FUNCTIONS].map((w) => [w, EFFECT] as const),
  ...[...DML_KEYWORDS].map((w) => [w, DML] as const),
];
const BY_LENGTH: (readonly (readonly [string, number])[])[] = [];
for (const entry of WATCHED) {
  const list = (BY_LENGTH[entry[0].length] ??= []) as (readonly [string, number])[];
  list.push(entry);
}

/** Which watched word `sql.slice(start, end)` is, case-insensitively; 0 for none. */
function watched(sql: string, start: number, end: number): number {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return 0;
  next: for (const [word, id] of candidates) {
    for (let k = 0; k < word.length; k++) {
      const c = sql.charCodeAt(start + k);
      if ((c >= 97 && c <= 122 ? c - 32 : c) !== word.charCodeAt(k)) continue next;
    }
    return id;
  }
  return 0;
}

/** Whether `sql.slice(start, end)` is ASCII letters only (a keyword, not `1abc` or `$x`). */
function lettersOnly(sql: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const c = sql.charCodeAt(k) | 0x20;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

function shape(sql: string): Shape {
  const lexer = new SqlLexer(sql);
  const s: Shape = { keyword: "", suspicious: false, into: false, effects: false, dml: false };
  let first = true;
  let afterSemicolon = false;
  /** How far NEXT VALUE FOR has been read: 1 after NEXT, 2 after VALUE. */
  let nextValue = 0;
  while (lexer.next()) {
    const kind = lexer.kind;
    if (kind === "space" || kind === "comment") continue;
    if (afterSemicolon) s.suspicious = true;
    const { start, end } = lexer;
    if (kind === "word") {
      if (first) {
        if (lettersOnly(sql, start, end)) s.keyword = lexer.text.toUpperCase();
        first = false;
        nextValue = 0;
        continue;
      }
      const id = watched(sql, start, end);
      if (id === INTO) s.into = true;
      else if (id === EFFECT) s.effects = true;
      else if (id === DML) s.dml = true;
      if (id === NEXT) nextValue = 1;
      else if (id === VALUE && nextValue === 1) nextValue = 2;
      else if (id === FOR && nextValue === 2) {
        s.effects = true;
        nextValue = 0;
      } else nextValue = 0;
      continue;
    }
    nextValue = 0;
    if (kind === "punct") {
      const c = sql.charCodeAt(start);
      if (c === 59) afterSemicolon = true;
      else if (!(first && c === 40)) first = false;
      continue;
    }
    first = false;
    if (kind === "executable" || kind === "executable-end") s.suspicious = true;
    else if (kind === "operator" && end - start === 2 && sql.charCodeAt(start) === 58) s.suspicious = true; // :=
  }
  return s;
}

/**
 * The retry rule (see the module comment): a plain read that may be sent again after a lost
 * connection. When unsure, false.
 */
export function isReadOnlySql(sql: string): boolean {
  const s = shape(sql);
  if (!READ_KEYWORDS.has(s.keyword) || s.suspicious || s.into || s.effects) return false;
  return !(s.keyword === "WITH" && s.dml);
}

/**
 * A statement that leaves no state in the session beyond its own result: a plain read, or one
 * INSERT / UPDATE / DELETE / REPLACE without variable assignments or functions with effects. After
 * anything else (SET, USE, temporary tables, BEGIN, locks, several statements) a pooled session is
 * reset before reuse.
 */
export function isSessionNeutral(sql: string): boolean {
  const s = shape(sql);
  if (READ_KEYWORDS.has(s.keyword)) {
    return !s.suspicious && !s.into && !s.effects && !(s.keyword === "WITH" && s.dml);
  }
  return DML_KEYWORDS.has(s.keyword) && !s.suspicious && !s.effects;
}

/** What the replica rule needs to know of a statement (the classifier finds it). */
export interface ReplicaFacts {
  /** The classifier's kind: only "read" can qualify. */
  readonly kind: string;
  readonly lockingRead: boolean;
  /** SELECT ... INTO (variables, OUTFILE, DUMPFILE). */
  readonly intoTarget: boolean;
  /** User variables, session functions, functions with effects. */
  readonly sessionDependent: boolean;
  readonly multiStatement: boolean;
}

/** The replica rule (see the module comment): may run on a read-only replica or be served from a cache. */
export function replicaReadOnly(f: ReplicaFacts): boolean {
  return f.kind === "read" && !f.lockingRead && !f.intoTarget && !f.sessionDependent && !f.multiStatement;
}

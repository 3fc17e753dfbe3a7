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
    if (kind === "executable" || kind === "executable-end") {
      s.suspicious = true;
      first = false;
      continue;
    }
    if (kind === "punct") {
      if (lexer.sql.charCodeAt(lexer.start) === 59) afterSemicolon = true;
      else if (!(first && lexer.sql.charCodeAt(lexer.start) === 40)) first = false;
      nextValue = 0;
      continue;
    }
    if (kind === "operator" && lexer.end - lexer.start === 2 && lexer.text === ":=") s.suspicious = true;
    if (kind !== "word") {
      first = false;
      nextValue = 0;
      continue;
    }
    const len = lexer.end - lexer.start;
    const w = len <= 17 ? lexer.text.toUpperCase() : "";
    if (first) {
      s.keyword = /^[A-Z]+$/.test(w) ? w : "";
      first = false;
    } else if (DML_KEYWORDS.has(w)) s.dml = true;
    if (w === "INTO") s.into = true;
    if (SIDE_EFFECT_FUNCTIONS.has(w)) s.effects = true;
    if (w === "NEXT") nextValue = 1;
    else if (w === "VALUE" && nextValue === 1) nextValue = 2;
    else if (w === "FOR" && nextValue === 2) {
      s.effects = true;
      nextValue = 0;
    } else nextValue = 0;
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

/**
 * What a query does, as far as routing, caching and firewalls need to know, read from its tokens:
 * its verb, whether it only reads (and may run on a read-only replica), whether it locks, which
 * tables it names and which it writes, whether it begins or ends a transaction, changes session
 * state, or depends on the session (LAST_INSERT_ID(), FOUND_ROWS(), user variables) or on the
 * moment (NOW(), RAND()). A heuristic over tokens, not a parser: when unsure, it says "not read-only".
 * `readOnly` is the replica rule of `read-only.ts`, where it stands beside the client's retry rule.
 */
import { type Token, tokenize } from "../protocol/sql/lexer.ts";
import { replicaReadOnly } from "./read-only.ts";
import { unquoteName, useDatabase } from "./use.ts";

/** The broad kind of a statement. */
export type QueryKind = "read" | "write" | "ddl" | "transaction" | "session" | "other";

/** What `classifyQuery` finds. */
export interface QueryInfo {
  /** The statement's first keyword in upper case ("SELECT", "INSERT", ...); "" for no statement. */
  readonly verb: string;
  readonly kind: QueryKind;
  /** Safe to run on a read-only replica: a read that does not lock, write into variables or files, or depend on the session (the replica rule of `read-only.ts`). */
  readonly readOnly: boolean;
  /** SELECT ... FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE. */
  readonly lockingRead: boolean;
  /** Every table named, as written without quotes (`db.t` when qualified). */
  readonly tables: readonly string[];
  /** Tables the statement changes (INSERT/REPLACE INTO, UPDATE, DELETE FROM, TRUNCATE, DDL). */
  readonly writtenTables: readonly string[];
  /** A write whose tables could not be told (a CALL, DROP DATABASE, ...): assume it changes anything. */
  readonly writesUnknown: boolean;
  readonly transaction: "begin" | "commit" | "rollback" | undefined;
  /** Uses LAST_INSERT_ID(), FOUND_ROWS(), ROW_COUNT(), locks by name, or user variables. */
  readonly sessionDependent: boolean;
  /** Uses NOW(), RAND(), UUID() and the like: two runs may differ. */
  readonly nondeterministic: boolean;
  /** Sets session state: SET (variables, NAMES, CHARACTER SET), USE. */
  readonly setsSessionState: boolean;
  /** The database of `USE db`. */
  readonly database: string | undefined;
  /** More than one statement (separated by `;`). */
  readonly multiStatement: boolean;
}

const READ_VERBS = new Set(["SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "HELP", "VALUES", "TABLE"]);
const WRITE_VERBS = new Set([
  "INSERT",
  "UPDATE",
  "DELETE",
  "REPLACE",
  "LOAD",
  "CALL",
  "DO",
  "HANDLER",
  "IMPORT",
]);
const DDL_VERBS = new Set([
  "CREATE",
  "ALTER",
  "DROP",
  "RENAME",
  "TRUNCATE",
  "OPTIMIZE",
  "ANALYZE",
  "REPAIR",
  "GRANT",
  "REVOKE",
]);
const SESSION_FUNCTIONS = new Set([
  "LAST_INSERT_ID",
  "FOUND_ROWS",
  "ROW_COUNT",
  "GET_LOCK",
  "RELEASE_LOCK",
  "RELEASE_ALL_LOCKS",
  "IS_FREE_LOCK",
  "IS_USED_LOCK",
  "CONNECTION_ID",
  "LAST_VALUE",
  "NEXTVAL",
  "LASTVAL",
  "SETVAL",
  "MASTER_POS_WAIT",
  "MASTER_GTID_WAIT",
]);
const NONDETERMINISTIC = new Set([
  "NOW",
  "SYSDATE",
  "CURDATE",
  "CURTIME",
  "CURRENT_DATE",
  "CURRENT_TIME",
  "CURRENT_TIMESTAMP",
  "LOCALTIME",
  "LOCALTIMESTAMP",
  "UTC_DATE",
  "UTC_TIME",
  "UTC_TIMESTAMP",
  "UNIX_TIMESTAMP",
  "RAND",
  "UUID",
  "UUID_SHORT",
  "SYS_GUID",
  "SLEEP",
  "BENCHMARK",
  "USER",
  "CURRENT_USER",
  "SESSION_USER",
  "SYSTEM_USER",
  "DATABASE",
  "SCHEMA",
  "CURRENT_ROLE",
]);
/** Words that end a table list. */
const STOP = new Set([
  "WHERE",
  "SET",
  "VALUES",
  "VALUE",
  "SELECT",
  "ON",
  "USING",
  "JOIN",
  "INNER",
  "LEFT",
  "RIGHT",
  "CROSS",
  "NATURAL",
  "STRAIGHT_JOIN",
  "FULL",
  "OUTER",
  "GROUP",
  "ORDER",
  "LIMIT",
  "HAVING",
  "UNION",
  "FOR",
  "LOCK",
  "WINDOW",
  "PARTITION",
  "FORCE",
  "IGNORE",
  "USE",
  "INTO",
  "FROM",
  "AS",
  "DUPLICATE",
  "RETURNING",
  "EXCEPT",
  "INTERSECT",
  "WITH",
  "IF",
  "EXISTS",
  "NOT",
  "LIKE",
  "TO",
  "ADD",
  "DROP",
  "MODIFY",
  "CHANGE",
  "RENAME",
  "ENGINE",
  "DEFAULT",
  "COMMENT",
  "TABLE",
  "TABLES",
]);

function up(t: Token | undefined): string {
  return t !== undefined && t.kind === "word" ? t.text.toUpperCase() : "";
}

function isName(t: Token | undefined): boolean {
  return t !== undefined
    && (t.kind === "identifier" || (t.kind === "word" && !STOP.has(t.text.toUpperCase())));
}

/** Reads `name` or `db.name` at `i`; returns the name and the index after it. */
function readTable(tokens: readonly Token[], i: number): [string, number] | undefined {
  const t = tokens[i];
  if (!isName(t)) return undefined;
  let name = unquoteName(t);
  let j = i + 1;
  if (tokens[j]?.text === "." && (tokens[j + 1]?.kind === "identifier" || tokens[j + 1]?.kind === "word")) {
    name += "." + unquoteName(tokens[j + 1]);
    j += 2;
  }
  return [name, j];
}

/** Reads a comma-separated table list with optional aliases at `i`. */
function readTableList(tokens: readonly Token[], i: number, into: string[]): number {
  for (;;) {
    const read = readTable(tokens, i);
    if (read === undefined) return i;
    into.push(read[0]);
    i = read[1];
    if (up(tokens[i]) === "AS") i++;
    if (tokens[i]?.kind === "identifier" || (tokens[i]?.kind === "word" && isName(tokens[i]))) i++; // alias
    if (tokens[i]?.text !== ",") return i;
    i++;
  }
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Classifies a query (see `QueryInfo`). */
export function classifyQuery(sql: string): QueryInfo {
  const all = tokenize(sql);
  let end = all.length;
  while (end > 0 && all[end - 1].text === ";") end--;
  const tokens = all.slice(0, end);
  const multiStatement = tokens.some((t) => t.kind === "punct" && t.text === ";");
  let start = 0;
  while (tokens[start]?.text === "(") start++;
  const verb = up(tokens[start]);
  const words = new Set<string>();
  const tables: string[] = [];
  const written: string[] = [];
  let sessionDependent = false;
  let nondeterministic = false;
  let lockingRead = false;
  let intoTarget = false;
  let topLevelWrite = false;
  let depth = 0;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.text === "(") depth++;
    else if (t.text === ")") depth--;
    if (t.kind === "variable") {
      if (!t.text.startsWith("@@")) sessionDependent = true;
      continue;
    }
    if (t.kind !== "word") continue;
    const w = t.text.toUpperCase();
    words.add(w);
    const call = tokens[i + 1]?.text === "(";
    if (call && SESSION_FUNCTIONS.has(w)) sessionDependent = true;
    if (NONDETERMINISTIC.has(w) && (call || w.startsWith("CURRENT_") || w.startsWith("LOCAL"))) {
      nondeterministic = true;
    }
    const prev = up(tokens[i - 1]);
    if (
      depth === 0 && i > start && prev !== "FOR" && prev !== "KEY"
      && (w === "INSERT" || w === "UPDATE" || w === "DELETE" || w === "REPLACE")
    ) {
      topLevelWrite = true;
    }
    const next = up(tokens[i + 1]);
    if (w === "FOR" && (next === "UPDATE" || next === "SHARE")) lockingRead = true;
    if (w === "LOCK" && next === "IN") lockingRead = true;
    if (w === "INTO" && (verb === "SELECT" || verb === "WITH")) intoTarget = true;
    if (w === "SQL_CALC_FOUND_ROWS") sessionDependent = true;
    if (w === "NEXT" && up(tokens[i + 1]) === "VALUE" && up(tokens[i + 2]) === "FOR") sessionDependent = true;
    if (w === "FROM" || w === "JOIN" || w === "STRAIGHT_JOIN") {
      const list: string[] = [];
      readTableList(tokens, i + 1, list);
      tables.push(...list);
      if ((verb === "DELETE" && w === "FROM") || verb === "UPDATE") written.push(...list);
    } else if (w === "INTO" && (verb === "INSERT" || verb === "REPLACE")) {
      const read = readTable(tokens, i + 1);
      if (read) written.push(read[0]);
    } else if (w === "UPDATE" && i === start) {
      const list: string[] = [];
      readTableList(
        tokens,
        i + (up(tokens[i + 1]) === "LOW_PRIORITY" || up(tokens[i + 1]) === "IGNORE" ? 2 : 1),
        list,
      );
      written.push(...list);
    } else if (w === "TABLE" && (DDL_VERBS.has(verb) || verb === "LOAD" || verb === "LOCK")) {
      let j = i + 1;
      if (up(tokens[j]) === "IF") j += up(tokens[j + 1]) === "NOT" ? 3 : 2;
      const list: string[] = [];
      readTableList(tokens, j, list);
      if (verb !== "LOCK") written.push(...list);
      tables.push(...list);
    } else if (w === "TRUNCATE" && i === start && up(tokens[i + 1]) !== "TABLE") {
      const read = readTable(tokens, i + 1);
      if (read) written.push(read[0]);
    }
  }
  tables.push(...written);
  let kind: QueryKind;
  let transaction: QueryInfo["transaction"];
  let database: string | undefined;
  let setsSessionState = false;
  if (verb === "BEGIN" || (verb === "START" && up(tokens[start + 1]) === "TRANSACTION") || verb === "XA") {
    kind = "transaction";
    transaction = verb === "XA" ? undefined : "begin";
  } else if (verb === "COMMIT") {
    kind = "transaction";
    transaction = "commit";
  } else if (verb === "ROLLBACK") {
    kind = "transaction";
    transaction = up(tokens[start + 1]) === "TO" || words.has("SAVEPOINT") ? undefined : "rollback";
  } else if (verb === "SAVEPOINT" || verb === "RELEASE" || verb === "LOCK" || verb === "UNLOCK") {
    kind = "transaction";
  } else if (verb === "SET" || verb === "USE") {
    kind = "session";
    setsSessionState = true;
    if (verb === "USE") database = useDatabase(tokens, start);
  } else if (READ_VERBS.has(verb) || verb === "WITH") {
    kind = topLevelWrite ? "write" : "read";
  } else if (WRITE_VERBS.has(verb)) kind = "write";
  else if (DDL_VERBS.has(verb)) kind = "ddl";
  else kind = "other";
  const writtenTables = unique(written);
  const writes = kind === "write" || kind === "ddl";
  return {
    verb,
    kind,
    readOnly: replicaReadOnly({ kind, lockingRead, intoTarget, sessionDependent, multiStatement }),
    lockingRead,
    tables: unique(tables),
    writtenTables,
    writesUnknown: writes
      && (writtenTables.length === 0 || verb === "CALL" || words.has("DATABASE") || words.has("SCHEMA")),
    transaction,
    sessionDependent,
    nondeterministic,
    setsSessionState,
    database,
    multiStatement,
  };
}

/**
 * The pinning rules of multiplexing: what a client's session holds that cannot be replayed on
 * another backend connection, so the client keeps its connection until it ends. Read from two
 * sources: the statement text through the project's SQL lexer (user variables, temporary tables,
 * named locks, FLUSH TABLES WITH READ LOCK, text PREPARE, SQL_CALC_FOUND_ROWS, XA, changes to the
 * session trackers), and the backend's own answer (`TrackedConnection`: the transaction state and
 * status flags, LOCK TABLES, `sql_log_bin`, warnings, a last insert id, a session state change
 * nothing else explains), and from the statement commands (long data sent for a prepared statement
 * and not executed yet, a cursor open). Prepared statements themselves do not pin (statements.ts).
 * docs/proxy.md has the table.
 */
import { type Token, tokenize } from "../protocol/sql/lexer.ts";
import { unquoteName } from "../sql/use.ts";
import type { TrackedConnection } from "./session-tracker.ts";

/** Why a client is pinned to its backend connection. */
export type PinReason =
  | "transaction"
  | "xa"
  | "table lock"
  | "user variable"
  | "temporary table"
  | "named lock"
  | "text prepare"
  | "long data"
  | "cursor"
  | "found rows"
  | "sql_log_bin"
  | "warnings"
  | "last insert id"
  | "session tracking"
  | "set option"
  | "replication"
  | "session state";

/** Every reason, in the order `stats()` lists them. */
export const PIN_REASONS: readonly PinReason[] = [
  "transaction",
  "xa",
  "table lock",
  "user variable",
  "temporary table",
  "named lock",
  "text prepare",
  "long data",
  "cursor",
  "found rows",
  "sql_log_bin",
  "warnings",
  "last insert id",
  "session tracking",
  "set option",
  "replication",
  "session state",
];

/** What a statement's text does to the pins. */
export interface StatementEffects {
  userVariables: boolean;
  readonly createdTemporary: string[];
  readonly droppedTables: string[];
  getLocks: number;
  releaseLocks: number;
  releaseAllLocks: boolean;
  globalReadLock: boolean;
  unlockTables: boolean;
  readonly prepared: string[];
  readonly deallocated: string[];
  calcFoundRows: boolean;
  readsFoundRows: boolean;
  /** Uses LAST_INSERT_ID() (a read, or with an argument a set), `@@last_insert_id` or `@@identity`. */
  lastInsertId: boolean;
  /** Calls LAST_INSERT_ID(expr), which sets it. */
  setsLastInsertId: boolean;
  xaStart: boolean;
  xaEnd: boolean;
  sessionTracking: boolean;
}

function noEffects(): StatementEffects {
  return {
    userVariables: false,
    createdTemporary: [],
    droppedTables: [],
    getLocks: 0,
    releaseLocks: 0,
    releaseAllLocks: false,
    globalReadLock: false,
    unlockTables: false,
    prepared: [],
    deallocated: [],
    calcFoundRows: false,
    readsFoundRows: false,
    lastInsertId: false,
    setsLastInsertId: false,
    xaStart: false,
    xaEnd: false,
    sessionTracking: false,
  };
}

/** Words one of which a statement must contain to have any effect (a cheap test before lexing). */
const CANDIDATE =
  /@|temporary|drop|_lock|unlock|flush|prepare|found_rows|last_insert_id|xa\b|session_track|deallocate|release/i;

function up(t: Token | undefined): string {
  return t !== undefined && t.kind === "word" ? t.text.toUpperCase() : "";
}

/** A table name at `st[i]` (`db.t` as written without quotes), and the index after it. */
function tableAt(st: readonly Token[], i: number): [string, number] | undefined {
  const t = st[i];
  if (t === undefined || (t.kind !== "word" && t.kind !== "identifier")) return undefined;
  let name = unquoteName(t);
  let j = i + 1;
  if (st[j]?.text === "." && st[j + 1] !== undefined) {
    name = unquoteName(st[j + 1]);
    j += 2;
  }
  return [name.toLowerCase(), j];
}

/** Reads the statements of `sql` (one, or several for multi-statements) for their pinning effects. */
export function statementEffects(sql: string): StatementEffects {
  const fx = noEffects();
  if (!CANDIDATE.test(sql)) return fx;
  const tokens = tokenize(sql);
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && !(tokens[i].kind === "punct" && tokens[i].text === ";")) continue;
    if (i > start) readStatement(tokens.slice(start, i), fx);
    start = i + 1;
  }
  return fx;
}

/**
 * Whether the user variable at `st[i]` is assigned (not only read): `@x := ...`, `SET @x = ...`,
 * a target of `INTO`, or an argument of CALL (an OUT parameter may set it).
 */
function assignsUserVariable(st: readonly Token[], i: number, verb: string, afterInto: boolean): boolean {
  const next = st[i + 1]?.text;
  if (next === ":=" || afterInto || verb === "CALL") return true;
  if (verb !== "SET" || next !== "=") return false;
  const prev = st[i - 1];
  return prev !== undefined && (prev.text === "," || up(prev) === "SET" || prev.kind === "word");
}

function readStatement(st: readonly Token[], fx: StatementEffects): void {
  const w0 = up(st[0]);
  const w1 = up(st[1]);
  let into = false;
  for (let i = 0; i < st.length; i++) {
    const t = st[i];
    if (t.kind === "variable") {
      if (!t.text.startsWith("@@")) {
        if (assignsUserVariable(st, i, w0, into)) fx.userVariables = true;
      } else if (/last_insert_id|identity/i.test(t.text)) {
        fx.lastInsertId = true;
      } else if (w0 === "SET" && t.text.toLowerCase().includes("session_track")) fx.sessionTracking = true;
      continue;
    }
    if (t.kind !== "word") continue;
    const w = t.text.toUpperCase();
    if (w === "INTO") into = true;
    const call = st[i + 1]?.text === "(";
    if (call && w === "GET_LOCK") fx.getLocks++;
    else if (call && w === "RELEASE_LOCK") fx.releaseLocks++;
    else if (call && w === "RELEASE_ALL_LOCKS") fx.releaseAllLocks = true;
    else if (call && w === "FOUND_ROWS") fx.readsFoundRows = true;
    else if (call && w === "LAST_INSERT_ID") {
      fx.lastInsertId = true;
      if (st[i + 2]?.text !== ")") fx.setsLastInsertId = true;
    } else if (w === "SQL_CALC_FOUND_ROWS") fx.calcFoundRows = true;
    else if (w0 === "SET" && w.startsWith("SESSION_TRACK")) fx.sessionTracking = true;
  }
  if (w0 === "CREATE" && w1 === "TEMPORARY" && up(st[2]) === "TABLE") {
    let i = 3;
    if (up(st[i]) === "IF") i += 3; // IF NOT EXISTS
    const name = tableAt(st, i);
    if (name !== undefined) fx.createdTemporary.push(name[0]);
  } else if (w0 === "DROP" && (w1 === "TABLE" || (w1 === "TEMPORARY" && up(st[2]) === "TABLE"))) {
    let i = w1 === "TABLE" ? 2 : 3;
    if (up(st[i]) === "IF") i += 2; // IF EXISTS
    for (;;) {
      const name = tableAt(st, i);
      if (name === undefined) break;
      fx.droppedTables.push(name[0]);
      i = name[1];
      if (st[i]?.text !== ",") break;
      i++;
    }
  } else if (w0 === "FLUSH") {
    const words = st.map(up);
    if (words.includes("WITH") && words.includes("READ") && words.includes("LOCK")) fx.globalReadLock = true;
  } else if (w0 === "UNLOCK" && (w1 === "TABLES" || w1 === "TABLE")) {
    fx.unlockTables = true;
  } else if (w0 === "PREPARE" && st[1] !== undefined) {
    fx.prepared.push(unquoteName(st[1]).toLowerCase());
  } else if ((w0 === "DEALLOCATE" || w0 === "DROP") && w1 === "PREPARE" && st[2] !== undefined) {
    fx.deallocated.push(unquoteName(st[2]).toLowerCase());
  } else if (w0 === "XA") {
    if (w1 === "START" || w1 === "BEGIN") fx.xaStart = true;
    else if (w1 === "COMMIT" || w1 === "ROLLBACK") fx.xaEnd = true;
  }
}

/** One client's pins. */
export class Pins {
  private userVariables = false;
  private readonly temporaryTables = new Set<string>();
  private namedLocks = 0;
  private globalReadLock = false;
  private readonly textPrepared = new Set<string>();
  /** COM_STMT_SEND_LONG_DATA sent, not executed or reset yet (the data sits in one backend statement). */
  longData = false;
  /** The proxy's ids of statements with a cursor open (executed with a cursor type). */
  readonly cursors = new Set<number>();
  private foundRows = false;
  private xa = false;
  private sessionTracking = false;
  private setOption = false;
  /** COM_REGISTER_SLAVE or a binlog dump: the connection is the replica's (never given back). */
  replication = false;
  private unexplained = false;
  private warnings = false;
  private lastInsertId = false;
  private transaction = false;
  private tableLock = false;
  private sqlLogBin = false;

  /** After a COM_QUERY on `conn`: the text's effects and what the backend answered. */
  afterQuery(fx: StatementEffects, conn: TrackedConnection): void {
    if (fx.userVariables) this.userVariables = true;
    for (const t of fx.createdTemporary) this.temporaryTables.add(t);
    for (const t of fx.droppedTables) this.temporaryTables.delete(t);
    this.namedLocks = fx.releaseAllLocks ? 0 : Math.max(0, this.namedLocks + fx.getLocks - fx.releaseLocks);
    if (fx.globalReadLock) this.globalReadLock = true;
    if (fx.unlockTables) this.globalReadLock = false;
    for (const p of fx.prepared) this.textPrepared.add(p);
    for (const p of fx.deallocated) this.textPrepared.delete(p);
    if (fx.calcFoundRows) this.foundRows = true;
    else if (fx.readsFoundRows) this.foundRows = false;
    if (fx.xaStart) this.xa = true;
    if (fx.xaEnd) this.xa = false;
    if (fx.sessionTracking) this.sessionTracking = true;
    const explained = fx.userVariables || fx.createdTemporary.length > 0 || fx.droppedTables.length > 0
      || fx.prepared.length > 0 || fx.deallocated.length > 0;
    if (conn.facts.unexplainedChange && !explained) this.unexplained = true;
    this.afterCommand(conn);
  }

  /** After any command on `conn`: what its answer says. */
  afterCommand(conn: TrackedConnection): void {
    const f = conn.facts;
    this.warnings = f.warnings > 0 || f.error;
    this.lastInsertId = f.insertId;
    this.transaction = conn.inTransaction;
    this.tableLock = conn.tablesLocked;
    this.sqlLogBin = conn.state.variables.get("sql_log_bin") === "OFF";
  }

  /** COM_SET_OPTION: the connection's multi-statement option is not replayed. */
  optionSet(): void {
    this.setOption = true;
  }

  /** Forgets everything (COM_RESET_CONNECTION, COM_CHANGE_USER, a new backend connection). */
  clear(): void {
    this.userVariables = false;
    this.temporaryTables.clear();
    this.namedLocks = 0;
    this.globalReadLock = false;
    this.textPrepared.clear();
    this.longData = false;
    this.cursors.clear();
    this.foundRows =
      this.xa =
      this.sessionTracking =
      this.setOption =
      this.replication =
      this.unexplained =
        false;
    this.warnings =
      this.lastInsertId =
      this.transaction =
      this.tableLock =
      this.sqlLogBin =
        false;
  }

  /** The reasons the client is pinned now (none: it may change connection). */
  reasons(): PinReason[] {
    const r: PinReason[] = [];
    if (this.transaction) r.push("transaction");
    if (this.xa) r.push("xa");
    if (this.tableLock || this.globalReadLock) r.push("table lock");
    if (this.userVariables) r.push("user variable");
    if (this.temporaryTables.size > 0) r.push("temporary table");
    if (this.namedLocks > 0) r.push("named lock");
    if (this.textPrepared.size > 0) r.push("text prepare");
    if (this.longData) r.push("long data");
    if (this.cursors.size > 0) r.push("cursor");
    if (this.foundRows) r.push("found rows");
    if (this.sqlLogBin) r.push("sql_log_bin");
    if (this.replication) r.push("replication");
    if (this.warnings) r.push("warnings");
    if (this.lastInsertId) r.push("last insert id");
    if (this.sessionTracking) r.push("session tracking");
    if (this.setOption) r.push("set option");
    if (this.unexplained) r.push("session state");
    return r;
  }

  /** Whether the client must keep its connection. */
  get pinned(): boolean {
    return this.transaction || this.xa || this.tableLock || this.globalReadLock || this.userVariables
      || this.temporaryTables.size > 0 || this.namedLocks > 0 || this.textPrepared.size > 0
      || this.longData || this.cursors.size > 0 || this.foundRows || this.sqlLogBin || this.warnings
      || this.lastInsertId || this.sessionTracking || this.setOption || this.replication || this.unexplained;
  }

  /**
   * Whether the connection may go back to the pool when the client leaves pinned: only when what
   * pins it lasts no longer than a statement (warnings, a last insert id, FOUND_ROWS).
   */
  get onlyTransient(): boolean {
    return !(this.transaction || this.xa || this.tableLock || this.globalReadLock || this.userVariables
      || this.temporaryTables.size > 0 || this.namedLocks > 0 || this.textPrepared.size > 0
      || this.longData || this.cursors.size > 0 || this.sqlLogBin || this.sessionTracking || this.setOption
      || this.replication || this.unexplained);
  }
}

/**
 * The session state of a multiplexed backend connection, read from the responses themselves: the
 * backend connections ask for CLIENT_SESSION_TRACK and `session_track_system_variables='*'`,
 * `session_track_state_change=ON`, `session_track_transaction_info=CHARACTERISTICS`, so every OK
 * packet says which system variables changed (with their new values), the new default database,
 * whether anything else of the session changed, and the transaction state. `TrackedConnection`
 * wraps a backend connection and follows every response packet by packet with its own response
 * grammar (the plan runner's collector, the proxy's own statements), or as the relay reports it
 * (it runs the grammar anyway: `observeStep`),
 * so the tracked state is the connection's, whoever ran what. `replayStatement` gives the SET that
 * makes a connection's state a client's (the state a client left its last connection in).
 */
import { encodeUtf8 } from "../protocol/bytes.ts";
import { Capability, Command, ServerStatus } from "../protocol/constants.ts";
import { escapeValue } from "../protocol/escape.ts";
import { ResponseGrammar, responseShapeOf, type ResponseStep } from "../protocol/response-grammar.ts";
import { decodeOk } from "../protocol/results.ts";
import { decodeSessionStateChanges } from "../protocol/session-state.ts";
import { decodePrepareOk } from "../protocol/statements.ts";
import type { BackendConnection } from "./relay.ts";

/** The replayable part of a session: the default database and the system variables known. */
export class SessionState {
  /** The default database ("" for none). */
  schema: string;
  /** System variables by name, with their values as the server reports them. */
  readonly variables: Map<string, string>;

  constructor(schema: string, variables: Iterable<readonly [string, string]> = []) {
    this.schema = schema;
    this.variables = new Map(variables);
  }

  /** A copy. */
  clone(): SessionState {
    return new SessionState(this.schema, this.variables);
  }
}

/**
 * System variables never replayed: the proxy's own tracking settings, `sql_log_bin` (pins instead,
 * and setting it needs a privilege), and the ones that are per statement or per insert.
 */
const UNREPLAYED: ReadonlySet<string> = new Set([
  "session_track_system_variables",
  "session_track_state_change",
  "session_track_transaction_info",
  "session_track_schema",
  "session_track_gtids",
  "sql_log_bin",
  "last_insert_id",
  "insert_id",
  "identity",
  "rand_seed1",
  "rand_seed2",
  "last_gtid",
  "gtid_seq_no",
  "in_transaction",
]);

/** Variables a backend called read-only when the proxy replayed them (learned, then left out). */
const readOnlyLearned = new Set<string>();

/** Leaves `name` out of replays from now on (the server said it is read-only: ER 1238). */
export function learnReadOnly(message: string): boolean {
  const m = /Variable '([^']+)' is a read only variable/.exec(message);
  if (m === null || readOnlyLearned.has(m[1].toLowerCase())) return false;
  readOnlyLearned.add(m[1].toLowerCase());
  return true;
}

function replayed(name: string): boolean {
  return !UNREPLAYED.has(name) && !readOnlyLearned.has(name);
}

/** The tracking settings each backend connection of the pool runs once, after it logged in. */
export const TRACKING_SQL = "SET session_track_system_variables='*', session_track_state_change=ON, "
  + "session_track_transaction_info=CHARACTERISTICS, session_track_schema=ON";

/** The variables of a fresh connection that differ from the server's globals (from the handshake). */
export const BASELINE_SQL = "SELECT @@character_set_client, @@character_set_connection, "
  + "@@character_set_results, @@collation_connection";

/**
 * Empties the diagnostics area (the warnings SHOW WARNINGS lists): only a statement that opens a
 * table does, so this one opens an information_schema table every account may read, for no row.
 */
export const CLEAR_DIAGNOSTICS_SQL = "DO (SELECT 1 FROM information_schema.ENGINES LIMIT 0)";

/** The names BASELINE_SQL reads, in its order. */
export const BASELINE_VARIABLES: readonly string[] = [
  "character_set_client",
  "character_set_connection",
  "character_set_results",
  "collation_connection",
];

/** Replay order: the character sets before the collation (setting one resets the other), then the rest. */
function replayRank(name: string): number {
  if (name.startsWith("character_set_")) return 0;
  if (name.startsWith("collation_")) return 1;
  return 2;
}

/** An SQL literal for a variable's value as the server printed it. */
function literal(name: string, value: string, noBackslashEscapes: boolean): string {
  if (/^-?\d+(\.\d+)?$/.test(value)) return value;
  if (value === "" && name === "character_set_results") return "NULL";
  return escapeValue(value, { timezone: 0, noBackslashEscapes });
}

/**
 * The one SET statement that turns `have`'s system variables into `want`'s (a variable `want`
 * does not know goes back to its DEFAULT), or undefined when they agree. The database is not part
 * of it (COM_INIT_DB does that).
 */
export function replayStatement(
  want: SessionState,
  have: SessionState,
  noBackslashEscapes: boolean,
): string | undefined {
  const names: string[] = [];
  for (const [name, value] of want.variables) {
    if (replayed(name) && have.variables.get(name) !== value) names.push(name);
  }
  for (const name of have.variables.keys()) {
    if (replayed(name) && !want.variables.has(name)) names.push(name);
  }
  if (names.length === 0) return undefined;
  names.sort((a, b) => replayRank(a) - replayRank(b));
  const parts = names.map((name) => {
    const value = want.variables.get(name);
    return `@@session.${name} = ${
      value === undefined ? "DEFAULT" : literal(name, value, noBackslashEscapes)
    }`;
  });
  return "SET " + parts.join(", ");
}

/** What the responses since the last `begin()` showed, for the pinning rules. */
export interface ResponseFacts {
  /** Warnings of the last OK/EOF (the ones SHOW WARNINGS would list). */
  warnings: number;
  /** An OK carried a last insert id. */
  insertId: boolean;
  /** An ERR ended a response. */
  error: boolean;
  /** The server said the session state changed with no variable or database change to explain it. */
  unexplainedChange: boolean;
  /** Statement ids of COM_STMT_PREPARE answers (the backend's). */
  readonly prepared: number[];
}

/**
 * Gives the id a client is to see for a statement the backend prepared as `backendId` (the proxy's
 * own statement ids, statements.ts).
 */
export type StatementRenumbering = (backendId: number, paramCount: number) => number;

function freshFacts(): ResponseFacts {
  return { warnings: 0, insertId: false, error: false, unexplainedChange: false, prepared: [] };
}

/**
 * A backend connection whose session state is followed from its responses: wraps `inner` (same
 * interface), runs a response grammar over every packet read, and applies each OK's session state
 * changes to `state`.
 */
export class TrackedConnection implements BackendConnection {
  readonly inner: BackendConnection;
  readonly state: SessionState;
  /** The status flags of the last OK/EOF. */
  statusFlags: number;
  /** The transaction state last reported (`________` when none). */
  transactionState = "________";
  /** The characteristics of the next transaction last reported ("" when none). */
  transactionCharacteristics = "";
  /** Bumped on every change of `state`. */
  version = 0;
  /**
   * A response had warnings or an error: the diagnostics area (SHOW WARNINGS, @@warning_count) may
   * still hold them, so `CLEAR_DIAGNOSTICS_SQL` runs before another client uses the connection.
   */
  diagnosticsDirty = false;
  /** Backend statement ids whose COM_STMT_CLOSE waits for the connection's next use. */
  readonly pendingCloses: number[] = [];
  /**
   * The clients' statements prepared on this connection, by backend id, least recently used first
   * (statements.ts bounds them: MAX_STATEMENTS_PER_CONNECTION).
   */
  readonly statements: Map<number, unknown> = new Map();
  /** While set, a PREPARE_OK read is renumbered in place to the id this gives (the client's). */
  renumber: StatementRenumbering | undefined;
  /** What the responses since `begin()` showed. */
  facts: ResponseFacts = freshFacts();
  private grammar: ResponseGrammar | undefined;

  constructor(inner: BackendConnection, state: SessionState, statusFlags: number) {
    this.inner = inner;
    this.state = state;
    this.statusFlags = statusFlags;
  }

  get address(): string {
    return this.inner.address;
  }
  get capabilities(): number {
    return this.inner.capabilities;
  }
  get mariadbCapabilities(): number {
    return this.inner.mariadbCapabilities;
  }
  get flavor(): BackendConnection["flavor"] {
    return this.inner.flavor;
  }

  /** True while a transaction is open (or its characteristics are set for the next one). */
  get inTransaction(): boolean {
    return (this.statusFlags & ServerStatus.IN_TRANS) !== 0 || this.transactionState[0] !== "_"
      || this.transactionCharacteristics !== "";
  }

  /** True while LOCK TABLES holds (the transaction state's last letter). */
  get tablesLocked(): boolean {
    return this.transactionState[7] === "L";
  }

  /** The client whose state the connection was last brought to (multiplex.ts). */
  lastUser: unknown;
  /**
   * Whose LAST_INSERT_ID() the connection holds, and which of that client's values (its insert ran
   * here, or the proxy set it here): multiplex.ts.
   */
  lastInsertIdOf: { readonly owner: unknown; readonly generation: number } | undefined;
  /** Commands written since `begin()`. */
  writes = 0;
  /** A packet was read since `begin()`. */
  received = false;

  /** Forgets the facts of earlier responses (before a client's command). */
  begin(): void {
    this.facts = freshFacts();
    this.writes = 0;
    this.received = false;
  }

  writeCommand(payload: Uint8Array): Promise<void> {
    const code = payload[0];
    const shape = responseShapeOf(code);
    this.grammar = shape === "none" ? undefined : new ResponseGrammar(shape, this.inner.capabilities);
    if (code === Command.COM_STMT_CLOSE) this.grammar = undefined;
    this.writes++;
    return this.inner.writeCommand(payload);
  }

  write(payload: Uint8Array): Promise<void> {
    return this.inner.write(payload);
  }

  async read(): Promise<Uint8Array> {
    const p = await this.inner.read();
    this.observe(p);
    return p;
  }

  /** For the relay, which runs the response grammar itself and reports each packet (`observeStep`). */
  tryRead(): Uint8Array | undefined {
    return this.inner.tryRead();
  }

  fill(): Promise<void> {
    return this.inner.fill();
  }

  private observe(p: Uint8Array): void {
    const grammar = this.grammar;
    if (grammar === undefined) return;
    const step = grammar.push(p);
    if (step.done) this.grammar = undefined;
    this.observeStep(p, step);
  }

  /** One packet of a response and what the response grammar said of it: what the tracking reads. */
  observeStep(p: Uint8Array, step: ResponseStep): void {
    this.received = true;
    switch (step.role) {
      case "err":
        this.facts.error = true;
        this.facts.warnings = 0;
        this.diagnosticsDirty = true;
        return;
      case "prepare-ok": {
        const ok = decodePrepareOk(p);
        this.facts.prepared.push(ok.statementId);
        if (this.renumber !== undefined) {
          const id = this.renumber(ok.statementId, ok.paramCount);
          p[1] = id & 0xff;
          p[2] = (id >>> 8) & 0xff;
          p[3] = (id >>> 16) & 0xff;
          p[4] = (id >>> 24) & 0xff;
        }
        return;
      }
      case "ok":
      case "rows-end":
      case "eof":
        break;
      default:
        return;
    }
    if (step.statusFlags !== undefined) this.statusFlags = step.statusFlags;
    if (p[0] === 0xfe && (this.inner.capabilities & Capability.DEPRECATE_EOF) === 0 && p.length < 9) {
      // A classic EOF: warnings and status only.
      this.facts.warnings = p.length >= 3 ? p[1] | (p[2] << 8) : 0;
      if (this.facts.warnings > 0) this.diagnosticsDirty = true;
      return;
    }
    const ok = decodeOk(p, this.inner.capabilities);
    this.facts.warnings = ok.warningCount;
    if (ok.warningCount > 0) this.diagnosticsDirty = true;
    if (step.role === "ok" && ok.insertId !== 0 && ok.insertId !== 0n) this.facts.insertId = true;
    if (ok.sessionStateChanges === undefined) return;
    const changes = decodeSessionStateChanges(ok.sessionStateChanges);
    for (const [name, value] of changes.variables) this.state.variables.set(name.toLowerCase(), value);
    if (changes.schema !== undefined) this.state.schema = changes.schema;
    if (changes.variables.length > 0 || changes.schema !== undefined) this.version++;
    else if (changes.stateChanged) this.facts.unexplainedChange = true;
    if (changes.transactionState !== undefined) this.transactionState = changes.transactionState;
    if (changes.transactionCharacteristics !== undefined) {
      this.transactionCharacteristics = changes.transactionCharacteristics;
    }
  }
}

/** A command byte followed by `sql` (the proxy's own statements). */
function textCommand(code: number, sql: string): Uint8Array {
  const text = encodeUtf8(sql);
  const p = new Uint8Array(text.length + 1);
  p[0] = code;
  p.set(text, 1);
  return p;
}

/** COM_QUERY for `sql` (the proxy's own statements). */
export function queryPayload(sql: string): Uint8Array {
  return textCommand(Command.COM_QUERY, sql);
}

/** COM_STMT_PREPARE for `sql` (a lazy re-prepare). */
export function prepareCommand(sql: string): Uint8Array {
  return textCommand(Command.COM_STMT_PREPARE, sql);
}

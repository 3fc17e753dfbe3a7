/**
 * One client's side of multiplexing: outside a pin, each command borrows a pooled backend
 * connection (backend-pool.ts) and gives it back when its response ended. The client's session
 * state is the state its last connection was left in (tracked from the OK packets,
 * session-tracker.ts); before a command, the connection chosen is brought to it: COM_INIT_DB when
 * the database differs, one SET for the system variables that differ (what the client never set
 * goes back to DEFAULT). What cannot be replayed pins the client to its connection (pinning.ts)
 * until it ends. `CONNECTION_ID()` is rewritten to the client's own id (connection-ids.ts);
 * prepared statements have the proxy's ids and follow the client to any connection (statements.ts).
 */
import { commandName } from "../pipeline/command.ts";
import { utf8 } from "../protocol/bytes.ts";
import { encodeInitDb } from "../protocol/commands/utility.ts";
import { Command, ServerStatus } from "../protocol/constants.ts";
import { MysqlError } from "../protocol/errors.ts";
import type { ErrPacket } from "../protocol/results.ts";
import { encodeStatementCommand } from "../protocol/statements.ts";
import type { SessionOptions } from "../session/options.ts";
import { isReadOnlySql } from "../sql/read-only.ts";
import type { BackendPool, PooledConnection } from "./backend-pool.ts";
import { familyKey, handshakeCharsetVariables, openPooled } from "./backend.ts";
import { rewriteConnectionId } from "./connection-ids.ts";
import { runOwnCommand } from "./own-statement.ts";
import { Pins, type StatementEffects, statementEffects } from "./pinning.ts";
import { BackendFailure } from "./relay.ts";
import {
  CLEAR_DIAGNOSTICS_SQL,
  learnReadOnly,
  prepareCommand,
  queryPayload,
  replayStatement,
  SessionState,
  type TrackedConnection,
} from "./session-tracker.ts";
import { ClientStatements, statementIdOf, withStatementId } from "./statements.ts";

/** A new backend connection could not be opened (unreachable, or the credentials refused). */
export class BackendUnavailable extends Error {
  override readonly name = "BackendUnavailable";
  readonly address: string;

  constructor(address: string, cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.address = address;
  }
}

/** A client's command as the multiplexer prepared it. */
export interface MuxQuery {
  /** What goes to the backend (`CONNECTION_ID()` rewritten). */
  readonly payload: Uint8Array;
  readonly code: number;
  /** A COM_QUERY's pinning effects. */
  readonly effects: StatementEffects | undefined;
  /** The statement id a COM_STMT_CLOSE closes. */
  readonly closedStatement: number | undefined;
  /** The proxy's statement id an EXECUTE, SEND_LONG_DATA, RESET or FETCH names. */
  readonly statementId: number | undefined;
  /** A COM_STMT_PREPARE's SQL. */
  readonly prepareSql: string | undefined;
  /** A COM_QUERY's SQL. */
  readonly sql: string | undefined;
}

/** The commands that name a prepared statement and run on a connection. */
const STATEMENT_COMMANDS: ReadonlySet<number> = new Set([
  Command.COM_STMT_EXECUTE,
  Command.COM_STMT_SEND_LONG_DATA,
  Command.COM_STMT_RESET,
  Command.COM_STMT_FETCH,
]);

/** The multiplexing state of one logged-in client. */
export class Multiplexed {
  readonly pins = new Pins();
  readonly statements = new ClientStatements();
  private readonly pool: BackendPool;
  private readonly index: number;
  private readonly options: SessionOptions;
  private readonly address: string;
  private readonly family: string;
  private state: SessionState;
  private held: PooledConnection | undefined;
  private busy = false;
  /** The client's LAST_INSERT_ID() as last read from its connection ("0" for a fresh session). */
  private lastInsertId = "0";
  /** An insert id was made (or LAST_INSERT_ID(n) called) since `lastInsertId` was read. */
  private insertIdDirty = false;
  /** Counts the changes of the client's LAST_INSERT_ID() (a connection holding an older one is stale). */
  private insertIdGeneration = 0;
  /** The connection held was borrowed from the pool for the current command (not kept by a pin). */
  private fresh = false;
  private versionAtSync = 0;

  constructor(pool: BackendPool, index: number, options: SessionOptions, address: string) {
    this.pool = pool;
    this.index = index;
    this.options = options;
    this.address = address;
    this.family = familyKey(index, options);
    this.state = new SessionState(options.database ?? "");
  }

  /** The connection held now (during a command, or pinned). */
  get conn(): TrackedConnection | undefined {
    return this.held?.conn;
  }

  /** The backend thread serving the client now, and whether a command runs on it. */
  get serving(): { readonly threadId: number; readonly busy: boolean } | undefined {
    return this.held === undefined ? undefined : { threadId: this.held.threadId, busy: this.busy };
  }

  /**
   * At login: a connection of the family (opened when none is idle: this checks the backend and
   * the credentials), the client's state set to the family's baseline on `database`, brought onto
   * it (COM_INIT_DB checks the database). Kept until `afterLogin`. Rejects as `borrow` does.
   */
  async logIn(database: string): Promise<PooledConnection> {
    const c = await this.acquire(database);
    this.state = this.baselineState(database, c);
    this.held = c;
    try {
      await this.sync(c.conn);
    } catch (error) {
      this.held = undefined;
      this.pool.release(c, !(error instanceof BackendFailure));
      throw error;
    }
    return c;
  }

  /** After the login's OK: the connection goes back to the pool. */
  afterLogin(): void {
    this.giveBack();
  }

  /** Reads a client's command for its effects (before `borrow`). */
  prepareQuery(payload: Uint8Array, sql: string | undefined, clientId: number): MuxQuery {
    const code = payload[0];
    let effects: StatementEffects | undefined;
    if (sql !== undefined) {
      const rewritten = rewriteConnectionId(sql, clientId);
      if (rewritten !== undefined) payload = queryPayload(rewritten);
      effects = statementEffects(sql);
    }
    const named = payload.length >= 5 ? statementIdOf(payload) : undefined;
    const closedStatement = code === Command.COM_STMT_CLOSE ? named : undefined;
    const statementId = STATEMENT_COMMANDS.has(code) ? named : undefined;
    let prepareSql: string | undefined;
    if (code === Command.COM_STMT_PREPARE) {
      prepareSql = utf8(payload, 1);
      const rewritten = rewriteConnectionId(prepareSql, clientId);
      if (rewritten !== undefined) {
        prepareSql = rewritten;
        payload = prepareCommand(rewritten);
      }
      this.statements.lastPrepared = undefined;
    }
    this.busy = true;
    return { payload, code, effects, closedStatement, statementId, prepareSql, sql };
  }

  /**
   * The payload for the connection borrowed: a PREPARE_OK will be renumbered to the proxy's id; a
   * command naming a statement gets the backend's id there (prepared there first when it is not).
   * An ERR instead for a statement id the client does not have. Rejects with the backend's
   * MysqlError when the lazy prepare fails.
   */
  bind(q: MuxQuery): Uint8Array | ErrPacket | Promise<Uint8Array | ErrPacket> {
    const conn = this.held!.conn;
    if (q.prepareSql !== undefined) {
      const sql = q.prepareSql;
      conn.renumber = (backendId, paramCount) => this.statements.register(sql, conn, backendId, paramCount);
      return q.payload;
    }
    if (q.statementId === undefined) {
      if (q.effects?.lastInsertId && !this.holdsOwnInsertId(conn)) {
        return this.ownLastInsertId(conn).then(() => q.payload);
      }
      return q.payload;
    }
    const stmt = this.statements.get(q.statementId);
    if (stmt !== undefined && stmt.on.has(conn) && !(stmt.usesLastInsertId && !this.holdsOwnInsertId(conn))) {
      // The fast path: the statement is prepared there and needs nothing set first.
      if (q.code === Command.COM_STMT_EXECUTE) return this.statements.executePayload(stmt, conn, q.payload);
      return withStatementId(q.payload, stmt.on.get(conn)!.id);
    }
    return this.bindStatement(q, q.statementId);
  }

  /** `bind` for a statement not prepared on the connection yet, or one needing its LAST_INSERT_ID(). */
  private async bindStatement(q: MuxQuery, statementId: number): Promise<Uint8Array | ErrPacket> {
    const conn = this.held!.conn;
    const stmt = this.statements.get(statementId);
    if (stmt === undefined) {
      return {
        errno: 1243,
        sqlState: "HY000",
        message: `Unknown prepared statement handler (${statementId}) given to ${commandName(q.code)}`,
      };
    }
    if (!stmt.on.has(conn)) {
      await runOwnCommand(conn, prepareCommand(stmt.sql));
      this.statements.prepared(stmt, conn, conn.facts.prepared[conn.facts.prepared.length - 1]);
      conn.begin();
    }
    if (stmt.usesLastInsertId) await this.ownLastInsertId(conn);
    if (q.code === Command.COM_STMT_EXECUTE) return this.statements.executePayload(stmt, conn, q.payload);
    return withStatementId(q.payload, stmt.on.get(conn)!.id);
  }

  /** COM_STMT_CLOSE (no response): closed on the connection held now, queued for the others. */
  async closeStatement(payload: Uint8Array): Promise<void> {
    if (payload.length < 5) return;
    const id = statementIdOf(payload);
    const stmt = this.statements.get(id);
    if (stmt !== undefined) this.pins.cursors.delete(stmt.id);
    const now = this.statements.close(id, this.held?.conn);
    if (now !== undefined) await this.held!.conn.writeCommand(now);
    this.giveBack();
  }

  /**
   * A connection for the next command: the pinned one, else one from the pool brought to the
   * client's state. Rejects with `PoolFull`, the backend's `MysqlError` (a database gone), or a
   * `BackendFailure`; then no connection is held.
   */
  borrow(): void | Promise<void> {
    this.fresh = false;
    if (this.held !== undefined) {
      this.held.conn.begin();
      return;
    }
    // The fast path: an idle connection this client used last, untouched since: no await, no replay.
    const idle = this.pool.takeIdle(this.index, this.family, this.state.schema, this);
    if (idle !== undefined && this.inStep(idle.conn)) {
      this.held = idle;
      idle.conn.begin();
      this.fresh = true;
      return;
    }
    return this.borrowAndSync(idle);
  }

  /** `borrow` when the connection must be waited for, or brought to the client's state. */
  private async borrowAndSync(first: PooledConnection | undefined): Promise<void> {
    for (let attempt = 1;; attempt++) {
      const c = first ?? await this.acquire(this.state.schema);
      first = undefined;
      this.held = c;
      try {
        await this.sync(c.conn);
        this.fresh = true;
        return;
      } catch (error) {
        this.held = undefined;
        this.pool.release(c, !(error instanceof BackendFailure));
        // The replay only sets state: on a broken connection it is tried again on another one.
        if (!(error instanceof BackendFailure) || attempt >= 3) {
          this.busy = false;
          throw error;
        }
      }
    }
  }

  /**
   * The connection borrowed for `q` was found closed (an idle connection the server dropped)
   * before the command was sent, or before any answer to a command safe to send again (the
   * client's retry rule, `isReadOnlySql`): it is closed, another is borrowed, and `q`'s payload
   * bound for it is returned; undefined when that does not apply (the client was pinned, or the
   * command may have run).
   */
  async replaceDead(q: MuxQuery, error: BackendFailure): Promise<Uint8Array | undefined> {
    const dead = this.held;
    if (!this.fresh || dead === undefined) return undefined;
    // A write refused as "closed" is refused before anything of it goes out: the first one sent nothing.
    const unsent = dead.conn.writes === 1
      && (error.cause as { code?: unknown } | undefined)?.code === "CLOSED";
    // Safe to send again when no answer came: a read-only statement (the client's retry rule), a ping.
    const resendable = q.code === Command.COM_PING || (q.sql !== undefined && isReadOnlySql(q.sql));
    if (!unsent && !(resendable && !dead.conn.received)) return undefined;
    this.held = undefined;
    this.pool.release(dead, false);
    await this.borrow();
    const bound = await this.bind(q);
    return bound instanceof Uint8Array ? bound : undefined;
  }

  /**
   * After the command's response (`healthy`: the connection is in step): the pins updated from
   * what it did and answered, the client's state taken from the connection, the connection given
   * back unless the client is pinned now (or closed when not healthy).
   */
  settle(q: MuxQuery, healthy: boolean): void | Promise<void> {
    this.busy = false;
    const c = this.held;
    if (c === undefined) return;
    if (!healthy) {
      this.held = undefined;
      this.pool.release(c, false);
      return;
    }
    const conn = c.conn;
    conn.renumber = undefined;
    if (q.effects !== undefined) this.pins.afterQuery(q.effects, conn);
    else this.pins.afterCommand(conn);
    if (q.code === Command.COM_SET_OPTION) this.pins.optionSet();
    if (q.code === Command.COM_REGISTER_SLAVE) this.pins.replication = true;
    if (q.code === Command.COM_STMT_SEND_LONG_DATA) this.pins.longData = true;
    const stmt = q.statementId === undefined ? undefined : this.statements.get(q.statementId);
    if (q.code === Command.COM_STMT_EXECUTE || q.code === Command.COM_STMT_RESET) {
      this.pins.longData = false;
      if (stmt !== undefined) this.pins.cursors.delete(stmt.id);
    }
    if (
      q.code === Command.COM_STMT_EXECUTE && stmt !== undefined && (q.payload[5] & 0x0f) !== 0
      && !conn.facts.error
    ) {
      // A cursor stays open on this connection's statement until it is reset or closed.
      this.pins.cursors.add(stmt.id);
    }
    if (conn.version !== this.versionAtSync) {
      this.state = conn.state.clone();
      this.versionAtSync = conn.version;
    }
    const stmtUses = stmt?.usesLastInsertId === true && q.code === Command.COM_STMT_EXECUTE;
    if (conn.facts.insertId || q.effects?.setsLastInsertId || stmtUses) {
      conn.lastInsertIdOf = { owner: this, generation: ++this.insertIdGeneration };
      this.insertIdDirty = true;
    }
    if (this.insertIdDirty && !this.pins.pinned && this.holdsOwnInsertId(conn)) return this.readInsertId(c);
    this.giveBack();
  }

  /**
   * The connection goes back to the pool: the client's LAST_INSERT_ID() is read first, to be set
   * again wherever the client reads it later (its response has been sent already).
   */
  private async readInsertId(c: PooledConnection): Promise<void> {
    try {
      const [row] = await runOwnCommand(c.conn, queryPayload("SELECT @@last_insert_id"));
      this.lastInsertId = /^\d+$/.test(row?.[0] ?? "") ? row![0]! : "0";
      this.insertIdDirty = false;
    } catch {
      this.held = undefined;
      this.pool.release(c, false);
      return;
    }
    this.giveBack();
  }

  /** Before a statement reading LAST_INSERT_ID(): the connection made to hold the client's value. */
  private async ownLastInsertId(conn: TrackedConnection): Promise<void> {
    if (this.holdsOwnInsertId(conn)) return;
    await runOwnCommand(conn, queryPayload(`SET @@session.last_insert_id = ${this.lastInsertId}`));
    conn.lastInsertIdOf = { owner: this, generation: this.insertIdGeneration };
    conn.begin();
  }

  /** Whether `conn` holds the client's current LAST_INSERT_ID(). */
  private holdsOwnInsertId(conn: TrackedConnection): boolean {
    return conn.lastInsertIdOf?.owner === this && conn.lastInsertIdOf.generation === this.insertIdGeneration;
  }

  /** Runs one of the proxy's own statements (a translated KILL) on a connection of the client. */
  async run(sql: string): Promise<void> {
    await this.borrow();
    try {
      await runOwnCommand(this.held!.conn, queryPayload(sql));
    } finally {
      this.giveBack();
    }
  }

  /**
   * COM_RESET_CONNECTION: the client's session back to the family's baseline (its database kept,
   * as the server does), its pins dropped; a connection it was pinned to is closed (the server
   * then drops what it held), unless only a statement's leftovers pinned it.
   */
  reset(): void {
    const c = this.held;
    this.held = undefined;
    if (c !== undefined) this.pool.release(c, this.pins.onlyTransient);
    this.pins.clear();
    this.statements.closeAll();
    this.lastInsertId = "0";
    this.insertIdDirty = false;
    this.insertIdGeneration++;
    this.state = this.baselineState(this.state.schema, undefined);
    this.versionAtSync = -1; // the next connection, even the last one, is brought to the new state
  }

  /**
   * A fresh session of this client on `database`: the family's baseline, with the character set
   * variables of the client's own handshake collation.
   */
  private baselineState(database: string, opened: PooledConnection | undefined): SessionState {
    const state = (this.pool.baseline(this.family) ?? opened?.baseline ?? new SessionState("")).clone();
    state.schema = database;
    for (const [name, value] of handshakeCharsetVariables(this.options.charset) ?? []) {
      state.variables.set(name, value);
    }
    return state;
  }

  /**
   * The connection a binlog dump takes over: the held one (a replica's user variables and
   * registration pin it), else one borrowed and brought to the client's state. Pinned for good:
   * the dump ends the client's session, and `leave` then closes the connection.
   */
  async dedicate(): Promise<TrackedConnection> {
    await this.borrow();
    this.pins.replication = true;
    return this.held!.conn;
  }

  /** The client leaves (or changes user): a connection still held goes back, or is closed when pinned by what lasts. */
  leave(): void {
    this.statements.closeAll();
    const c = this.held;
    this.held = undefined;
    if (c !== undefined) this.pool.release(c, !this.busy && this.pins.onlyTransient);
  }

  /** Closes the held connection now (the client is being destroyed); `leave` gives back its place. */
  destroy(): void {
    this.held?.session.destroy();
  }

  private readonly opener = () =>
    openPooled(this.index, this.address, this.options, this.family).catch((error) => {
      throw new BackendUnavailable(this.address, error);
    });

  private acquire(schema: string): Promise<PooledConnection> {
    return this.pool.acquire(this.index, this.family, schema, this.opener);
  }

  /** Brings `conn` to the client's state: the database, then the system variables. */
  private async sync(conn: TrackedConnection): Promise<void> {
    if (this.inStep(conn)) {
      conn.begin();
      return;
    }
    conn.lastUser = this;
    // Statements closed by clients while the connection was elsewhere (COM_STMT_CLOSE: no response).
    for (const id of conn.pendingCloses.splice(0)) {
      await conn.writeCommand(encodeStatementCommand(Command.COM_STMT_CLOSE, id));
    }
    if (this.state.schema !== "" && conn.state.schema !== this.state.schema) {
      await runOwnCommand(conn, encodeInitDb(this.state.schema));
    }
    const noBackslashEscapes = (conn.statusFlags & ServerStatus.NO_BACKSLASH_ESCAPES) !== 0;
    for (let attempt = 0;; attempt++) {
      const sql = replayStatement(this.state, conn.state, noBackslashEscapes);
      if (sql === undefined) break;
      try {
        await runOwnCommand(conn, queryPayload(sql));
        // The client's state as the server spells it (what it reported back), so that the next
        // comparison finds no difference where there is none.
        this.state = conn.state.clone();
        break;
      } catch (error) {
        // A variable the server reports but will not take back (read-only): left out from now on.
        if (
          !(error instanceof MysqlError) || error.errno !== 1238 || attempt > 8
          || !learnReadOnly(error.message)
        ) {
          throw error;
        }
      }
    }
    if (conn.diagnosticsDirty) {
      // Another statement's warnings must not show in this client's SHOW WARNINGS.
      await runOwnCommand(conn, queryPayload(CLEAR_DIAGNOSTICS_SQL));
      conn.diagnosticsDirty = false;
    }
    this.versionAtSync = conn.version;
    conn.begin();
  }

  /** Nobody used `conn` since this client did (and no close waits): its state is the client's. */
  private inStep(conn: TrackedConnection): boolean {
    return conn.lastUser === this && conn.version === this.versionAtSync && conn.pendingCloses.length === 0;
  }

  private giveBack(): void {
    const c = this.held;
    if (c === undefined || this.pins.pinned) return;
    this.held = undefined;
    this.pool.release(c, true);
  }
}

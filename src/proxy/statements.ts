/**
 * Prepared statements across a change of backend connection (multiplexing): a client sees the
 * proxy's own statement ids (its PREPARE_OK is renumbered on the way), and each proxy statement
 * knows its SQL and its backend id on every connection it was prepared on. A command naming a
 * statement gets the id of the connection it runs on, the statement prepared there first (lazily)
 * when it is not; a COM_STMT_EXECUTE that omits the parameter types (new_params_bound_flag 0, the
 * client sent them once on its first execute) gets them re-sent on a backend statement that never
 * had them. MariaDB's direct-execute id 0xFFFFFFFF means the client's last prepared statement.
 * Closing a statement closes it on the connection held now and queues the close for the others
 * (sent before their next command, as COM_STMT_CLOSE has no response).
 *
 * A pooled connection serves many clients, and each may prepare its statements there: a connection
 * keeps at most MAX_STATEMENTS_PER_CONNECTION of other clients' statements (least recently used
 * closed first; their clients prepare them again when they run there next), so that the server's
 * max_prepared_stmt_count (16382 by default, for all connections) is not exhausted by clients
 * spreading over the pool (ProxySQL bounds it the same way, mysql-max_stmts_per_connection).
 */
import { Command } from "../protocol/constants.ts";
import { encodeStatementCommand } from "../protocol/statements.ts";
import type { TrackedConnection } from "./session-tracker.ts";

/** MariaDB's "the statement prepared last" id in COM_STMT_EXECUTE and friends. */
export const LAST_PREPARED = 0xffffffff;

/** Most statements kept prepared on one backend connection (see the module comment). */
export const MAX_STATEMENTS_PER_CONNECTION = 64;

/** A statement on one backend connection. */
interface BackendStatement {
  readonly id: number;
  /** Parameter types were sent for it (the server remembers them per statement). */
  typesSent: boolean;
}

/** A client's prepared statement, by the proxy's id. */
export interface ProxyStatement {
  readonly id: number;
  readonly sql: string;
  readonly paramCount: number;
  /** Its SQL may use LAST_INSERT_ID() / @@last_insert_id / @@identity (multiplex.ts replays the client's). */
  readonly usesLastInsertId: boolean;
  /** The parameter types of the client's last execute that sent them (2 bytes per parameter). */
  types: Uint8Array | undefined;
  readonly on: Map<TrackedConnection, BackendStatement>;
  /** The client's statements it belongs to. */
  readonly owner: ClientStatements;
}

/** The statement id of a command that names one (bytes 1-4). */
export function statementIdOf(payload: Uint8Array): number {
  return (payload[1] | (payload[2] << 8) | (payload[3] << 16) | (payload[4] << 24)) >>> 0;
}

/** A copy of `payload` naming statement `id`. */
export function withStatementId(payload: Uint8Array, id: number): Uint8Array {
  const copy = payload.slice();
  copy[1] = id & 0xff;
  copy[2] = (id >>> 8) & 0xff;
  copy[3] = (id >>> 16) & 0xff;
  copy[4] = (id >>> 24) & 0xff;
  return copy;
}

/** Where COM_STMT_EXECUTE's new_params_bound_flag is: after id, flags, iteration count and null bitmap. */
function boundFlagAt(paramCount: number): number {
  return 10 + ((paramCount + 7) >> 3);
}

/** The parameter types an execute sends (undefined when it omits them or has no parameters). */
export function executeTypes(payload: Uint8Array, paramCount: number): Uint8Array | undefined {
  if (paramCount === 0) return undefined;
  const at = boundFlagAt(paramCount);
  if (payload[at] !== 1 || payload.length < at + 1 + 2 * paramCount) return undefined;
  return payload.slice(at + 1, at + 1 + 2 * paramCount);
}

/** `payload` (an execute that omits the types) with `types` put in and its flag set. */
export function executeWithTypes(payload: Uint8Array, paramCount: number, types: Uint8Array): Uint8Array {
  const at = boundFlagAt(paramCount);
  const out = new Uint8Array(payload.length + types.length);
  out.set(payload.subarray(0, at));
  out[at] = 1;
  out.set(types, at + 1);
  out.set(payload.subarray(at + 1), at + 1 + types.length);
  return out;
}

/** One client's prepared statements. */
export class ClientStatements {
  private next = 1;
  private readonly byId = new Map<number, ProxyStatement>();
  /** The statement the client prepared last (for LAST_PREPARED), if that prepare succeeded. */
  lastPrepared: number | undefined;

  /** How many are open. */
  get size(): number {
    return this.byId.size;
  }

  /** Registers a statement the backend prepared on `conn` as `backendId`; returns the proxy's id for it. */
  register(sql: string, conn: TrackedConnection, backendId: number, paramCount: number): number {
    const id = this.next++;
    if (this.next > 0xfffffff0) this.next = 1;
    this.byId.set(id, {
      id,
      sql,
      paramCount,
      usesLastInsertId: /last_insert_id|identity/i.test(sql),
      types: undefined,
      on: new Map([[conn, { id: backendId, typesSent: false }]]),
      owner: this,
    });
    this.admit(conn, backendId, this.byId.get(id)!);
    this.lastPrepared = id;
    return id;
  }

  /**
   * Records `stmt` as prepared on `conn` (as `backendId`); when the connection then holds more than
   * MAX_STATEMENTS_PER_CONNECTION, the least recently used statement of another client is closed
   * there (queued: sent before the connection's next command) and forgotten by its owner.
   */
  private admit(conn: TrackedConnection, backendId: number, stmt: ProxyStatement): void {
    const held = conn.statements as Map<number, ProxyStatement>;
    held.set(backendId, stmt);
    if (held.size <= MAX_STATEMENTS_PER_CONNECTION) return;
    for (const [oldId, old] of held) {
      // This client's own may hold a cursor or long data on this connection: never taken from it.
      if (old.owner === this) continue;
      held.delete(oldId);
      old.on.delete(conn);
      conn.pendingCloses.push(oldId);
      return;
    }
  }

  /** Marks `stmt`'s statement on `conn` as just used (the bound keeps the recently used ones). */
  private touch(conn: TrackedConnection, backendId: number, stmt: ProxyStatement): void {
    const held = conn.statements as Map<number, ProxyStatement>;
    if (held.delete(backendId)) held.set(backendId, stmt);
  }

  /** Forgets `stmt`'s statements on their connections, queueing their closes (except on `held`). */
  private release(stmt: ProxyStatement, held: TrackedConnection | undefined): Uint8Array | undefined {
    let now: Uint8Array | undefined;
    for (const [conn, b] of stmt.on) {
      conn.statements.delete(b.id);
      if (conn === held) now = encodeStatementCommand(Command.COM_STMT_CLOSE, b.id);
      else conn.pendingCloses.push(b.id);
    }
    return now;
  }

  /** The statement a command names (LAST_PREPARED resolved), or undefined. */
  get(id: number): ProxyStatement | undefined {
    return this.byId.get(id === LAST_PREPARED ? this.lastPrepared ?? -1 : id);
  }

  /** Records that `conn` has `stmt` as `backendId` (a lazy re-prepare). */
  prepared(stmt: ProxyStatement, conn: TrackedConnection, backendId: number): void {
    stmt.on.set(conn, { id: backendId, typesSent: false });
    this.admit(conn, backendId, stmt);
  }

  /**
   * The execute payload for `conn`: the backend's id, the parameter types put in when the client
   * omits them and this backend statement never had them; records the types the client sends.
   */
  executePayload(stmt: ProxyStatement, conn: TrackedConnection, payload: Uint8Array): Uint8Array {
    const backend = stmt.on.get(conn)!;
    this.touch(conn, backend.id, stmt);
    const sent = executeTypes(payload, stmt.paramCount);
    let out = payload;
    if (sent !== undefined) stmt.types = sent;
    else if (!backend.typesSent && stmt.types !== undefined && stmt.paramCount > 0) {
      out = executeWithTypes(payload, stmt.paramCount, stmt.types);
    }
    if (sent !== undefined || out !== payload) backend.typesSent = true;
    return withStatementId(out, backend.id);
  }

  /**
   * Closes a statement: the COM_STMT_CLOSE for `held` (the connection the client holds now, if it
   * has the statement) is returned, the others are queued on their connections.
   */
  close(id: number, held: TrackedConnection | undefined): Uint8Array | undefined {
    const stmt = this.get(id);
    if (stmt === undefined) return undefined;
    this.byId.delete(stmt.id);
    if (this.lastPrepared === stmt.id) this.lastPrepared = undefined;
    return this.release(stmt, held);
  }

  /** Forgets every statement, queueing their closes (the client left, or reset its session). */
  closeAll(): void {
    for (const stmt of this.byId.values()) this.release(stmt, undefined);
    this.byId.clear();
    this.lastPrepared = undefined;
  }
}

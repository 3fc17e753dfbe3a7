/**
 * The proxy's pool of backend connections, shared by all clients when multiplexing. A connection
 * belongs to a family: the backend, the backend login, and what was negotiated at its handshake
 * (capabilities, collation, extended type info), so any connection of a family can serve any
 * client of it; within a family, connections with and without a default database are told apart
 * (MariaDB cannot go back to "no database"). Each backend has a limit (`maxBackendConnections`,
 * counting connections being opened, idle and in use); a client that finds none free waits in a
 * bounded queue (`maxWaiting`, for at most `waitTimeout` ms), else gets `PoolFull` (an ERR 1040).
 * Idle connections are reused most recently used first, so few of them stay busy. A connection
 * given back as not reusable (its state unknown, or broken) is closed, which frees its place.
 */
import type { Session } from "../session/session.ts";
import type { SessionState, TrackedConnection } from "./session-tracker.ts";

/** A backend connection of the pool. */
export interface PooledConnection {
  readonly session: Session;
  readonly conn: TrackedConnection;
  readonly backendIndex: number;
  /** The family key (backend, login, negotiated options). */
  readonly family: string;
  /** The backend's thread id of this connection. */
  readonly threadId: number;
  /** The state right after it was opened (what a new client of the family starts from). */
  readonly baseline: SessionState;
}

/** Opens a connection for a family (rejects as Session.open does). */
export type Opener = () => Promise<PooledConnection>;

/** No backend connection could be had: the limit is reached and the wait queue is full or timed out. */
export class PoolFull extends Error {
  override readonly name = "PoolFull";
  readonly address: string;

  constructor(address: string, message: string) {
    super(`backend ${address}: ${message}`);
    this.address = address;
  }
}

interface Waiter {
  readonly family: string;
  readonly withSchema: boolean;
  readonly open: Opener;
  resolve(c: PooledConnection): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** One backend's connections. */
interface Slots {
  readonly address: string;
  /** Open or being opened. */
  total: number;
  inUse: number;
  readonly idle: PooledConnection[];
  readonly waiters: Waiter[];
}

/** Counts of one backend, for `stats()`. */
export interface BackendPoolCounts {
  readonly address: string;
  readonly total: number;
  readonly idle: number;
  readonly inUse: number;
  readonly waiting: number;
}

/** The pool's limits. */
export interface PoolLimits {
  readonly maxBackendConnections: number;
  readonly maxWaiting: number;
  readonly waitTimeout: number;
}

function fits(c: PooledConnection, family: string, withSchema: boolean): boolean {
  return c.family === family && (c.conn.state.schema !== "") === withSchema;
}

/** The pool of backend connections of one proxy. */
export class BackendPool {
  private readonly limits: PoolLimits;
  private readonly slots: Slots[];
  private readonly baselines = new Map<string, SessionState>();
  private closed = false;

  constructor(limits: PoolLimits, addresses: readonly string[]) {
    this.limits = limits;
    this.slots = addresses.map((address) => ({ address, total: 0, inUse: 0, idle: [], waiters: [] }));
  }

  /** The state a fresh connection of `family` starts in, once one was opened. */
  baseline(family: string): SessionState | undefined {
    return this.baselines.get(family);
  }

  /**
   * An idle connection of `family` on backend `index`, taken now without waiting: the one `owner`
   * (a client) used last if it is idle, else one on `schema`, else the most recently used; undefined
   * when none is idle (then `acquire`). The fast path of a command.
   */
  takeIdle(index: number, family: string, schema: string, owner?: unknown): PooledConnection | undefined {
    if (this.closed) return undefined;
    const s = this.slots[index];
    const withSchema = schema !== "";
    let best = -1;
    let onSchema = false;
    for (let i = s.idle.length - 1; i >= 0; i--) {
      const c = s.idle[i];
      if (!fits(c, family, withSchema)) continue;
      if (c.session.closed) {
        s.idle.splice(i, 1);
        s.total--;
        continue;
      }
      if (owner !== undefined && c.conn.lastUser === owner) {
        // The one `owner` used last: in its state, its statements prepared there.
        best = i;
        break;
      }
      if (!onSchema && (best === -1 || c.conn.state.schema === schema)) {
        best = i;
        onSchema = c.conn.state.schema === schema;
        if (onSchema && owner === undefined) break;
      }
    }
    if (best === -1) return undefined;
    const [c] = s.idle.splice(best, 1);
    s.inUse++;
    return c;
  }

  /**
   * A connection of `family` on backend `index` for a client whose default database is `schema`:
   * an idle one (preferring one on that database), else a new one (`open`) while under the limit,
   * else the first one given back, after waiting in the queue. Rejects with `PoolFull`, or as `open`.
   */
  acquire(index: number, family: string, schema: string, open: Opener): Promise<PooledConnection> {
    if (this.closed) return Promise.reject(new Error("the proxy is closing"));
    const idle = this.takeIdle(index, family, schema);
    if (idle !== undefined) return Promise.resolve(idle);
    const s = this.slots[index];
    if (s.total >= this.limits.maxBackendConnections && s.idle.length > 0) {
      // Full, but with idle connections of other families: one of them makes room.
      this.discard(s, s.idle.shift()!);
    }
    if (s.total < this.limits.maxBackendConnections) return this.openFor(s, open);
    if (s.waiters.length >= this.limits.maxWaiting) {
      return Promise.reject(
        new PoolFull(
          s.address,
          `all ${this.limits.maxBackendConnections} backend connections are in use and ${s.waiters.length} clients are waiting (maxBackendConnections, maxWaiting)`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { family, withSchema: schema !== "", open, resolve, reject, timer: undefined };
      if (this.limits.waitTimeout > 0) {
        waiter.timer = setTimeout(() => {
          const i = s.waiters.indexOf(waiter);
          if (i !== -1) s.waiters.splice(i, 1);
          reject(
            new PoolFull(
              s.address,
              `no backend connection became free within ${this.limits.waitTimeout} ms (all ${this.limits.maxBackendConnections} in use; waitTimeout)`,
            ),
          );
        }, this.limits.waitTimeout);
      }
      s.waiters.push(waiter);
    });
  }

  /**
   * Gives a connection back: to the first waiter it suits, else to the idle list; closed instead
   * when not `reusable` (or broken), or when a waiter of another family needs its place.
   */
  release(c: PooledConnection, reusable: boolean): void {
    const s = this.slots[c.backendIndex];
    s.inUse--;
    if (!reusable || c.session.closed || this.closed) {
      this.discard(s, c);
      this.serveWaiters(s);
      return;
    }
    const i = s.waiters.findIndex((w) => fits(c, w.family, w.withSchema));
    if (i !== -1) {
      const [w] = s.waiters.splice(i, 1);
      clearTimeout(w.timer);
      s.inUse++;
      w.resolve(c);
      return;
    }
    if (s.waiters.length > 0) {
      this.discard(s, c);
      this.serveWaiters(s);
      return;
    }
    s.idle.push(c);
  }

  /** Connection counts per backend. */
  counts(): BackendPoolCounts[] {
    return this.slots.map((s) => ({
      address: s.address,
      total: s.total,
      idle: s.idle.length,
      inUse: s.inUse,
      waiting: s.waiters.length,
    }));
  }

  /** Closes the idle connections and refuses the waiters; connections in use close when given back. */
  close(): void {
    this.closed = true;
    for (const s of this.slots) {
      for (const c of s.idle.splice(0)) this.discard(s, c);
      for (const w of s.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error("the proxy is closing"));
      }
    }
  }

  private discard(s: Slots, c: PooledConnection): void {
    s.total--;
    c.session.close().catch(() => {});
  }

  private openFor(s: Slots, open: Opener): Promise<PooledConnection> {
    s.total++;
    s.inUse++;
    return open().then(
      (c) => {
        if (!this.baselines.has(c.family)) this.baselines.set(c.family, c.baseline);
        return c;
      },
      (error) => {
        s.total--;
        s.inUse--;
        this.serveWaiters(s);
        throw error;
      },
    );
  }

  /** Opens connections for waiters while there is room. */
  private serveWaiters(s: Slots): void {
    while (s.waiters.length > 0 && s.total < this.limits.maxBackendConnections) {
      const w = s.waiters.shift()!;
      clearTimeout(w.timer);
      this.openFor(s, w.open).then(w.resolve, w.reject);
    }
  }
}

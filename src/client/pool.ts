/**
 * A pool of connections: `createPool(options)`. It lends connections to one borrower at a time
 * (`connection(fn)`, `acquire()`), or runs single commands on whichever is free (`query`,
 * `execute`, `stream`, `transaction`). It keeps between `minIdle` and `max` of them open, closes
 * those idle past `idleTimeout` or older than `maxLifetime`, pings one that has been idle for
 * `pingIdle` before lending it, and resets a returned session (COM_RESET_CONNECTION, or
 * COM_CHANGE_USER) when its borrower may have changed it, so no borrower sees another's session
 * state. Callers beyond `max` wait in order (at most `queueLimit` of them, each up to
 * `acquireTimeout`). Pooled connections reconnect on their own (see `reconnect`), so a lost server
 * session costs at most the commands that were running on it, never the pool's strength.
 */
import { shouldTrace } from "../runtime/diagnostics.ts";
import { isCrossRequestError } from "../runtime/socket.ts";
import { parseUrl } from "../session/connection-options.ts";
import type { QueryResult } from "../session/result.ts";
import { withStackOnFailure } from "./call-site.ts";
import { Connection, type QueryParams, type StreamOptions } from "./connection.ts";
import { AbortError, PoolError, TimeoutError } from "./errors.ts";
import { checkCommandOptions, type CommandOptions } from "./job.ts";
import { expired, type Member, needsReset, resetMember } from "./pool-member.ts";
import { type PoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from "./pool-options.ts";
import type { QueryOptions } from "./query-options.ts";
import { ReconnectingQueue } from "./reconnecting-queue.ts";
import { clientChannels, serverContext } from "./tracing.ts";
import type { TransactionOptions } from "./transaction.ts";

/** How many connections a pool has, and in which state. */
export interface PoolStats {
  /** Connections open (idle, lent, or being checked or reset). */
  readonly total: number;
  /** Open and free to lend. */
  readonly idle: number;
  /** Lent to a borrower, or being reset after one. */
  readonly borrowed: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
  /** Connections being opened. */
  readonly pending: number;
}

/** Options of `acquire()` and `connection()`: how long to wait, and a signal to stop waiting. */
export interface AcquireOptions {
  /** Milliseconds to wait for a connection (at most `acquireTimeout`). */
  readonly timeout?: number;
  /** Stops waiting for a connection. */
  readonly signal?: AbortSignal;
}

interface Waiter {
  /** Hands the waiter a member; false if it stopped waiting meanwhile. */
  give(member: Member): boolean;
  fail(error: unknown): void;
}

function noop(): void {}

/** A pool of connections to one server. */
export class Pool implements AsyncDisposable {
  readonly #options: ResolvedPoolOptions;
  readonly #members = new Set<Member>();
  /** Free members, the most recently returned last (lent first, so the others can age out). */
  #idle: Member[] = [];
  #waiters: Waiter[] = [];
  #pending = 0;
  #closing: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = 0;
  #fillTimer: ReturnType<typeof setTimeout> | undefined;
  #fillFailures = 0;
  #emptyWaiters: (() => void)[] = [];

  /** Validates the options (a TypeError names a bad one) and opens `minIdle` connections. */
  constructor(options: PoolOptions | string) {
    this.#options = resolvePoolOptions(options, parseUrl);
    this.#fill();
  }

  /** Counts of connections and waiting callers. */
  stats(): PoolStats {
    return {
      total: this.#members.size,
      idle: this.#idle.length,
      borrowed: this.#members.size - this.#idle.length,
      waiting: this.#waiters.length,
      pending: this.#pending,
    };
  }

  /** Where the pool connects to (no credentials). */
  get server(): { host: string; port: number; socketPath?: string; database?: string } {
    const { host, port, socketPath, database } = this.#options.client.session;
    return { host, port, socketPath, database };
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #closedError(): PoolError {
    return new PoolError("POOL_CLOSED", "the pool is closed");
  }

  /**
   * Borrows a connection: `close()` on it gives it back (after which it can no longer be used),
   * `destroy()` closes it for good. Prefer `connection(fn)`, which always gives it back.
   */
  acquire(options?: AcquireOptions): Promise<Connection> {
    const channel = clientChannels.poolAcquire;
    if (shouldTrace(channel)) {
      return channel.tracePromise(() => this.#acquire(options), serverContext(this.#options.client.session));
    }
    return this.#acquire(options);
  }

  async #acquire(options: AcquireOptions | undefined): Promise<Connection> {
    checkAcquireOptions(options);
    const member = await this.#take(options);
    return this.#lend(member);
  }

  /**
   * `acquire()` under mysql2's name: a borrowed connection; `release()` (or `close()`, or the end of
   * an `await using` scope) gives it back.
   */
  getConnection(options?: AcquireOptions): Promise<Connection> {
    return this.acquire(options);
  }

  /** Runs `fn` with a borrowed connection and gives it back when `fn` settles. */
  async connection<T>(fn: (conn: Connection) => Promise<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(`pool.connection() expects a function (conn) => Promise, got ${typeof fn}`);
    }
    const conn = await this.acquire(options);
    try {
      return await fn(conn);
    } finally {
      await conn.close();
    }
  }

  /** Runs a text query on a free connection (see `Connection.query`). */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options?: QueryOptions,
  ): Promise<QueryResult<Row>> {
    return withStackOnFailure(
      this.#withConnection(options, (conn, opts) => conn.query<Row>(sql, params, opts)),
    );
  }

  /** Runs a prepared statement on a free connection (see `Connection.execute`). */
  execute<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options?: QueryOptions,
  ): Promise<QueryResult<Row>> {
    return withStackOnFailure(
      this.#withConnection(options, (conn, opts) => conn.execute<Row>(sql, params, opts)),
    );
  }

  /** Streams a query's rows from a free connection, which is given back when the loop ends. */
  async *stream<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options: StreamOptions = {},
  ): AsyncGenerator<Row, void, undefined> {
    checkCommandOptions(options);
    const conn = await this.acquire({ timeout: options.timeout, signal: options.signal });
    try {
      yield* conn.stream<Row>(sql, params, options);
    } finally {
      await conn.close();
    }
  }

  /** Runs `fn` in a transaction on a borrowed connection (see `Connection.transaction`). */
  transaction<T>(fn: (tx: Connection) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (typeof fn !== "function") {
      return Promise.reject(
        new TypeError(
          `transaction() expects a function (tx) => Promise, got ${fn === null ? "null" : typeof fn}`,
        ),
      );
    }
    return this.connection((conn) => conn.transaction(fn, options));
  }

  async #withConnection<T>(
    options: QueryOptions | undefined,
    run: (conn: Connection, options: QueryOptions | undefined) => Promise<T>,
  ): Promise<T> {
    checkCommandOptions(options);
    const started = Date.now();
    const conn = await this.acquire({ timeout: options?.timeout, signal: options?.signal });
    try {
      let opts = options;
      if (options?.timeout) {
        opts = { ...options, timeout: Math.max(1, options.timeout - (Date.now() - started)) };
      }
      return await run(conn, opts);
    } finally {
      await conn.close();
    }
  }

  /** A free member: an idle one (checked if it idled long), a new one, or one given back later. */
  async #take(options: AcquireOptions | undefined): Promise<Member> {
    for (;;) {
      if (this.#closing !== undefined) throw this.#closedError();
      if (options?.signal?.aborted) {
        throw new AbortError("stopped waiting for a pool connection", options.signal.reason);
      }
      const member = this.#idle.pop();
      if (member !== undefined) {
        const now = Date.now();
        if (member.queue.closed || expired(member, this.#options.maxLifetime, now)) {
          this.#remove(member, false);
          continue;
        }
        if (now - member.idleSince >= this.#options.pingIdle) {
          try {
            // Through the queue: a session found dead is replaced (reconnect) before the ping is sent
            // again. One that does not answer within connectTimeout is given up.
            await member.queue.run({
              retryable: true,
              neutral: true,
              timeout: member.queue.options.session.connectTimeout || 10_000,
              work: (live) => live.session.ping(),
            });
          } catch (error) {
            this.#remove(member, true);
            // Opened by another request (Workers): replacing it would hide that the pool is shared
            // across requests, which cannot work there.
            if (isCrossRequestError(error)) throw error;
            continue;
          }
          if (this.#closing !== undefined) {
            this.#remove(member, false);
            throw this.#closedError();
          }
        }
        this.#schedule();
        return member;
      }
      if (this.#members.size + this.#pending < this.#options.max) return await this.#create();
      return await this.#wait(options);
    }
  }

  /** Opens a new member (counted as pending meanwhile). */
  async #create(): Promise<Member> {
    this.#pending++;
    try {
      const queue = new ReconnectingQueue(this.#options.client);
      queue.trackDirty = this.#options.reset !== false;
      try {
        await queue.start();
      } catch (error) {
        queue.destroy();
        throw error;
      }
      if (this.#closing !== undefined) {
        void queue.close();
        throw this.#closedError();
      }
      const now = Date.now();
      const member: Member = { queue, created: now, idleSince: now, lent: undefined };
      this.#members.add(member);
      return member;
    } finally {
      this.#pending--;
    }
  }

  #wait(options: AcquireOptions | undefined): Promise<Member> {
    if (this.#waiters.length >= this.#options.queueLimit) {
      return Promise.reject(
        new PoolError(
          "QUEUE_FULL",
          `${this.#waiters.length} callers are already waiting for a pool connection`,
        ),
      );
    }
    const limit = Math.min(
      this.#options.acquireTimeout || Infinity,
      options?.timeout !== undefined && options.timeout > 0 ? options.timeout : Infinity,
    );
    return new Promise<Member>((resolve, reject) => {
      let done = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const signal = options?.signal;
      const finish = () => {
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
      };
      const onAbort = () => {
        if (done) return;
        finish();
        reject(new AbortError("stopped waiting for a pool connection", signal!.reason));
      };
      const waiter: Waiter = {
        give: (member) => {
          if (done) return false;
          finish();
          resolve(member);
          return true;
        },
        fail: (error) => {
          if (done) return;
          finish();
          reject(error);
        },
      };
      if (limit !== Infinity) {
        timer = setTimeout(() => {
          if (done) return;
          finish();
          reject(
            new TimeoutError(
              "ACQUIRE_TIMEOUT",
              `no pool connection was free within ${limit} ms (${this.#members.size} open, all in use)`,
              limit,
            ),
          );
        }, limit);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Wraps a member for its borrower. */
  #lend(member: Member): Connection {
    const handle: Connection = Connection.lend(member.queue, {
      release: () => this.#release(member, handle),
      discard: () => {
        if (member.lent !== handle) return;
        member.lent = undefined;
        Connection.detach(handle);
        this.#remove(member, true);
      },
      released: () =>
        this.#closing !== undefined
          ? this.#closedError()
          : new PoolError("RELEASED", "this connection was given back to the pool: acquire another"),
    });
    member.lent = handle;
    return handle;
  }

  /** Takes a member back from its borrower: waits for its commands, resets it, lends or parks it. */
  async #release(member: Member, handle: Connection): Promise<void> {
    if (member.lent !== handle) return;
    member.lent = undefined;
    Connection.detach(handle);
    try {
      await member.queue.drained();
      if (member.queue.closed || this.#closing !== undefined) {
        this.#remove(member, false);
        return;
      }
      if (this.#options.reset !== false && needsReset(member)) await resetMember(member, this.#options.reset);
      else if (member.queue.dirty) {
        // The session was lost meanwhile: the next one starts from the baseline anyway.
        member.queue.settings.reset(member.queue.options.session.database);
        member.queue.dirty = false;
      }
    } catch {
      this.#remove(member, true);
      return;
    }
    this.#giveBack(member);
  }

  /** A free member: to the first waiter, else to the idle list (or closed, if it is too old). */
  #giveBack(member: Member): void {
    if (!this.#members.has(member)) return;
    const now = Date.now();
    if (this.#closing !== undefined || expired(member, this.#options.maxLifetime, now)) {
      this.#remove(member, false);
      return;
    }
    member.idleSince = now;
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0];
      if (waiter.give(member)) return;
      this.#waiters.shift();
    }
    this.#idle.push(member);
    this.#schedule();
  }

  /** Drops a member (closing it, or destroying it when it may be broken) and keeps the pool's strength. */
  #remove(member: Member, broken: boolean): void {
    if (!this.#members.delete(member)) return;
    const i = this.#idle.indexOf(member);
    if (i !== -1) this.#idle.splice(i, 1);
    if (member.lent !== undefined) {
      Connection.detach(member.lent);
      member.lent = undefined;
    }
    if (broken) member.queue.destroy();
    else void member.queue.close().catch(noop);
    if (this.#members.size === 0) {
      const waiters = this.#emptyWaiters;
      this.#emptyWaiters = [];
      for (const w of waiters) w();
    }
    this.#serveWaiters();
    this.#fill();
  }

  /** Opens members for waiting callers while there is room. */
  #serveWaiters(): void {
    while (
      this.#closing === undefined && this.#waiters.length > this.#pending
      && this.#members.size + this.#pending < this.#options.max
    ) {
      this.#create().then(
        (member) => this.#giveBack(member),
        (error) => this.#waiters[0]?.fail(error),
      );
    }
  }

  /** Opens members up to `minIdle`; retries with backoff while the server cannot be reached. */
  #fill(): void {
    if (this.#closing !== undefined || this.#fillTimer !== undefined) return;
    while (this.#members.size + this.#pending < this.#options.minIdle) {
      this.#create().then(
        (member) => {
          this.#fillFailures = 0;
          this.#giveBack(member);
        },
        () => {
          if (this.#closing !== undefined || this.#fillTimer !== undefined) return;
          const policy = this.#options.client.reconnect ?? { delay: 100, maxDelay: 2000 };
          const wait = Math.min(
            policy.maxDelay || 2000,
            Math.max(policy.delay, 50) * 2 ** this.#fillFailures++,
          );
          this.#fillTimer = setTimeout(() => {
            this.#fillTimer = undefined;
            this.#fill();
          }, wait);
        },
      );
    }
  }

  /** Arms the timer for the next idle member to expire (idleTimeout beyond minIdle, or maxLifetime). */
  #schedule(): void {
    if (this.#closing !== undefined) return;
    const { idleTimeout, maxLifetime, minIdle } = this.#options;
    let next = Infinity;
    for (const m of this.#idle) {
      if (idleTimeout > 0 && this.#members.size > minIdle) next = Math.min(next, m.idleSince + idleTimeout);
      if (maxLifetime > 0) next = Math.min(next, m.created + maxLifetime);
    }
    if (next === Infinity) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= next) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sweep();
    }, Math.max(1, next - Date.now()));
  }

  /** Closes idle members that are too old or idle too long (keeping `minIdle`). */
  #sweep(): void {
    const now = Date.now();
    const { idleTimeout, maxLifetime, minIdle } = this.#options;
    for (const m of [...this.#idle]) {
      if (expired(m, maxLifetime, now)) this.#remove(m, false);
      else if (idleTimeout > 0 && this.#members.size > minIdle && now - m.idleSince >= idleTimeout) {
        this.#remove(m, false);
      }
    }
    this.#schedule();
  }

  /**
   * Closes the pool: waiting callers fail, idle connections close, and borrowed ones are waited for
   * until `timeout` milliseconds (default 10000) have passed, then closed at once. Later calls fail
   * with PoolError POOL_CLOSED.
   */
  close(timeout = 10_000): Promise<void> {
    if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0) {
      return Promise.reject(
        new TypeError(`pool.close() expects a timeout in milliseconds >= 0, got ${String(timeout)}`),
      );
    }
    this.#closing ??= (async () => {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      if (this.#fillTimer !== undefined) clearTimeout(this.#fillTimer);
      this.#timer = this.#fillTimer = undefined;
      for (const waiter of this.#waiters.splice(0)) waiter.fail(this.#closedError());
      const closing = this.#idle.map((m) => m.queue.close().catch(noop));
      for (const m of this.#idle.splice(0)) this.#members.delete(m);
      if (this.#members.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          this.#emptyWaiters.push(resolve);
          timer = setTimeout(resolve, timeout);
        });
        clearTimeout(timer);
        for (const m of [...this.#members]) this.#remove(m, true);
      }
      await Promise.all(closing);
    })();
    return this.#closing;
  }

  /** `await using pool = createPool(...)` closes the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkAcquireOptions(options: AcquireOptions | undefined): void {
  if (options === undefined) return;
  checkCommandOptions(options);
}

/** Creates a pool (no connection is opened before the first use, unless `minIdle` asks for some). */
export function createPool(options: PoolOptions | string): Pool {
  return new Pool(options);
}

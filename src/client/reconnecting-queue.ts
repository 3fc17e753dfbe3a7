/**
 * Reconnect and replay: the life of a client connection across server sessions. A
 * `ReconnectingQueue` keeps the callers' commands in
 * its own queue and hands them to the current session one at a time, so at every moment it knows
 * which command has been sent and which has not. That is what makes a lost connection safe:
 *
 * - commands not yet sent stay queued and go to the next session (opened lazily, after an idle
 *   close, or after a loss with `reconnect`), which first gets the `init` statements, the current
 *   database and the replayed settings;
 * - the command that was running when the session was lost is sent again only if it is retryable
 *   (a plain read, or marked so by its caller), never a write that may have run, and never when
 *   the session was not lost but used from the wrong request (Cloudflare Workers: `CROSS_REQUEST`);
 * - when the lost session was inside a transaction begun with plain statements, the queued
 *   commands belonged to that transaction: they fail instead of running outside it;
 * - each caller's promise settles exactly once (see `Job`), with the result of its own command.
 *
 * A transaction holds the queue (`hold`): until it lets go, only its own commands (those with its
 * `owner` token) are sent, all on the session it began on; if that session is lost they fail, and
 * are never sent to a new session outside the transaction. The other callers' commands wait.
 *
 * Timeouts and aborts take a queued command out of the queue; a running one is interrupted with
 * `KILL QUERY` from a separate connection, and the next command is sent only once that KILL is done,
 * so it can never hit a later command. A session that does not answer even then is given up.
 */
import { ServerStatus } from "../protocol/constants.ts";
import { MysqlError, ProtocolError } from "../protocol/errors.ts";
import {
  ConnectionError,
  CR_SERVER_GONE_ERROR,
  formatAddress,
  isCrossRequestError,
} from "../runtime/socket.ts";
import { backoffDelay, type RetryPolicy, sleep } from "../session/backoff.ts";
import type { ServerInfo } from "../session/handshake.ts";
import { Session } from "../session/session.ts";
import { isSessionNeutral } from "../sql/read-only.ts";
import { Fifo } from "./fifo.ts";
import { abortedBeforeStart, Job, type JobSpec, type Live } from "./job.ts";
import { killQuery } from "./kill.ts";
import type { ClientOptions } from "./options.ts";
import { SessionSettings } from "./session-state.ts";
import { StatementCache } from "./statement-cache.ts";

/** Exclusive use of a session, from `ReconnectingQueue.lease`, until `release()`. */
export interface Lease {
  readonly live: Live;
  /** The timeout or abort error, once the lease's own deadline or signal fired. */
  readonly interruption: Error | undefined;
  /** Gives the session back to the queue. */
  release(): void;
}

/** Whether `session` is inside a transaction (as of its last OK or EOF). */
export function inTransaction(session: Session): boolean {
  return (session.statusFlags & ServerStatus.IN_TRANS) !== 0;
}

/** Whether a server error is one of the `temporaryErrors`. */
export function isTemporaryError(error: unknown, list: readonly (number | string | RegExp)[]): boolean {
  if (!(error instanceof MysqlError) || list.length === 0) return false;
  for (const t of list) {
    if (
      typeof t === "number" ? error.errno === t : typeof t === "string"
        ? error.code === t || error.sqlMessage.includes(t)
        : t.test(error.sqlMessage)
    ) return true;
  }
  return false;
}

function noop(): void {}

/** Queue, sessions and recovery of one client connection. */
export class ReconnectingQueue {
  readonly options: ClientOptions;
  /** The database and settings replayed on a new session. */
  readonly settings: SessionSettings;
  /** What the last session learned about the server (undefined before the first). */
  info: ServerInfo | undefined;
  /** NO_BACKSLASH_ESCAPES of the last session (false before the first). */
  noBackslashEscapes = false;
  /** Called with each new session, after its replay, before any command. */
  onSession: ((live: Live) => void) | undefined;
  /** Watch for commands that leave state in the session (for a pool's reset on release). */
  trackDirty = false;
  /** A command that may leave state in the session was queued since the last reset. */
  dirty = false;
  private current: Live | undefined;
  private opening: Promise<Live> | undefined;
  private readonly jobs = new Fifo<Job<unknown>>();
  /** The command sent and not yet answered, the session it went to, and whether that was in a transaction. */
  private runningJob: Job<unknown> | undefined;
  private runningLive: Live | undefined;
  private runningInTx = false;
  /** The transaction holding the queue, and the session it runs on. */
  private holder: { token: symbol; live: Live } | undefined;
  private pumping = false;
  private final: Error | undefined;
  private closing: Promise<void> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the queue last ran dry (`Date.now()`), for the idle timer. */
  private idleSince = 0;
  private readonly lifetime = new AbortController();
  private drainWaiters: (() => void)[] = [];
  private readonly address: string;

  constructor(options: ClientOptions) {
    this.options = options;
    this.settings = new SessionSettings(options.session.database);
    const s = options.session;
    this.address = formatAddress(
      s.socketPath !== undefined ? { path: s.socketPath } : { host: s.host, port: s.port },
    );
  }

  /** Opens the first session now (a connection that is not lazy). */
  async start(): Promise<void> {
    await this.live();
    this.armIdle();
  }

  /** True once closed or destroyed, or lost for good (without `reconnect`). */
  get closed(): boolean {
    if (this.final !== undefined || this.closing !== undefined) return true;
    const cur = this.current;
    return cur !== undefined && cur.session.closed && !cur.retired && this.options.reconnect === undefined;
  }

  /** The session commands run on now, if one is open. */
  get session(): Session | undefined {
    return this.current?.session;
  }

  /** Queues a command; it runs after every command queued before it. */
  run<T>(spec: JobSpec<T>): Promise<T> {
    if (this.final !== undefined || this.closing !== undefined) return Promise.reject(this.closedError());
    if (spec.signal?.aborted) return Promise.reject(abortedBeforeStart(spec.signal, spec.sql));
    if (this.trackDirty && !this.dirty && spec.neutral !== true) {
      this.dirty = spec.dirties === true || (spec.sql !== undefined && !isSessionNeutral(spec.sql));
    }
    const job = new Job<T>(spec, this.interruptJob as (job: Job<T>, error: Error) => void);
    this.jobs.push(job as unknown as Job<unknown>);
    if (!this.pumping) this.pump();
    return job.promise;
  }

  /**
   * Takes the session for the caller alone (a stream, a transaction): the queue waits until
   * `release()`. With a timeout or signal, firing interrupts what runs on it (KILL QUERY) and sets
   * `interruption`; the holder still releases.
   */
  lease(spec: { sql?: string; timeout?: number; signal?: AbortSignal; owner?: symbol }): Promise<Lease> {
    return new Promise((resolve, reject) => {
      let lease: { live: Live; interruption: Error | undefined; release(): void } | undefined;
      this.run<void>({
        ...spec,
        retryable: false,
        lease: true,
        work: (live) =>
          new Promise<void>((release) => {
            let released = false;
            lease = {
              live,
              interruption: undefined,
              release() {
                if (released) return;
                released = true;
                release();
              },
            };
            resolve(lease);
          }),
      }).catch((error) => {
        if (lease === undefined) reject(error);
        else lease.interruption ??= error;
      });
    });
  }

  /**
   * Makes the queue the transaction `token`'s alone once the commands queued before have run:
   * resolves with its session. Until `unhold(token)`, only commands with `owner: token` are sent.
   */
  hold(token: symbol, timeout?: number): Promise<Live> {
    return this.run({
      retryable: false,
      lease: true,
      timeout,
      work: (live) => {
        this.holder = { token, live };
        return Promise.resolve(live);
      },
    });
  }

  /** Ends the hold of `token`: the other callers' commands go on. */
  unhold(token: symbol): void {
    if (this.holder?.token !== token) return;
    this.holder = undefined;
    if (!this.pumping) this.pump();
  }

  /** Waits for the queued commands, then closes the session (COM_QUIT). Later commands fail. */
  close(): Promise<void> {
    if (this.final !== undefined) return this.closing ?? Promise.resolve();
    this.closing ??= (async () => {
      await this.drained();
      this.clearIdle();
      this.final = this.closedError();
      await this.opening?.catch(noop);
      const cur = this.current;
      this.endLifetime();
      if (cur !== undefined && !cur.session.closed) await cur.session.close();
    })();
    return this.closing;
  }

  /** Closes at once: queued and running commands fail. */
  destroy(error?: unknown): void {
    if (this.final !== undefined && this.closing === undefined) return;
    this.final ??= error instanceof ConnectionError ? error : this.closedError(error);
    this.clearIdle();
    this.endLifetime();
    for (const job of this.jobs.drain()) job.fail(this.final);
    this.current?.session.destroy(error);
    this.wakeDrainWaiters();
  }

  /**
   * Stops the backoff sleeps. On Cloudflare Workers the controller belongs to the request that
   * created the queue, and aborting it from another request throws: closing must still work.
   */
  private endLifetime(): void {
    try {
      this.lifetime.abort();
    } catch {
      // only the sleeps of that other request were waiting on it, and they end with it
    }
  }

  private closedError(cause?: unknown): ConnectionError {
    return new ConnectionError(
      "CLOSED",
      cause instanceof Error
        ? `connection to ${this.address} was closed after an error: ${cause.message}`
        : `connection to ${this.address} is closed`,
      this.address,
      cause instanceof Error ? { cause } : { errno: CR_SERVER_GONE_ERROR },
    );
  }

  /** Resolves when no command is queued or running and no transaction holds the queue. */
  drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private isDrained(): boolean {
    return !this.pumping && this.jobs.length === 0 && this.holder === undefined;
  }

  private wakeDrainWaiters(): void {
    if (!this.isDrained() && this.final === undefined) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** The session to send the next command on: the current one, or a new one. */
  private live(): Promise<Live> {
    const cur = this.current;
    if (cur !== undefined) {
      if (!cur.session.closed) return Promise.resolve(cur);
      // Lost for good: the commands fail with its error, as they always did without reconnect.
      if (!cur.retired && this.options.reconnect === undefined) return Promise.resolve(cur);
      this.current = undefined;
    }
    if (this.final !== undefined) return Promise.reject(this.final);
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Opens a session, retrying as the policies allow. */
  private async open(): Promise<Live> {
    for (let attempt = 1;; attempt++) {
      try {
        return await this.openOnce();
      } catch (error) {
        if (this.final !== undefined) throw this.final;
        const policy = this.retryPolicyFor(error);
        if (policy === undefined || attempt > policy.retries) throw error;
        try {
          await sleep(backoffDelay(policy, attempt), this.lifetime.signal);
        } catch {
          throw this.final ?? error;
        }
      }
    }
  }

  private retryPolicyFor(error: unknown): RetryPolicy | undefined {
    if (isCrossRequestError(error)) return undefined;
    if (error instanceof MysqlError) {
      return isTemporaryError(error, this.options.temporaryErrors) ? this.options.retry : undefined;
    }
    if (error instanceof ConnectionError || error instanceof ProtocolError) return this.options.reconnect;
    return undefined;
  }

  private async openOnce(): Promise<Live> {
    const session = await Session.open({ ...this.options.session, database: this.settings.database });
    try {
      if (this.final !== undefined) throw this.final;
      for (const sql of this.options.init) await session.query(sql);
      for (const sql of this.settings.replay()) await session.query(sql);
      if (this.final !== undefined) throw this.final;
    } catch (error) {
      session.destroy();
      throw error;
    }
    const live: Live = {
      session,
      statements: new StatementCache(this.options.session.statementCacheSize, session),
      retired: false,
    };
    this.current = live;
    this.info = session.info;
    this.noBackslashEscapes = session.noBackslashEscapes;
    this.onSession?.(live);
    return live;
  }

  /** The next command to send: the first queued, or while a transaction holds the queue, its first. */
  private nextJob(): Job<unknown> | undefined {
    const holder = this.holder;
    const first = this.jobs.peek();
    if (first === undefined) return undefined;
    if (holder === undefined) {
      if (first.spec.owner === undefined) return this.jobs.shift();
      // Commands of a transaction that is over (queued without being awaited) fail.
      const error = new TypeError("the transaction this command belongs to has ended");
      for (const job of this.jobs.toArray()) {
        if (job.spec.owner === undefined) break;
        this.jobs.shift();
        job.fail(error);
      }
      return this.nextJob();
    }
    const mine = this.jobs.toArray().find((job) => job.spec.owner === holder.token);
    if (mine !== undefined) this.jobs.remove(mine);
    return mine;
  }

  private hasRunnable(): boolean {
    const holder = this.holder;
    if (holder === undefined) return this.jobs.length > 0;
    return this.jobs.some((job) => job.spec.owner === holder.token);
  }

  /**
   * Starts sending the queued commands, one at a time, unless that is under way. Written with
   * callbacks rather than an async loop: a command that is over starts the next at once, with no
   * promise hop of the queue's own between the two.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.advance();
  }

  /** Starts the next runnable command, or ends the pumping when none is left. */
  private advance(): void {
    while (this.hasRunnable()) {
      const holder = this.holder;
      if (holder !== undefined) {
        const live = holder.live;
        if (live !== this.current || (live.session.closed && this.options.reconnect !== undefined)) {
          // The transaction's session is gone: its commands must not run anywhere else.
          this.nextJob()?.fail(this.lostInTransaction());
          continue;
        }
        if (this.startJob(live)) return;
        continue;
      }
      const cur = this.current;
      if (cur !== undefined && !cur.session.closed) {
        if (this.startJob(cur)) return;
        continue;
      }
      this.live().then(
        (live) => {
          if (!this.startJob(live)) this.advance();
        },
        (error) => {
          // No session could be opened: nothing waiting was sent, and all of it fails.
          for (const job of this.jobs.drain()) job.fail(error);
          this.advance();
        },
      );
      return;
    }
    this.pumping = false;
    this.wakeDrainWaiters();
    this.armIdle();
  }

  /** Runs the next command on `live`: false when there was none to run. */
  private startJob(live: Live): boolean {
    const job = this.nextJob();
    if (job === undefined || job.settled) return false;
    job.state = "running";
    this.runningJob = job;
    this.runningLive = live;
    this.runningInTx = inTransaction(live.session);
    let work: Promise<unknown>;
    try {
      // Promise.resolve gives a native promise back as it is (no allocation).
      work = Promise.resolve(job.spec.work(live));
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(this.workSucceeded, this.workFailed);
    return true;
  }

  private readonly workSucceeded = (value: unknown): void => this.workDone(false, value);
  private readonly workFailed = (error: unknown): void => this.workDone(true, error);

  /** The running command's work is over (with `outcome`, its value or error). */
  private workDone(failed: boolean, outcome: unknown): void {
    const job = this.runningJob!;
    job.workDone = true;
    if (job.graceTimer !== undefined) clearTimeout(job.graceTimer);
    // The KILL for an interrupted command must be over before the next command is sent.
    if (job.killing !== undefined) {
      job.killing.catch(noop).then(() => this.finishJob(failed, outcome));
      return;
    }
    this.finishJob(failed, outcome);
  }

  /** Settles the command that ran (or queues it again), then goes on with the next. */
  private finishJob(failed: boolean, outcome: unknown): void {
    const job = this.runningJob!;
    const live = this.runningLive!;
    const txBefore = this.runningInTx;
    if (job.graceTimer !== undefined) clearTimeout(job.graceTimer);
    this.runningJob = undefined;
    this.runningLive = undefined;
    job.state = "finished";
    this.noBackslashEscapes = live.session.noBackslashEscapes;
    const txAfter = inTransaction(live.session);
    if (live.session.closed) {
      this.lost(live, job.spec.owner === undefined && !job.spec.lease && (txBefore || txAfter));
    }
    if (!failed) {
      if (!job.settled) job.spec.succeeded?.(outcome);
      job.succeed(outcome);
      this.advance();
      return;
    }
    const error = outcome;
    if (live.session.closed && !(error instanceof MysqlError)) {
      // A connection from another request (Workers) is misuse, not a loss: a resend on a new
      // session would hide it.
      if (!isCrossRequestError(error) && this.mayResend(job, live, txBefore || txAfter)) {
        job.resends++;
        job.state = "queued";
        this.jobs.unshift(job);
      } else job.fail(error);
      this.advance();
      return;
    }
    if (
      !job.settled && !job.spec.lease && job.spec.owner === undefined && !txBefore && !txAfter
      && !live.session.closed
      && job.retries < this.options.retry.retries && isTemporaryError(error, this.options.temporaryErrors)
    ) {
      job.retries++;
      sleep(backoffDelay(this.options.retry, job.retries), this.lifetime.signal).then(
        () => {
          if (!job.settled) {
            job.state = "queued";
            this.jobs.unshift(job);
          }
          this.advance();
        },
        () => {
          job.fail(error);
          this.advance();
        },
      );
      return;
    }
    job.fail(error);
    this.advance();
  }

  private lostInTransaction(): ConnectionError {
    return new ConnectionError(
      "CLOSED",
      `connection to ${this.address} was lost inside a transaction: the commands queued after it were not sent`,
      this.address,
    );
  }

  private mayResend(job: Job<unknown>, live: Live, inTx: boolean): boolean {
    if (job.settled || job.spec.lease || job.spec.owner !== undefined || inTx || this.final !== undefined) {
      return false;
    }
    const retryable = job.spec.retryable;
    if (!(typeof retryable === "function" ? retryable() : retryable)) return false;
    if (this.options.reconnect === undefined && !live.retired) return false;
    return job.resends < Math.max(1, this.options.reconnect?.retries ?? 1);
  }

  /** A session is gone: decide what happens to it and to the commands still queued. */
  private lost(live: Live, inTx: boolean): void {
    if (this.current !== live) return;
    const holder = this.holder;
    if (holder !== undefined && holder.live === live) {
      // The holding transaction's commands fail; the other callers' wait for a new session.
      const error = this.lostInTransaction();
      for (const job of this.jobs.toArray()) {
        if (job.spec.owner === holder.token) {
          this.jobs.remove(job);
          job.fail(error);
        }
      }
    }
    if (!live.retired && this.options.reconnect === undefined) return;
    this.current = undefined;
    if (inTx && holder === undefined) {
      // A transaction begun with plain statements: what was queued after it belonged to it.
      const error = this.lostInTransaction();
      for (const job of this.jobs.drain()) job.fail(error);
    }
  }

  private readonly interruptJob = (job: Job<unknown>, error: Error): void => this.interrupt(job, error);

  /** The timeout or signal of `job` fired. */
  private interrupt(job: Job<unknown>, error: Error): void {
    if (job.settled) return;
    if (job.state === "queued") {
      this.jobs.remove(job);
      job.fail(error);
      return;
    }
    job.fail(error);
    const live = this.runningLive;
    if (job.state !== "running" || live === undefined || this.runningJob !== job || job.killing) return;
    if (live.session.closed) return;
    if (this.options.session.pipeline !== undefined) {
      // A plugin may have sent the command to another server (connectServer, backends), where this
      // thread id means another connection: close this one instead of a KILL that could hit it.
      this.retire(
        live,
        "a command on it was interrupted (with plugins installed, by closing the connection)",
      );
      return;
    }
    const grace = this.options.session.connectTimeout || 10_000;
    job.killing = killQuery(this.options.session, live.session.info.connectionId).then(
      () => {
        // The server interrupts the command and answers; if even that answer does not come,
        // the session is given up.
        if (!job.workDone) {
          job.graceTimer = setTimeout(() => {
            job.graceTimer = undefined;
            if (!job.workDone) this.retire(live, "it did not answer after KILL QUERY");
          }, grace);
        }
      },
      (killError) => {
        if (!job.workDone) {
          this.retire(live, `KILL QUERY failed: ${(killError as Error)?.message ?? killError}`);
        }
      },
    );
  }

  /** Gives up a session on purpose: the next command goes to a new one. */
  private retire(live: Live, reason: string): void {
    live.retired = true;
    live.session.destroy(
      new ConnectionError(
        "CLOSED",
        `connection to ${this.address} was closed by the client: ${reason}`,
        this.address,
      ),
    );
  }

  private clearIdle(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /**
   * After the queue ran dry: close the session once it has been idle for `idleTimeout`. One timer
   * covers the idle stretches of many commands: a command in between does not re-arm it (a
   * `setTimeout` and `clearTimeout` per command); when it fires before the last stretch is long
   * enough, it waits for the rest.
   */
  private armIdle(): void {
    const ms = this.options.idleTimeout;
    const cur = this.current;
    if (
      ms <= 0 || this.final !== undefined || this.closing !== undefined || this.pumping
      || this.holder !== undefined
      || cur === undefined || cur.session.closed || this.jobs.length > 0
    ) {
      this.clearIdle();
      return;
    }
    this.idleSince = Date.now();
    this.idleTimer ??= setTimeout(this.idleCheck, ms);
  }

  /** The idle timer fired: closes the session if it has been idle long enough, else waits on. */
  private readonly idleCheck = (): void => {
    this.idleTimer = undefined;
    const cur = this.current;
    // Busy (the end of the pumping arms the timer again), held, closing, or nothing to close.
    if (this.pumping || this.jobs.length > 0 || this.holder !== undefined || cur === undefined) return;
    if (this.final !== undefined || this.closing !== undefined || cur.session.closed) return;
    const left = this.idleSince + this.options.idleTimeout - Date.now();
    if (left > 0) {
      this.idleTimer = setTimeout(this.idleCheck, left);
      return;
    }
    this.current = undefined;
    cur.retired = true;
    void cur.session.close();
  };
}

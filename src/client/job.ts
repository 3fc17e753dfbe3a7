/**
 * One caller's command as the connection queue holds it: the work to run on a session, whether it
 * may be sent again after a lost connection, its deadline and AbortSignal, and the promise the
 * caller holds. The promise settles exactly once, whichever comes first: the result, an error, the
 * timeout, or the abort; later outcomes are dropped.
 */
import type { Session } from "../session/session.ts";
import { AbortError, sqlPreview, TimeoutError } from "./errors.ts";
import type { StatementCache } from "./statement-cache.ts";

/** A live server session and what belongs to it. */
export interface Live {
  readonly session: Session;
  /** Prepared statements of this session, for `execute` (replaced when the session is reset). */
  statements: StatementCache;
  /** Closed by the client on purpose (idle, or after an interrupted command): replace it. */
  retired: boolean;
}

/** Per-call options of a command. */
export interface CommandOptions {
  /** Milliseconds from the call to the result (0 or absent: no limit). See `signal` for what follows. */
  readonly timeout?: number;
  /**
   * Aborts the call. A command not yet sent is just taken out of the queue; one already sent is
   * interrupted with `KILL QUERY` from a separate connection. Either way the call rejects at once
   * (`AbortError`, or `TimeoutError` for `timeout`) and the connection stays usable.
   */
  readonly signal?: AbortSignal;
  /**
   * Whether the command may be sent again on a new connection when the connection is lost after it
   * was sent. Default: true for plain reads (SELECT, SHOW, ... without side effects), else false.
   */
  readonly retryable?: boolean;
}

/** What the queue needs to know about a job. */
export interface JobSpec<T> {
  /** Runs the command on a session. */
  readonly work: (live: Live) => Promise<T>;
  /** Called with the value of a successful `work` just before the caller's promise resolves with it. */
  readonly succeeded?: (value: T) => void;
  /** May be sent again after a lost connection (a function: decided only when it matters). */
  readonly retryable: boolean | (() => boolean);
  /** For messages. */
  readonly sql?: string;
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  /** Holds the session for its caller until released (never sent again, never retried). */
  readonly lease?: boolean;
  /** Belongs to the transaction holding the connection: runs while it holds it, on its session. */
  readonly owner?: symbol;
  /** Known to leave the session as it was (transaction control): no reset needed after it. */
  readonly neutral?: boolean;
  /** Leaves state in the session whatever its SQL (a statement prepared explicitly). */
  readonly dirties?: boolean;
}

/** A queued or running command. */
export class Job<T> {
  readonly spec: JobSpec<T>;
  readonly promise: Promise<T>;
  state: "queued" | "running" | "finished" = "queued";
  /** Times it was sent after a lost connection. */
  resends = 0;
  /** Retries after a temporary server error. */
  retries = 0;
  /** A KILL QUERY on its behalf, while it runs. */
  killing: Promise<void> | undefined;
  /** Set once its work has returned or thrown (the result may have been dropped). */
  workDone = false;
  /** After a KILL: how long the interrupted command still has to answer. */
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  private settledFlag = false;
  private resolveFn!: (value: T) => void;
  private rejectFn!: (error: unknown) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort: (() => void) | undefined;

  /** `interrupt` is called when the timeout or the signal fires before the job settled. */
  constructor(spec: JobSpec<T>, interrupt: (job: Job<T>, error: Error) => void) {
    this.spec = spec;
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    const { timeout, signal, sql } = spec;
    if (timeout !== undefined && timeout > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        interrupt(
          this,
          new TimeoutError(
            "QUERY_TIMEOUT",
            `the command did not finish within ${timeout} ms${sql ? `: ${sqlPreview(sql)}` : ""}`,
            timeout,
            sql,
          ),
        );
      }, timeout);
    }
    if (signal !== undefined) {
      this.onAbort = () =>
        interrupt(
          this,
          new AbortError(`the command was aborted${sql ? `: ${sqlPreview(sql)}` : ""}`, signal.reason, sql),
        );
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  /** True once the caller's promise has settled. */
  get settled(): boolean {
    return this.settledFlag;
  }

  /** Resolves the caller's promise (ignored if it has settled already). */
  succeed(value: T): void {
    if (this.settledFlag) return;
    this.settledFlag = true;
    this.cleanup();
    this.resolveFn(value);
  }

  /** Rejects the caller's promise (ignored if it has settled already). */
  fail(error: unknown): void {
    if (this.settledFlag) return;
    this.settledFlag = true;
    this.cleanup();
    this.rejectFn(error);
  }

  private cleanup(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.onAbort) this.spec.signal?.removeEventListener("abort", this.onAbort);
  }
}

/** The error for a call whose signal had already fired. */
export function abortedBeforeStart(signal: AbortSignal, sql?: string): AbortError {
  return new AbortError(
    `the command was aborted before it started${sql ? `: ${sqlPreview(sql)}` : ""}`,
    signal.reason,
    sql,
  );
}

/** Checks the per-call options; a TypeError names the bad one. */
export function checkCommandOptions(options: CommandOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError("command options must be an object");
  }
  const { timeout, signal, retryable } = options;
  if (timeout !== undefined && (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0)) {
    throw new TypeError(`invalid option timeout: ${String(timeout)} is not a number of milliseconds >= 0`);
  }
  if (
    signal !== undefined
    && (typeof signal !== "object" || signal === null || typeof signal.addEventListener !== "function")
  ) {
    throw new TypeError("invalid option signal: expected an AbortSignal");
  }
  if (retryable !== undefined && typeof retryable !== "boolean") {
    throw new TypeError("invalid option retryable: expected a boolean");
  }
}

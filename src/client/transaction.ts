/**
 * Transactions over a queue: `runTransaction` holds the queue (so only the transaction's commands are
 * sent, all on one session), begins with the isolation level and access mode asked for, runs the
 * caller's function, and commits when it resolves or rolls back when it throws; after a deadlock
 * (1213) or a lock wait timeout (1205) it can run the whole transaction again, with backoff.
 * `runSavepoint` nests a transaction inside one with SAVEPOINT / RELEASE / ROLLBACK TO.
 */
import { MysqlError } from "../protocol/errors.ts";
import { backoffDelay, type RetryPolicy, sleep } from "../session/backoff.ts";
import type { Lender } from "./connection.ts";
import { resolveRetryPolicy } from "./options.ts";
import type { ReconnectingQueue } from "./reconnecting-queue.ts";

/** The isolation levels of `SET TRANSACTION ISOLATION LEVEL`. */
export type IsolationLevel = "READ UNCOMMITTED" | "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

/** Options of `transaction()`. */
export interface TransactionOptions {
  /** The isolation level of this transaction (default: the session's). */
  readonly isolationLevel?: IsolationLevel;
  /** `START TRANSACTION READ ONLY`. Default false. */
  readonly readOnly?: boolean;
  /**
   * Run the whole transaction again (a new BEGIN, `fn` called again) when it fails with a deadlock
   * (1213) or a lock wait timeout (1205): how many times, or a policy with the backoff. Default 0.
   * `fn` must then be safe to call more than once.
   */
  readonly retries?: number | Partial<RetryPolicy>;
  /**
   * Milliseconds for each statement the transaction sends itself (BEGIN, COMMIT, ROLLBACK,
   * savepoints) and for waiting for the connection to begin. `fn`'s statements take their own.
   */
  readonly timeout?: number;
}

const LEVELS: readonly IsolationLevel[] = [
  "READ UNCOMMITTED",
  "READ COMMITTED",
  "REPEATABLE READ",
  "SERIALIZABLE",
];
/** ER_LOCK_DEADLOCK and ER_LOCK_WAIT_TIMEOUT: the transaction may succeed if run again. */
const RETRY_ERRNOS = new Set([1213, 1205]);

interface Resolved {
  readonly isolationLevel: IsolationLevel | undefined;
  readonly readOnly: boolean;
  readonly retry: RetryPolicy;
  readonly timeout: number | undefined;
}

function resolveTransactionOptions(options: TransactionOptions | undefined): Resolved {
  if (options === undefined) {
    return { isolationLevel: undefined, readOnly: false, retry: noRetry, timeout: undefined };
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError("transaction options must be an object");
  }
  let isolationLevel: IsolationLevel | undefined;
  if (options.isolationLevel !== undefined) {
    const level = String(options.isolationLevel).toUpperCase().replace(/[-_\s]+/g, " ")
      .trim() as IsolationLevel;
    if (typeof options.isolationLevel !== "string" || !LEVELS.includes(level)) {
      throw new TypeError(
        `invalid option isolationLevel: ${String(options.isolationLevel)} is not one of ${LEVELS.join(", ")}`,
      );
    }
    isolationLevel = level;
  }
  if (options.readOnly !== undefined && typeof options.readOnly !== "boolean") {
    throw new TypeError("invalid option readOnly: expected a boolean");
  }
  let retry = noRetry;
  if (typeof options.retries === "number") {
    retry = resolveRetryPolicy("retries", { retries: options.retries }, { ...defaultRetry, retries: 0 });
  } else if (options.retries !== undefined) {
    retry = resolveRetryPolicy("retries", options.retries, defaultRetry);
  }
  const timeout = options.timeout;
  if (timeout !== undefined && (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0)) {
    throw new TypeError(`invalid option timeout: ${String(timeout)} is not a number of milliseconds >= 0`);
  }
  return { isolationLevel, readOnly: options.readOnly ?? false, retry, timeout };
}

/**
 * The statements that begin a transaction with these options (isolation level, then START
 * TRANSACTION with its access mode). A TypeError names a bad option.
 */
export function beginStatements(
  options: Pick<TransactionOptions, "isolationLevel" | "readOnly"> | undefined,
): string[] {
  const opts = resolveTransactionOptions(
    options === undefined ? undefined : {
      isolationLevel: options.isolationLevel,
      readOnly: options.readOnly,
    },
  );
  const statements: string[] = [];
  if (opts.isolationLevel) statements.push(`SET TRANSACTION ISOLATION LEVEL ${opts.isolationLevel}`);
  statements.push(opts.readOnly ? "START TRANSACTION READ ONLY" : "START TRANSACTION");
  return statements;
}

/** Whether a server error is worth running the whole transaction again for (1213, 1205). */
export function isRetryableTransactionError(errno: number): boolean {
  return RETRY_ERRNOS.has(errno);
}

const noRetry: RetryPolicy = { retries: 0, delay: 50, maxDelay: 1000 };
const defaultRetry: RetryPolicy = { retries: 3, delay: 50, maxDelay: 1000 };

function checkFunction(fn: unknown): void {
  if (typeof fn !== "function") {
    throw new TypeError(
      `transaction() expects a function (tx) => Promise, got ${fn === null ? "null" : typeof fn}`,
    );
  }
}

/** What the connection a transaction's function gets does on `close()` and `destroy()`. */
export function transactionLender(queue: ReconnectingQueue): Lender {
  return {
    release: () =>
      Promise.reject(
        new TypeError("close() inside a transaction: the transaction ends when its function returns"),
      ),
    discard: () => queue.destroy(),
    released: () => new TypeError("this transaction has ended: its connection can no longer be used"),
  };
}

/** The `timeout` of each running transaction, for the savepoints nested in it. */
const timeouts = new Map<symbol, number | undefined>();

function exec(queue: ReconnectingQueue, owner: symbol, sql: string): Promise<unknown> {
  return queue.run({
    owner,
    sql,
    retryable: false,
    neutral: true,
    timeout: timeouts.get(owner),
    work: (live) => live.session.query(sql),
  });
}

function noop(): void {}

/** Runs `fn` in a transaction on `queue` (see `Connection.transaction`). */
export async function runTransaction<T, C>(
  queue: ReconnectingQueue,
  fn: (tx: C) => Promise<T>,
  options: TransactionOptions | undefined,
  facade: (owner: symbol) => C,
  detach: (tx: C) => void,
): Promise<T> {
  checkFunction(fn);
  const opts = resolveTransactionOptions(options);
  for (let attempt = 1;; attempt++) {
    const token = Symbol("transaction");
    await queue.hold(token, opts.timeout);
    timeouts.set(token, opts.timeout);
    const tx = facade(token);
    let retry = false;
    try {
      if (opts.isolationLevel) {
        await exec(queue, token, `SET TRANSACTION ISOLATION LEVEL ${opts.isolationLevel}`);
      }
      await exec(queue, token, opts.readOnly ? "START TRANSACTION READ ONLY" : "START TRANSACTION");
      const result = await fn(tx);
      await exec(queue, token, "COMMIT");
      return result;
    } catch (error) {
      await exec(queue, token, "ROLLBACK").catch(noop);
      if (!(error instanceof MysqlError && RETRY_ERRNOS.has(error.errno)) || attempt > opts.retry.retries) {
        throw error;
      }
      retry = true;
    } finally {
      detach(tx);
      timeouts.delete(token);
      queue.unhold(token);
    }
    if (retry) await sleep(backoffDelay(opts.retry, attempt));
  }
}

let savepoints = 0;

/** Runs `fn` nested in the transaction `owner` with a savepoint. */
export async function runSavepoint<T, C>(
  queue: ReconnectingQueue,
  owner: symbol,
  fn: (tx: C) => Promise<T>,
  options: TransactionOptions | undefined,
  facade: (owner: symbol) => C,
  detach: (tx: C) => void,
): Promise<T> {
  checkFunction(fn);
  if (options !== undefined) {
    throw new TypeError("a nested transaction takes no options: it is a savepoint in the outer transaction");
  }
  const name = `mywire_sp_${++savepoints}`;
  await exec(queue, owner, `SAVEPOINT ${name}`);
  const tx = facade(owner);
  try {
    const result = await fn(tx);
    await exec(queue, owner, `RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    await exec(queue, owner, `ROLLBACK TO SAVEPOINT ${name}`).catch(noop);
    throw error;
  } finally {
    detach(tx);
  }
}

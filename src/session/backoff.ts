/**
 * Retry delays, shared by the client (reconnect, temporary errors, deadlocks) and the binlog stream
 * (reconnect): exponential backoff with jitter, and a sleep that an AbortSignal cuts short (so a
 * connection being closed never waits out a backoff).
 */

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: none). */
  readonly retries: number;
  /** Milliseconds before the first retry; each later one waits twice as long, up to `maxDelay`. */
  readonly delay: number;
  /** The longest wait between two attempts, in milliseconds. */
  readonly maxDelay: number;
}

/**
 * The wait before retry number `attempt` (1 for the first retry): `delay * 2^(attempt-1)` capped at
 * `maxDelay`, then a random point in its upper half, so that many clients do not retry in step.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const full = Math.min(policy.maxDelay, policy.delay * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + Math.random() * (full / 2));
}

/** Waits `ms` milliseconds; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Options of `createPool()`: the connection options every pooled connection is opened with, and the
 * pool's own (sizes, timeouts, the health check and the reset on release), validated into numbers
 * with their defaults. Bad input is a TypeError naming the option.
 */
import type { RetryPolicy } from "../session/backoff.ts";
import { CONNECTION_OPTIONS, type ConnectionOptions } from "../session/connection-options.ts";
import { OptionValidator } from "../session/validate.ts";
import { type ClientOptions, resolveClientOptions } from "./options.ts";
import type { ResetMethod } from "./reset.ts";

/** Options of `createPool()`: every connection option, and the pool's. */
export interface PoolOptions extends ConnectionOptions {
  /** Most connections open at once. Default 10. */
  max?: number;
  /** Connections kept open even when idle (refilled after losses). Default 0. */
  minIdle?: number;
  /**
   * An idle connection beyond `minIdle` is closed after this many milliseconds. Default 60000;
   * 0: never. (On a pool this replaces the per-connection meaning of `idleTimeout`.)
   */
  idleTimeout?: number;
  /** A connection is closed (once idle) this many milliseconds after it was opened. Default 0: never. */
  maxLifetime?: number;
  /** How long a caller waits for a free connection before a TimeoutError. Default 10000; 0: forever. */
  acquireTimeout?: number;
  /** How many callers may wait for a connection; one more gets PoolError QUEUE_FULL. Default Infinity. */
  queueLimit?: number;
  /** A connection idle longer than this (ms) is pinged before it is lent. Default 1000; 0: always. */
  pingIdle?: number;
  /**
   * Reset a returned connection's session (when its borrower may have changed it) before lending it
   * again: `"auto"` (default, COM_RESET_CONNECTION, or COM_CHANGE_USER where the server lacks it),
   * `"reset-connection"`, `"change-user"`, or `false` to lend it as it is.
   */
  resetOnRelease?: boolean | ResetMethod;
}

/** Pool options resolved. */
export interface ResolvedPoolOptions {
  /** How each pooled connection is opened (not lazy, no idle close of its own). */
  readonly client: ClientOptions;
  readonly max: number;
  readonly minIdle: number;
  readonly idleTimeout: number;
  readonly maxLifetime: number;
  readonly acquireTimeout: number;
  readonly queueLimit: number;
  readonly pingIdle: number;
  readonly reset: ResetMethod | false;
}

const MAX_MS = 2 ** 31 - 1;

const check: OptionValidator = new OptionValidator("pool option");
const fail: (option: string, message: string) => never = (option, message) => check.fail(option, message);
const integer = (option: string, value: unknown, fallback: number, min: number, max: number) =>
  check.integerOr(option, value, fallback, min, max);

/** Every option of `createPool()` beyond the connection options (the compiler keeps this in step). */
const POOL_OPTION_FLAGS: Record<Exclude<keyof PoolOptions, keyof ConnectionOptions>, true> = {
  max: true,
  minIdle: true,
  maxLifetime: true,
  acquireTimeout: true,
  queueLimit: true,
  pingIdle: true,
  resetOnRelease: true,
};

/** The names of `createPool()`'s options. */
const POOL_OPTIONS: ReadonlySet<string> = new Set([...CONNECTION_OPTIONS, ...Object.keys(POOL_OPTION_FLAGS)]);

const defaultReconnect: RetryPolicy = { retries: 2, delay: 100, maxDelay: 2000 };

/** Validates pool options and fills in the defaults. */
export function resolvePoolOptions(
  options: PoolOptions | string,
  parse: (url: string) => ConnectionOptions,
): ResolvedPoolOptions {
  const given: PoolOptions = typeof options === "string" ? parse(options) : options;
  if (typeof given !== "object" || given === null) {
    throw new TypeError("createPool() expects an options object or a mysql:// URL string");
  }
  check.rejectUnknown(given, POOL_OPTIONS, "createPool()");
  const {
    max: maxOption,
    minIdle: minIdleOption,
    idleTimeout,
    maxLifetime,
    acquireTimeout,
    queueLimit: queueLimitOption,
    pingIdle,
    resetOnRelease,
    ...connection
  } = given;
  const max = integer("max", maxOption, 10, 1, 100_000);
  const minIdle = integer("minIdle", minIdleOption, 0, 0, 100_000);
  if (minIdle > max) fail("minIdle", `${minIdle} is more than max ${max}`);
  let queueLimit = Infinity;
  if (queueLimitOption !== undefined && queueLimitOption !== Infinity) {
    queueLimit = integer("queueLimit", queueLimitOption, 0, 0, Number.MAX_SAFE_INTEGER);
  }
  let reset: ResetMethod | false = "auto";
  if (resetOnRelease === false) reset = false;
  else if (resetOnRelease !== undefined && resetOnRelease !== true) {
    if (!["auto", "reset-connection", "change-user"].includes(resetOnRelease as string)) {
      fail(
        "resetOnRelease",
        `${String(resetOnRelease)} is not true, false, "auto", "reset-connection" or "change-user"`,
      );
    }
    reset = resetOnRelease;
  }
  // Pooled connections reconnect (and send reads again) unless told not to.
  const client = resolveClientOptions({
    ...connection,
    lazy: false,
    idleTimeout: 0,
    reconnect: connection.reconnect ?? defaultReconnect,
  }, "createPool()");
  return {
    client,
    max,
    minIdle,
    idleTimeout: integer("idleTimeout", idleTimeout, 60_000, 0, MAX_MS),
    maxLifetime: integer("maxLifetime", maxLifetime, 0, 0, MAX_MS),
    acquireTimeout: integer("acquireTimeout", acquireTimeout, 10_000, 0, MAX_MS),
    queueLimit,
    pingIdle: integer("pingIdle", pingIdle, 1000, 0, MAX_MS),
    reset,
  };
}

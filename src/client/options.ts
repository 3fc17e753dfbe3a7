/**
 * What a client connection adds to the session's settings: lazy connecting, idle close,
 * reconnecting, retries of temporary errors, init statements. Validated from `connect()`'s options
 * (src/session/connection-options.ts); unknown options are refused with the nearest known name.
 */
import type { RetryPolicy } from "../session/backoff.ts";
import { CONNECTION_OPTIONS, type ConnectionOptions, resolveOptions } from "../session/connection-options.ts";
import type { SessionOptions } from "../session/options.ts";
import { OptionValidator } from "../session/validate.ts";

const check: OptionValidator = new OptionValidator("option");

/** Connection options resolved: the session's settings and the client's own. */
export interface ClientOptions {
  readonly session: SessionOptions;
  readonly lazy: boolean;
  /** Milliseconds; 0: never. */
  readonly idleTimeout: number;
  /** Undefined: no reconnecting. */
  readonly reconnect: RetryPolicy | undefined;
  readonly retry: RetryPolicy;
  readonly temporaryErrors: readonly (number | string | RegExp)[];
  readonly init: readonly string[];
}

const MAX_MS = 2 ** 31 - 1;

/** A retry policy from user input, with defaults for what is missing. */
export function resolveRetryPolicy(option: string, value: unknown, defaults: RetryPolicy): RetryPolicy {
  if (value === undefined || value === true) return defaults;
  if (typeof value !== "object" || value === null) {
    check.fail(option, "expected true or { retries, delay, maxDelay }");
  }
  const v = value as Partial<RetryPolicy>;
  const retries = v.retries === undefined
    ? defaults.retries
    : check.integer(`${option}.retries`, v.retries, 0, 1000);
  const delay = v.delay === undefined ? defaults.delay : check.integer(`${option}.delay`, v.delay, 0, MAX_MS);
  const maxDelay = v.maxDelay === undefined
    ? Math.max(delay, defaults.maxDelay)
    : check.integer(`${option}.maxDelay`, v.maxDelay, 0, MAX_MS);
  if (maxDelay < delay) check.fail(`${option}.maxDelay`, `${maxDelay} is less than delay ${delay}`);
  return { retries, delay, maxDelay };
}

/** Validates user options, the session's and the client's, and fills in the defaults. */
export function resolveClientOptions(options: ConnectionOptions, call = "connect()"): ClientOptions {
  if (typeof options === "object" && options !== null) check.rejectUnknown(options, CONNECTION_OPTIONS, call);
  const session = resolveOptions(options);
  const idleTimeout = options.idleTimeout === undefined
    ? 0
    : check.integer("idleTimeout", options.idleTimeout, 0, MAX_MS);
  let reconnect: RetryPolicy | undefined;
  if (options.reconnect !== undefined && options.reconnect !== false) {
    reconnect = resolveRetryPolicy("reconnect", options.reconnect, {
      retries: 3,
      delay: 100,
      maxDelay: 2000,
    });
  }
  const retry = resolveRetryPolicy("retry", options.retry, { retries: 3, delay: 50, maxDelay: 1000 });
  const temporaryErrors = options.temporaryErrors ?? [];
  if (!Array.isArray(temporaryErrors)) {
    check.fail("temporaryErrors", "expected a list of errnos, codes or patterns");
  }
  for (const t of temporaryErrors) {
    if (!(typeof t === "number" && Number.isInteger(t)) && typeof t !== "string" && !(t instanceof RegExp)) {
      check.fail("temporaryErrors", `${String(t)} is not an errno, a code or a RegExp`);
    }
  }
  const init = options.init ?? [];
  if (!Array.isArray(init) || init.some((s) => typeof s !== "string" || s.trim() === "")) {
    check.fail("init", "expected a list of SQL statements");
  }
  return {
    session,
    lazy: check.boolean("lazy", options.lazy, false),
    idleTimeout,
    reconnect,
    retry,
    temporaryErrors: [...temporaryErrors],
    init: [...init],
  };
}

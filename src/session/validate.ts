/**
 * One way to validate options, for `connect()`, `createPool()` and `binlog()` alike: a validator
 * per family of options whose errors are TypeErrors reading `invalid <family> <option>: <why>`,
 * and the check that refuses an option nobody knows, naming the nearest known one (or the mywire
 * name of another driver's option: `connectionLimit` is `max`).
 */

/** What other drivers call some of mywire's options (mysql2, mariadb, node-mysql). */
const OTHER_DRIVERS: Readonly<Record<string, string>> = {
  connectionLimit: "max",
  waitForConnections: "acquireTimeout (0 waits forever)",
  supportBigNumbers: "bigint",
  bigNumberStrings: 'bigint: "string"',
  decimalNumbers: 'decimal: "number"',
  namedPlaceholders: "nothing (named :placeholders always work)",
  acquireTimeoutMillis: "acquireTimeout",
  connectTimeoutMillis: "connectTimeout",
  idleTimeoutMillis: "idleTimeout",
  connectionTimeout: "connectTimeout",
  compression: "compress",
  keepAliveDelay: "pingIdle",
  permitLocalInfile: "infile",
  localInfile: "infile",
  allowPublicKeyRetrieval: "allowPublicKeyRetrieval",
};

/** Edit distance between `a` and `b` (case-insensitive), stopping early past `limit`. */
function distance(a: string, b: string, limit: number): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, row[j]);
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length];
}

/** The known name closest to `name`, when one is close enough to be a typo. */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    const d = distance(name, k, limit);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Validators for one family of options (`"option"`, `"pool option"`, `"binlog option"`). */
export class OptionValidator {
  readonly family: string;

  constructor(family: string) {
    this.family = family;
  }

  /** Throws the TypeError for a bad `option`. */
  fail(option: string, message: string): never {
    throw new TypeError(`invalid ${this.family} ${option}: ${message}`);
  }

  /** An integer from `min` to `max`. */
  integer(option: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.fail(option, `${String(value)} is not an integer from ${min} to ${max}`);
    }
    return value;
  }

  /** An integer from `min` to `max`, or `fallback` when not given. */
  integerOr(option: string, value: unknown, fallback: number, min: number, max: number): number {
    return value === undefined ? fallback : this.integer(option, value, min, max);
  }

  /** A boolean, or `fallback` when not given. */
  boolean(option: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") this.fail(option, `expected a boolean, got ${typeof value}`);
    return value;
  }

  /** One of `allowed`, or `fallback` when not given. */
  oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      this.fail(option, `${String(value)} is not one of ${allowed.join(", ")}`);
    }
    return value as T;
  }

  /** A list of strings, or undefined when not given. */
  stringList(option: string, value: unknown): readonly string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      this.fail(option, "expected a list of strings");
    }
    return value as string[];
  }

  /**
   * Refuses any own key of `given` that is not in `known` (an `undefined` value included: a typo is
   * a typo), naming the nearest known option or what mywire calls another driver's option.
   */
  rejectUnknown(given: object, known: ReadonlySet<string>, call: string): void {
    for (const key of Object.keys(given)) {
      if (known.has(key)) continue;
      const other = OTHER_DRIVERS[key];
      const near = other === undefined ? nearestName(key, known) : undefined;
      const hint = other !== undefined
        ? `: mywire calls it ${other} (mywire/mysql2 takes mysql2's option names)`
        : near !== undefined
        ? `: did you mean ${near}?`
        : "";
      throw new TypeError(`unknown ${this.family} "${key}" for ${call}${hint}`);
    }
  }
}

/**
 * Health checks of the proxy's backends (what MySQL Proxy keeps in `proxy.global.backends` and
 * ProxySQL's monitor does): every `interval` each backend is connected to and pinged; with a login
 * (the check's own `user`, else the backend's) it is also asked `@@global.read_only` and, where it
 * replicates, its lag (`SHOW REPLICA STATUS`, `SHOW SLAVE STATUS` on servers that predate it).
 * What is found goes into the pipeline's backend list, which the default choice of backend and
 * plugins (`readWriteSplit`, `connectServer`) read:
 * - a failed connect, login or ping marks the backend "down"; a good check marks it "up" again;
 * - a read-write backend found read-only counts as "ro" (no writes go there) until it is writable
 *   again (a promoted replica becomes "rw");
 * - with `maxReplicationLag`, a replica further behind (or whose replication stopped: the lag is
 *   NULL) is "down" until it catches up.
 */
import type { BackendState, BackendType } from "../pipeline/backends.ts";
import { ConnectionError, type Runtime } from "../runtime/socket.ts";
import type { Session } from "../session/session.ts";
import { backendSessionOptions, openBackend, readBackendGreeting } from "./backend.ts";
import type { ResolvedBackend } from "./options.ts";

/** `createProxy`'s `healthCheck` option. */
export interface HealthCheckOptions {
  /** Milliseconds between two checks of a backend (default 2000; 0: no checks). */
  readonly interval?: number;
  /** Milliseconds a check may take (default: the smaller of 2000 and `connectTimeout`). */
  readonly timeout?: number;
  /** The login of the checks (default: each backend's `user`; none: connect and greeting only). */
  readonly user?: string;
  readonly password?: string;
  /** Seconds a replica may lag behind before it is taken out ("down"); default: no limit. */
  readonly maxReplicationLag?: number;
}

/** What the last check of a backend found, in `stats().backends`. */
export interface BackendHealth {
  /** "host:port" or the socket path. */
  readonly address: string;
  /** The type configured. */
  readonly configuredType: "rw" | "ro";
  /** The type in use: "ro" for a read-write backend found read-only. */
  readonly type: BackendType;
  readonly state: BackendState;
  /** Clients using it now. */
  readonly connectedClients: number;
  /** `@@global.read_only`, when the check could log in. */
  readonly readOnly: boolean | undefined;
  /** Seconds behind its source; null when replication is stopped; undefined when not a replica. */
  readonly replicationLag: number | null | undefined;
  /** When the last check ended (ms since the epoch), if one did. */
  readonly checkedAt: number | undefined;
  /** Why the last check failed. */
  readonly error: string | undefined;
}

/** Where the checks record what they find: the pipeline's backend list. */
export interface BackendRegistry {
  readonly backends: readonly {
    readonly state: BackendState;
    readonly type: BackendType;
    readonly connectedClients: number;
  }[];
  setBackendState(index: number, state: BackendState): void;
  setBackendType(index: number, type: BackendType): void;
}

/** What the checks need from the proxy's settings. */
export interface HealthSettings {
  readonly backends: readonly ResolvedBackend[];
  readonly maxPacketSize: number;
}

/** `healthCheck` with its defaults applied. */
export interface ResolvedHealthCheck extends HealthCheckOptions {
  readonly interval: number;
  readonly timeout: number;
}

/** The settings of `healthCheck` with defaults applied; throws TypeError for a bad value. */
export function resolveHealthCheck(
  value: HealthCheckOptions | false | undefined,
  connectTimeout: number,
): ResolvedHealthCheck {
  if (value === false) return { interval: 0, timeout: 0 };
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw new TypeError("healthCheck must be an object or false");
  }
  const o = value ?? {};
  for (const key of Object.keys(o)) {
    if (!["interval", "timeout", "user", "password", "maxReplicationLag"].includes(key)) {
      throw new TypeError(`healthCheck: unknown option "${key}"`);
    }
  }
  const number = (name: string, v: unknown, fallback: number) => {
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new TypeError(`healthCheck.${name} must be a number >= 0`);
    }
    return v;
  };
  if (o.user !== undefined && typeof o.user !== "string") {
    throw new TypeError("healthCheck.user must be a string");
  }
  if (o.password !== undefined && typeof o.password !== "string") {
    throw new TypeError("healthCheck.password must be a string");
  }
  return {
    interval: number("interval", o.interval, 2000),
    timeout: number("timeout", o.timeout, Math.min(2000, connectTimeout > 0 ? connectTimeout : 2000)),
    user: o.user,
    password: o.password,
    maxReplicationLag: o.maxReplicationLag === undefined
      ? undefined
      : number("maxReplicationLag", o.maxReplicationLag, 0),
  };
}

/** A value of a result row as a number, or null (NULL or absent). */
function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** The replica's lag, or undefined when the server replicates from nobody. */
async function replicationLag(session: Session): Promise<number | null | undefined> {
  let rows: readonly Record<string, unknown>[];
  try {
    rows = await session.query("SHOW REPLICA STATUS") as unknown as Record<string, unknown>[];
  } catch (error) {
    // MySQL before 8.0.22 and MariaDB before 10.5.1 know only the older name (1064: a parse error).
    if ((error as { errno?: number }).errno !== 1064) throw error;
    rows = await session.query("SHOW SLAVE STATUS") as unknown as Record<string, unknown>[];
  }
  if (rows.length === 0) return undefined;
  const row = rows[0];
  return numberOrNull(row.Seconds_Behind_Source ?? row.Seconds_Behind_Master);
}

/** Runs `work`, failing with a ConnectionError naming `address` after `ms` milliseconds. */
async function within<T>(ms: number, address: string, work: Promise<T>): Promise<T> {
  if (!(ms > 0)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectionError("ETIMEDOUT", `health check of ${address} timed out after ${ms} ms`, address),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks the backends on a timer and records what it finds in the registry. */
export class HealthChecker {
  readonly #settings: HealthSettings;
  readonly #options: ResolvedHealthCheck;
  readonly #registry: BackendRegistry;
  readonly #found: BackendHealth[];
  #runtime: Runtime | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  /** Checks `settings.backends` (registry index i is backend i) with the given options. */
  constructor(settings: HealthSettings, options: ResolvedHealthCheck, registry: BackendRegistry) {
    this.#settings = settings;
    this.#options = options;
    this.#registry = registry;
    this.#found = settings.backends.map((b, i) => ({
      address: b.address,
      configuredType: b.type,
      type: registry.backends[i]?.type ?? b.type,
      state: registry.backends[i]?.state ?? "unknown",
      connectedClients: 0,
      readOnly: undefined,
      replicationLag: undefined,
      checkedAt: undefined,
      error: undefined,
    }));
  }

  /** Starts checking every `interval` with `runtime`'s sockets (the first round at once); nothing when the interval is 0. */
  start(runtime: Runtime): void {
    this.#runtime = runtime;
    this.#stopped = false;
    if (this.#options.interval > 0 && this.#timer === undefined && this.#round === undefined) {
      this.#schedule(0);
    }
  }

  /** Stops the timer and waits for a round under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  /** Checks every backend once now (in parallel) and records the results (after `start`). */
  checkAll(): Promise<void> {
    const round = Promise.all(this.#settings.backends.map((_, i) => this.#checkOne(i))).then(() => {});
    this.#round = round;
    return round.finally(() => {
      if (this.#round === round) this.#round = undefined;
    });
  }

  /** What the last checks found, one entry per backend. */
  snapshot(): BackendHealth[] {
    return this.#found.map((f, i) => ({
      ...f,
      state: this.#registry.backends[i]?.state ?? f.state,
      type: this.#registry.backends[i]?.type ?? f.type,
      connectedClients: this.#registry.backends[i]?.connectedClients ?? 0,
    }));
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.checkAll().then(() => this.#schedule(this.#options.interval));
    }, delay);
    // the checks alone do not keep a process alive (the listener does)
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #checkOne(index: number): Promise<void> {
    const backend = this.#settings.backends[index];
    let readOnly: boolean | undefined;
    let lag: number | null | undefined;
    let error: string | undefined;
    try {
      const result = await within(this.#options.timeout, backend.address, this.#probe(backend));
      readOnly = result.readOnly;
      lag = result.lag;
    } catch (e) {
      error = (e as Error)?.message ?? String(e);
    }
    if (this.#stopped) return;
    let state: BackendState = error === undefined ? "up" : "down";
    const max = this.#options.maxReplicationLag;
    if (state === "up" && max !== undefined && lag !== undefined && (lag === null || lag > max)) {
      state = "down";
      error = lag === null ? "replication is stopped" : `replication lag ${lag} s is over ${max} s`;
    }
    const type: BackendType = readOnly === true ? "ro" : backend.type;
    this.#registry.setBackendState(index, state);
    this.#registry.setBackendType(index, type);
    this.#found[index] = {
      address: backend.address,
      configuredType: backend.type,
      type,
      state,
      connectedClients: 0,
      readOnly,
      replicationLag: lag,
      checkedAt: Date.now(),
      error,
    };
  }

  /** One check: log in and ask, or (without a login) read the greeting. */
  async #probe(backend: ResolvedBackend): Promise<{ readOnly?: boolean; lag?: number | null }> {
    const user = this.#options.user ?? backend.credentials?.user;
    if (user === undefined) {
      await this.#greeting(backend);
      return {};
    }
    const password = this.#options.user !== undefined
      ? this.#options.password ?? ""
      : backend.credentials?.password ?? "";
    const session = await openBackend(backendSessionOptions(backend, {
      user: {
        name: user,
        password,
        nativeHash: undefined,
        sha2Hash: undefined,
        plugin: undefined,
        backend: { user, password },
        requireTls: false,
      },
      secret: { kind: "none" },
      database: "",
      charset: 0,
      capabilities: 0,
      mariadbCapabilities: 0,
      attributes: { program_name: "mywire-proxy-health-check" },
    }, {
      connectTimeout: this.#options.timeout,
      maxPacketSize: this.#settings.maxPacketSize,
      runtime: this.#runtime,
    }));
    try {
      await session.ping();
      const rows = await session.query("SELECT @@global.read_only AS ro") as unknown as { ro: unknown }[];
      const readOnly = Number(rows[0]?.ro) === 1;
      return { readOnly, lag: await replicationLag(session) };
    } finally {
      await session.close().catch(() => session.destroy());
    }
  }

  /** Connects and reads the greeting (an ERR greeting, e.g. too many connections, fails the check). */
  async #greeting(backend: ResolvedBackend): Promise<void> {
    if (this.#runtime === undefined) throw new Error("the health checks have not started");
    const first = await readBackendGreeting(this.#runtime, backend, this.#options.timeout);
    if (first[0] === 0xff) throw new Error(`${backend.address} refused the connection in its greeting`);
  }
}

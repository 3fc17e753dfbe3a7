/**
 * What `createProxy` takes, and its validation into the settings the proxy runs with: where to
 * listen, the backends (a `mysql://user:password@host:port` URL or an object each), the users
 * clients log in as (a password, or a stored hash), the plugins, TLS for clients. Errors are
 * TypeErrors that name the option.
 */
import type { Layer } from "effect";
import type { Plugin, PluginSpec } from "../pipeline/plugin.ts";
import { parseNativePasswordHash } from "../protocol/auth/native-verify.ts";
import type { RsaKeyPair } from "../protocol/auth/rsa-keys.ts";
import { fromHex } from "../protocol/bytes.ts";
import type { ListenOptions, Runtime } from "../runtime/socket.ts";
import type { SslOptions } from "../session/options.ts";
import { type HealthCheckOptions, type ResolvedHealthCheck, resolveHealthCheck } from "./health.ts";

/** The auth plugins the proxy verifies clients with. */
export type ProxyAuthPlugin = "mysql_native_password" | "caching_sha2_password";

/** Credentials for a backend. */
export interface BackendCredentials {
  readonly user: string;
  readonly password: string;
}

/** A backend server, as configured. */
export interface ProxyBackendSpec {
  readonly host?: string;
  /** Default 3306. */
  readonly port?: number;
  readonly socketPath?: string;
  /** The user the proxy logs in as, for frontend users without their own `backend` credentials. */
  readonly user?: string;
  readonly password?: string;
  /** TLS to the backend (default: none). */
  readonly ssl?: SslOptions;
  /** Default "rw". */
  readonly type?: "rw" | "ro";
  /** Use the compressed protocol to this backend when it offers it (default false; URL: `?compress=true`). */
  readonly compress?: boolean;
}

/**
 * A user clients log in to the proxy as. Give `password` (clear: every plugin works, and the proxy
 * can log into the backend as this user), or a stored hash: `nativeHash` (`*` and 40 hex digits,
 * as in `mysql.user`), or `sha2Hash` (hex of SHA256(SHA256(password))).
 */
export interface ProxyUserSpec {
  readonly password?: string;
  readonly nativeHash?: string;
  readonly sha2Hash?: string;
  /** The plugin this user must authenticate with (default: from what is stored, else the client's choice). */
  readonly plugin?: ProxyAuthPlugin;
  /** The backend login for this user (default: the backend's `user`, else the client's own). */
  readonly backend?: BackendCredentials;
  /** Refuse this user over a connection without TLS (as `REQUIRE SSL`). */
  readonly requireTls?: boolean;
}

/** Options of `createProxy`. */
export interface ProxyOptions {
  /** Where to listen (default 127.0.0.1, port 6033; port 0 picks a free one). Also given to `listen()`. */
  readonly listen?: ListenOptions | string;
  /** The servers behind the proxy; the first is the default (a plugin's connectServer may pick another). */
  readonly backends: readonly (string | ProxyBackendSpec)[];
  /** Users by name: a password, or a `ProxyUserSpec`. */
  readonly users: Readonly<Record<string, string | ProxyUserSpec>>;
  /** Plugins run on every client connection, as in the client. */
  readonly plugins?: readonly (Plugin<any> | PluginSpec<any, any, any>)[];
  /** The Layer plugins written as Effects run with. */
  readonly pluginLayer?: Layer.Layer<any, any, never>;
  /** TLS for clients (PEM): offered in the greeting when given. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** The RSA key pair for caching_sha2_password without TLS (default: generated at `listen()`). */
  readonly rsaKeyPair?: RsaKeyPair;
  /** The auth plugin named in the greeting (default mysql_native_password). */
  readonly defaultAuthPlugin?: ProxyAuthPlugin;
  /** Milliseconds to connect to a backend (default 10000). */
  readonly connectTimeout?: number;
  /** Milliseconds a client has to log in before it is disconnected (default 10000; 0: no limit). */
  readonly loginTimeout?: number;
  /** Largest packet accepted from a client or a backend (default 1 GiB, as max_allowed_packet's maximum). */
  readonly maxPacketSize?: number;
  /** The runtime to listen and connect with (default: detected). */
  readonly runtime?: Runtime;
  /** Health checks of the backends (default: every 2 s; `false`: none). See src/proxy/health.ts. */
  readonly healthCheck?: HealthCheckOptions | false;
  /**
   * Share pooled backend connections among clients, statement by statement, tracking and replaying
   * each client's session state and pinning a client to its connection while it holds state that
   * cannot be replayed (docs/proxy.md, "Multiplexing"). Default true; false: one backend connection
   * per client, opened at login and closed when it leaves.
   */
  readonly multiplex?: boolean;
  /** Most backend connections open to one backend, in use or idle (multiplexing; default 64). */
  readonly maxBackendConnections?: number;
  /** Most clients waiting for a backend connection of one backend when all are in use (default 1024). */
  readonly maxWaiting?: number;
  /** Milliseconds a client waits for a backend connection before its statement fails (default 10000). */
  readonly waitTimeout?: number;
}

/** A backend, validated. */
export interface ResolvedBackend {
  readonly host: string;
  readonly port: number;
  readonly socketPath: string | undefined;
  readonly credentials: BackendCredentials | undefined;
  readonly ssl: SslOptions;
  readonly type: "rw" | "ro";
  readonly compress: boolean;
  /** "host:port" or the socket path, for messages. */
  readonly address: string;
}

/** A user, validated: what can verify a login. */
export interface ResolvedUser {
  readonly name: string;
  readonly password: string | undefined;
  /** SHA1(SHA1(pw)) (empty for no password). */
  readonly nativeHash: Uint8Array | undefined;
  /** SHA256(SHA256(pw)). */
  readonly sha2Hash: Uint8Array | undefined;
  readonly plugin: ProxyAuthPlugin | undefined;
  readonly backend: BackendCredentials | undefined;
  readonly requireTls: boolean;
}

/** The proxy's settings. */
export interface ResolvedProxyOptions {
  readonly listen: ListenOptions;
  readonly backends: readonly ResolvedBackend[];
  readonly users: ReadonlyMap<string, ResolvedUser>;
  readonly defaultAuthPlugin: ProxyAuthPlugin;
  readonly connectTimeout: number;
  readonly loginTimeout: number;
  readonly maxPacketSize: number;
  readonly healthCheck: ResolvedHealthCheck;
  readonly multiplex: boolean;
  readonly maxBackendConnections: number;
  readonly maxWaiting: number;
  readonly waitTimeout: number;
}

/** A non-negative integer option, or its default; TypeError naming it otherwise. */
function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${name} must be an integer >= ${min}`);
  }
  return value;
}

const PLUGINS: readonly string[] = ["mysql_native_password", "caching_sha2_password"];

/** Parses "host:port" (or ":port", or a bare port) into a listen address. */
export function parseListen(text: string): ListenOptions {
  if (text.startsWith("/")) return { path: text };
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d+)$/.exec(text);
  if (!m) throw new TypeError(`listen: expected host:port, got "${text}"`);
  const port = Number(m[2]);
  if (port > 65535) throw new TypeError(`listen: port ${port} is out of range`);
  return { host: m[1] || "127.0.0.1", port };
}

/** Parses a backend URL: mysql://user:password@host:port (mariadb:// too). */
export function parseBackendUrl(url: string): ProxyBackendSpec {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`backend: invalid URL "${url}"`);
  }
  if (u.protocol !== "mysql:" && u.protocol !== "mariadb:") {
    throw new TypeError(`backend: URL must start with mysql:// or mariadb://, got "${u.protocol}//"`);
  }
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: u.port ? Number(u.port) : 3306,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : u.username ? "" : undefined,
    type: (u.searchParams.get("type") ?? undefined) as ProxyBackendSpec["type"],
    ...(u.searchParams.has("compress") ? { compress: u.searchParams.get("compress") !== "false" } : {}),
  };
}

function resolveBackend(spec: string | ProxyBackendSpec, i: number): ResolvedBackend {
  const b = typeof spec === "string" ? parseBackendUrl(spec) : spec;
  if (typeof b !== "object" || b === null) throw new TypeError(`backends[${i}] must be a URL or an object`);
  const port = b.port ?? 3306;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`backends[${i}].port must be an integer from 1 to 65535`);
  }
  if (b.user !== undefined && typeof b.user !== "string") {
    throw new TypeError(`backends[${i}].user must be a string`);
  }
  if (b.type !== undefined && b.type !== "rw" && b.type !== "ro") {
    throw new TypeError(`backends[${i}].type must be "rw" or "ro"`);
  }
  if (b.compress !== undefined && typeof b.compress !== "boolean") {
    throw new TypeError(`backends[${i}].compress must be a boolean`);
  }
  const host = b.host ?? "127.0.0.1";
  return {
    host,
    port,
    socketPath: b.socketPath,
    credentials: b.user === undefined ? undefined : { user: b.user, password: b.password ?? "" },
    ssl: b.ssl ?? { mode: "disabled" },
    type: b.type ?? "rw",
    compress: b.compress ?? false,
    address: b.socketPath ?? `${host}:${port}`,
  };
}

function resolveUser(name: string, spec: string | ProxyUserSpec): ResolvedUser {
  const u: ProxyUserSpec = typeof spec === "string" ? { password: spec } : spec;
  if (typeof u !== "object" || u === null) {
    throw new TypeError(`users.${name} must be a password or an object`);
  }
  if (u.password === undefined && u.nativeHash === undefined && u.sha2Hash === undefined) {
    throw new TypeError(`users.${name} needs a password, nativeHash or sha2Hash`);
  }
  if (u.plugin !== undefined && !PLUGINS.includes(u.plugin)) {
    throw new TypeError(`users.${name}.plugin must be one of ${PLUGINS.join(", ")}`);
  }
  let nativeHash: Uint8Array | undefined;
  if (u.nativeHash !== undefined) {
    try {
      nativeHash = parseNativePasswordHash(u.nativeHash);
    } catch (error) {
      throw new TypeError(`users.${name}.nativeHash: ${(error as Error).message}`);
    }
  }
  let sha2Hash: Uint8Array | undefined;
  if (u.sha2Hash !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(u.sha2Hash)) {
      throw new TypeError(`users.${name}.sha2Hash must be 64 hex digits (SHA256(SHA256(password)))`);
    }
    sha2Hash = fromHex(u.sha2Hash);
  }
  if (u.plugin === "mysql_native_password" && u.password === undefined && nativeHash === undefined) {
    throw new TypeError(`users.${name}: mysql_native_password needs a password or nativeHash`);
  }
  if (u.plugin === "caching_sha2_password" && u.password === undefined && sha2Hash === undefined) {
    throw new TypeError(`users.${name}: caching_sha2_password needs a password or sha2Hash`);
  }
  return {
    name,
    password: u.password,
    nativeHash,
    sha2Hash,
    plugin: u.plugin,
    backend: u.backend,
    requireTls: u.requireTls === true,
  };
}

/** Validates `createProxy`'s options. Throws TypeError naming the option at fault. */
export function resolveProxyOptions(o: ProxyOptions): ResolvedProxyOptions {
  if (typeof o !== "object" || o === null) throw new TypeError("createProxy() expects an options object");
  if (!Array.isArray(o.backends) || o.backends.length === 0) {
    throw new TypeError("backends: give at least one backend (a mysql:// URL or an object)");
  }
  if (typeof o.users !== "object" || o.users === null) {
    throw new TypeError("users: expected an object of users");
  }
  const users = new Map<string, ResolvedUser>();
  for (const [name, spec] of Object.entries(o.users)) users.set(name, resolveUser(name, spec));
  const plugin = o.defaultAuthPlugin ?? "mysql_native_password";
  if (!PLUGINS.includes(plugin)) {
    throw new TypeError(`defaultAuthPlugin must be one of ${PLUGINS.join(", ")}`);
  }
  if (o.multiplex !== undefined && typeof o.multiplex !== "boolean") {
    throw new TypeError("multiplex must be true or false");
  }
  const listen = typeof o.listen === "string"
    ? parseListen(o.listen)
    : o.listen ?? { host: "127.0.0.1", port: 6033 };
  return {
    listen,
    backends: o.backends.map(resolveBackend),
    users,
    defaultAuthPlugin: plugin,
    connectTimeout: o.connectTimeout ?? 10_000,
    loginTimeout: o.loginTimeout ?? 10_000,
    maxPacketSize: o.maxPacketSize ?? 1024 * 1024 * 1024,
    healthCheck: resolveHealthCheck(o.healthCheck, o.connectTimeout ?? 10_000),
    multiplex: o.multiplex ?? true,
    maxBackendConnections: count("maxBackendConnections", o.maxBackendConnections, 64, 1),
    maxWaiting: count("maxWaiting", o.maxWaiting, 1024, 0),
    waitTimeout: count("waitTimeout", o.waitTimeout, 10_000, 0),
  };
}

/**
 * mysql2's connection and pool option names, with mysql2's defaults, turned into mywire's native
 * options (what the wire needs) and the entry's decoding settings (what mysql2 does to values).
 * A known option with a bad value is a TypeError naming it; an option mysql2 itself does not know
 * is warned about and ignored, as mysql2 does; an option mysql2 knows that this entry cannot honour
 * is a TypeError saying so, never a silent difference.
 */
import type { PoolOptions } from "../../client/pool-options.ts";
import type { ConnectionOptions } from "../../session/connection-options.ts";
import type { Mysql2TypeCast } from "./fields.ts";

/** How values are decoded and queries formatted (per connection; queries may override some). */
export interface DecodeSettings {
  readonly supportBigNumbers: boolean;
  readonly bigNumberStrings: boolean;
  readonly decimalNumbers: boolean;
  readonly dateStrings: boolean | readonly string[];
  readonly timezone: string;
  readonly typeCast: boolean | Mysql2TypeCast;
  readonly rowsAsArray: boolean;
  readonly nestTables: boolean | string;
  readonly jsonStrings: boolean;
  readonly namedPlaceholders: boolean;
}

/** The settings that decide how a result's values are shaped (all but `namedPlaceholders`). */
export const SHAPING_SETTINGS = [
  "supportBigNumbers",
  "bigNumberStrings",
  "decimalNumbers",
  "dateStrings",
  "timezone",
  "typeCast",
  "rowsAsArray",
  "nestTables",
  "jsonStrings",
] as const satisfies readonly (keyof DecodeSettings)[];

/** mysql2's connection options (the ones this entry honours). */
export interface Mysql2ConnectionOptions {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  socketPath?: string;
  /** A `mysql://user:pass@host:port/db?option=value` URL (options as JSON values or strings). */
  uri?: string;
  charset?: string;
  timezone?: string;
  connectTimeout?: number;
  /** Default false: BIGINT as a number (lossy beyond 2^53, as in mysql2). */
  supportBigNumbers?: boolean;
  /** With `supportBigNumbers`: every BIGINT as a string. */
  bigNumberStrings?: boolean;
  /** Default false: DECIMAL as a string; true: as a number (lossy). */
  decimalNumbers?: boolean;
  dateStrings?: boolean | readonly ("DATE" | "DATETIME" | "TIMESTAMP")[];
  typeCast?: boolean | Mysql2TypeCast;
  rowsAsArray?: boolean;
  nestTables?: boolean | string;
  jsonStrings?: boolean;
  namedPlaceholders?: boolean;
  multipleStatements?: boolean;
  /** Capability flags to add or remove: `"-FOUND_ROWS"`, `["MULTI_STATEMENTS"]`. */
  flags?: string | readonly string[];
  ssl?: string | {
    ca?: string | string[];
    cert?: string;
    key?: string;
    rejectUnauthorized?: boolean;
    servername?: string;
  };
  compress?: boolean;
  connectAttributes?: Record<string, string>;
  /** How many prepared statements `execute` keeps per connection. Default 16000 in mysql2; 256 here. */
  maxPreparedStatements?: number;
  /** Accepted for compatibility; mywire's sockets do not expose TCP keepalive (see docs/integrations.md). */
  enableKeepAlive?: boolean;
  keepAliveInitialDelay?: number;
  /** The RSA public key of the server (PEM), for caching_sha2_password without TLS. */
  authPlugins?: never;
  /** Replaces `format()` for `query()`: `(sql, values) => string`. */
  queryFormat?: (sql: string, values: unknown) => string;
  /** mywire's own options, passed to the native connection as they are. */
  mywire?: Partial<ConnectionOptions>;
}

/** mysql2's pool options. */
export interface Mysql2PoolOptions extends Mysql2ConnectionOptions {
  /** Most connections open at once. Default 10. */
  connectionLimit?: number;
  /** Wait for a free connection (default true) or fail at once. */
  waitForConnections?: boolean;
  /** How many callers may wait; 0 (default): no limit. */
  queueLimit?: number;
  /** Idle connections kept open. Default `connectionLimit`. */
  maxIdle?: number;
  /** Milliseconds before an idle connection beyond `maxIdle` is closed. Default 60000. */
  idleTimeout?: number;
}

/** Resolved options of one connection. */
export interface ResolvedConnection {
  readonly native: ConnectionOptions;
  readonly decode: DecodeSettings;
  readonly queryFormat?: (sql: string, values: unknown) => string;
  /** The options as given (mysql2's `connection.config`). */
  readonly config: Readonly<Record<string, unknown>>;
}

const connectionKeys = new Set([
  "host",
  "port",
  "user",
  "password",
  "database",
  "socketPath",
  "uri",
  "charset",
  "timezone",
  "connectTimeout",
  "supportBigNumbers",
  "bigNumberStrings",
  "decimalNumbers",
  "dateStrings",
  "typeCast",
  "rowsAsArray",
  "nestTables",
  "jsonStrings",
  "namedPlaceholders",
  "multipleStatements",
  "flags",
  "ssl",
  "compress",
  "connectAttributes",
  "maxPreparedStatements",
  "enableKeepAlive",
  "keepAliveInitialDelay",
  "queryFormat",
  "mywire",
  // mysql2 options with no effect on what the server or the caller sees:
  "debug",
  "trace",
  "stringifyObjects",
  "insecureAuth",
  "disableEval",
  "gracefulEnd",
  "Promise",
  "waitForConnections",
  "connectionLimit",
  "queueLimit",
  "maxIdle",
  "idleTimeout",
]);

/** mysql2 options this entry cannot honour: refused rather than ignored. */
const unsupported: Readonly<Record<string, string>> = {
  localAddress: "mywire's sockets cannot bind a local address",
  authPlugins:
    "custom auth plugins are not pluggable here (mywire has native, caching_sha2, sha256, ed25519, clear)",
  authSwitchHandler: "custom auth plugins are not pluggable here",
  stream: "a custom socket is given with the native `runtime` option (options.mywire.runtime)",
  isServer: "the server side is not part of this entry",
  infileStreamFactory: "use the native `infile` option (options.mywire.infile)",
  passwordSha1: "pre-hashed passwords are not supported",
  password2: "multi-factor authentication is not supported",
  password3: "multi-factor authentication is not supported",
};

function fail(option: string, message: string): never {
  throw new TypeError(`invalid mysql2 option ${option}: ${message}`);
}

function bool(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") fail(key, `expected a boolean, got ${typeof v}`);
  return v;
}

/** Parses mysql2's URL form: options in the query string as JSON values (or plain strings). */
export function parseMysql2Url(uri: string): Record<string, unknown> {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new TypeError(`invalid connection URL "${uri}"`);
  }
  if (u.protocol !== "mysql:" && u.protocol !== "mariadb:") {
    throw new TypeError(`connection URL must start with mysql:// or mariadb://, got "${u.protocol}//"`);
  }
  const out: Record<string, unknown> = {};
  if (u.hostname) out.host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (u.port) out.port = Number(u.port);
  if (u.username) out.user = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  if (u.pathname.length > 1) out.database = decodeURIComponent(u.pathname.slice(1));
  for (const [key, value] of u.searchParams) {
    try {
      out[key] = JSON.parse(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

/** Applies mysql2's `flags` to the defaults (FOUND_ROWS on, as in mysql2). */
function resolveFlags(flags: unknown, multipleStatements: boolean, compress: boolean) {
  const state = { FOUND_ROWS: true, MULTI_STATEMENTS: multipleStatements, COMPRESS: compress };
  if (flags === undefined || flags === null) return state;
  const list = typeof flags === "string" ? flags.split(",") : flags;
  if (!Array.isArray(list)) fail("flags", "expected a string or a list of flag names");
  for (const raw of list) {
    if (typeof raw !== "string") fail("flags", `${String(raw)} is not a flag name`);
    const flag = raw.trim().toUpperCase();
    if (flag === "") continue;
    const off = flag.startsWith("-");
    const name = flag.replace(/^[+-]/, "");
    if (name in state) state[name as keyof typeof state] = !off;
    else if (!off) {
      fail("flags", `${name} cannot be turned on here (FOUND_ROWS, MULTI_STATEMENTS and COMPRESS can)`);
    }
  }
  return state;
}

function resolveSsl(ssl: unknown): ConnectionOptions["ssl"] {
  if (ssl === undefined || ssl === null || ssl === false) return undefined;
  if (typeof ssl === "string") {
    fail("ssl", `SSL profiles ("${ssl}") are not bundled; pass { ca } with the provider's CA certificates`);
  }
  if (typeof ssl !== "object") fail("ssl", "expected an object { ca, cert, key, rejectUnauthorized }");
  const s = ssl as {
    ca?: string | string[];
    cert?: string;
    key?: string;
    rejectUnauthorized?: boolean;
    servername?: string;
  };
  const mode = s.rejectUnauthorized === false ? "required" : "verify-identity";
  return { mode, ca: s.ca, cert: s.cert, key: s.key, servername: s.servername };
}

/** Resolves mysql2 connection options (an object or a URL) for the native connection and the decoders. */
export function resolveConnectionOptions(input: Mysql2ConnectionOptions | string): ResolvedConnection {
  if (typeof input === "string") input = { uri: input };
  if (typeof input !== "object" || input === null) {
    throw new TypeError("createConnection() expects an options object or a mysql:// URL");
  }
  let options = input as Record<string, unknown>;
  if (typeof options.uri === "string") options = { ...parseMysql2Url(options.uri), ...options };
  for (const key of Object.keys(options)) {
    if (key in unsupported) fail(key, unsupported[key]);
    if (!connectionKeys.has(key) && options[key] !== undefined) {
      // mysql2 warns about options it does not know and goes on; so does this entry.
      console.warn(`Ignoring invalid configuration option passed to Connection: ${key}.`);
    }
  }
  const multipleStatements = bool(options, "multipleStatements", false);
  const flags = resolveFlags(options.flags, multipleStatements, bool(options, "compress", false));
  const typeCast = options.typeCast ?? true;
  if (typeof typeCast !== "boolean" && typeof typeCast !== "function") {
    fail("typeCast", "expected a boolean or a function (field, next) => value");
  }
  const nestTables = options.nestTables ?? false;
  if (typeof nestTables !== "boolean" && typeof nestTables !== "string") {
    fail("nestTables", "expected a boolean or a separator string");
  }
  const dateStrings = options.dateStrings ?? false;
  if (typeof dateStrings !== "boolean" && !Array.isArray(dateStrings)) {
    fail("dateStrings", "expected a boolean or a list of DATE, DATETIME, TIMESTAMP");
  }
  const timezone = options.timezone === undefined || options.timezone === null ? "local" : options.timezone;
  if (typeof timezone !== "string") fail("timezone", "expected a string");
  if (options.queryFormat !== undefined && typeof options.queryFormat !== "function") {
    fail("queryFormat", "expected a function (sql, values) => string");
  }
  const mywire = (options.mywire ?? {}) as Partial<ConnectionOptions>;
  if (typeof mywire !== "object") fail("mywire", "expected an object of mywire connection options");
  const native: ConnectionOptions = {
    host: options.host as string | undefined,
    port: options.port as number | undefined,
    user: options.user as string | undefined,
    password: options.password as string | undefined,
    database: options.database as string | undefined,
    socketPath: options.socketPath as string | undefined,
    // mysql2's default collation.
    charset: (options.charset as string | undefined) ?? "utf8mb4_unicode_ci",
    timezone,
    connectTimeout: options.connectTimeout as number | undefined,
    ssl: resolveSsl(options.ssl),
    compress: flags.COMPRESS,
    multipleStatements: flags.MULTI_STATEMENTS,
    foundRows: flags.FOUND_ROWS,
    connectAttributes: {
      _client_name: "mywire-mysql2",
      ...(options.connectAttributes as Record<string, string> | undefined),
    },
    statementCacheSize: options.maxPreparedStatements === undefined
      ? undefined
      : Math.min(65536, options.maxPreparedStatements as number),
    ...mywire,
    // The entry decodes values itself from this exact, canonical form (see decode.ts).
    rowsAsArray: true,
    dateStrings: true,
    bigint: "string",
    decimal: "string",
    jsonParse: false,
    typeCast: undefined,
  };
  return {
    native,
    decode: {
      supportBigNumbers: bool(options, "supportBigNumbers", false),
      bigNumberStrings: bool(options, "bigNumberStrings", false),
      decimalNumbers: bool(options, "decimalNumbers", false),
      dateStrings: dateStrings as boolean | string[],
      timezone,
      typeCast: typeCast as boolean | Mysql2TypeCast,
      rowsAsArray: bool(options, "rowsAsArray", false),
      nestTables: nestTables as boolean | string,
      jsonStrings: bool(options, "jsonStrings", false),
      namedPlaceholders: bool(options, "namedPlaceholders", false),
    },
    queryFormat: options.queryFormat as ResolvedConnection["queryFormat"],
    config: Object.freeze({ ...options }),
  };
}

/** Resolved pool options: each connection's, and the native pool's. */
export interface ResolvedPool {
  readonly connection: ResolvedConnection;
  readonly native: PoolOptions;
  readonly connectionLimit: number;
  readonly waitForConnections: boolean;
  readonly queueLimit: number;
}

function count(options: Record<string, unknown>, key: string, fallback: number): number {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(key, `${String(v)} is not a whole number`);
  return v;
}

/** Resolves mysql2 pool options (mysql2's defaults: 10 connections, wait forever, no queue limit). */
export function resolvePoolOptions(input: Mysql2PoolOptions | string): ResolvedPool {
  const connection = resolveConnectionOptions(input);
  const options = connection.config as Record<string, unknown>;
  const connectionLimit = count(options, "connectionLimit", 10);
  if (connectionLimit < 1) fail("connectionLimit", "must be at least 1");
  const waitForConnections = bool(options, "waitForConnections", true);
  const queueLimit = count(options, "queueLimit", 0);
  const maxIdle = Math.min(count(options, "maxIdle", connectionLimit), connectionLimit);
  const idleTimeout = count(options, "idleTimeout", 60_000);
  return {
    connection,
    connectionLimit,
    waitForConnections,
    queueLimit,
    native: {
      ...connection.native,
      max: connectionLimit,
      // mysql2 keeps up to maxIdle idle connections open forever; mywire's minIdle refills eagerly,
      // so idle connections beyond 0 are closed after idleTimeout (maxIdle only bounds that count).
      minIdle: 0,
      idleTimeout: maxIdle === 0 ? 1 : idleTimeout,
      acquireTimeout: 0,
      queueLimit: waitForConnections ? (queueLimit === 0 ? Infinity : queueLimit) : 0,
      // mysql2 hands a connection back as its borrower left it.
      resetOnRelease: false,
      ...(connection.config.mywire as Partial<PoolOptions> | undefined),
    },
  };
}

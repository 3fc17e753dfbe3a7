/**
 * Connection options as users write them (an object or a `mysql://` URL), their defaults, and their
 * validation into the session's resolved settings; shared by the client, the pool and the binlog
 * stream. Bad input is a TypeError naming the option (src/session/validate.ts).
 */
import type { Layer } from "effect";
import type { BackendSpec } from "../pipeline/backends.ts";
import { createPipeline, type Pipeline } from "../pipeline/pipeline.ts";
import type { Plugin, PluginSpec } from "../pipeline/plugin.ts";
import { CharsetDefaultCollation, CollationIds } from "../protocol/constants.ts";
import { binaryRowParser, textRowParser } from "../protocol/rows.ts";
import { defaultValueOptions, parseTimezone, type ValueOptions } from "../protocol/values.ts";
import type { Runtime } from "../runtime/socket.ts";
import type { RetryPolicy } from "./backoff.ts";
import type { InfileHandler } from "./infile.ts";
import type { SessionOptions, SslMode, SslOptions } from "./options.ts";
import { nearestName, OptionValidator } from "./validate.ts";

/** Options of `connect()`. Every field is optional; defaults are listed with each. */
export interface ConnectionOptions {
  /** Server host name or address. Default `"localhost"`. */
  host?: string;
  /** Server TCP port. Default 3306. */
  port?: number;
  /** A Unix socket path to connect to instead of host and port. */
  socketPath?: string;
  /** User name. Default `""`. */
  user?: string;
  /** Password. Default `""`. */
  password?: string;
  /** The default database. */
  database?: string;
  /**
   * TLS: a mode (`"disabled"`, the default, `"preferred"`, `"required"`, `"verify-ca"`,
   * `"verify-identity"`), `true` for `"verify-identity"`, or an object with the mode and PEM texts.
   */
  ssl?: boolean | SslMode | (Partial<SslOptions> & { mode?: SslMode });
  /** Milliseconds to connect and authenticate. Default 10000; 0 waits forever. */
  connectTimeout?: number;
  /** Time zone of DATETIME/TIMESTAMP values: `"local"` (default), `"Z"` or `"+HH:MM"`. */
  timezone?: string;
  /** Connection charset or collation name (`"utf8mb4"`, `"utf8mb4_unicode_ci"`, ...) or collation id. Default utf8mb4. */
  charset?: string | number;
  /** DATE/DATETIME/TIMESTAMP as strings: `true`, or a list of those type names. Default false. */
  dateStrings?: ValueOptions["dateStrings"];
  /**
   * BIGINT as `"auto"` (default: number when safe, else bigint), `"bigint"`, `"string"`,
   * `"number-or-string"` (number when safe, else the digits: JSON-safe) or `"number"` (lossy).
   */
  bigint?: ValueOptions["bigint"];
  /** DECIMAL as `"string"` (default, exact) or `"number"` (lossy). */
  decimal?: ValueOptions["decimal"];
  /** Parse JSON columns. Default true. */
  jsonParse?: boolean;
  /** Per-column override of decoded values: `(column, value) => newValue` (not called for NULL). */
  typeCast?: ValueOptions["typeCast"];
  /** Rows as arrays instead of objects. Default false. */
  rowsAsArray?: boolean;
  /** Largest packet accepted from the server, in bytes. Default 64 MiB. */
  maxPacketSize?: number;
  /** Allow several statements separated by `;` in one query. Default false. */
  multipleStatements?: boolean;
  /**
   * CLIENT_FOUND_ROWS: an UPDATE's `affectedRows` counts the rows matched instead of the rows
   * changed (as mysql2 and the mariadb connector connect); `changedRows` is the rows changed
   * either way. Default false.
   */
  foundRows?: boolean;
  /** Connection attributes sent to the server (visible in performance_schema). */
  connectAttributes?: Record<string, string>;
  /** The server's RSA public key (PEM), for caching_sha2_password and sha256_password without TLS. */
  serverPublicKey?: string;
  /** Let the client ask the server for its RSA public key (open to a man in the middle). Default false. */
  allowPublicKeyRetrieval?: boolean;
  /** Allow mysql_clear_password to send the password over unencrypted TCP. Default false. */
  allowCleartextPassword?: boolean;
  /** Use the compressed protocol (zlib) when the server offers it. Default false. */
  compress?: boolean;
  /**
   * Enables LOAD DATA LOCAL INFILE: called with the file name the server asks for; returns the bytes
   * (or a stream of them) to send, or null to refuse. Off (every request refused) by default.
   */
  infile?: InfileHandler;
  /** How many prepared statements `execute` keeps open per connection (least recently used are closed). Default 256. */
  statementCacheSize?: number;
  /** The runtime's socket implementation; detected when absent. */
  runtime?: Runtime;
  /** Plugins (`definePlugin` values or plain hook objects), run in order on every command. */
  plugins?: readonly (Plugin<any> | PluginSpec<any, any, any>)[];
  /** The Layer that provides the services the plugins' Effects need. */
  pluginLayer?: Layer.Layer<any, any, never>;
  /** The servers a plugin's connectServer may choose among (`ctx.backends`). */
  backends?: readonly BackendSpec[];
  /** Connect on the first command instead of in `connect()`. Default false. */
  lazy?: boolean;
  /**
   * Close the connection after this many milliseconds without a command; the next command opens a
   * new one (with the current database and settings replayed). Default 0: never.
   */
  idleTimeout?: number;
  /**
   * When the connection is lost, open a new one: commands not yet sent go to it, reads that were
   * running are sent again, writes that were running fail (they may have run). `true` for the
   * default policy (3 retries from 100 ms up to 2 s), or a policy. Default false: a lost connection
   * stays closed and every command fails, as with `destroy()`.
   */
  reconnect?: boolean | Partial<RetryPolicy>;
  /**
   * Server errors worth trying again (with `retry`'s backoff): errnos (`1040`), codes
   * (`"ER_LOCK_WAIT_TIMEOUT"`), or patterns of the message. A command is retried only outside a
   * transaction; connecting is retried too. Default none.
   */
  temporaryErrors?: readonly (number | string | RegExp)[];
  /** How `temporaryErrors` are retried. Default 3 retries, from 50 ms up to 1 s. */
  retry?: Partial<RetryPolicy>;
  /** Statements run on every new connection before any command (`SET SESSION sql_mode = ...`). */
  init?: readonly string[];
}

/** Every option of `connect()`, by name (the compiler keeps this in step with the interface). */
const CONNECTION_OPTION_FLAGS: Record<keyof ConnectionOptions, true> = {
  host: true,
  port: true,
  socketPath: true,
  user: true,
  password: true,
  database: true,
  ssl: true,
  connectTimeout: true,
  timezone: true,
  charset: true,
  dateStrings: true,
  bigint: true,
  decimal: true,
  jsonParse: true,
  typeCast: true,
  rowsAsArray: true,
  maxPacketSize: true,
  multipleStatements: true,
  foundRows: true,
  connectAttributes: true,
  serverPublicKey: true,
  allowPublicKeyRetrieval: true,
  allowCleartextPassword: true,
  compress: true,
  infile: true,
  statementCacheSize: true,
  runtime: true,
  plugins: true,
  pluginLayer: true,
  backends: true,
  lazy: true,
  idleTimeout: true,
  reconnect: true,
  temporaryErrors: true,
  retry: true,
  init: true,
};

/** The names of `connect()`'s options. */
export const CONNECTION_OPTIONS: ReadonlySet<string> = new Set(Object.keys(CONNECTION_OPTION_FLAGS));

const sslModes: readonly SslMode[] = ["disabled", "preferred", "required", "verify-ca", "verify-identity"];

const check: OptionValidator = new OptionValidator("option");
const fail: (option: string, message: string) => never = (option, message) => check.fail(option, message);
const integerIn = (option: string, value: unknown, min: number, max: number) =>
  check.integer(option, value, min, max);

function resolveSsl(ssl: ConnectionOptions["ssl"]): SslOptions {
  if (ssl === undefined || ssl === false) return { mode: "disabled" };
  if (ssl === true) return { mode: "verify-identity" };
  if (typeof ssl === "string") {
    if (!sslModes.includes(ssl)) fail("ssl", `unknown mode "${ssl}" (use one of ${sslModes.join(", ")})`);
    return { mode: ssl };
  }
  if (typeof ssl !== "object" || ssl === null) fail("ssl", "expected a boolean, a mode or an object");
  const mode = ssl.mode ?? (ssl.ca ? "verify-identity" : "required");
  if (!sslModes.includes(mode)) fail("ssl.mode", `unknown mode "${mode}"`);
  return { ...ssl, mode };
}

function resolveCharset(charset: string | number | undefined): number {
  if (charset === undefined) return CharsetDefaultCollation.utf8mb4;
  if (typeof charset === "number") return integerIn("charset", charset, 1, 255);
  const name = charset.toLowerCase();
  const id = CharsetDefaultCollation[name] ?? CollationIds[name];
  if (id === undefined || id > 255) fail("charset", `unknown charset or collation "${charset}"`);
  return id;
}

const booleanOption = (option: string, value: unknown, fallback: boolean) =>
  check.boolean(option, value, fallback);

function typeCastOption(cast: unknown): ValueOptions["typeCast"] {
  if (cast === undefined) return undefined;
  if (typeof cast !== "function") fail("typeCast", "expected a function (column, value) => value");
  return cast as ValueOptions["typeCast"];
}

function infileOption(handler: unknown): InfileHandler | undefined {
  if (handler === undefined) return undefined;
  if (typeof handler !== "function") {
    fail("infile", "expected a function (name, sql) => bytes | stream | null");
  }
  return handler as InfileHandler;
}

/** The plugin pipeline for `plugins`, or undefined when there are none (then nothing runs for it). */
function pipelineOption(options: ConnectionOptions, values: ValueOptions): Pipeline<any, any> | undefined {
  if (options.plugins === undefined) return undefined;
  const rowsAsArray = options.rowsAsArray ?? false;
  return createPipeline(options.plugins as never, {
    layer: options.pluginLayer,
    backends: options.backends,
    timezone: values.timezone,
    rowParser: (fields, binary) =>
      binary ? binaryRowParser(fields, values, rowsAsArray) : textRowParser(fields, values, rowsAsArray),
  });
}

/** Validates user options and fills in the defaults. */
export function resolveOptions(options: ConnectionOptions): SessionOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("connect() expects an options object or a mysql:// URL string");
  }
  const port = options.port === undefined ? 3306 : integerIn("port", options.port, 1, 65535);
  const connectTimeout = options.connectTimeout === undefined
    ? 10_000
    : integerIn("connectTimeout", options.connectTimeout, 0, 2 ** 31 - 1);
  const maxPacketSize = options.maxPacketSize === undefined
    ? 64 * 1024 * 1024
    : integerIn("maxPacketSize", options.maxPacketSize, 1024, 2 ** 30);
  const timezone = options.timezone ?? "local";
  try {
    parseTimezone(timezone);
  } catch (error) {
    fail("timezone", (error as Error).message);
  }
  const dateStrings = options.dateStrings ?? defaultValueOptions.dateStrings;
  if (typeof dateStrings !== "boolean" && !Array.isArray(dateStrings)) {
    fail("dateStrings", "expected a boolean or a list of DATE, DATETIME, TIMESTAMP");
  }
  const values: ValueOptions = {
    timezone,
    dateStrings,
    bigint: check.oneOf(
      "bigint",
      options.bigint,
      ["auto", "bigint", "string", "number-or-string", "number"],
      defaultValueOptions.bigint,
    ),
    decimal: check.oneOf("decimal", options.decimal, ["string", "number"], defaultValueOptions.decimal),
    jsonParse: booleanOption("jsonParse", options.jsonParse, defaultValueOptions.jsonParse),
    typeCast: typeCastOption(options.typeCast),
  };
  for (const key of ["host", "user", "password", "database", "socketPath"] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== "string") fail(key, `expected a string, got ${typeof v}`);
  }
  return {
    host: options.host ?? "localhost",
    port,
    socketPath: options.socketPath,
    user: options.user ?? "",
    password: options.password ?? "",
    database: options.database || undefined,
    ssl: resolveSsl(options.ssl),
    connectTimeout,
    charset: resolveCharset(options.charset),
    maxPacketSize,
    multipleStatements: booleanOption("multipleStatements", options.multipleStatements, false),
    foundRows: booleanOption("foundRows", options.foundRows, false),
    connectAttributes: { _client_name: "mywire", ...options.connectAttributes },
    serverPublicKey: options.serverPublicKey,
    allowPublicKeyRetrieval: booleanOption("allowPublicKeyRetrieval", options.allowPublicKeyRetrieval, false),
    allowCleartextPassword: booleanOption("allowCleartextPassword", options.allowCleartextPassword, false),
    runtime: options.runtime,
    values,
    rowsAsArray: booleanOption("rowsAsArray", options.rowsAsArray, false),
    pipeline: pipelineOption(options, values),
    infile: infileOption(options.infile),
    compress: booleanOption("compress", options.compress, false),
    statementCacheSize: options.statementCacheSize === undefined
      ? 256
      : integerIn("statementCacheSize", options.statementCacheSize, 1, 65536),
  };
}

const booleanParams = new Set([
  "lazy",
  "reconnect",
  "compress",
  "multipleStatements",
  "foundRows",
  "jsonParse",
  "rowsAsArray",
  "allowPublicKeyRetrieval",
  "allowCleartextPassword",
]);
const numberParams = new Set([
  "connectTimeout",
  "maxPacketSize",
  "port",
  "statementCacheSize",
  "idleTimeout",
]);
const stringParams = new Set(["timezone", "charset", "bigint", "decimal", "socketPath", "serverPublicKey"]);

/**
 * Parses `mysql://user:password@host:port/database?option=value` (also `mariadb://`). Query
 * parameters are option names; `ssl-mode` / `sslMode` set the TLS mode, `dateStrings=true` works too.
 */
export function parseUrl(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`invalid connection URL "${url}"`);
  }
  if (u.protocol !== "mysql:" && u.protocol !== "mariadb:") {
    throw new TypeError(`connection URL must start with mysql:// or mariadb://, got "${u.protocol}//"`);
  }
  const options: ConnectionOptions = {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1") || undefined,
    port: u.port ? Number(u.port) : undefined,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
  };
  const record = options as Record<string, unknown>;
  for (const [key, value] of u.searchParams) {
    if (key === "ssl-mode" || key === "sslMode" || key === "ssl") {
      record.ssl = value === "true"
        ? true
        : value === "false"
        ? false
        : value.toLowerCase().replace("_", "-");
    } else if (key === "dateStrings") record.dateStrings = value === "true";
    else if (booleanParams.has(key)) record[key] = value === "true" || value === "1";
    else if (numberParams.has(key)) record[key] = Number(value);
    else if (stringParams.has(key)) record[key] = value;
    else {
      const near = nearestName(key, [
        ...booleanParams,
        ...numberParams,
        ...stringParams,
        "ssl-mode",
        "dateStrings",
      ]);
      throw new TypeError(
        `unknown connection URL parameter "${key}"${near ? `: did you mean ${near}?` : ""}`,
      );
    }
  }
  return options;
}

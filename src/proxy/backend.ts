/**
 * A client's own backend connection: a mywire `Session` opened with the backend credentials (the
 * user's configured `backend` login, else the backend's `user`, else the client's own name with
 * what the proxy learned of its password: the clear password, or SHA1(password) for
 * mysql_native_password), negotiating what the client negotiated with the proxy (multi-statements,
 * found rows, LOCAL INFILE, MariaDB's extended type info), so the backend's answers suit the client.
 * With multiplexing, `openPooled` opens a pool connection (backend-pool.ts) instead: with
 * CLIENT_SESSION_TRACK and the tracking settings, its baseline state read, and a family key
 * (`familyKey`) naming what makes two such connections interchangeable.
 */
import { toHex } from "../protocol/bytes.ts";
import { collationCharset, collationName } from "../protocol/collations.ts";
import { Capability, MariadbCapability } from "../protocol/constants.ts";
import { defaultValueOptions } from "../protocol/values.ts";
import type { Runtime } from "../runtime/socket.ts";
import { PacketChannel } from "../session/channel.ts";
import type { SessionOptions } from "../session/options.ts";
import { Session } from "../session/session.ts";
import type { PooledConnection } from "./backend-pool.ts";
import type { ClientSecret } from "./client-auth.ts";
import type { ResolvedBackend, ResolvedUser } from "./options.ts";
import { runOwnCommand } from "./own-statement.ts";
import { backendConnection } from "./relay.ts";
import {
  BASELINE_SQL,
  BASELINE_VARIABLES,
  queryPayload,
  SessionState,
  TrackedConnection,
  TRACKING_SQL,
} from "./session-tracker.ts";

/** What the client settled with the proxy that the backend connection must match. */
export interface BackendRequest {
  readonly user: ResolvedUser;
  readonly secret: ClientSecret;
  readonly database: string;
  readonly charset: number;
  readonly capabilities: number;
  readonly mariadbCapabilities: number;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The session options for `backend` on behalf of the client in `request`. */
export function backendSessionOptions(
  backend: ResolvedBackend,
  request: BackendRequest,
  settings: { connectTimeout: number; maxPacketSize: number; runtime: Runtime | undefined },
): SessionOptions {
  const configured = request.user.backend ?? backend.credentials;
  let user = request.user.name;
  let password = "";
  let passwordSha1: Uint8Array | undefined;
  if (configured !== undefined) {
    user = configured.user;
    password = configured.password;
  } else if (request.secret.kind === "password") password = request.secret.password;
  else if (request.secret.kind === "sha1") passwordSha1 = request.secret.sha1;
  const caps = request.capabilities;
  return {
    host: backend.host,
    port: backend.port,
    socketPath: backend.socketPath,
    user,
    password,
    passwordSha1,
    extendedTypeInfo: (request.mariadbCapabilities & MariadbCapability.EXTENDED_TYPE_INFO) !== 0,
    database: request.database || undefined,
    ssl: backend.ssl,
    connectTimeout: settings.connectTimeout,
    charset: request.charset || 45,
    maxPacketSize: settings.maxPacketSize,
    multipleStatements: (caps & Capability.MULTI_STATEMENTS) !== 0,
    foundRows: (caps & Capability.FOUND_ROWS) !== 0,
    queryAttributes: (caps & Capability.QUERY_ATTRIBUTES) !== 0,
    connectAttributes: request.attributes,
    allowPublicKeyRetrieval: false,
    allowCleartextPassword: false,
    runtime: settings.runtime,
    values: defaultValueOptions,
    rowsAsArray: false,
    compress: backend.compress,
    // Only to ask the backend for CLIENT_LOCAL_FILES: the proxy relays the file from its client.
    infile: (caps & Capability.LOCAL_FILES) !== 0 ? () => null : undefined,
    statementCacheSize: 0,
  };
}

/** Opens the backend connection; rejects as Session.open does (ConnectionError, MysqlError ...). */
export function openBackend(options: SessionOptions): Promise<Session> {
  return Session.open(options);
}

/** The capabilities a pool connection shares with every client of its family. */
const FAMILY_CAPABILITIES = Capability.MULTI_STATEMENTS | Capability.FOUND_ROWS | Capability.LOCAL_FILES;

/** Character sets a server does not take as a client's (it falls back to its default then). */
const NOT_CLIENT_CHARSETS: ReadonlySet<string> = new Set(["ucs2", "utf16", "utf16le", "utf32"]);

/**
 * The character set variables a login with collation `id` gives a session (what SET NAMES would
 * set), or undefined when the server would not take it as is (unknown, or not a client charset).
 */
export function handshakeCharsetVariables(id: number): [string, string][] | undefined {
  const charset = collationCharset(id);
  const name = collationName(id);
  if (charset === undefined || name === undefined || NOT_CLIENT_CHARSETS.has(charset)) return undefined;
  return [
    ["character_set_client", charset],
    ["character_set_connection", charset],
    ["character_set_results", charset],
    ["collation_connection", name],
  ];
}

/**
 * The pool family of a session opened with `options` on backend `index`: the backend, the login
 * (user and secret; the key stays in memory), the options the handshake fixed (multi-statements,
 * found rows, LOCAL INFILE, extended type info). The collation only where the character set
 * variables cannot be replayed from it (`handshakeCharsetVariables`): clients that log in with
 * different collations share connections, their character sets replayed like any variable.
 */
export function familyKey(index: number, options: SessionOptions): string {
  const secret = options.passwordSha1 !== undefined
    ? "sha1:" + toHex(options.passwordSha1)
    : "pw:" + options.password;
  let caps = 0;
  if (options.multipleStatements) caps |= Capability.MULTI_STATEMENTS;
  if (options.foundRows) caps |= Capability.FOUND_ROWS;
  if (options.infile !== undefined) caps |= Capability.LOCAL_FILES;
  return JSON.stringify([
    index,
    options.user,
    secret,
    caps & FAMILY_CAPABILITIES,
    options.extendedTypeInfo !== false,
    handshakeCharsetVariables(options.charset) === undefined ? options.charset : "any",
  ]);
}

/**
 * Opens a pool connection for backend `index`: a session asking for CLIENT_SESSION_TRACK, without
 * the client's connection attributes (it serves many clients), then the tracking settings and the
 * baseline variables. Rejects as Session.open does, or with the server's error of those statements.
 */
export async function openPooled(
  index: number,
  address: string,
  options: SessionOptions,
  family: string,
): Promise<PooledConnection> {
  const session = await Session.open({
    ...options,
    sessionTrack: true,
    connectAttributes: { program_name: "mywire-proxy" },
  });
  try {
    const channel = await session.exclusive(async (ch) => ch);
    const raw = backendConnection(channel, {
      address,
      capabilities: session.info.capabilities,
      mariadbCapabilities: session.info.mariadbCapabilities,
      flavor: session.info.flavor,
    });
    const conn = new TrackedConnection(raw, new SessionState(options.database ?? ""), session.statusFlags);
    await runOwnCommand(conn, queryPayload(TRACKING_SQL));
    const [row] = await runOwnCommand(conn, queryPayload(BASELINE_SQL));
    BASELINE_VARIABLES.forEach((name, i) => conn.state.variables.set(name, row?.[i] ?? ""));
    return {
      session,
      conn,
      backendIndex: index,
      family,
      threadId: session.info.connectionId,
      baseline: conn.state.clone(),
    };
  } catch (error) {
    session.destroy();
    throw error;
  }
}

/**
 * Connects to `backend`, reads its first packet (the greeting, or the ERR a server sends instead,
 * e.g. too many connections) and closes the connection. Rejects when that takes over `timeout` ms.
 */
export async function readBackendGreeting(
  runtime: Runtime,
  backend: ResolvedBackend,
  timeout: number,
): Promise<Uint8Array> {
  const address = backend.socketPath !== undefined
    ? { path: backend.socketPath }
    : { host: backend.host, port: backend.port };
  const socket = await runtime.connect({ ...address, timeout });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no greeting from ${backend.address} in ${timeout} ms`)),
        timeout,
      );
    });
    return await Promise.race([new PacketChannel(socket, 1 << 20).read(), late]);
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

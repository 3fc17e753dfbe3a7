/**
 * A client's own backend connection: a mywire `Session` opened with the backend credentials (the
 * user's configured `backend` login, else the backend's `user`, else the client's own name with
 * what the proxy learned of its password: the clear password, or SHA1(password) for
 * mysql_native_password), negotiating what the client negotiated with the proxy (multi-statements,
 * found rows, LOCAL INFILE, MariaDB's extended type info), so the backend's answers suit the client.
 * No multiplexing yet: one backend connection per client, closed when the client leaves.
 */
import { Capability, MariadbCapability } from "../protocol/constants.ts";
import { defaultValueOptions } from "../protocol/values.ts";
import type { Runtime } from "../runtime/socket.ts";
import type { SessionOptions } from "../session/options.ts";
import { Session } from "../session/session.ts";
import type { ClientSecret } from "./client-auth.ts";
import type { ResolvedBackend, ResolvedUser } from "./options.ts";

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

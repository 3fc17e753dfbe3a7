/**
 * The connection phase of a client session: read the greeting, upgrade to TLS when asked, send the
 * credentials, and follow auth switches and AuthMoreData until the server says OK or ERR.
 */
import type { PipelineSession } from "../pipeline/pipeline-session.ts";
import { authPlugin } from "../protocol/auth/registry.ts";
import { Capability, MariadbCapability } from "../protocol/constants.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { ServerFlavor } from "../protocol/errors.ts";
import type { MysqlError } from "../protocol/errors.ts";
import {
  decodeGreeting,
  encodeHandshakeResponse,
  encodeSslRequest,
  type Greeting,
  isMariadb,
} from "../protocol/handshake.ts";
import { decodeErr, decodeOk, type ErrPacket } from "../protocol/results.ts";
import { ConnectionError, type TlsOptions } from "../runtime/socket.ts";
import { exchangeStarter, finishAuthentication } from "./auth-exchange.ts";
import type { PacketChannel } from "./channel.ts";
import type { SessionOptions } from "./options.ts";
import { serverError } from "./server-error.ts";

/** What the client learned about the server while connecting. */
export interface ServerInfo {
  readonly greeting: Greeting;
  readonly version: string;
  readonly flavor: ServerFlavor;
  /** The server's thread id for this connection (for KILL). */
  readonly connectionId: number;
  /** The capabilities both sides agreed on. */
  readonly capabilities: number;
  /** The MariaDB extended capabilities both sides agreed on. */
  readonly mariadbCapabilities: number;
  /** Status flags from the final OK. */
  readonly statusFlags: number;
  /** Whether the channel is encrypted. */
  readonly tls: boolean;
  /** Whether the compressed protocol is in use. */
  readonly compressed: boolean;
  /** The plugin that authenticated the user. */
  readonly authPlugin: string;
}

/**
 * The server version without MariaDB's "5.5.5-" prefix (which it adds so that old replication
 * clients accept it).
 */
export function displayVersion(version: string): string {
  return /^5\.5\.5-.*mariadb/i.test(version) ? version.slice(6) : version;
}

/** The error for a connection a plugin refused with its own answer. */
function refusal(err: ErrPacket | undefined, greeting: Greeting): MysqlError {
  return serverError(
    err ?? { errno: 1045, sqlState: "28000", message: "refused by a plugin" },
    isMariadb(greeting) ? "mariadb" : "mysql",
    undefined,
  );
}

/** The capabilities this client asks for (before masking with the server's). */
function wantedCapabilities(options: SessionOptions): number {
  let caps = Capability.LONG_PASSWORD | Capability.LONG_FLAG | Capability.PROTOCOL_41
    | Capability.TRANSACTIONS | Capability.SECURE_CONNECTION | Capability.MULTI_RESULTS
    | Capability.PS_MULTI_RESULTS | Capability.PLUGIN_AUTH | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA
    | Capability.CONNECT_ATTRS | Capability.DEPRECATE_EOF;
  if (options.database) caps |= Capability.CONNECT_WITH_DB;
  if (options.multipleStatements) caps |= Capability.MULTI_STATEMENTS;
  if (options.foundRows) caps |= Capability.FOUND_ROWS;
  if (options.infile) caps |= Capability.LOCAL_FILES;
  if (options.compress) caps |= Capability.COMPRESS;
  if (options.queryAttributes) caps |= Capability.QUERY_ATTRIBUTES;
  if (options.sessionTrack) caps |= Capability.SESSION_TRACK;
  return caps;
}

/** TLS settings for the runtime from the session's `ssl` option. */
export function tlsOptions(options: SessionOptions): TlsOptions {
  const { mode, ca, cert, key, servername } = options.ssl;
  return {
    verify: mode === "verify-identity" ? "identity" : mode === "verify-ca" ? "ca" : "none",
    ca,
    cert,
    key,
    servername: servername ?? (options.socketPath ? undefined : options.host),
  };
}

/**
 * Runs the connection phase on a fresh channel. On success the channel is ready for commands
 * (possibly on a TLS socket that replaced the original one).
 */
export async function performHandshake(
  channel: PacketChannel,
  options: SessionOptions,
  ps?: PipelineSession,
): Promise<ServerInfo> {
  const first = await channel.read();
  if (first[0] === 0xff) {
    const err = decodeErr(first);
    throw serverError(err, "mariadb", undefined);
  }
  let greeting = decodeGreeting(first);
  if (ps) {
    const plan = await ps.onHandshake(greeting);
    if (plan._tag === "SendResult") throw refusal(plan.error, greeting);
    greeting = plan.greeting;
  }
  const flavor: ServerFlavor = isMariadb(greeting) ? "mariadb" : "mysql";
  if ((greeting.capabilities & Capability.PROTOCOL_41) === 0) {
    throw new ProtocolError("unsupported", `server ${greeting.serverVersion} does not speak protocol 4.1`);
  }
  let capabilities = wantedCapabilities(options) & greeting.capabilities;
  let mariadbCapabilities = 0;
  if (flavor === "mariadb" && (greeting.capabilities & Capability.MYSQL) === 0) {
    // Clearing CLIENT_MYSQL tells MariaDB to read our extended capabilities.
    capabilities &= ~Capability.MYSQL;
    mariadbCapabilities = options.extendedTypeInfo === false
      ? 0
      : greeting.mariadbCapabilities & MariadbCapability.EXTENDED_TYPE_INFO;
  }

  const mode = options.ssl.mode;
  let tls = false;
  if (mode !== "disabled") {
    if (greeting.capabilities & Capability.SSL) {
      capabilities |= Capability.SSL;
      await channel.write(
        encodeSslRequest({
          capabilities,
          mariadbCapabilities,
          maxPacketSize: options.maxPacketSize,
          charset: options.charset,
        }),
      );
      if (channel.buffered > 0) {
        throw new ProtocolError("unexpected", "server sent data before the TLS handshake");
      }
      channel.socket = await channel.socket.startTls(tlsOptions(options));
      tls = true;
    } else if (mode !== "preferred") {
      throw new ConnectionError(
        "TLS",
        `ssl mode "${mode}" requires TLS but the server at ${channel.socket.remote} does not offer it; `
          + "no credentials were sent",
        channel.socket.remote,
      );
    }
  }

  let pluginName = greeting.authPluginName || "mysql_native_password";
  let user = options.user;
  let password = options.password;
  let database = options.database ?? "";
  let attributes = options.connectAttributes;
  if (ps) {
    const plan = await ps.onAuth({
      user,
      database: options.database,
      attributes,
      capabilities,
      charset: options.charset,
      authPluginName: pluginName,
    });
    if (plan._tag === "SendResult") throw refusal(plan.error, greeting);
    user = plan.auth.user;
    password = plan.auth.password ?? password;
    database = plan.auth.database ?? "";
    attributes = plan.auth.attributes;
    capabilities = plan.auth.capabilities & greeting.capabilities;
    if (database !== "") capabilities |= Capability.CONNECT_WITH_DB & greeting.capabilities;
  }
  const secure = tls || options.socketPath !== undefined;
  const startExchange = exchangeStarter({
    user,
    password,
    passwordSha1: password === options.password ? options.passwordSha1 : undefined,
    secure,
    serverPublicKey: options.serverPublicKey,
    allowPublicKeyRetrieval: options.allowPublicKeyRetrieval,
    allowCleartextPassword: options.allowCleartextPassword,
  });
  // An unknown default plugin is not fatal: answer with native and let the server switch us.
  if (!authPlugin(pluginName)) pluginName = "mysql_native_password";
  const exchange = startExchange(pluginName, greeting.scramble);
  const authResponse = await exchange.start();
  await channel.write(encodeHandshakeResponse({
    capabilities,
    mariadbCapabilities,
    maxPacketSize: options.maxPacketSize,
    charset: options.charset,
    user,
    authResponse,
    database,
    authPluginName: pluginName,
    attributes,
  }));

  const done = await finishAuthentication(channel, pluginName, exchange, startExchange, "authentication");
  pluginName = done.pluginName;
  let packet = done.final;
  if (ps) {
    packet = await ps.onAuthResult(packet, {
      capabilities,
      mariadbCapabilities,
      tls,
      authPlugin: pluginName,
    });
  }
  if (packet[0] === 0xff) throw serverError(decodeErr(packet), flavor, undefined);
  if (packet[0] !== 0x00) {
    throw new ProtocolError(
      "unexpected",
      `authentication ended with a packet starting 0x${packet[0]?.toString(16)}`,
    );
  }
  const ok = decodeOk(packet, capabilities);
  if (capabilities & Capability.COMPRESS) {
    // loaded here, not at start-up: compression (and fflate) is for the connections that ask for it
    const { CompressedSocket } = await import("./compressed-socket.ts");
    channel.socket = new CompressedSocket(channel.socket);
  }
  return {
    greeting,
    version: displayVersion(greeting.serverVersion),
    flavor,
    connectionId: greeting.connectionId,
    capabilities,
    mariadbCapabilities,
    statusFlags: ok.statusFlags,
    tls,
    compressed: (capabilities & Capability.COMPRESS) !== 0,
    authPlugin: pluginName,
  };
}

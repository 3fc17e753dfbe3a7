/**
 * The server's side of the connection phase's first packet: a HandshakeV10 greeting with a fresh
 * scramble from a CSPRNG (20 bytes, none of them 0x00, sent as 8 bytes in auth-plugin-data-part-1 and
 * 12 in part 2 followed by a NUL, as MySQL and MariaDB send it), the server's connection id, version,
 * capabilities, default auth plugin and, for a MariaDB-flavoured server, the extended capabilities in
 * the 4 filler bytes (with CLIENT_MYSQL cleared). Encoding is `encodeGreeting` in handshake.ts.
 *
 * Pure codec (randomness from `crypto.getRandomValues`). Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html
 * https://mariadb.com/kb/en/connection/#initial-handshake-packet
 *
 * HandshakeV10 layout (sizes in bytes):
 * ```
 * 1    protocol version 10          | NUL  server version
 * 4    connection id                | 8    auth-plugin-data-part-1
 * 1    filler 0x00                  | 2    capability flags, lower 16 bits
 * 1    character set                | 2    status flags
 * 2    capability flags, upper 16   | 1    length of auth-plugin-data (21)
 * 6    reserved                     | 4    MariaDB extended capabilities (MySQL: reserved)
 * 13   auth-plugin-data-part-2 (12 + NUL) | NUL auth plugin name
 * ```
 */
import { Capability, Charset, ServerStatus } from "./constants.ts";
import { encodeGreeting, type Greeting } from "./handshake.ts";

/** A scramble (nonce) for authentication: `length` random bytes from a CSPRNG, none of them 0x00. */
export function createScramble(length = 20): Uint8Array {
  const out = new Uint8Array(length);
  crypto.getRandomValues(out);
  // A NUL would end the scramble early for clients that read it as a C string: draw those again.
  for (let i = 0; i < length; i++) {
    while (out[i] === 0) out[i] = crypto.getRandomValues(new Uint8Array(1))[0];
  }
  return out;
}

/** The capabilities a server offers by default: protocol 4.1 with the modern layout and features. */
export const DEFAULT_SERVER_CAPABILITIES: number = Capability.LONG_PASSWORD | Capability.FOUND_ROWS
  | Capability.LONG_FLAG | Capability.CONNECT_WITH_DB | Capability.PROTOCOL_41 | Capability.TRANSACTIONS
  | Capability.SECURE_CONNECTION | Capability.MULTI_STATEMENTS | Capability.MULTI_RESULTS
  | Capability.PS_MULTI_RESULTS | Capability.PLUGIN_AUTH | Capability.CONNECT_ATTRS
  | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capability.SESSION_TRACK | Capability.DEPRECATE_EOF;

/** What a server says about itself in its greeting. */
export interface GreetingOptions {
  /** The id of the connection (what `CONNECTION_ID()` answers). */
  readonly connectionId: number;
  /** E.g. "8.0.36" or, for MariaDB, "5.5.5-11.4.2-MariaDB" (the prefix old clients expect). */
  readonly serverVersion: string;
  /** Capability flags offered (default `DEFAULT_SERVER_CAPABILITIES`; PROTOCOL_41, SECURE_CONNECTION and PLUGIN_AUTH are always set). */
  readonly capabilities?: number;
  /**
   * MariaDB extended capabilities (`MariadbCapability` bits): given, the greeting is MariaDB's
   * (CLIENT_MYSQL cleared, the bits in the filler); absent, it is MySQL's (CLIENT_MYSQL set).
   */
  readonly mariadbCapabilities?: number;
  /** Default auth plugin (default "mysql_native_password"). */
  readonly authPluginName?: string;
  /** The server's default collation id (default utf8mb4_general_ci). */
  readonly charset?: number;
  /** Status flags (default SERVER_STATUS_AUTOCOMMIT). */
  readonly statusFlags?: number;
  /** The scramble to use (default: a fresh `createScramble()`); must be 20 bytes without 0x00. */
  readonly scramble?: Uint8Array;
}

/**
 * Builds a server greeting: the `Greeting` (keep its `scramble`: the client's auth response answers
 * it) and its payload. Throws RangeError for a scramble that is not 20 bytes without a NUL.
 */
export function buildGreeting(
  o: GreetingOptions,
): { readonly greeting: Greeting; readonly payload: Uint8Array } {
  const scramble = o.scramble ?? createScramble();
  if (scramble.length !== 20 || scramble.includes(0)) {
    throw new RangeError("a greeting's scramble must be 20 bytes, none of them 0x00");
  }
  let capabilities = (o.capabilities ?? DEFAULT_SERVER_CAPABILITIES) | Capability.PROTOCOL_41
    | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH;
  const mariadb = o.mariadbCapabilities !== undefined;
  capabilities = mariadb ? capabilities & ~Capability.MYSQL : capabilities | Capability.MYSQL;
  const greeting: Greeting = {
    protocolVersion: 10,
    serverVersion: o.serverVersion,
    connectionId: o.connectionId >>> 0,
    scramble,
    capabilities: capabilities >>> 0,
    mariadbCapabilities: mariadb ? o.mariadbCapabilities! >>> 0 : 0,
    charset: o.charset ?? Charset.UTF8MB4_GENERAL_CI,
    statusFlags: o.statusFlags ?? ServerStatus.AUTOCOMMIT,
    authPluginName: o.authPluginName ?? "mysql_native_password",
  };
  return { greeting, payload: encodeGreeting(greeting) };
}

/**
 * Connection-phase packets: HandshakeV10 (the server greeting), HandshakeResponse41, SSLRequest,
 * AuthSwitchRequest, AuthMoreData and AuthSwitchResponse. Each has an encoder (used by the proxy's
 * server side and by tests) and a decoder. Pure: bytes in, plain data out. (A server builds its
 * greeting with server-handshake.ts.)
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_response.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_ssl_request.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_auth_switch_request.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_auth_more_data.html
 * https://mariadb.com/kb/en/connection/ (MariaDB's extended capabilities in the filler bytes)
 *
 * Layouts (sizes in bytes):
 * ```
 * HandshakeV10         see server-handshake.ts
 * HandshakeResponse41  4 client_flag | 4 max_packet_size | 1 character_set | 19 filler
 *                      | 4 MariaDB extended capabilities (else filler) | NUL username
 *                      | auth_response: lenenc (PLUGIN_AUTH_LENENC_CLIENT_DATA), 1 + n (SECURE_CONNECTION)
 *                        or NUL-terminated | NUL database (CONNECT_WITH_DB) | NUL client_plugin_name
 *                        (PLUGIN_AUTH) | lenenc attributes: lenenc key, lenenc value (CONNECT_ATTRS)
 * SSLRequest           the first 32 bytes of HandshakeResponse41, with CLIENT_SSL
 * AuthSwitchRequest    1 0xFE | NUL plugin_name | EOF plugin_data (NUL-terminated)
 * AuthMoreData         1 0x01 | EOF data
 * AuthSwitchResponse   EOF data (no header)
 * ```
 */
import { Reader, Writer } from "./bytes.ts";
import { Capability } from "./constants.ts";
import { ProtocolError } from "./errors.ts";

/** The server greeting (Protocol::HandshakeV10). */
export interface Greeting {
  readonly protocolVersion: number;
  readonly serverVersion: string;
  readonly connectionId: number;
  /** The nonce for authentication (usually 20 bytes), without the trailing NUL. */
  readonly scramble: Uint8Array;
  /** Capability flags (lower 32 bits). */
  readonly capabilities: number;
  /** MariaDB extended capabilities (0 for MySQL). */
  readonly mariadbCapabilities: number;
  /** The server's default collation id. */
  readonly charset: number;
  readonly statusFlags: number;
  /** The default authentication plugin, when the server has CLIENT_PLUGIN_AUTH. */
  readonly authPluginName: string;
}

/** True when a greeting comes from MariaDB (which clears CLIENT_MYSQL and says so in its version). */
export function isMariadb(greeting: Greeting): boolean {
  return (greeting.capabilities & Capability.MYSQL) === 0 || /mariadb/i.test(greeting.serverVersion);
}

/** Decodes Protocol::HandshakeV10. */
export function decodeGreeting(payload: Uint8Array): Greeting {
  const r = new Reader(payload);
  const protocolVersion = r.u8();
  if (protocolVersion !== 10) {
    throw new ProtocolError("unsupported", `unsupported handshake protocol version ${protocolVersion}`);
  }
  const serverVersion = r.nulString();
  const connectionId = r.u32();
  const part1 = r.bytesView(8);
  r.skip(1);
  let capabilities = r.u16();
  let charset = 0, statusFlags = 0, mariadbCapabilities = 0, authDataLength = 0;
  let part2: Uint8Array = new Uint8Array(0);
  let authPluginName = "";
  if (r.remaining > 0) {
    charset = r.u8();
    statusFlags = r.u16();
    capabilities = (capabilities | (r.u16() << 16)) >>> 0;
    authDataLength = r.u8();
    r.skip(6);
    const ext = r.u32();
    if ((capabilities & Capability.MYSQL) === 0) mariadbCapabilities = ext;
    if (capabilities & Capability.SECURE_CONNECTION) {
      const n = Math.max(13, authDataLength - 8);
      part2 = r.bytesView(Math.min(n, r.remaining));
      // The second part is NUL-terminated; the terminator is not part of the nonce.
      if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
    }
    if ((capabilities & Capability.PLUGIN_AUTH) && r.remaining > 0) {
      const at = payload.indexOf(0, r.pos);
      authPluginName = at < 0 ? r.restString() : r.nulString();
    }
  }
  const scramble = new Uint8Array(part1.length + part2.length);
  scramble.set(part1);
  scramble.set(part2, part1.length);
  return {
    protocolVersion,
    serverVersion,
    connectionId,
    scramble,
    capabilities,
    mariadbCapabilities,
    charset,
    statusFlags,
    authPluginName,
  };
}

/** Encodes Protocol::HandshakeV10 (the proxy's greeting to its clients). The scramble must be 20 bytes. */
export function encodeGreeting(g: Greeting): Uint8Array {
  if (g.scramble.length < 8) throw new RangeError("scramble must be at least 8 bytes");
  const w = new Writer(128);
  w.u8(10).nulString(g.serverVersion).u32(g.connectionId);
  w.bytes(g.scramble.subarray(0, 8)).u8(0);
  w.u16(g.capabilities & 0xffff).u8(g.charset).u16(g.statusFlags).u16(g.capabilities >>> 16);
  w.u8(g.capabilities & Capability.PLUGIN_AUTH ? g.scramble.length + 1 : 0);
  w.zeros(6);
  w.u32((g.capabilities & Capability.MYSQL) === 0 ? g.mariadbCapabilities : 0);
  if (g.capabilities & Capability.SECURE_CONNECTION) {
    const rest = g.scramble.subarray(8);
    w.bytes(rest).zeros(Math.max(13 - rest.length, 1));
  }
  if (g.capabilities & Capability.PLUGIN_AUTH) w.nulString(g.authPluginName);
  return w.finish();
}

/** The client's reply to the greeting (Protocol::HandshakeResponse41). */
export interface HandshakeResponse {
  readonly capabilities: number;
  /** MariaDB extended capabilities; sent only when CLIENT_MYSQL is not set. */
  readonly mariadbCapabilities: number;
  readonly maxPacketSize: number;
  readonly charset: number;
  readonly user: string;
  readonly authResponse: Uint8Array;
  /** Sent when CLIENT_CONNECT_WITH_DB is set. */
  readonly database: string;
  /** Sent when CLIENT_PLUGIN_AUTH is set. */
  readonly authPluginName: string;
  /** Connection attributes, sent when CLIENT_CONNECT_ATTRS is set. */
  readonly attributes: Readonly<Record<string, string>>;
}

function writeResponseHeader(
  w: Writer,
  r: { capabilities: number; mariadbCapabilities: number; maxPacketSize: number; charset: number },
): void {
  w.u32(r.capabilities).u32(r.maxPacketSize).u8(r.charset).zeros(19);
  w.u32((r.capabilities & Capability.MYSQL) === 0 ? r.mariadbCapabilities : 0);
}

/** Encodes Protocol::HandshakeResponse41. */
export function encodeHandshakeResponse(r: HandshakeResponse): Uint8Array {
  const w = new Writer(128);
  writeResponseHeader(w, r);
  w.nulString(r.user);
  if (r.capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) w.lenencBytes(r.authResponse);
  else if (r.capabilities & Capability.SECURE_CONNECTION) {
    if (r.authResponse.length > 255) throw new RangeError("auth response longer than 255 bytes");
    w.u8(r.authResponse.length).bytes(r.authResponse);
  } else w.bytes(r.authResponse).u8(0);
  if (r.capabilities & Capability.CONNECT_WITH_DB) w.nulString(r.database);
  if (r.capabilities & Capability.PLUGIN_AUTH) w.nulString(r.authPluginName);
  if (r.capabilities & Capability.CONNECT_ATTRS) {
    const attrs = new Writer(64);
    for (const [k, v] of Object.entries(r.attributes)) attrs.lenencString(k).lenencString(v);
    w.lenencBytes(attrs.finish());
  }
  return w.finish();
}

/**
 * The connection attributes of a HandshakeResponse41 or COM_CHANGE_USER: lenenc key/value string
 * pairs, the whole block lenenc-prefixed (the caller takes the block).
 */
export function decodeConnectAttributes(block: Uint8Array): Record<string, string> {
  const a = new Reader(block);
  const pairs: [string, string][] = [];
  while (a.remaining > 0) {
    const k = a.lenencString();
    pairs.push([k, a.lenencString()]);
  }
  // fromEntries defines own properties, so a hostile "__proto__" key stays a plain key.
  return Object.fromEntries(pairs);
}

/** Decodes Protocol::HandshakeResponse41 (on the proxy's server side). */
export function decodeHandshakeResponse(payload: Uint8Array): HandshakeResponse {
  const r = new Reader(payload);
  const capabilities = r.u32();
  if ((capabilities & Capability.PROTOCOL_41) === 0) {
    throw new ProtocolError("unsupported", "client does not speak protocol 4.1");
  }
  const maxPacketSize = r.u32();
  const charset = r.u8();
  r.skip(19);
  const ext = r.u32();
  const mariadbCapabilities = (capabilities & Capability.MYSQL) === 0 ? ext : 0;
  const user = r.nulString();
  let authResponse: Uint8Array;
  if (capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes().slice();
  else if (capabilities & Capability.SECURE_CONNECTION) authResponse = r.bytesCopy(r.u8());
  else authResponse = r.nulBytes().slice();
  let database = "";
  if ((capabilities & Capability.CONNECT_WITH_DB) && r.remaining > 0) database = r.nulString();
  let authPluginName = "";
  if ((capabilities & Capability.PLUGIN_AUTH) && r.remaining > 0) authPluginName = r.nulString();
  const attributes = (capabilities & Capability.CONNECT_ATTRS) && r.remaining > 0
    ? decodeConnectAttributes(r.lenencBytes())
    : {};
  return {
    capabilities,
    mariadbCapabilities,
    maxPacketSize,
    charset,
    user,
    authResponse,
    database,
    authPluginName,
    attributes,
  };
}

/** The SSLRequest packet: the first 32 bytes of a HandshakeResponse41, with CLIENT_SSL set. */
export interface SslRequest {
  readonly capabilities: number;
  readonly mariadbCapabilities: number;
  readonly maxPacketSize: number;
  readonly charset: number;
}

/** Encodes Protocol::SSLRequest. */
export function encodeSslRequest(r: SslRequest): Uint8Array {
  const w = new Writer(32);
  writeResponseHeader(w, { ...r, capabilities: r.capabilities | Capability.SSL });
  return w.finish();
}

/** Decodes Protocol::SSLRequest (a 32-byte response with CLIENT_SSL). */
export function decodeSslRequest(payload: Uint8Array): SslRequest {
  if (payload.length !== 32) throw new ProtocolError("malformed", `SSLRequest of ${payload.length} bytes`);
  const r = new Reader(payload);
  const capabilities = r.u32();
  const maxPacketSize = r.u32();
  const charset = r.u8();
  r.skip(19);
  const ext = r.u32();
  return {
    capabilities,
    mariadbCapabilities: (capabilities & Capability.MYSQL) === 0 ? ext : 0,
    maxPacketSize,
    charset,
  };
}

/** The server asks the client to authenticate with another plugin (Protocol::AuthSwitchRequest). */
export interface AuthSwitchRequest {
  readonly pluginName: string;
  /** The plugin's data (for the standard plugins a new 20-byte nonce), without the trailing NUL. */
  readonly pluginData: Uint8Array;
}

/**
 * Plugins whose data is sent without a trailing NUL: MariaDB's client_ed25519 sends its 32-byte
 * nonce bare (seen in golden bytes), so a nonce ending in 0x00 must not lose it. The MySQL
 * plugins send the 20-byte scramble and a NUL.
 */
const BARE_DATA_PLUGINS: ReadonlySet<string> = new Set(["client_ed25519"]);

/** Decodes an AuthSwitchRequest (first byte 0xFE). */
export function decodeAuthSwitchRequest(payload: Uint8Array): AuthSwitchRequest {
  const r = new Reader(payload);
  if (r.u8() !== 0xfe) throw new ProtocolError("malformed", "not an AuthSwitchRequest");
  if (r.remaining === 0) {
    throw new ProtocolError("unsupported", "old-style auth switch (mysql_old_password) is not supported");
  }
  const pluginName = r.nulString();
  let pluginData = r.restView();
  if (
    !BARE_DATA_PLUGINS.has(pluginName) && pluginData.length > 0 && pluginData[pluginData.length - 1] === 0
  ) {
    pluginData = pluginData.subarray(0, pluginData.length - 1);
  }
  return { pluginName, pluginData: pluginData.slice() };
}

/** Encodes an AuthSwitchRequest; a NUL is appended to the data, as servers do (not for client_ed25519). */
export function encodeAuthSwitchRequest(r: AuthSwitchRequest): Uint8Array {
  const w = new Writer(64).u8(0xfe).nulString(r.pluginName).bytes(r.pluginData);
  if (!BARE_DATA_PLUGINS.has(r.pluginName)) w.u8(0);
  return w.finish();
}

/** Decodes AuthMoreData (first byte 0x01): returns the data after the marker. */
export function decodeAuthMoreData(payload: Uint8Array): Uint8Array {
  if (payload.length === 0 || payload[0] !== 0x01) throw new ProtocolError("malformed", "not AuthMoreData");
  return payload.slice(1);
}

/** Encodes AuthMoreData: the 0x01 marker and the data. */
export function encodeAuthMoreData(data: Uint8Array): Uint8Array {
  return new Writer(data.length + 1).u8(0x01).bytes(data).finish();
}

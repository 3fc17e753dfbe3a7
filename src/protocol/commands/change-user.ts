/**
 * Session-reset commands, encode and decode: COM_RESET_CONNECTION (MySQL 5.7.3+, MariaDB 10.2.4+:
 * clear the session's state without logging in again) and COM_CHANGE_USER (log in again on the same
 * connection, which also clears the session; what older servers offer).
 *
 * Pure codec: bytes in, bytes or plain data out. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_reset_connection.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_change_user.html
 * https://mariadb.com/kb/en/com_change_user/
 *
 * COM_CHANGE_USER layout (sizes in bytes):
 * ```
 * 1      command 0x11
 * NUL    user
 * 1+n    auth_response, length-prefixed   (CLIENT_SECURE_CONNECTION; else NUL-terminated)
 * NUL    database
 * 2      character_set                    (optional for old clients)
 * NUL    auth_plugin_name                 (CLIENT_PLUGIN_AUTH)
 * lenenc connection attributes: lenenc key, lenenc value pairs (CLIENT_CONNECT_ATTRS)
 * ```
 */
import { Reader, Writer } from "../bytes.ts";
import { Capability, Command } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import { decodeConnectAttributes } from "../handshake.ts";

/** The COM_RESET_CONNECTION packet (the command byte alone). */
export function encodeResetConnection(): Uint8Array {
  return new Uint8Array([Command.COM_RESET_CONNECTION]);
}

/** Checks a COM_RESET_CONNECTION payload (on the proxy's server side). */
export function decodeResetConnection(payload: Uint8Array): void {
  if (payload.length !== 1 || payload[0] !== Command.COM_RESET_CONNECTION) {
    throw new ProtocolError("unexpected", "not a COM_RESET_CONNECTION packet");
  }
}

/** The fields of COM_CHANGE_USER. */
export interface ChangeUser {
  readonly user: string;
  /** The auth plugin's first response, computed with the scramble of the connection's greeting. */
  readonly authResponse: Uint8Array;
  /** The default database after the change ("" for none). */
  readonly database: string;
  /** Collation id of the connection. */
  readonly charset: number;
  /** The plugin that computed `authResponse`. */
  readonly authPluginName: string;
  /** Connection attributes (sent with CLIENT_CONNECT_ATTRS). */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Encodes COM_CHANGE_USER for a session with these negotiated `capabilities` (PROTOCOL_41 is
 * assumed, as everywhere in this client). The auth response is length-prefixed with one byte under
 * CLIENT_SECURE_CONNECTION (so at most 255 bytes), else NUL-terminated.
 */
export function encodeChangeUser(c: ChangeUser, capabilities: number): Uint8Array {
  const w = new Writer(96);
  w.u8(Command.COM_CHANGE_USER);
  w.nulString(c.user);
  if (capabilities & Capability.SECURE_CONNECTION) {
    if (c.authResponse.length > 255) throw new RangeError("auth response longer than 255 bytes");
    w.u8(c.authResponse.length).bytes(c.authResponse);
  } else {
    if (c.authResponse.includes(0)) throw new RangeError("auth response contains a NUL byte");
    w.bytes(c.authResponse).u8(0);
  }
  w.nulString(c.database);
  w.u16(c.charset);
  if (capabilities & Capability.PLUGIN_AUTH) w.nulString(c.authPluginName);
  if (capabilities & Capability.CONNECT_ATTRS) {
    const attrs = new Writer(64);
    for (const [k, v] of Object.entries(c.attributes)) attrs.lenencString(k).lenencString(v);
    w.lenencBytes(attrs.finish());
  }
  return w.finish();
}

/** Decodes COM_CHANGE_USER sent under `capabilities` (on the proxy's server side). */
export function decodeChangeUser(payload: Uint8Array, capabilities: number): ChangeUser {
  const r = new Reader(payload);
  if (r.u8() !== Command.COM_CHANGE_USER) {
    throw new ProtocolError("unexpected", "not a COM_CHANGE_USER packet");
  }
  const user = r.nulString();
  const authResponse = capabilities & Capability.SECURE_CONNECTION
    ? r.bytesCopy(r.u8())
    : r.nulBytes().slice();
  const database = r.nulString();
  // The fields after the database are optional for old clients.
  const charset = r.remaining >= 2 ? r.u16() : 0;
  let authPluginName = "";
  if ((capabilities & Capability.PLUGIN_AUTH) && r.remaining > 0) authPluginName = r.nulString();
  const attributes = (capabilities & Capability.CONNECT_ATTRS) && r.remaining > 0
    ? decodeConnectAttributes(r.lenencBytes())
    : {};
  if (r.remaining > 0) throw new ProtocolError("unexpected", `${r.remaining} bytes after COM_CHANGE_USER`);
  return { user, authResponse, database, charset, authPluginName, attributes };
}

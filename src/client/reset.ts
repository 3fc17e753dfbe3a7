/**
 * Clearing a session for its next user: COM_RESET_CONNECTION where the server has it (MySQL
 * 5.7.3+, MariaDB 10.2.4+), else COM_CHANGE_USER, which logs in again as the same user (following
 * auth switches as the handshake does). Either one rolls back an open transaction and drops user
 * variables, temporary tables, prepared statements, locks and session settings.
 */
import { authPlugin } from "../protocol/auth/registry.ts";
import { encodeChangeUser, encodeResetConnection } from "../protocol/commands/change-user.ts";
import { MysqlError, ProtocolError } from "../protocol/errors.ts";
import { decodeOk } from "../protocol/results.ts";
import { exchangeStarter, finishAuthentication } from "../session/auth-exchange.ts";
import type { PacketChannel } from "../session/channel.ts";
import type { Session } from "../session/session.ts";

/** How to reset: `"auto"` tries COM_RESET_CONNECTION and falls back to COM_CHANGE_USER. */
export type ResetMethod = "auto" | "reset-connection" | "change-user";

/** ER_UNKNOWN_COM_ERROR: the server does not know the command. */
const UNKNOWN_COMMAND = 1047;

/** Whether the server should know COM_RESET_CONNECTION, from its version. */
export function supportsResetConnection(session: Session): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(session.info.version);
  if (!m) return true;
  const v = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  return session.info.flavor === "mariadb" ? v >= 100204 : v >= 50703;
}

/**
 * Resets `session` with the method asked for; returns the one used. COM_CHANGE_USER makes
 * `database` the default database; COM_RESET_CONNECTION leaves the default database as it was.
 */
export async function resetSession(
  session: Session,
  method: ResetMethod,
  database: string | undefined,
): Promise<"reset-connection" | "change-user"> {
  if (method === "change-user" || (method === "auto" && !supportsResetConnection(session))) {
    await changeUser(session, database);
    return "change-user";
  }
  try {
    await resetConnection(session);
    return "reset-connection";
  } catch (error) {
    if (method === "auto" && error instanceof MysqlError && error.errno === UNKNOWN_COMMAND) {
      await changeUser(session, database);
      return "change-user";
    }
    throw error;
  }
}

/** Sends COM_RESET_CONNECTION and reads its OK. */
function resetConnection(session: Session): Promise<void> {
  return session.exclusive(async (channel) => {
    await channel.writeCommand(encodeResetConnection());
    const packet = await channel.read();
    if (packet[0] === 0x00) {
      session.statusFlags = decodeOk(packet, session.info.capabilities).statusFlags;
      return;
    }
    if (packet[0] === 0xff) throw session.errorFrom(packet);
    throw new ProtocolError(
      "unexpected",
      `expected OK after COM_RESET_CONNECTION, got 0x${packet[0].toString(16)}`,
    );
  });
}

/**
 * Sends COM_CHANGE_USER with the session's own user, password and charset, then follows
 * the authentication to OK. A refusal closes the session (the server may have dropped the login).
 */
function changeUser(session: Session, database: string | undefined): Promise<void> {
  const options = session.options;
  const info = session.info;
  const secure = info.tls || options.socketPath !== undefined;
  const start = exchangeStarter({
    user: options.user,
    password: options.password,
    secure,
    serverPublicKey: options.serverPublicKey,
    allowPublicKeyRetrieval: options.allowPublicKeyRetrieval,
    allowCleartextPassword: options.allowCleartextPassword,
  });
  return session.exclusive(async (channel: PacketChannel) => {
    const pluginName = authPlugin(info.authPlugin) ? info.authPlugin : "mysql_native_password";
    const exchange = start(pluginName, info.greeting.scramble);
    await channel.writeCommand(encodeChangeUser({
      user: options.user,
      authResponse: await exchange.start(),
      database: database ?? "",
      charset: options.charset,
      authPluginName: pluginName,
      attributes: options.connectAttributes,
    }, info.capabilities));
    const { final } = await finishAuthentication(channel, pluginName, exchange, start, "COM_CHANGE_USER");
    if (final[0] === 0xff) {
      const refused = session.errorFrom(final);
      // Not a MysqlError: the session is closed, since the server may have logged it out.
      throw new ProtocolError("unexpected", `COM_CHANGE_USER was refused: ${refused.message}`, {
        cause: refused,
      });
    }
    session.statusFlags = decodeOk(final, info.capabilities).statusFlags;
  });
}

/**
 * The rounds of authentication after the client's first response (HandshakeResponse41 or
 * COM_CHANGE_USER): auth switches to another plugin, AuthMoreData for the current one, until the
 * server answers OK or ERR.
 */
import { type AuthContext, AuthError, type AuthExchange } from "../protocol/auth/plugin.ts";
import { authPlugin } from "../protocol/auth/registry.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { decodeAuthMoreData, decodeAuthSwitchRequest } from "../protocol/handshake.ts";
import type { PacketChannel } from "./channel.ts";

/** Starts the exchange of plugin `name` with the server's nonce or plugin data. */
export type StartExchange = (name: string, data: Uint8Array) => AuthExchange;

/** What an exchange needs besides the plugin and the server's data. */
export type ExchangeCredentials = Omit<AuthContext, "scramble">;

/** The `StartExchange` for `credentials`: an AuthError for a plugin this package does not speak. */
export function exchangeStarter(credentials: ExchangeCredentials): StartExchange {
  return (name, scramble) => {
    const plugin = authPlugin(name);
    if (!plugin) {
      throw new AuthError(
        "UNKNOWN_PLUGIN",
        `the server asked for unsupported authentication plugin "${name}"`,
      );
    }
    return plugin.create({ ...credentials, scramble });
  };
}

/**
 * Follows the server through auth switches and AuthMoreData. Returns the final OK or ERR packet and
 * the plugin that was in use when it came. `what` names the conversation in errors.
 */
export async function finishAuthentication(
  channel: PacketChannel,
  pluginName: string,
  exchange: AuthExchange,
  start: StartExchange,
  what: string,
): Promise<{ final: Uint8Array; pluginName: string }> {
  for (let rounds = 0; rounds < 16; rounds++) {
    const packet = await channel.read();
    switch (packet[0]) {
      case 0x00:
      case 0xff:
        return { final: packet, pluginName };
      case 0xfe: {
        const request = decodeAuthSwitchRequest(packet);
        pluginName = request.pluginName;
        exchange = start(pluginName, request.pluginData);
        await channel.write(await exchange.start());
        break;
      }
      case 0x01: {
        const reply = await exchange.more(decodeAuthMoreData(packet));
        if (reply !== null) await channel.write(reply);
        break;
      }
      default: {
        // MariaDB omits the 0x01 marker unless the data itself starts with 0x00, 0x01, 0xFE or 0xFF.
        if (packet.length === 0) throw new ProtocolError("unexpected", `empty packet during ${what}`);
        const reply = await exchange.more(packet.slice());
        if (reply !== null) await channel.write(reply);
      }
    }
  }
  throw new ProtocolError("unexpected", `${what} did not finish after 16 exchanges`);
}

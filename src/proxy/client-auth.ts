/**
 * The proxy's side of a client's connection phase: send HandshakeV10 (the proxy's connection id, a
 * CSPRNG scramble), terminate TLS after an SSLRequest (the HandshakeResponse41 then comes at
 * sequence id 2), and verify the client against the proxy's users with mysql_native_password or
 * caching_sha2_password, switching the client to the user's plugin when it proposed another (also
 * for COM_CHANGE_USER). What it learns of the password (the clear text, or SHA1(password) for
 * native) is what the proxy logs into the backend with, when it has no backend credentials of its own.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html
 */
import { CachingSha2Verifier, sha2PasswordHash } from "../protocol/auth/caching_sha2-verify.ts";
import { nativePasswordHash, verifyNativePassword } from "../protocol/auth/native-verify.ts";
import type { RsaKeyPair } from "../protocol/auth/rsa-keys.ts";
import { equalBytes } from "../protocol/bytes.ts";
import { Capability } from "../protocol/constants.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { encodePacket } from "../protocol/framing.ts";
import {
  decodeHandshakeResponse,
  decodeSslRequest,
  encodeAuthSwitchRequest,
  encodeGreeting,
  type Greeting,
  type HandshakeResponse,
} from "../protocol/handshake.ts";
import type { ErrPacket } from "../protocol/results.ts";
import { buildGreeting, createScramble } from "../protocol/server-handshake.ts";
import type { ServerTlsOptions, Socket } from "../runtime/socket.ts";
import { PacketChannel } from "../session/channel.ts";
import { CLIENT_SIDE_CAPABILITIES } from "./compression.ts";
import { accessDenied, badHandshake, errPayload, packetsOutOfOrder, packetTooLarge } from "./errors.ts";
import { PrefixedSocket, readFirstPacket } from "./first-packet.ts";
import type { ProxyAuthPlugin, ResolvedUser } from "./options.ts";

/** What the proxy knows of a logged-in client's password. */
export type ClientSecret =
  | { readonly kind: "password"; readonly password: string }
  | { readonly kind: "sha1"; readonly sha1: Uint8Array }
  | { readonly kind: "none" };

/** What the proxy's authentication of clients needs, shared by every client of a proxy. */
export interface AuthSettings {
  readonly users: ReadonlyMap<string, ResolvedUser>;
  readonly defaultAuthPlugin: ProxyAuthPlugin;
  readonly tls: ServerTlsOptions | undefined;
  readonly keyPair: RsaKeyPair | undefined;
  /** SHA256(SHA256(pw)) per user after a full caching_sha2 authentication: the fast path's cache. */
  readonly sha2Cache: Map<string, Uint8Array>;
  /** Clear passwords clients proved (full caching_sha2 path), to log into backends as them later. */
  readonly learnedPasswords: Map<string, string>;
}

/** The greeting's server side facts (from the backend, when the proxy could ask it). */
export interface GreetingFacts {
  readonly serverVersion: string;
  readonly capabilities: number;
  /** MariaDB extended capabilities (undefined: a MySQL-flavoured greeting). */
  readonly mariadbCapabilities: number | undefined;
  readonly charset: number;
}

/** A client that logged in. */
export interface ClientLogin {
  readonly user: ResolvedUser;
  readonly response: HandshakeResponse;
  /** The capabilities the client and the proxy agreed on. */
  readonly capabilities: number;
  readonly mariadbCapabilities: number;
  readonly tls: boolean;
  readonly plugin: ProxyAuthPlugin;
  readonly secret: ClientSecret;
  /** The greeting's scramble (COM_CHANGE_USER's first answer is computed with it). */
  readonly scramble: Uint8Array;
}

/** A refusal: the ERR already went to the client; the connection is to be closed. */
/**
 * The readHandshake hook in the proxy: the greeting about to be sent, back as a plugin changed it,
 * or the packets to send instead (a refusal).
 */
export type GreetingReader = (greeting: Greeting) => Promise<Greeting | readonly Uint8Array[]>;

/**
 * What a plugin's changes to the proxy's greeting become: the server version, collation and status
 * flags as changed; capabilities only withheld, never added (the proxy must honour what it offers);
 * the proxy's own connection id, scramble and auth plugin kept (KILL, CONNECTION_ID() and the
 * verification of the client's answer depend on them).
 */
function greetingAsChanged(offered: Greeting, changed: Greeting): Greeting {
  return {
    ...offered,
    serverVersion: changed.serverVersion,
    charset: changed.charset,
    statusFlags: changed.statusFlags,
    capabilities: (offered.capabilities & changed.capabilities) >>> 0,
    mariadbCapabilities: (offered.mariadbCapabilities & changed.mariadbCapabilities) >>> 0,
  };
}

export class LoginRefused extends Error {
  override readonly name = "LoginRefused";
}

const PLUGINS: readonly string[] = ["mysql_native_password", "caching_sha2_password"];

/** Which plugin `user` authenticates with, given the one the client proposed. */
function pluginFor(user: ResolvedUser, proposed: string, fallback: ProxyAuthPlugin): ProxyAuthPlugin {
  if (user.plugin !== undefined) return user.plugin;
  if (user.password !== undefined) return PLUGINS.includes(proposed) ? proposed as ProxyAuthPlugin : fallback;
  return user.nativeHash !== undefined ? "mysql_native_password" : "caching_sha2_password";
}

async function refuse(
  channel: PacketChannel,
  user: string,
  host: string,
  usingPassword: boolean,
): Promise<never> {
  await channel.write(errPayload(accessDenied(user, host, usingPassword))).catch(() => {});
  throw new LoginRefused(`access denied for ${user}@${host}`);
}

/**
 * Verifies that the client knows `name`'s password: `authResponse` is its first answer (computed
 * by `proposed` with `scramble`); an auth switch is sent when the user's plugin differs. Returns
 * the user, the plugin and what was learned of the password; sends ERR 1045 and throws
 * `LoginRefused` otherwise.
 */
export async function verifyClient(
  channel: PacketChannel,
  settings: AuthSettings,
  login: {
    name: string;
    authResponse: Uint8Array;
    proposed: string;
    scramble: Uint8Array;
    /** The plugin the scramble was sent for (the greeting's): a client of another may answer with nothing. */
    scrambleFor?: string;
  },
  secure: boolean,
  host: string,
): Promise<{ user: ResolvedUser; plugin: ProxyAuthPlugin; secret: ClientSecret }> {
  const { name } = login;
  const user = settings.users.get(name);
  if (user === undefined) return refuse(channel, name, host, login.authResponse.length > 0);
  // As a server does for REQUIRE SSL: the same 1045, whatever the password.
  if (user.requireTls && !secure) return refuse(channel, name, host, login.authResponse.length > 0);
  const plugin = pluginFor(user, login.proposed || "mysql_native_password", settings.defaultAuthPlugin);
  let response = login.authResponse;
  let scramble = login.scramble;
  // libmariadb answers a greeting for another plugin with no data, expecting an auth switch.
  const unanswered = login.scrambleFor !== undefined && login.scrambleFor !== login.proposed
    && response.length === 0;
  if (plugin !== login.proposed || unanswered) {
    scramble = createScramble();
    await channel.write(encodeAuthSwitchRequest({ pluginName: plugin, pluginData: scramble }));
    response = (await channel.read()).slice();
  }
  const known: ClientSecret = user.password !== undefined
    ? { kind: "password", password: user.password }
    : settings.learnedPasswords.has(name)
    ? { kind: "password", password: settings.learnedPasswords.get(name)! }
    : { kind: "none" };
  if (plugin === "mysql_native_password") {
    const stored = user.nativeHash ?? await nativePasswordHash(user.password ?? "");
    const stage1 = await verifyNativePassword(response, scramble, stored);
    if (stage1 === undefined) return refuse(channel, name, host, response.length > 0);
    return { user, plugin, secret: known.kind === "password" ? known : { kind: "sha1", sha1: stage1 } };
  }
  const verifier = new CachingSha2Verifier({
    scramble,
    secure,
    cachedHash: settings.sha2Cache.get(name) ?? user.sha2Hash,
    keyPair: settings.keyPair,
    checkPassword: async (pw) =>
      user.password !== undefined
        ? pw === user.password
        : user.sha2Hash !== undefined && equalBytes(await sha2PasswordHash(pw), user.sha2Hash),
  });
  let step = await verifier.start(response);
  for (;;) {
    for (const packet of step.send) await channel.write(packet);
    if (step.outcome !== "continue") break;
    step = await verifier.next((await channel.read()).slice());
  }
  if (step.outcome === "rejected") return refuse(channel, name, host, response.length > 0);
  if (step.cacheHash !== undefined) settings.sha2Cache.set(name, step.cacheHash);
  if (step.password !== undefined) {
    settings.learnedPasswords.set(name, step.password);
    return { user, plugin, secret: { kind: "password", password: step.password } };
  }
  return { user, plugin, secret: known };
}

/** What a protocol error in the connection phase is answered with. */
function handshakeErr(error: ProtocolError): ErrPacket {
  if (error.reason === "oversized") return packetTooLarge();
  if (error.reason === "sequence") return packetsOutOfOrder();
  return badHandshake(error.message);
}

/**
 * Runs the connection phase with a new client on `socket` up to (not including) the final OK:
 * greeting, optional TLS, HandshakeResponse41, verification. Returns the login and the packet
 * channel to the client (over TLS when it asked). A refused client, or one that does not speak the
 * protocol (answered with 1043, 1153 or 1156), gets its ERR and `LoginRefused` is thrown.
 */
export async function acceptClient(
  socket: Socket,
  settings: AuthSettings,
  facts: GreetingFacts,
  connectionId: number,
  host: string,
  maxPacketSize: number,
  readGreeting?: GreetingReader,
): Promise<{ login: ClientLogin; channel: PacketChannel }> {
  let channel: PacketChannel | undefined;
  try {
    const offered = facts.capabilities | CLIENT_SIDE_CAPABILITIES | (settings.tls ? Capability.SSL : 0);
    const built = buildGreeting({
      connectionId,
      serverVersion: facts.serverVersion,
      capabilities: offered,
      mariadbCapabilities: facts.mariadbCapabilities,
      authPluginName: settings.defaultAuthPlugin,
      charset: facts.charset,
    });
    let greeting = built.greeting;
    let payload = built.payload;
    if (readGreeting !== undefined) {
      const read = await readGreeting(greeting);
      if (Array.isArray(read)) {
        // A plugin refused the client instead of greeting it (its ERR, from sequence id 0).
        for (let i = 0; i < read.length; i++) await socket.write(encodePacket(read[i], i));
        throw new LoginRefused("refused by readHandshake");
      }
      greeting = greetingAsChanged(greeting, read as Greeting);
      payload = encodeGreeting(greeting);
    }
    await socket.write(encodePacket(payload, 0));
    const first = await readFirstPacket(socket);
    if (first.seq !== 1) {
      throw new ProtocolError("sequence", `handshake response with sequence id ${first.seq}`);
    }
    let response: HandshakeResponse;
    let tls = false;
    if (first.payload.length === 32) {
      const request = decodeSslRequest(first.payload);
      if ((request.capabilities & Capability.SSL) === 0) {
        throw new ProtocolError("malformed", "a 32-byte handshake response without CLIENT_SSL");
      }
      if (settings.tls === undefined || socket.acceptTls === undefined) {
        throw new ProtocolError("unsupported", "the client asked for TLS, which this proxy does not offer");
      }
      channel = new PacketChannel(await socket.acceptTls(settings.tls, first.rest), maxPacketSize);
      tls = true;
      channel.seq = 2;
      response = decodeHandshakeResponse(await channel.read());
    } else {
      channel = new PacketChannel(new PrefixedSocket(socket, first.rest), maxPacketSize);
      channel.seq = 2;
      response = decodeHandshakeResponse(first.payload);
    }
    const capabilities = (response.capabilities & (greeting.capabilities | Capability.MYSQL)) >>> 0;
    const mariadbCapabilities = facts.mariadbCapabilities === undefined
      ? 0
      : response.mariadbCapabilities & facts.mariadbCapabilities;
    const verified = await verifyClient(
      channel,
      settings,
      {
        name: response.user,
        authResponse: response.authResponse,
        proposed: response.authPluginName,
        scramble: greeting.scramble,
        scrambleFor: greeting.authPluginName,
      },
      tls,
      host,
    );
    const login: ClientLogin = {
      ...verified,
      response,
      capabilities,
      mariadbCapabilities,
      tls,
      scramble: greeting.scramble,
    };
    return { login, channel };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const err = errPayload(handshakeErr(error));
    const sent = channel !== undefined ? channel.write(err) : socket.write(encodePacket(err, 2));
    await sent.catch(() => {});
    throw new LoginRefused(`bad handshake: ${error.message}`);
  }
}

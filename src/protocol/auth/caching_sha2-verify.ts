/**
 * caching_sha2_password, the server's side (the client's is caching_sha2.ts).
 *
 * Fast path: the client's first answer is XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) + scramble)).
 * A server that has SHA256(SHA256(pw)) cached (from an earlier full authentication) removes the
 * mask, hashes what is left, and compares: on a match it sends AuthMoreData 0x03 (fast auth OK) and
 * then an OK packet. Full path, on a cache miss: AuthMoreData 0x04 (perform full authentication);
 * the client then sends its password with a NUL in clear over TLS (or a Unix socket), or asks for the
 * server's public key with 0x02 (the server answers AuthMoreData with the PEM) and sends the password
 * RSA-encrypted (see rsa-keys.ts). The server checks the password against its store, and caches
 * SHA256(SHA256(pw)) for the next fast path.
 *
 * Pure: no I/O; `CachingSha2Verifier` says what to send and when it is decided. Web Crypto only.
 *
 * Page: https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html
 */
import { concatBytes, encodeUtf8, equalBytes, utf8, xorBytes } from "../bytes.ts";
import { encodeAuthMoreData } from "../handshake.ts";
import { digest } from "./plugin.ts";
import { rsaDecryptPassword, type RsaKeyPair } from "./rsa-keys.ts";

/** The status bytes of caching_sha2_password (in AuthMoreData from the server, 0x02 from the client). */
export const Sha2Status = {
  /** Client to server: send me your RSA public key. */
  REQUEST_PUBLIC_KEY: 0x02,
  /** Server to client: the scramble matched the cache; an OK packet follows. */
  FAST_AUTH_OK: 0x03,
  /** Server to client: not in the cache; send the password (in clear over TLS, else RSA-encrypted). */
  PERFORM_FULL_AUTH: 0x04,
} as const;

/** SHA256(SHA256(password)), 32 bytes: what the server caches after a full authentication. */
export async function sha2PasswordHash(password: string): Promise<Uint8Array> {
  return digest("SHA-256", await digest("SHA-256", encodeUtf8(password)));
}

/**
 * Verifies a client's caching_sha2_password scramble response (the fast path) against the cached
 * SHA256(SHA256(pw)) and the 20-byte scramble of the greeting.
 */
export async function verifySha2Scramble(
  response: Uint8Array,
  scramble: Uint8Array,
  cachedHash: Uint8Array,
): Promise<boolean> {
  if (response.length !== 32 || cachedHash.length !== 32) return false;
  const mask = await digest("SHA-256", concatBytes([cachedHash, scramble.subarray(0, 20)]));
  return equalBytes(await digest("SHA-256", xorBytes(response, mask)), cachedHash);
}

/** The AuthMoreData packet carrying one status byte (0x03 or 0x04). */
export function encodeSha2Status(
  status: typeof Sha2Status.FAST_AUTH_OK | typeof Sha2Status.PERFORM_FULL_AUTH,
): Uint8Array {
  return encodeAuthMoreData(Uint8Array.of(status));
}

/** What a step of the server's exchange decided. */
export interface Sha2Step {
  /** Payloads to send to the client now, in order (AuthMoreData packets). */
  readonly send: readonly Uint8Array[];
  /**
   * "continue": wait for the client's next packet and give it to `next`; "accepted": send OK;
   * "rejected": send ERR 1045 (access denied).
   */
  readonly outcome: "continue" | "accepted" | "rejected";
  /** The password the client proved it knows, when it went through the full path. */
  readonly password?: string;
  /** SHA256(SHA256(pw)) to cache for the next fast path, when the full path accepted. */
  readonly cacheHash?: Uint8Array;
  /** Why it was rejected. */
  readonly reason?: string;
}

/** What the server's side of the exchange is given. */
export interface Sha2VerifierOptions {
  /** The 20-byte scramble of the greeting (or auth switch) the client answered. */
  readonly scramble: Uint8Array;
  /** TLS or a Unix socket: the client may send its password in clear. */
  readonly secure: boolean;
  /** SHA256(SHA256(pw)) from the cache, when the user has logged in before. */
  readonly cachedHash?: Uint8Array;
  /** The server's RSA key pair, to serve clients without TLS; without it they are refused. */
  readonly keyPair?: RsaKeyPair;
  /** Is this the user's password? (from the server's store: compare, or hash and compare). */
  readonly checkPassword: (password: string) => Promise<boolean> | boolean;
}

/**
 * The server's side of one caching_sha2_password exchange. Call `start` with the client's first
 * auth response, then `next` with each packet it sends while the outcome is "continue".
 */
export class CachingSha2Verifier {
  private state: "start" | "full" | "key-sent" | "done" = "start";
  private readonly options: Sha2VerifierOptions;

  constructor(options: Sha2VerifierOptions) {
    this.options = options;
  }

  /** The client's first answer (in HandshakeResponse41 or AuthSwitchResponse). */
  async start(response: Uint8Array): Promise<Sha2Step> {
    if (this.state !== "start") throw new Error("CachingSha2Verifier.start called twice");
    const o = this.options;
    if (response.length === 0) {
      // An empty password: nothing to scramble, nothing to cache.
      this.state = "done";
      return (await o.checkPassword(""))
        ? { send: [], outcome: "accepted", password: "" }
        : { send: [], outcome: "rejected", reason: "empty password" };
    }
    if (o.cachedHash !== undefined && await verifySha2Scramble(response, o.scramble, o.cachedHash)) {
      this.state = "done";
      return { send: [encodeSha2Status(Sha2Status.FAST_AUTH_OK)], outcome: "accepted" };
    }
    this.state = "full";
    return { send: [encodeSha2Status(Sha2Status.PERFORM_FULL_AUTH)], outcome: "continue" };
  }

  /** A packet the client sent after "continue": its password (clear or encrypted) or a key request. */
  async next(packet: Uint8Array): Promise<Sha2Step> {
    const o = this.options;
    if (this.state !== "full" && this.state !== "key-sent") {
      throw new Error("CachingSha2Verifier.next called when no packet is expected");
    }
    let password: string;
    if (o.secure) {
      const nul = packet.indexOf(0);
      password = utf8(packet, 0, nul < 0 ? packet.length : nul);
    } else if (packet.length === 1 && packet[0] === Sha2Status.REQUEST_PUBLIC_KEY && this.state === "full") {
      if (o.keyPair === undefined) {
        return this.reject("the client asked for a public key and the server has none");
      }
      this.state = "key-sent";
      return { send: [encodeAuthMoreData(encodeUtf8(o.keyPair.publicKeyPem))], outcome: "continue" };
    } else {
      if (o.keyPair === undefined) {
        return this.reject("no TLS and no RSA key pair: the password cannot be sent");
      }
      try {
        password = await rsaDecryptPassword(packet, o.scramble, o.keyPair.privateKey);
      } catch {
        return this.reject("the encrypted password does not decrypt with the server's key");
      }
    }
    this.state = "done";
    if (!(await o.checkPassword(password))) {
      return { send: [], outcome: "rejected", reason: "wrong password" };
    }
    return { send: [], outcome: "accepted", password, cacheHash: await sha2PasswordHash(password) };
  }

  private reject(reason: string): Sha2Step {
    this.state = "done";
    return { send: [], outcome: "rejected", reason };
  }
}

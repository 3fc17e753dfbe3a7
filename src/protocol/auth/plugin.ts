/**
 * Authentication plugins: the interface the session drives, the error they throw, and the helpers
 * the plugins share. Each plugin is a file beside this one; registry.ts lists them. Pure: no I/O;
 * hashing and RSA go through Web Crypto, ed25519 through @noble.
 *
 * Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods.html
 */
import { encodeUtf8 } from "../bytes.ts";

/** What a plugin knows about the connection and the user it authenticates. */
export interface AuthContext {
  readonly user: string;
  readonly password: string;
  /** SHA1(password) in place of `password` (mysql_native_password only; a proxy's recovered secret). */
  readonly passwordSha1?: Uint8Array;
  /**
   * The nonce from the greeting or the auth switch request (without a trailing NUL): 20 bytes for
   * the MySQL plugins, 32 bytes for client_ed25519 (which receives its nonce in the auth switch).
   */
  readonly scramble: Uint8Array;
  /** True when the channel is TLS or a Unix socket: secrets may be sent in clear. */
  readonly secure: boolean;
  /** PEM of the server's RSA public key, if the user configured it. */
  readonly serverPublicKey?: string;
  /** May the client ask the server for its public key (insecure against a MITM)? */
  readonly allowPublicKeyRetrieval: boolean;
  /** May mysql_clear_password send the password over an insecure channel? */
  readonly allowCleartextPassword: boolean;
}

/** One authentication conversation with the server, for one plugin. */
export interface AuthExchange {
  /** The auth response to put in HandshakeResponse41 / AuthSwitchResponse. */
  start(): Promise<Uint8Array>;
  /**
   * The server sent AuthMoreData (payload after the 0x01 byte): return the bytes to send next, or
   * null to send nothing and wait for the next packet. Throws AuthError for refusals.
   */
  more(data: Uint8Array): Promise<Uint8Array | null>;
}

/** An authentication method, by the name the server uses for it. */
export interface AuthPlugin {
  readonly name: string;
  /** Starts one conversation. */
  create(ctx: AuthContext): AuthExchange;
}

/** The client refuses to authenticate, or cannot: the code says why. No secret was sent. */
export class AuthError extends Error {
  override readonly name = "AuthError";
  /**
   * A short machine-readable reason: `"INSECURE_CLEAR_PASSWORD"`, `"PUBLIC_KEY_NEEDED"`,
   * `"UNKNOWN_PLUGIN"`, `"BAD_PUBLIC_KEY"`, `"PASSWORD_TOO_LONG"`, `"UNEXPECTED_AUTH_DATA"`.
   */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The password as UTF-8 bytes followed by a NUL, as the clear-text exchanges send it. */
export function passwordWithNul(password: string): Uint8Array {
  const bytes = encodeUtf8(password);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Hashes bytes with Web Crypto (`"SHA-1"`, `"SHA-256"`). */
export async function digest(algorithm: "SHA-1" | "SHA-256", data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>));
}

/** Thrown for AuthMoreData a plugin did not expect at this point of its conversation. */
export function unexpectedData(plugin: string, data: Uint8Array): AuthError {
  const first = data.length > 0 ? `0x${data[0].toString(16).padStart(2, "0")}` : "nothing";
  return new AuthError(
    "UNEXPECTED_AUTH_DATA",
    `${plugin}: unexpected data from the server (${data.length} bytes starting with ${first})`,
  );
}

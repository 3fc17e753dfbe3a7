/**
 * mysql_native_password, the server's side: verify a client's auth response against the stored
 * SHA1(SHA1(password)) and the scramble of the greeting, and recover SHA1(password) from it (which
 * is what a proxy needs to log into a backend as the client, with `nativeTokenFromStage1`).
 *
 * The client sent token = SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). Knowing SHA1(SHA1(pw)) the
 * server computes the mask, XORs it away to get a candidate SHA1(pw), and accepts when SHA1 of the
 * candidate is the stored hash. An empty password is an empty token and an empty stored hash.
 * Web Crypto only.
 *
 * Page: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html
 */
import { concatBytes, encodeUtf8, equalBytes, fromHex, toHex, xorBytes } from "../bytes.ts";
import { digest } from "./plugin.ts";

/** SHA1(SHA1(password)), 20 bytes (empty for an empty password): what a server stores. */
export async function nativePasswordHash(password: string): Promise<Uint8Array> {
  if (password.length === 0) return new Uint8Array(0);
  return digest("SHA-1", await digest("SHA-1", encodeUtf8(password)));
}

/**
 * The stored hash from the text form in `mysql.user.authentication_string` / `PASSWORD()`: `*`
 * and 40 hex digits (or "" for no password). Throws TypeError for anything else.
 */
export function parseNativePasswordHash(text: string): Uint8Array {
  if (text === "") return new Uint8Array(0);
  if (!/^\*[0-9A-Fa-f]{40}$/.test(text)) {
    throw new TypeError("a mysql_native_password hash is '*' and 40 hex digits");
  }
  return fromHex(text.slice(1));
}

/** The text form of a stored hash: `*` and 40 upper-case hex digits, as `PASSWORD()` prints it. */
export function formatNativePasswordHash(hash: Uint8Array): string {
  return hash.length === 0 ? "" : "*" + toHex(hash).toUpperCase();
}

/**
 * Verifies a client's mysql_native_password auth response. Returns SHA1(password) (20 bytes, empty
 * for an empty password) when it is right, undefined when it is not.
 */
export async function verifyNativePassword(
  token: Uint8Array,
  scramble: Uint8Array,
  storedHash: Uint8Array,
): Promise<Uint8Array | undefined> {
  if (storedHash.length === 0) return token.length === 0 ? new Uint8Array(0) : undefined;
  if (token.length !== 20 || storedHash.length !== 20) return undefined;
  const mask = await digest("SHA-1", concatBytes([scramble.subarray(0, 20), storedHash]));
  const stage1 = xorBytes(token, mask);
  return equalBytes(await digest("SHA-1", stage1), storedHash) ? stage1 : undefined;
}

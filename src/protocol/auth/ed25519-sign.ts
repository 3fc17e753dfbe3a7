/**
 * The Ed25519 arithmetic of client_ed25519 (see ed25519.ts for the protocol): MariaDB's key and
 * signature from a password, built from @noble/curves point arithmetic, since `ed25519.sign` only
 * takes 32-byte seeds. The secret is az = SHA-512(password bytes); its first half clamped is the
 * scalar a (public key A = aB), its second half the nonce prefix: r = SHA-512(az[32..64] || M),
 * R = rB, S = r + SHA-512(R || A || M) * a mod L, as in the server's plugin/auth_ed25519/ref10/sign.c.
 * A module of its own so that @noble/curves loads only when a server asks for this plugin.
 *
 * Pages:
 * https://mariadb.com/kb/en/authentication-plugin-ed25519/
 * RFC 8032 (EdDSA), section 5.1: Ed25519
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, encodeUtf8 } from "../bytes.ts";

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** az = SHA-512(password), with the scalar half clamped as ref10 does. */
function secretOf(password: string): Uint8Array {
  const az = sha512(encodeUtf8(password));
  az[0] &= 248;
  az[31] &= 63;
  az[31] |= 64;
  return az;
}

/** Multiplies the base point by a scalar already reduced mod L (0 gives the identity). */
function baseTimes(k: bigint): Uint8Array {
  return (k === 0n ? Point.ZERO : Point.BASE.multiply(k)).toBytes();
}

/** The 32-byte Ed25519 public key MariaDB derives from a password (the point aB). */
export function ed25519PasswordPublicKey(password: string): Uint8Array {
  return baseTimes(bytesToNumberLE(secretOf(password).subarray(0, 32)) % L);
}

/**
 * The `authentication_string` MariaDB stores for an ed25519 user with this password: the public
 * key in base64 without its trailing "=" (43 characters).
 */
export function ed25519AuthenticationString(password: string): string {
  let binary = "";
  for (const b of ed25519PasswordPublicKey(password)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, "");
}

/** The 64-byte signature R || S of `message` under the key derived from `password`, as MariaDB makes it. */
export function ed25519PasswordSign(password: string, message: Uint8Array): Uint8Array {
  const az = secretOf(password);
  const a = bytesToNumberLE(az.subarray(0, 32)) % L;
  const publicKey = baseTimes(a);
  const r = bytesToNumberLE(sha512(concatBytes([az.subarray(32, 64), message]))) % L;
  const R = baseTimes(r);
  const k = bytesToNumberLE(sha512(concatBytes([R, publicKey, message]))) % L;
  const S = (r + k * a) % L;
  return concatBytes([R, numberToBytesLE(S, 32)]);
}

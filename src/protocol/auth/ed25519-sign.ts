/**
 * The Ed25519 arithmetic of client_ed25519 (see ed25519.ts for the protocol): MariaDB's key and
 * signature from a password, built from @noble/ed25519's point arithmetic (its `sign` only takes
 * 32-byte seeds) and Web Crypto's SHA-512. The secret is az = SHA-512(password bytes); its first
 * half clamped is the scalar a (public key A = aB), its second half the nonce prefix:
 * r = SHA-512(az[32..64] || M), R = rB, S = r + SHA-512(R || A || M) * a mod L, as in the server's
 * plugin/auth_ed25519/ref10/sign.c. @noble/ed25519 is the small single-file sibling of
 * @noble/curves (same author and audits' lineage): a Worker bundle is about 8 KB gzip smaller.
 *
 * Pages:
 * https://mariadb.com/kb/en/authentication-plugin-ed25519/
 * RFC 8032 (EdDSA), section 5.1: Ed25519
 */
import { Point } from "@noble/ed25519";
import { concatBytes, encodeUtf8 } from "../bytes.ts";

/** The order L of the base point. */
const L = Point.CURVE().n;

async function sha512(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-512", data as Uint8Array<ArrayBuffer>));
}

/** The little-endian number in `bytes`. */
function numberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** `n` as 32 little-endian bytes (n < 2^256). */
function bytes32LE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** az = SHA-512(password), with the scalar half clamped as ref10 does. */
async function secretOf(password: string): Promise<Uint8Array> {
  const az = await sha512(encodeUtf8(password));
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
export async function ed25519PasswordPublicKey(password: string): Promise<Uint8Array> {
  return baseTimes(numberLE((await secretOf(password)).subarray(0, 32)) % L);
}

/**
 * The `authentication_string` MariaDB stores for an ed25519 user with this password: the public
 * key in base64 without its trailing "=" (43 characters).
 */
export async function ed25519AuthenticationString(password: string): Promise<string> {
  let binary = "";
  for (const b of await ed25519PasswordPublicKey(password)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, "");
}

/** The 64-byte signature R || S of `message` under the key derived from `password`, as MariaDB makes it. */
export async function ed25519PasswordSign(password: string, message: Uint8Array): Promise<Uint8Array> {
  const az = await secretOf(password);
  const a = numberLE(az.subarray(0, 32)) % L;
  const publicKey = baseTimes(a);
  const r = numberLE(await sha512(concatBytes([az.subarray(32, 64), message]))) % L;
  const R = baseTimes(r);
  const k = numberLE(await sha512(concatBytes([R, publicKey, message]))) % L;
  const S = (r + k * a) % L;
  return concatBytes([R, bytes32LE(S)]);
}

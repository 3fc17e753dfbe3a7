/**
 * The Ed25519 arithmetic of client_ed25519 (see ed25519.ts for the protocol): MariaDB's public key
 * and signature from a password. Not a standard Ed25519 key (`crypto.subtle` and node:crypto sign
 * only with 32-byte seeds): the secret is az = SHA-512(password bytes); its first half clamped is
 * the scalar a (public key A = aB), its second half the nonce prefix: r = SHA-512(az[32..64] || M),
 * R = rB, S = r + SHA-512(R || A || M) * a mod L, as in the server's plugin/auth_ed25519/ref10/sign.c.
 *
 * The curve arithmetic follows RFC 8032 section 5.1 (edwards25519, extended coordinates, the
 * complete addition formula for a = -1), on bigints; SHA-512 is Web Crypto's. The scalar
 * multiplication adds in every step whatever the bit, so its time does not depend on the secret's
 * bits (bigint arithmetic itself promises no constant time). Only the password is secret here, and
 * the signature goes to the server it was asked for.
 */
import { concatBytes, encodeUtf8 } from "../bytes.ts";

/** The field prime 2^255 - 19. */
const P = (1n << 255n) - 19n;
/** The order of the base point: 2^252 + 27742317777372353535851937790883648493. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function mod(a: bigint, m: bigint = P): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** a^e mod P by square-and-multiply. */
function power(a: bigint, e: bigint): bigint {
  let result = 1n;
  let base = mod(a);
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) result = (result * base) % P;
    base = (base * base) % P;
  }
  return result;
}

/** 1/a mod P (Fermat: a^(P-2)). */
function invert(a: bigint): bigint {
  return power(a, P - 2n);
}

/** The curve constant d = -121665/121666. */
const D = mod(-121665n * invert(121666n));
const D2 = mod(2n * D);

/** A point in extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z. */
interface Point {
  readonly X: bigint;
  readonly Y: bigint;
  readonly Z: bigint;
  readonly T: bigint;
}

/** The base point B: y = 4/5, x the even root (RFC 8032 section 5.1). */
const BASE_Y = mod(4n * invert(5n));
const BASE_X = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BASE: Point = { X: BASE_X, Y: BASE_Y, Z: 1n, T: mod(BASE_X * BASE_Y) };
const IDENTITY: Point = { X: 0n, Y: 1n, Z: 1n, T: 0n };

/** P1 + P2 (RFC 8032 5.1.4; complete, so it doubles too). */
function add(p1: Point, p2: Point): Point {
  const a = mod((p1.Y - p1.X) * (p2.Y - p2.X));
  const b = mod((p1.Y + p1.X) * (p2.Y + p2.X));
  const c = mod(p1.T * D2 * p2.T);
  const d = mod(p1.Z * 2n * p2.Z);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return { X: mod(e * f), Y: mod(g * h), Z: mod(f * g), T: mod(e * h) };
}

/** k·B for 0 <= k < 2^253, one doubling and one addition per bit whatever the bit. */
function baseTimes(k: bigint): Point {
  let q = IDENTITY;
  for (let bit = 252n; bit >= 0n; bit--) {
    q = add(q, q);
    const sum = add(q, BASE);
    q = (k >> bit) & 1n ? sum : q;
  }
  return q;
}

/** The 32-byte encoding: y little-endian, the top bit the parity of x. */
function encode(p: Point): Uint8Array {
  const zInverse = invert(p.Z);
  const x = mod(p.X * zInverse);
  const out = numberToBytesLE(mod(p.Y * zInverse), 32);
  out[31] |= Number(x & 1n) << 7;
  return out;
}

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function numberToBytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

async function sha512(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-512", data as Uint8Array<ArrayBuffer>));
}

/** az = SHA-512(password), with the scalar half clamped as ref10 does. */
async function secretOf(password: string): Promise<Uint8Array> {
  const az = await sha512(encodeUtf8(password));
  az[0] &= 248;
  az[31] &= 63;
  az[31] |= 64;
  return az;
}

/** The 32-byte Ed25519 public key MariaDB derives from a password (the point aB). */
export async function ed25519PasswordPublicKey(password: string): Promise<Uint8Array> {
  return encode(baseTimes(bytesToNumberLE((await secretOf(password)).subarray(0, 32)) % L));
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
  const a = bytesToNumberLE(az.subarray(0, 32)) % L;
  const publicKey = encode(baseTimes(a));
  const r = bytesToNumberLE(await sha512(concatBytes([az.subarray(32, 64), message]))) % L;
  const R = encode(baseTimes(r));
  const k = bytesToNumberLE(await sha512(concatBytes([R, publicKey, message]))) % L;
  const S = mod(r + k * a, L);
  return concatBytes([R, numberToBytesLE(S, 32)]);
}

/**
 * RSA encryption of a password for sha256_password and caching_sha2_password over an insecure
 * channel: the plaintext is (password + NUL) XOR the scramble (repeated), encrypted with the
 * server's public key under RSA_PKCS1_OAEP_PADDING, i.e. RSA-OAEP with SHA-1 and MGF1-SHA-1.
 * Web Crypto only: the PEM may be SPKI ("BEGIN PUBLIC KEY", what servers send) or PKCS#1
 * ("BEGIN RSA PUBLIC KEY", what some key files hold), which is wrapped into SPKI here.
 *
 * Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_sha256_password.html
 */
import { concatBytes, fromHex, utf8, xorBytes } from "../bytes.ts";
import { AuthError, passwordWithNul } from "./plugin.ts";

/** DER AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const RSA_ALGORITHM_ID = fromHex("300d06092a864886f70d0101010500");

const PEM_PATTERN = /-----BEGIN (RSA )?PUBLIC KEY-----([A-Za-z0-9+/=\s]*)-----END (RSA )?PUBLIC KEY-----/;

/** A DER tag-length-value with a definite length. */
export function der(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  let header: Uint8Array;
  if (n < 0x80) header = Uint8Array.of(tag, n);
  else if (n < 0x100) header = Uint8Array.of(tag, 0x81, n);
  else if (n < 0x10000) header = Uint8Array.of(tag, 0x82, n >> 8, n & 0xff);
  else header = Uint8Array.of(tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
  return concatBytes([header, content]);
}

/** Wraps a PKCS#1 RSAPublicKey (DER) into a SubjectPublicKeyInfo (DER). */
export function pkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  const bitString = der(0x03, concatBytes([Uint8Array.of(0), pkcs1]));
  return der(0x30, concatBytes([RSA_ALGORITHM_ID, bitString]));
}

/** Decodes base64 (whitespace ignored). */
export function base64Decode(text: string): Uint8Array {
  const binary = atob(text.replace(/\s+/g, ""));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * The SPKI DER bytes of an RSA public key in PEM, SPKI or PKCS#1. Accepts the PEM as a string or as
 * the bytes a server sent (a trailing NUL or other text around the block is ignored).
 */
export function publicKeyDer(pem: string | Uint8Array): Uint8Array {
  const text = typeof pem === "string" ? pem : utf8(pem);
  const match = PEM_PATTERN.exec(text);
  if (!match || (match[1] ?? "") !== (match[3] ?? "")) {
    throw new AuthError("BAD_PUBLIC_KEY", "the server's RSA public key is not a PEM public key block");
  }
  let body: Uint8Array;
  try {
    body = base64Decode(match[2]);
  } catch (cause) {
    throw new AuthError("BAD_PUBLIC_KEY", "the server's RSA public key has invalid base64", { cause });
  }
  return match[1] ? pkcs1ToSpki(body) : body;
}

/** Imports an RSA public key (PEM, SPKI or PKCS#1) for RSA-OAEP with SHA-1. */
export async function importRsaPublicKey(pem: string | Uint8Array): Promise<CryptoKey> {
  const spki = publicKeyDer(pem);
  try {
    return await crypto.subtle.importKey(
      "spki",
      spki as Uint8Array<ArrayBuffer>,
      { name: "RSA-OAEP", hash: "SHA-1" },
      false,
      ["encrypt"],
    );
  } catch (cause) {
    throw new AuthError("BAD_PUBLIC_KEY", "the server's RSA public key could not be imported", { cause });
  }
}

/**
 * Encrypts (password + NUL) XOR scramble with the server's RSA public key (RSA-OAEP, SHA-1), as
 * sha256_password and caching_sha2_password send it over a channel that is neither TLS nor a socket.
 */
export async function rsaEncryptPassword(
  password: string,
  scramble: Uint8Array,
  pem: string | Uint8Array,
): Promise<Uint8Array> {
  const key = await importRsaPublicKey(pem);
  const plaintext = scramble.length > 0
    ? xorBytes(passwordWithNul(password), scramble)
    : passwordWithNul(password);
  const modulusBytes = Math.ceil((key.algorithm as RsaHashedKeyAlgorithm).modulusLength / 8);
  // OAEP with SHA-1 carries at most k - 2*20 - 2 bytes.
  if (plaintext.length > modulusBytes - 42) {
    throw new AuthError(
      "PASSWORD_TOO_LONG",
      `the password is too long to encrypt with the server's ${modulusBytes * 8}-bit RSA key `
        + `(at most ${modulusBytes - 43} bytes of UTF-8); use TLS instead`,
    );
  }
  const encrypted = await crypto.subtle.encrypt(
    { name: "RSA-OAEP" },
    key,
    plaintext as Uint8Array<ArrayBuffer>,
  );
  return new Uint8Array(encrypted);
}

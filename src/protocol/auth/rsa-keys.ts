/**
 * The server's RSA key pair for sha256_password and caching_sha2_password over an insecure channel:
 * generate one, export its public key as the PEM a client asks for (SPKI, "BEGIN PUBLIC KEY", what
 * MySQL servers send), import a private key from PEM (PKCS#8 "BEGIN PRIVATE KEY", or PKCS#1 "BEGIN
 * RSA PRIVATE KEY" as MySQL's private_key.pem holds it), and decrypt what the client encrypted with
 * `rsaEncryptPassword`: RSA-OAEP with SHA-1 of (password + NUL) XOR the scramble. The server side of
 * rsa.ts. Web Crypto only.
 *
 * Page: https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html
 */
import { concatBytes, fromHex, utf8, xorBytes } from "../bytes.ts";
import { AuthError } from "./plugin.ts";
import { base64Decode, der } from "./rsa.ts";

/** A server's RSA key pair: the private key for decryption, the public key as the PEM sent to clients. */
export interface RsaKeyPair {
  readonly privateKey: CryptoKey;
  /** SPKI PEM ("-----BEGIN PUBLIC KEY-----"), what a client receives after asking with 0x02 (0x01 for sha256_password). */
  readonly publicKeyPem: string;
}

const OAEP_SHA1 = { name: "RSA-OAEP", hash: "SHA-1" } as const;

/** DER of AlgorithmIdentifier { rsaEncryption, NULL }. */
const RSA_ALGORITHM_ID = fromHex("300d06092a864886f70d0101010500");

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** PEM of DER bytes under `label`, in 64-character lines. */
function pem(label: string, derBytes: Uint8Array): string {
  const body = base64(derBytes).replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Generates an RSA key pair for RSA-OAEP with SHA-1 (2048 bits unless told). */
export async function generateRsaKeyPair(modulusLength = 2048): Promise<RsaKeyPair> {
  const pair = await crypto.subtle.generateKey(
    { ...OAEP_SHA1, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["encrypt", "decrypt"],
  );
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return { privateKey: pair.privateKey, publicKeyPem: pem("PUBLIC KEY", spki) };
}

/** The PKCS#8 PEM of a private key generated or imported here (extractable keys only). */
export async function exportRsaPrivateKeyPem(key: CryptoKey): Promise<string> {
  return pem("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)));
}

const PRIVATE_PEM = /-----BEGIN (RSA )?PRIVATE KEY-----([A-Za-z0-9+/=\s]*)-----END (RSA )?PRIVATE KEY-----/;

/**
 * Imports an RSA private key from PEM (PKCS#8, or PKCS#1 which is wrapped into PKCS#8 here) for
 * RSA-OAEP with SHA-1. Throws AuthError("BAD_PRIVATE_KEY") for anything else.
 */
export async function importRsaPrivateKey(text: string): Promise<CryptoKey> {
  const match = PRIVATE_PEM.exec(text);
  if (!match || (match[1] ?? "") !== (match[3] ?? "")) {
    throw new AuthError("BAD_PRIVATE_KEY", "not a PEM RSA private key block");
  }
  let body: Uint8Array;
  try {
    body = base64Decode(match[2]);
  } catch (cause) {
    throw new AuthError("BAD_PRIVATE_KEY", "the RSA private key has invalid base64", { cause });
  }
  // PKCS#8: SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING { the PKCS#1 key } }.
  const pkcs8 = match[1]
    ? der(0x30, concatBytes([Uint8Array.of(2, 1, 0), RSA_ALGORITHM_ID, der(0x04, body)]))
    : body;
  try {
    return await crypto.subtle.importKey("pkcs8", pkcs8 as Uint8Array<ArrayBuffer>, OAEP_SHA1, true, [
      "decrypt",
    ]);
  } catch (cause) {
    throw new AuthError("BAD_PRIVATE_KEY", "the RSA private key could not be imported", { cause });
  }
}

/**
 * Decrypts a password a client encrypted with the server's public key: RSA-OAEP (SHA-1), then XOR
 * with the scramble, then the text before the NUL. Throws AuthError("BAD_ENCRYPTED_PASSWORD") when
 * the bytes do not decrypt (a wrong key, or garbage).
 */
export async function rsaDecryptPassword(
  encrypted: Uint8Array,
  scramble: Uint8Array,
  privateKey: CryptoKey,
): Promise<string> {
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await crypto.subtle.decrypt({ name: "RSA-OAEP" }, privateKey, encrypted as Uint8Array<ArrayBuffer>),
    );
  } catch (cause) {
    throw new AuthError(
      "BAD_ENCRYPTED_PASSWORD",
      "the encrypted password does not decrypt with the server's key",
      {
        cause,
      },
    );
  }
  const clear = scramble.length > 0 ? xorBytes(plain, scramble) : plain;
  const nul = clear.indexOf(0);
  return utf8(clear, 0, nul < 0 ? clear.length : nul);
}

/**
 * Authentication plugins: each response is checked against an independent computation with
 * node:crypto (hashes, RSA-OAEP decryption, Ed25519 verification), and each plugin's conversation
 * is driven through its states. The ed25519 public keys below were read from a real MariaDB.
 */
import assert from "node:assert/strict";
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  sign,
  verify,
} from "node:crypto";
import { test } from "node:test";
import { cachingSha2Password, sha2PasswordScramble } from "../../src/protocol/auth/caching_sha2.ts";
import {
  ed25519AuthenticationString,
  ed25519PasswordPublicKey,
  ed25519PasswordSign,
} from "../../src/protocol/auth/ed25519-sign.ts";
import { clientEd25519 } from "../../src/protocol/auth/ed25519.ts";
import { nativePasswordScramble } from "../../src/protocol/auth/native.ts";
import { type AuthContext, AuthError } from "../../src/protocol/auth/plugin.ts";
import { authPlugin, authPluginNames } from "../../src/protocol/auth/registry.ts";
import { pkcs1ToSpki, publicKeyDer, rsaEncryptPassword } from "../../src/protocol/auth/rsa.ts";
import { sha256Password } from "../../src/protocol/auth/sha256.ts";

const enc = new TextEncoder();
const SCRAMBLE = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0x7f || 1);

function sha(algorithm: string, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((x, i) => x ^ b[i % b.length]);
}

function withNul(password: string): Uint8Array {
  return new Uint8Array([...enc.encode(password), 0]);
}

function context(over: Partial<AuthContext> = {}): AuthContext {
  return {
    user: "u",
    password: "secret",
    scramble: SCRAMBLE,
    secure: false,
    allowPublicKeyRetrieval: false,
    allowCleartextPassword: false,
    ...over,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof AuthError, `expected AuthError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

let keys: { privateKey: KeyObject; spki: string; pkcs1: string } | undefined;
function rsaKeys(): { privateKey: KeyObject; spki: string; pkcs1: string } {
  if (!keys) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    keys = {
      privateKey,
      spki: publicKey.export({ type: "spki", format: "pem" }) as string,
      pkcs1: publicKey.export({ type: "pkcs1", format: "pem" }) as string,
    };
  }
  return keys;
}

function decrypt(encrypted: Uint8Array): Uint8Array {
  return new Uint8Array(
    privateDecrypt(
      { key: rsaKeys().privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
      encrypted,
    ),
  );
}

test("registry: the five plugins by name, nothing else", () => {
  const names = [
    "mysql_native_password",
    "caching_sha2_password",
    "sha256_password",
    "client_ed25519",
    "mysql_clear_password",
  ];
  for (const name of names) assert.equal(authPlugin(name)?.name, name);
  assert.deepEqual(authPluginNames().sort(), [...names].sort());
  assert.equal(authPlugin("auth_gssapi_client"), undefined);
  const e = new AuthError("UNKNOWN_PLUGIN", "x");
  assert.ok(e instanceof Error);
  assert.equal(e.name, "AuthError");
  assert.equal(e.code, "UNKNOWN_PLUGIN");
});

test("mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw)))", async () => {
  for (const password of ["secret", "pässwörd-😀", "x".repeat(300)]) {
    const stage1 = sha("sha1", enc.encode(password));
    const expected = xor(stage1, sha("sha1", SCRAMBLE, sha("sha1", stage1)));
    assert.deepEqual(await nativePasswordScramble(password, SCRAMBLE), expected);
    const ex = authPlugin("mysql_native_password")!.create(context({ password }));
    assert.deepEqual(await ex.start(), expected);
  }
  assert.deepEqual(await nativePasswordScramble("", SCRAMBLE), new Uint8Array(0));
  const ex = authPlugin("mysql_native_password")!.create(context());
  await ex.start();
  await rejectsWith(ex.more(Uint8Array.of(3)), "UNEXPECTED_AUTH_DATA");
});

test("caching_sha2_password scramble: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble)", async () => {
  for (const password of ["secret", "pässwörd-😀"]) {
    const stage1 = sha("sha256", enc.encode(password));
    const expected = xor(stage1, sha("sha256", sha("sha256", stage1), SCRAMBLE));
    assert.equal(expected.length, 32);
    assert.deepEqual(await sha2PasswordScramble(password, SCRAMBLE), expected);
    assert.deepEqual(await cachingSha2Password.create(context({ password })).start(), expected);
  }
  assert.deepEqual(await sha2PasswordScramble("", SCRAMBLE), new Uint8Array(0));
});

test("rsa: OAEP-SHA1 of (password + NUL) XOR scramble, with SPKI and PKCS#1 PEMs", async () => {
  const { spki, pkcs1 } = rsaKeys();
  assert.match(spki, /BEGIN PUBLIC KEY/);
  assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
  // Wrapping PKCS#1 gives exactly the SPKI DER that node:crypto exports.
  assert.deepEqual(publicKeyDer(pkcs1), publicKeyDer(spki));
  assert.deepEqual(
    publicKeyDer(spki),
    new Uint8Array(createPublicKey(spki).export({ type: "spki", format: "der" })),
  );
  const pkcs1Body = pkcs1.replace(/-----[A-Z ]+-----|\s/g, "");
  const pkcs1Der = Uint8Array.from(atob(pkcs1Body), (c) => c.charCodeAt(0));
  assert.deepEqual(pkcs1ToSpki(pkcs1Der), publicKeyDer(spki));
  for (const pem of [spki, pkcs1]) {
    for (const password of ["secret", "pässwörd-😀", "a-password-longer-than-the-twenty-byte-scramble"]) {
      const encrypted = await rsaEncryptPassword(password, SCRAMBLE, pem);
      assert.equal(encrypted.length, 256);
      assert.deepEqual(decrypt(encrypted), xor(withNul(password), SCRAMBLE));
    }
  }
  // As the server sends it: bytes, maybe with a trailing NUL.
  const fromServer = new Uint8Array([...enc.encode(spki), 0]);
  assert.deepEqual(
    decrypt(await rsaEncryptPassword("secret", SCRAMBLE, fromServer)),
    xor(withNul("secret"), SCRAMBLE),
  );
});

test("rsa: bad keys and overlong passwords are AuthErrors", async () => {
  await rejectsWith(rsaEncryptPassword("secret", SCRAMBLE, "not a key"), "BAD_PUBLIC_KEY");
  await rejectsWith(
    rsaEncryptPassword("secret", SCRAMBLE, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
    "BAD_PUBLIC_KEY",
  );
  await rejectsWith(
    rsaEncryptPassword("secret", SCRAMBLE, "-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----\n"),
    "BAD_PUBLIC_KEY",
  );
  // 2048-bit key: OAEP-SHA1 carries at most 256 - 42 = 214 bytes, the NUL included.
  const { spki } = rsaKeys();
  assert.equal((await rsaEncryptPassword("p".repeat(213), SCRAMBLE, spki)).length, 256);
  await rejectsWith(rsaEncryptPassword("p".repeat(214), SCRAMBLE, spki), "PASSWORD_TOO_LONG");
});

test("caching_sha2_password: fast auth success waits for the OK", async () => {
  const ex = cachingSha2Password.create(context());
  assert.equal((await ex.start()).length, 32);
  assert.equal(await ex.more(Uint8Array.of(0x03)), null);
  await rejectsWith(ex.more(Uint8Array.of(0x04)), "UNEXPECTED_AUTH_DATA");
});

test("caching_sha2_password: full auth on a secure channel sends the password and a NUL", async () => {
  const ex = cachingSha2Password.create(context({ secure: true, serverPublicKey: rsaKeys().spki }));
  await ex.start();
  assert.deepEqual(await ex.more(Uint8Array.of(0x04)), withNul("secret"));
});

test("caching_sha2_password: full auth with a configured public key sends it encrypted", async () => {
  for (const pem of [rsaKeys().spki, rsaKeys().pkcs1]) {
    const ex = cachingSha2Password.create(context({ serverPublicKey: pem, allowPublicKeyRetrieval: true }));
    await ex.start();
    const reply = await ex.more(Uint8Array.of(0x04));
    assert.ok(reply);
    assert.equal(reply.length, 256);
    assert.deepEqual(decrypt(reply), xor(withNul("secret"), SCRAMBLE));
  }
});

test("caching_sha2_password: full auth retrieving the public key asks with 0x02", async () => {
  const ex = cachingSha2Password.create(context({ allowPublicKeyRetrieval: true }));
  await ex.start();
  assert.deepEqual(await ex.more(Uint8Array.of(0x04)), Uint8Array.of(0x02));
  const reply = await ex.more(enc.encode(rsaKeys().spki));
  assert.ok(reply);
  assert.deepEqual(decrypt(reply), xor(withNul("secret"), SCRAMBLE));
  await rejectsWith(ex.more(Uint8Array.of(0x03)), "UNEXPECTED_AUTH_DATA");
});

test("caching_sha2_password: full auth with no way to protect the password is refused", async () => {
  const ex = cachingSha2Password.create(context());
  await ex.start();
  await assert.rejects(ex.more(Uint8Array.of(0x04)), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.code, "PUBLIC_KEY_NEEDED");
    assert.match(e.message, /TLS/);
    assert.match(e.message, /serverPublicKey/);
    assert.match(e.message, /allowPublicKeyRetrieval/);
    return true;
  });
  const other = cachingSha2Password.create(context());
  await other.start();
  await rejectsWith(other.more(Uint8Array.of(0x07)), "UNEXPECTED_AUTH_DATA");
});

test("sha256_password: clear on a secure channel, a single 0x00 for an empty password", async () => {
  assert.deepEqual(await sha256Password.create(context({ secure: true })).start(), withNul("secret"));
  assert.deepEqual(await sha256Password.create(context({ password: "" })).start(), Uint8Array.of(0));
  assert.deepEqual(
    await sha256Password.create(context({ password: "", secure: true })).start(),
    Uint8Array.of(0),
  );
  const ex = sha256Password.create(context({ secure: true }));
  await ex.start();
  await rejectsWith(ex.more(Uint8Array.of(1)), "UNEXPECTED_AUTH_DATA");
});

test("sha256_password: encrypted with a configured key, or after asking with 0x01", async () => {
  for (const pem of [rsaKeys().spki, rsaKeys().pkcs1]) {
    const direct = await sha256Password.create(context({ serverPublicKey: pem })).start();
    assert.deepEqual(decrypt(direct), xor(withNul("secret"), SCRAMBLE));
  }
  const ex = sha256Password.create(context({ allowPublicKeyRetrieval: true }));
  assert.deepEqual(await ex.start(), Uint8Array.of(0x01));
  const reply = await ex.more(enc.encode(rsaKeys().pkcs1));
  assert.ok(reply);
  assert.deepEqual(decrypt(reply), xor(withNul("secret"), SCRAMBLE));
  await rejectsWith(ex.more(enc.encode(rsaKeys().spki)), "UNEXPECTED_AUTH_DATA");
});

test("sha256_password: refused without TLS, key or permission to fetch it", async () => {
  await rejectsWith(sha256Password.create(context()).start(), "PUBLIC_KEY_NEEDED");
});

test("mysql_clear_password: refused in clear unless allowed", async () => {
  await rejectsWith(authPlugin("mysql_clear_password")!.create(context()).start(), "INSECURE_CLEAR_PASSWORD");
  const secure = authPlugin("mysql_clear_password")!.create(context({ secure: true, password: "pässwörd" }));
  assert.deepEqual(await secure.start(), withNul("pässwörd"));
  const allowed = authPlugin("mysql_clear_password")!.create(context({ allowCleartextPassword: true }));
  assert.deepEqual(await allowed.start(), withNul("secret"));
});

// The authentication_string MariaDB 10.11.19 stored for `CREATE USER ... IDENTIFIED VIA ed25519
// USING PASSWORD('...')`, read with `SELECT JSON_VALUE(priv, '$.authentication_string') FROM
// mysql.global_priv` on a throwaway server (the mariadb client sent the passwords as utf8mb4).
// The same server accepted ed25519PasswordSign's signatures for these users and refused "wrong".
const MARIADB_ED25519 = [
  { password: "secret", stored: "ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY" },
  { password: "pässwörd-😀", stored: "rtTvqpwHB47Mh2Yksae3USlR7bzS6YtKtumSSgiMeJo" },
];

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

test("client_ed25519: the public key derived from a password is the one MariaDB stores", async () => {
  for (const { password, stored } of MARIADB_ED25519) {
    assert.equal(await ed25519AuthenticationString(password), stored);
    assert.deepEqual(
      await ed25519PasswordPublicKey(password),
      Uint8Array.from(atob(stored + "="), (c) => c.charCodeAt(0)),
    );
  }
});

test("client_ed25519: signatures verify under the derived public key (node:crypto)", async () => {
  for (const { password } of [...MARIADB_ED25519, { password: "" }, { password: "x".repeat(1000) }]) {
    const publicKey = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: base64url(await ed25519PasswordPublicKey(password)) },
      format: "jwk",
    });
    const nonce = Uint8Array.from({ length: 32 }, (_, i) => (i * 101 + password.length) & 0xff);
    const signature = await ed25519PasswordSign(password, nonce);
    assert.equal(signature.length, 64);
    assert.equal(verify(null, nonce, publicKey, signature), true);
    const tampered = nonce.slice();
    tampered[0] ^= 1;
    assert.equal(verify(null, tampered, publicKey, signature), false);
  }
});

test("client_ed25519: a 32-byte password is a standard Ed25519 seed, so node:crypto signs alike", async () => {
  const password = "0123456789abcdef0123456789ABCDEF";
  const pkcs8 = new Uint8Array([
    ...[0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20],
    ...enc.encode(password),
  ]);
  const privateKey = createPrivateKey({
    key: pkcs8 as Uint8Array<ArrayBuffer>,
    format: "der",
    type: "pkcs8",
  });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  assert.equal(jwk.x, base64url(await ed25519PasswordPublicKey(password)));
  const message = enc.encode("a nonce of any length");
  assert.deepEqual(
    await ed25519PasswordSign(password, message),
    new Uint8Array(sign(null, message, privateKey)),
  );
});

test("client_ed25519: signs the auth switch nonce, or waits for it after the greeting", async () => {
  const nonce = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const direct = clientEd25519.create(context({ scramble: nonce }));
  assert.deepEqual(await direct.start(), await ed25519PasswordSign("secret", nonce));
  await rejectsWith(direct.more(nonce), "UNEXPECTED_AUTH_DATA");

  const late = clientEd25519.create(context({ scramble: SCRAMBLE }));
  assert.deepEqual(await late.start(), new Uint8Array(0));
  await rejectsWith(late.more(Uint8Array.of(1, 2, 3)), "UNEXPECTED_AUTH_DATA");
  assert.deepEqual(await late.more(nonce), await ed25519PasswordSign("secret", nonce));
  await rejectsWith(late.more(nonce), "UNEXPECTED_AUTH_DATA");
});

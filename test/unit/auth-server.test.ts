/**
 * The server's side of authentication (src/protocol/auth/native-verify.ts, caching_sha2-verify.ts,
 * rsa-keys.ts) against the CLIENT implementations of this package: the client's answer for a
 * password verifies, a wrong password does not, SHA1(pw) recovered from a native login logs in
 * elsewhere; caching_sha2_password's fast path, full path over TLS and over RSA (with the key served
 * on request, or configured) driven by the client plugin itself. And the server greeting
 * (server-handshake.ts): the CSPRNG scramble and a property round-trip through the decoder.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CachingSha2Verifier,
  sha2PasswordHash,
  Sha2Status,
  type Sha2Step,
  verifySha2Scramble,
} from "../../src/protocol/auth/caching_sha2-verify.ts";
import { cachingSha2Password, sha2PasswordScramble } from "../../src/protocol/auth/caching_sha2.ts";
import {
  formatNativePasswordHash,
  nativePasswordHash,
  parseNativePasswordHash,
  verifyNativePassword,
} from "../../src/protocol/auth/native-verify.ts";
import { nativePasswordScramble, nativeTokenFromStage1 } from "../../src/protocol/auth/native.ts";
import type { AuthContext } from "../../src/protocol/auth/plugin.ts";
import {
  exportRsaPrivateKeyPem,
  generateRsaKeyPair,
  importRsaPrivateKey,
  rsaDecryptPassword,
  type RsaKeyPair,
} from "../../src/protocol/auth/rsa-keys.ts";
import { rsaEncryptPassword } from "../../src/protocol/auth/rsa.ts";
import { encodeUtf8 } from "../../src/protocol/bytes.ts";
import { Capability } from "../../src/protocol/constants.ts";
import { decodeAuthMoreData, decodeGreeting } from "../../src/protocol/handshake.ts";
import {
  buildGreeting,
  createScramble,
  DEFAULT_SERVER_CAPABILITIES,
} from "../../src/protocol/server-handshake.ts";

const password = fc.string({ unit: "binary", minLength: 1, maxLength: 30 });

describe("mysql_native_password, server side", () => {
  test("the client's token verifies and gives SHA1(password); a wrong password does not", async () => {
    await fc.assert(
      fc.asyncProperty(password, password, async (pw, other) => {
        const scramble = createScramble();
        const stored = await nativePasswordHash(pw);
        const token = await nativePasswordScramble(pw, scramble);
        const stage1 = await verifyNativePassword(token, scramble, stored);
        assert.ok(stage1, "the right password verifies");
        const sha1 = new Uint8Array(
          await crypto.subtle.digest("SHA-1", encodeUtf8(pw) as Uint8Array<ArrayBuffer>),
        );
        assert.deepEqual(stage1, sha1);
        // The recovered SHA1(pw) answers another server's scramble as the password would.
        const backend = createScramble();
        assert.deepEqual(
          await nativeTokenFromStage1(stage1, backend),
          await nativePasswordScramble(pw, backend),
        );
        if (other !== pw) {
          const wrong = await nativePasswordScramble(other, scramble);
          assert.equal(await verifyNativePassword(wrong, scramble, stored), undefined);
        }
        // The right token for another scramble does not verify.
        assert.equal(await verifyNativePassword(token, createScramble(), stored), undefined);
      }),
      { numRuns: 50 },
    );
  });
  test("empty passwords: an empty token against an empty hash, nothing else", async () => {
    const scramble = createScramble();
    assert.deepEqual(
      await verifyNativePassword(new Uint8Array(0), scramble, await nativePasswordHash("")),
      new Uint8Array(0),
    );
    assert.equal(
      await verifyNativePassword(new Uint8Array(0), scramble, await nativePasswordHash("pw")),
      undefined,
    );
    assert.equal(
      await verifyNativePassword(await nativePasswordScramble("pw", scramble), scramble, new Uint8Array(0)),
      undefined,
    );
    assert.equal(
      await verifyNativePassword(new Uint8Array(7), scramble, await nativePasswordHash("pw")),
      undefined,
    );
  });
  test("the stored text form is PASSWORD()'s", async () => {
    // PASSWORD('password') on MySQL 5.7 and MariaDB.
    const known = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";
    assert.equal(formatNativePasswordHash(await nativePasswordHash("password")), known);
    assert.deepEqual(parseNativePasswordHash(known), await nativePasswordHash("password"));
    assert.deepEqual(parseNativePasswordHash(known.toLowerCase()), await nativePasswordHash("password"));
    assert.deepEqual(parseNativePasswordHash(""), new Uint8Array(0));
    assert.throws(() => parseNativePasswordHash("2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"), TypeError);
  });
});

/** Drives the client plugin (caching_sha2.ts) against the server's verifier, as the wire would. */
async function exchange(
  pw: string,
  client: Partial<AuthContext>,
  server: { secure: boolean; keyPair?: RsaKeyPair; cachedHash?: Uint8Array; real: string },
): Promise<{ last: Sha2Step; statuses: number[] }> {
  const scramble = createScramble();
  const ctx: AuthContext = {
    user: "u",
    password: pw,
    scramble,
    secure: server.secure,
    allowPublicKeyRetrieval: false,
    allowCleartextPassword: false,
    ...client,
  };
  const c = cachingSha2Password.create(ctx);
  const verifier = new CachingSha2Verifier({
    scramble,
    secure: server.secure,
    keyPair: server.keyPair,
    cachedHash: server.cachedHash,
    checkPassword: (p) => p === server.real,
  });
  let step = await verifier.start(await c.start());
  const statuses: number[] = [];
  for (let rounds = 0; rounds < 4; rounds++) {
    let reply: Uint8Array | null = null;
    for (const packet of step.send) {
      const data = decodeAuthMoreData(packet);
      if (data.length === 1) statuses.push(data[0]);
      reply = await c.more(data);
    }
    if (step.outcome !== "continue") return { last: step, statuses };
    assert.ok(reply, "the client answers a continue");
    step = await verifier.next(reply);
  }
  throw new Error("the exchange did not end");
}

describe("caching_sha2_password, server side", () => {
  let keyPair: RsaKeyPair;
  test("the fast path: the scramble verifies against the cached SHA256(SHA256(pw))", async () => {
    await fc.assert(
      fc.asyncProperty(password, password, async (pw, other) => {
        const scramble = createScramble();
        const cached = await sha2PasswordHash(pw);
        assert.ok(await verifySha2Scramble(await sha2PasswordScramble(pw, scramble), scramble, cached));
        if (other !== pw) {
          assert.equal(
            await verifySha2Scramble(await sha2PasswordScramble(other, scramble), scramble, cached),
            false,
          );
        }
      }),
      { numRuns: 50 },
    );
    const { last, statuses } = await exchange("pw", {}, {
      secure: false,
      cachedHash: await sha2PasswordHash("pw"),
      real: "pw",
    });
    assert.equal(last.outcome, "accepted");
    assert.deepEqual(statuses, [Sha2Status.FAST_AUTH_OK]);
  });
  test("the full path over TLS: 0x04, then the password in clear, checked and cached", async () => {
    const { last, statuses } = await exchange("pässword", {}, { secure: true, real: "pässword" });
    assert.deepEqual(statuses, [Sha2Status.PERFORM_FULL_AUTH]);
    assert.equal(last.outcome, "accepted");
    assert.equal(last.password, "pässword");
    assert.deepEqual(last.cacheHash, await sha2PasswordHash("pässword"));
    const wrong = await exchange("nope", {}, { secure: true, real: "pässword" });
    assert.equal(wrong.last.outcome, "rejected");
    // A cached hash of another password sends the client down the full path, where it fails.
    const stale = await exchange("nope", {}, {
      secure: true,
      real: "pw",
      cachedHash: await sha2PasswordHash("pw"),
    });
    assert.deepEqual([stale.statuses, stale.last.outcome], [[Sha2Status.PERFORM_FULL_AUTH], "rejected"]);
  });
  test("the full path over RSA: the client asks for the key (0x02), the server serves its PEM and decrypts", async () => {
    keyPair = await generateRsaKeyPair(2048);
    const { last, statuses } = await exchange("secret", { allowPublicKeyRetrieval: true }, {
      secure: false,
      keyPair,
      real: "secret",
    });
    assert.deepEqual(statuses, [Sha2Status.PERFORM_FULL_AUTH]);
    assert.deepEqual([last.outcome, last.password], ["accepted", "secret"]);
    // With the key configured on the client, no request.
    const configured = await exchange("secret", { serverPublicKey: keyPair.publicKeyPem }, {
      secure: false,
      keyPair,
      real: "secret",
    });
    assert.deepEqual([configured.last.outcome, configured.last.password], ["accepted", "secret"]);
    const wrong = await exchange("other", { serverPublicKey: keyPair.publicKeyPem }, {
      secure: false,
      keyPair,
      real: "secret",
    });
    assert.equal(wrong.last.outcome, "rejected");
    // Without TLS and without a key pair the server refuses what the client sends.
    const verifier = new CachingSha2Verifier({
      scramble: createScramble(),
      secure: false,
      checkPassword: () => true,
    });
    await verifier.start(new Uint8Array(32));
    const refused = await verifier.next(Uint8Array.of(Sha2Status.REQUEST_PUBLIC_KEY));
    assert.equal(refused.outcome, "rejected");
    assert.match(refused.reason ?? "", /public key/);
  });
  test("RSA: a key exported and imported again (PKCS#8 and PKCS#1) decrypts; garbage does not", async () => {
    keyPair ??= await generateRsaKeyPair(2048);
    const scramble = createScramble();
    const encrypted = await rsaEncryptPassword("pw", scramble, keyPair.publicKeyPem);
    const pkcs8Pem = await exportRsaPrivateKeyPem(keyPair.privateKey);
    const again = await importRsaPrivateKey(pkcs8Pem);
    assert.equal(await rsaDecryptPassword(encrypted, scramble, again), "pw");
    // PKCS#1 ("BEGIN RSA PRIVATE KEY"): the privateKey OCTET STRING inside the PKCS#8 DER.
    const der = Uint8Array.from(atob(pkcs8Pem.replace(/-----[^-]+-----|\s/g, "")), (ch) => ch.charCodeAt(0));
    const pkcs1 = pkcs1Of(der);
    const pkcs1Pem = `-----BEGIN RSA PRIVATE KEY-----\n${
      btoa(String.fromCharCode(...pkcs1))
    }\n-----END RSA PRIVATE KEY-----\n`;
    assert.equal(await rsaDecryptPassword(encrypted, scramble, await importRsaPrivateKey(pkcs1Pem)), "pw");
    await assert.rejects(rsaDecryptPassword(new Uint8Array(256), scramble, again), /does not decrypt/);
    await assert.rejects(importRsaPrivateKey("nope"), /not a PEM RSA private key/);
  });
  test("an empty password is accepted only when it is the password", async () => {
    const ok = await new CachingSha2Verifier({
      scramble: createScramble(),
      secure: false,
      checkPassword: (p) => p === "",
    })
      .start(new Uint8Array(0));
    assert.equal(ok.outcome, "accepted");
    const no = await new CachingSha2Verifier({
      scramble: createScramble(),
      secure: false,
      checkPassword: (p) => p === "x",
    })
      .start(new Uint8Array(0));
    assert.equal(no.outcome, "rejected");
  });
});

describe("server-side verifiers fed arbitrary bytes", () => {
  test("refuse, never throw", async () => {
    const keyPair = await generateRsaKeyPair(1024);
    const stored = await nativePasswordHash("pw");
    const cached = await sha2PasswordHash("pw");
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (b, secure) => {
        const scramble = createScramble();
        assert.equal(await verifyNativePassword(b, scramble, stored), undefined);
        assert.equal(await verifySha2Scramble(b, scramble, cached), false);
        const v = new CachingSha2Verifier({ scramble, secure, keyPair, checkPassword: () => false });
        const first = await v.start(b);
        if (first.outcome !== "continue") return;
        const next = await v.next(b);
        if (next.outcome === "continue") assert.deepEqual([...b], [Sha2Status.REQUEST_PUBLIC_KEY]);
        else assert.equal(next.outcome, "rejected");
      }),
      { numRuns: 200 },
    );
  });
});

/** The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (the last element, an OCTET STRING). */
function pkcs1Of(pkcs8: Uint8Array): Uint8Array {
  let pos = 0;
  const header = () => {
    const tag = pkcs8[pos++];
    let len = pkcs8[pos++];
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + pkcs8[pos++];
    }
    return { tag, len };
  };
  header(); // SEQUENCE
  const version = header();
  pos += version.len;
  const algorithm = header();
  pos += algorithm.len;
  const octets = header();
  assert.equal(octets.tag, 0x04);
  return pkcs8.slice(pos, pos + octets.len);
}

describe("server greeting", () => {
  test("the scramble: 20 CSPRNG bytes, none 0x00, different every time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = createScramble();
      assert.equal(s.length, 20);
      assert.ok(!s.includes(0));
      seen.add(s.join(","));
    }
    assert.equal(seen.size, 200);
  });
  test("round-trips through decodeGreeting, MySQL and MariaDB flavoured", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.string({ unit: "binary-ascii", maxLength: 40 }).filter((s) => !s.includes("\0")),
        fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
        fc.constantFrom("mysql_native_password", "caching_sha2_password", "client_ed25519"),
        fc.integer({ min: 0, max: 0xffff }),
        (connectionId, serverVersion, mariadbCapabilities, authPluginName, statusFlags) => {
          const { greeting, payload } = buildGreeting({
            connectionId,
            serverVersion,
            mariadbCapabilities,
            authPluginName,
            statusFlags,
          });
          assert.deepStrictEqual(decodeGreeting(payload), greeting);
          assert.equal(greeting.scramble.length, 20);
          assert.equal((greeting.capabilities & Capability.MYSQL) === 0, mariadbCapabilities !== undefined);
          // The 8 + 12 split: part 1 after the connection id, part 2 after the 10 fixed bytes and 4 filler bytes.
          const at = 1 + encodeUtf8(serverVersion).length + 1 + 4;
          assert.deepEqual(payload.subarray(at, at + 8), greeting.scramble.subarray(0, 8));
          assert.equal(payload[at + 8], 0);
          assert.equal(payload[at + 8 + 1 + 2 + 1 + 2 + 2], 21);
          assert.deepEqual(
            payload.subarray(at + 27, at + 27 + 12),
            greeting.scramble.subarray(8),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
  test("defaults, and a bad scramble refused", () => {
    const { greeting } = buildGreeting({ connectionId: 7, serverVersion: "8.0.36" });
    assert.equal(greeting.capabilities & DEFAULT_SERVER_CAPABILITIES, DEFAULT_SERVER_CAPABILITIES);
    assert.equal(greeting.authPluginName, "mysql_native_password");
    assert.throws(
      () => buildGreeting({ connectionId: 1, serverVersion: "x", scramble: new Uint8Array(20) }),
      RangeError,
    );
    assert.throws(
      () => buildGreeting({ connectionId: 1, serverVersion: "x", scramble: new Uint8Array(8).fill(1) }),
      RangeError,
    );
  });
});

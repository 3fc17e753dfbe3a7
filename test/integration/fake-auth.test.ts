/**
 * caching_sha2_password, sha256_password and mysql_clear_password against a scripted fake server
 * (MariaDB has none of the first two). The server side checks what the client sent with its own
 * computation through node:crypto, independent of the client's code.
 */
import assert from "node:assert/strict";
import { constants, createHash, generateKeyPairSync, privateDecrypt } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { AuthError, Capability, connect } from "../../mod.ts";
import {
  decodeHandshakeResponse,
  encodeAuthMoreData,
  encodeAuthSwitchRequest,
} from "../../src/protocol/handshake.ts";
import {
  encodeColumnCount,
  encodeColumnDefinition,
  encodeEof,
  encodeOk,
  encodeTextRow,
} from "../../src/protocol/results.ts";
import {
  fakeCapabilities,
  type FakeConnection,
  type FakeServer,
  startFakeServer,
} from "../support/fake-server.ts";

const PASSWORD = "s3cret-pw!";
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const enc = (s: string) => new TextEncoder().encode(s);

/** The caching_sha2_password scramble, computed independently of the client. */
function expectedSha2Scramble(password: string, nonce: Uint8Array): Uint8Array {
  const p1 = sha256(enc(password));
  const p2 = sha256(sha256(p1), nonce);
  return p1.map((b, i) => b ^ p2[i]);
}

/** Decrypts an RSA-OAEP(SHA-1) password and un-XORs it with the nonce. */
function decryptPassword(data: Uint8Array, nonce: Uint8Array): string {
  const plain = new Uint8Array(
    privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, data),
  );
  const clear = plain.map((b, i) => b ^ nonce[i % nonce.length]);
  assert.equal(clear[clear.length - 1], 0, "password is NUL-terminated");
  return new TextDecoder().decode(clear.subarray(0, -1));
}

const okCaps = Capability.PROTOCOL_41;
const ok = () =>
  encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" }, okCaps);

/** Answers one `SELECT` with a one-column, one-row result set, in the DEPRECATE_EOF style or not. */
async function answerQuery(conn: FakeConnection, deprecateEof: boolean): Promise<string> {
  const q = await conn.read();
  assert.equal(q[0], 0x03);
  await conn.send(encodeColumnCount(1));
  await conn.send(encodeColumnDefinition({
    catalog: "def",
    schema: "",
    table: "",
    orgTable: "",
    name: "who",
    orgName: "",
    charset: 255,
    length: 80,
    type: 0xfd,
    flags: 0,
    decimals: 0,
  }));
  if (!deprecateEof) await conn.send(encodeEof({ warningCount: 0, statusFlags: 2 }));
  await conn.send(encodeTextRow([enc("fake")]));
  if (deprecateEof) {
    await conn.send(
      encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" }, okCaps, 0xfe),
    );
  } else await conn.send(encodeEof({ warningCount: 0, statusFlags: 2 }));
  return new TextDecoder().decode(q.subarray(1));
}

let server: FakeServer;
/** What the next accepted connection does. */
let script: (conn: FakeConnection) => Promise<void>;

before(async () => {
  server = await startFakeServer((conn) => script(conn));
});
after(async () => {
  await server.close();
});

function options(extra: Record<string, unknown> = {}) {
  return {
    host: "127.0.0.1",
    port: server.port,
    user: "alice",
    password: PASSWORD,
    connectTimeout: 5000,
    ...extra,
  };
}

describe("caching_sha2_password", () => {
  test("fast auth: the scramble is right, then queries work (DEPRECATE_EOF results)", async () => {
    script = async (conn) => {
      const g = await conn.greet();
      const response = decodeHandshakeResponse(await conn.read());
      assert.equal(response.user, "alice");
      assert.equal(response.authPluginName, "caching_sha2_password");
      assert.deepEqual(response.authResponse, expectedSha2Scramble(PASSWORD, g.scramble));
      await conn.send(encodeAuthMoreData(new Uint8Array([0x03])));
      await conn.send(ok());
      assert.equal(await answerQuery(conn, true), "SELECT 'who'");
    };
    await using c = await connect(options());
    const [row] = await c.query("SELECT 'who'");
    assert.deepEqual({ ...row }, { who: "fake" });
    assert.equal(c.flavor, "mysql");
    assert.deepEqual(server.errors, []);
  });

  test("full auth with the server's key retrieved (allowPublicKeyRetrieval)", async () => {
    script = async (conn) => {
      const g = await conn.greet();
      await conn.read();
      await conn.send(encodeAuthMoreData(new Uint8Array([0x04])));
      const request = await conn.read();
      assert.deepEqual(request, new Uint8Array([0x02]), "client asks for the public key");
      await conn.send(encodeAuthMoreData(enc(publicPem)));
      assert.equal(decryptPassword(await conn.read(), g.scramble), PASSWORD);
      await conn.send(ok());
      await answerQuery(conn, true);
    };
    await using c = await connect(options({ allowPublicKeyRetrieval: true }));
    await c.query("SELECT 1");
    assert.deepEqual(server.errors, []);
  });

  test("full auth with a configured server key (results with EOF packets)", async () => {
    script = async (conn) => {
      const g = await conn.greet({ capabilities: fakeCapabilities & ~Capability.DEPRECATE_EOF });
      await conn.read();
      await conn.send(encodeAuthMoreData(new Uint8Array([0x04])));
      assert.equal(decryptPassword(await conn.read(), g.scramble), PASSWORD);
      await conn.send(ok());
      await answerQuery(conn, false);
    };
    await using c = await connect(options({ serverPublicKey: publicPem }));
    const [row] = await c.query("SELECT 1");
    assert.deepEqual({ ...row }, { who: "fake" });
    assert.deepEqual(server.errors, []);
  });

  test("full auth without TLS, key or permission to fetch it is refused by the client", async () => {
    script = async (conn) => {
      await conn.greet();
      await conn.read();
      await conn.send(encodeAuthMoreData(new Uint8Array([0x04])));
      await conn.read().catch(() => {});
    };
    const err = await connect(options()).then(() => undefined, (e) => e);
    assert.ok(err instanceof AuthError, String(err));
    assert.match(err.message, /public key|TLS/i);
  });

  test("auth switch from mysql_native_password to caching_sha2_password with a new nonce", async () => {
    script = async (conn) => {
      await conn.greet({ authPluginName: "mysql_native_password" });
      await conn.read();
      const nonce = Uint8Array.from({ length: 20 }, (_, i) => 100 + i);
      await conn.send(encodeAuthSwitchRequest({ pluginName: "caching_sha2_password", pluginData: nonce }));
      assert.deepEqual(await conn.read(), expectedSha2Scramble(PASSWORD, nonce));
      await conn.send(encodeAuthMoreData(new Uint8Array([0x03])));
      await conn.send(ok());
      await answerQuery(conn, true);
    };
    await using c = await connect(options());
    await c.query("SELECT 1");
    assert.deepEqual(server.errors, []);
  });
});

describe("sha256_password", () => {
  test("with a configured key the password is sent RSA-encrypted", async () => {
    script = async (conn) => {
      const g = await conn.greet({ authPluginName: "sha256_password" });
      const response = decodeHandshakeResponse(await conn.read());
      assert.equal(response.authPluginName, "sha256_password");
      assert.equal(decryptPassword(response.authResponse, g.scramble), PASSWORD);
      await conn.send(ok());
      await answerQuery(conn, true);
    };
    await using c = await connect(options({ serverPublicKey: publicPem }));
    await c.query("SELECT 1");
    assert.deepEqual(server.errors, []);
  });

  test("with key retrieval the client asks for the key first", async () => {
    script = async (conn) => {
      const g = await conn.greet({ authPluginName: "sha256_password" });
      const response = decodeHandshakeResponse(await conn.read());
      assert.deepEqual(response.authResponse, new Uint8Array([0x01]));
      await conn.send(encodeAuthMoreData(enc(publicPem)));
      assert.equal(decryptPassword(await conn.read(), g.scramble), PASSWORD);
      await conn.send(ok());
      await answerQuery(conn, true);
    };
    await using c = await connect(options({ allowPublicKeyRetrieval: true }));
    await c.query("SELECT 1");
    assert.deepEqual(server.errors, []);
  });
});

describe("mysql_clear_password", () => {
  test("refused over plain TCP before the password is sent", async () => {
    let sent: Uint8Array | undefined;
    script = async (conn) => {
      await conn.greet({ authPluginName: "mysql_native_password" });
      await conn.read();
      await conn.send(
        encodeAuthSwitchRequest({ pluginName: "mysql_clear_password", pluginData: new Uint8Array(0) }),
      );
      sent = await conn.read().catch(() => undefined);
    };
    const err = await connect(options()).then(() => undefined, (e) => e);
    assert.ok(err instanceof AuthError, String(err));
    assert.equal(err.code, "INSECURE_CLEAR_PASSWORD");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sent, undefined, "nothing was sent after the switch request");
  });

  test("sent when explicitly allowed", async () => {
    script = async (conn) => {
      await conn.greet({ authPluginName: "mysql_native_password" });
      await conn.read();
      await conn.send(
        encodeAuthSwitchRequest({ pluginName: "mysql_clear_password", pluginData: new Uint8Array(0) }),
      );
      assert.deepEqual(await conn.read(), enc(PASSWORD + "\0"));
      await conn.send(ok());
      await answerQuery(conn, true);
    };
    await using c = await connect(options({ allowCleartextPassword: true }));
    await c.query("SELECT 1");
    assert.deepEqual(server.errors, []);
  });
});

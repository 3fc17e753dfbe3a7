/**
 * What a proxy's server side does with a client's mysql_native_password login, end to end against
 * the real server: the `mariadb` command-line client's login (captured in
 * test/golden/mariadb-cli-client.json) verifies with `verifyNativePassword`, which gives SHA1(pw);
 * from that alone, without the password, `nativeTokenFromStage1` answers the test server's own
 * greeting and the server lets the user in. A wrong SHA1 is refused with ERR 1045.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { describe, test } from "node:test";
import { nativePasswordHash, verifyNativePassword } from "../../src/protocol/auth/native-verify.ts";
import { nativeTokenFromStage1 } from "../../src/protocol/auth/native.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { Capability } from "../../src/protocol/constants.ts";
import { encodePacket, PacketDecoder } from "../../src/protocol/framing.ts";
import {
  decodeGreeting,
  decodeHandshakeResponse,
  encodeHandshakeResponse,
} from "../../src/protocol/handshake.ts";
import { decodeErr, decodeOk } from "../../src/protocol/results.ts";
import { testEnv } from "../support/env.ts";

const cli = JSON.parse(
  readFileSync(new URL("../golden/mariadb-cli-client.json", import.meta.url), "utf8"),
) as { user: string; password: string; fromServer: { hex: string }[]; fromClient: { hex: string }[] };

/** Logs into the test server as `user` with an auth response made from `stage1`; the server's reply. */
async function logInWithStage1(user: string, stage1: Uint8Array): Promise<Uint8Array> {
  const env = await testEnv();
  const socket = connect({ host: env.host, port: env.port });
  const decoder = new PacketDecoder();
  const waiting: ((p: Uint8Array) => void)[] = [];
  const ready: Uint8Array[] = [];
  socket.on("data", (chunk: Uint8Array) => {
    decoder.push(chunk);
    for (let p = decoder.next(); p; p = decoder.next()) {
      const payload = p.payload.slice();
      const w = waiting.shift();
      if (w) w(payload);
      else ready.push(payload);
    }
  });
  const next = () =>
    new Promise<Uint8Array>((resolve) => ready.length ? resolve(ready.shift()!) : waiting.push(resolve));
  try {
    const greeting = decodeGreeting(await next());
    const capabilities = (Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH
      | Capability.TRANSACTIONS) & greeting.capabilities;
    socket.write(encodePacket(
      encodeHandshakeResponse({
        capabilities,
        mariadbCapabilities: 0,
        maxPacketSize: 0x1000000,
        charset: 45,
        user,
        authResponse: await nativeTokenFromStage1(stage1, greeting.scramble),
        database: "",
        authPluginName: "mysql_native_password",
        attributes: {},
      }),
      1,
    ));
    return await next();
  } finally {
    socket.destroy();
  }
}

describe("a proxy logs into the backend as the client, from the client's own login", () => {
  test("SHA1(pw) recovered from the mariadb CLI's token logs in; a wrong one gets 1045", async () => {
    const greeting = decodeGreeting(fromHex(cli.fromServer[0].hex));
    const response = decodeHandshakeResponse(fromHex(cli.fromClient[0].hex));
    const stage1 = await verifyNativePassword(
      response.authResponse,
      greeting.scramble,
      await nativePasswordHash(cli.password),
    );
    assert.ok(stage1, "the CLI's token verifies");
    const ok = await logInWithStage1(response.user, stage1);
    assert.equal(ok[0], 0x00, `expected OK, got ${ok[0] === 0xff ? decodeErr(ok).message : ok[0]}`);
    decodeOk(ok, Capability.PROTOCOL_41);
    const wrong = stage1.slice();
    wrong[0] ^= 1;
    const err = await logInWithStage1(response.user, wrong);
    assert.equal(decodeErr(err).errno, 1045);
  });
});

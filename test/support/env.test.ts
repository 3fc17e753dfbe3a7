/**
 * The harness itself: the test server is up and is a MariaDB. Talks raw TCP (node:net), not the
 * driver, so it means the same on Node, Deno and Bun whatever state the driver is in.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { testEnv } from "./env.ts";

/** Reads the first packet the server sends (its greeting), header included. */
function readGreeting(host: string, port: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = new Uint8Array(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no greeting from ${host}:${port} within 10 s`));
    }, 10_000);
    socket.on("data", (chunk: Uint8Array) => {
      const next = new Uint8Array(received.length + chunk.length);
      next.set(received);
      next.set(chunk, received.length);
      received = next;
      if (received.length >= 4) {
        const length = received[0] | (received[1] << 8) | (received[2] << 16);
        if (received.length >= 4 + length) {
          clearTimeout(timer);
          socket.destroy();
          resolve(received.subarray(0, 4 + length));
        }
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      reject(new Error(`connection to ${host}:${port} closed before a whole greeting arrived`));
    });
  });
}

test("the test server greets as MariaDB over TCP", async () => {
  const env = await testEnv();
  const packet = await readGreeting(env.host, env.port);
  assert.equal(packet[3], 0, "the greeting has sequence id 0");
  assert.equal(packet[4], 10, "protocol version 10");
  const end = packet.indexOf(0, 5);
  assert.ok(end > 5, "a NUL-terminated server version");
  const version = new TextDecoder().decode(packet.subarray(5, end));
  assert.match(version, /MariaDB/);
});

test("the test environment is complete", async () => {
  const env = await testEnv();
  assert.ok(env.root.user && env.root.password !== undefined);
  for (const user of [env.users.native, env.users.ed25519, env.users.ssl]) {
    assert.ok(user.user.length > 0 && user.password.length > 0);
  }
  assert.equal(typeof env.database, "string");
  assert.match(env.url, /^mysql:\/\/[^@]+@[^/]+:\d+\/\w+$/);
  if (env.tls) {
    assert.match(env.tls.caCert, /BEGIN CERTIFICATE/);
    assert.match(env.tls.otherCaCert, /BEGIN CERTIFICATE/);
    assert.notEqual(env.tls.caCert, env.tls.otherCaCert);
    assert.match(env.tls.clientKey, /PRIVATE KEY/);
  }
});

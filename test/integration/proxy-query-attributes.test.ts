/**
 * CLIENT_QUERY_ATTRIBUTES through the proxy. MariaDB (10.11 here) has no query attributes, so the
 * proxy in front of the test server must not offer them; a MySQL 8 backend does, which the test
 * server cannot be, so a scripted backend (test/support/fake-server.ts) advertises them and checks
 * that the client's COM_QUERY reaches it with its attributes, byte for byte, on a backend connection
 * that negotiated them; with a plugin that reads queries the proxy withholds them again.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createProxy, type ProxyServer } from "../../mod.ts";
import { encodeParam } from "../../src/protocol/binary-params.ts";
import { decodeQuery, encodeQuery } from "../../src/protocol/commands/query.ts";
import { Capability } from "../../src/protocol/constants.ts";
import { decodeGreeting, decodeHandshakeResponse } from "../../src/protocol/handshake.ts";
import { detectRuntime } from "../../src/runtime/detect.ts";
import { PacketChannel } from "../../src/session/channel.ts";
import { okPacket, varcharColumn } from "../support/fake-packets.ts";
import { fakeCapabilities, type FakeServer, startFakeServer } from "../support/fake-server.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";
import { openRawSession } from "../support/raw-session.ts";

/** The capabilities in the greeting the proxy listening on `port` sends. */
async function greetingCapabilities(port: number): Promise<number> {
  const runtime = await detectRuntime();
  const socket = await runtime.connect({ host: "127.0.0.1", port });
  try {
    return decodeGreeting(await new PacketChannel(socket, 1 << 20).read()).capabilities;
  } finally {
    socket.close();
  }
}

/** A lenenc string (short). */
function lenencText(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  return Uint8Array.from([bytes.length, ...bytes]);
}

describe("query attributes toward MariaDB", () => {
  let proxy: RunningProxy;
  before(async () => {
    proxy = await startProxy();
  });
  after(async () => {
    await proxy?.stop();
  });

  test("the greeting does not offer CLIENT_QUERY_ATTRIBUTES: the backend does not", async () => {
    const caps = await greetingCapabilities(proxy.port);
    assert.equal(caps & Capability.QUERY_ATTRIBUTES, 0);
    assert.notEqual(caps & Capability.DEPRECATE_EOF, 0);
  });
});

describe("query attributes toward a backend that has them (scripted MySQL 8)", () => {
  let backend: FakeServer;
  let proxy: ProxyServer;
  let withPlugin: ProxyServer;
  let port = 0;
  let pluginPort = 0;
  /** What the scripted backend saw: the capabilities its clients asked for, the queries. */
  const asked: number[] = [];
  const queries: { sql: string; attributes: Record<string, string> }[] = [];

  before(async () => {
    backend = await startFakeServer(async (conn) => {
      await conn.greet({
        authPluginName: "mysql_native_password",
        capabilities: fakeCapabilities | Capability.QUERY_ATTRIBUTES,
      });
      let response;
      try {
        response = decodeHandshakeResponse(await conn.read());
      } catch {
        return; // the proxy's probe of the greeting
      }
      asked.push(response.capabilities);
      await conn.send(okPacket());
      for (;;) {
        const payload = await conn.read().catch(() => undefined);
        if (payload === undefined || payload[0] === 0x01) return; // gone, or COM_QUIT
        conn.seq = 1;
        const q = decodeQuery(payload, response.capabilities);
        const attributes: Record<string, string> = {};
        for (const a of q.attributes) attributes[a.name] = new TextDecoder().decode(a.value!.subarray(1));
        queries.push({ sql: q.sql, attributes });
        await conn.send(Uint8Array.of(1));
        await conn.send(varcharColumn("trace"));
        await conn.send(lenencText(attributes.trace ?? "none"));
        await conn.send(okPacket(0xfe));
      }
    });
    const options = {
      backends: [{ host: "127.0.0.1", port: backend.port, user: "app", password: "x" }],
      users: { [PROXY_USER.user]: PROXY_USER.password },
      // the scripted server answers only a client's queries: no pool set-up, no health checks
      multiplex: false,
      healthCheck: false as const,
    };
    proxy = createProxy(options);
    const a = await proxy.listen({ host: "127.0.0.1", port: 0 });
    port = "port" in a ? a.port : 0;
    withPlugin = createProxy({ ...options, plugins: [{ name: "reader", readQuery: () => undefined }] });
    const b = await withPlugin.listen({ host: "127.0.0.1", port: 0 });
    pluginPort = "port" in b ? b.port : 0;
  });

  after(async () => {
    await proxy?.close();
    await withPlugin?.close();
    await backend?.close();
  });

  test("offered to clients; a COM_QUERY's attributes reach the backend connection unchanged", async () => {
    assert.notEqual((await greetingCapabilities(port)) & Capability.QUERY_ATTRIBUTES, 0);
    const session = await openRawSession(port, PROXY_USER, { queryAttributes: true });
    try {
      const caps = session.info.capabilities;
      assert.notEqual(caps & Capability.QUERY_ATTRIBUTES, 0);
      const trace = { ...encodeParam("trace-42", "local", 0), name: "trace" };
      const rows = await session.exclusive(async (ch) => {
        await ch.writeCommand(encodeQuery("SELECT 'with attributes'", caps, [trace]));
        const packets: Uint8Array[] = [];
        for (;;) {
          const p = (await ch.read()).slice();
          packets.push(p);
          if (p[0] === 0xfe || p[0] === 0xff) return packets;
        }
      });
      assert.equal(rows.length, 4);
      assert.deepEqual(rows[2], lenencText("trace-42"));
      // The session's own statements carry the empty attribute block the backend expects.
      const plain = await session.query("SELECT 'own query'");
      assert.deepEqual([...plain], [{ trace: "none" }]);
      assert.deepEqual(queries.slice(-2), [
        { sql: "SELECT 'with attributes'", attributes: { trace: "trace-42" } },
        { sql: "SELECT 'own query'", attributes: {} },
      ]);
      assert.notEqual(asked.at(-1)! & Capability.QUERY_ATTRIBUTES, 0);
    } finally {
      await session.close();
    }
  });

  test("withheld when a plugin reads queries (the pipeline decodes them without attributes)", async () => {
    assert.equal((await greetingCapabilities(pluginPort)) & Capability.QUERY_ATTRIBUTES, 0);
  });
});

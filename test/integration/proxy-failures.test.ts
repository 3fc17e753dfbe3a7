/**
 * The proxy under stress and bad input, in front of the test server: packets of 16 MiB and more
 * both ways, a backend connection killed mid-result and a client gone mid-result (the proxy stays
 * up and keeps no backend connection for them), clients that send garbage, a truncated handshake
 * or a wrong sequence id (an ERR where the protocol allows, closed, never a backend connection),
 * and an unreachable backend (a clear ERR naming it).
 */
import assert from "node:assert/strict";
import { connect as tcpConnect, type Socket as NetSocket } from "node:net";
import { after, before, describe, test } from "node:test";
import { freePort } from "../../dev/throwaway-server.ts";
import { type Connection, createProxy, MysqlError } from "../../mod.ts";
import { encodePacket, PacketDecoder } from "../../src/protocol/framing.ts";
import { decodeErr } from "../../src/protocol/results.ts";
import { rootConnection } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { connectThrough, PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
let proxy: RunningProxy;

function viaProxy(p: { host: string; port: number } = proxy): Promise<Connection> {
  return connectThrough(p, { database: env.database });
}

/** Waits until `check()` holds (the proxy cleans up asynchronously), at most ~5 s. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A raw TCP client: the packets it receives, and whether the proxy closed it. */
function rawClient(
  port: number,
): { socket: NetSocket; packets: { seq: number; payload: Uint8Array }[]; closed: Promise<void> } {
  const socket = tcpConnect({ host: "127.0.0.1", port });
  const decoder = new PacketDecoder();
  const packets: { seq: number; payload: Uint8Array }[] = [];
  socket.on("data", (chunk: Uint8Array) => {
    decoder.push(chunk);
    for (let p = decoder.next(); p; p = decoder.next()) {
      packets.push({ seq: p.seq, payload: p.payload.slice() });
    }
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  return { socket, packets, closed };
}

before(async () => {
  env = await testEnv();
  // These tests kill backend threads by the id CONNECTION_ID() gives: one backend connection per client.
  proxy = await startProxy({ multiplex: false });
});

after(async () => {
  await proxy?.stop();
});

describe("large packets", () => {
  test("a 17 MiB query to the backend and a 17 MiB row back", async () => {
    const c = await viaProxy();
    try {
      const big = "y".repeat(17 * 1024 * 1024 + 3);
      const up = await c.query("SELECT LENGTH(?) AS n, RIGHT(?, 3) AS tail", [big, big + "end"]);
      assert.deepEqual([...up], [{ n: big.length, tail: "end" }]);
      const down = await c.query("SELECT REPEAT('z', 17 * 1024 * 1024 + 5) AS big, 'after' AS next");
      const row = down[0] as { big: string; next: string };
      assert.equal(row.big.length, 17 * 1024 * 1024 + 5);
      assert.ok(/^z+$/.test(row.big));
      assert.equal(row.next, "after");
    } finally {
      await c.close();
    }
  });
});

describe("failures mid-result", () => {
  test("the backend connection killed mid-result: the client gets an error, nothing leaks", async () => {
    const c = await viaProxy();
    const admin = await rootConnection();
    try {
      const [{ id }] = [...await c.query("SELECT CONNECTION_ID() AS id")] as { id: number }[];
      let rows = 0;
      await assert.rejects(async () => {
        for await (const _ of c.stream("SELECT seq, REPEAT('x', 200) AS pad FROM seq_1_to_5000000")) {
          if (++rows === 10) await admin.query(`KILL ${id}`);
        }
      });
      assert.ok(rows >= 10 && rows < 5_000_000, `stopped after ${rows} rows`);
      await until(() => proxy.proxy.stats().backendConnections === 0, "no backend connection left");
      await until(() => proxy.proxy.stats().clients === 0, "the client closed");
      const again = await viaProxy();
      assert.deepEqual([...await again.query("SELECT 'still up' AS s")], [{ s: "still up" }]);
      await again.close();
    } finally {
      c.destroy();
      await admin.close();
    }
  });

  test("an idle client's backend connection killed: its next statement fails naming the backend", async () => {
    const c = await viaProxy();
    const admin = await rootConnection();
    try {
      const [{ id }] = [...await c.query("SELECT CONNECTION_ID() AS id")] as { id: number }[];
      await admin.query(`KILL ${id}`);
      await assert.rejects(c.query("SELECT 1"), (e: unknown) => {
        assert.ok(e instanceof MysqlError);
        assert.equal(e.errno, 2013);
        assert.match(e.message, new RegExp(`lost the connection to backend ${env.host}:${env.port}`));
        return true;
      });
      await until(() => proxy.proxy.stats().backendConnections === 0, "no backend connection left");
    } finally {
      c.destroy();
      await admin.close();
    }
  });

  test("a client gone mid-result: its backend connection is closed", async () => {
    const c = await viaProxy();
    const admin = await rootConnection();
    try {
      const [{ id }] = [...await c.query("SELECT CONNECTION_ID() AS id")] as { id: number }[];
      let rows = 0;
      await assert.rejects(async () => {
        for await (const _ of c.stream("SELECT seq, REPEAT('x', 200) AS pad FROM seq_1_to_5000000")) {
          if (++rows === 10) c.destroy();
        }
      });
      await until(() => proxy.proxy.stats().backendConnections === 0, "no backend connection left");
      await until(async () => {
        const list = await admin.query("SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?", [id]);
        return list.length === 0;
      }, "the backend thread gone");
    } finally {
      await admin.close();
    }
  });
});

describe("bad input from clients", () => {
  test("garbage instead of a handshake response: ERR 1043, closed, no backend connection", async () => {
    const p = await startProxy();
    try {
      const raw = rawClient(p.port);
      await until(() => raw.packets.length === 1, "the greeting");
      raw.socket.write(encodePacket(Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff), 1));
      await raw.closed;
      const err = raw.packets[1];
      assert.ok(err, "an ERR came before the close");
      assert.equal(err.payload[0], 0xff);
      assert.equal(decodeErr(err.payload).errno, 1043);
      assert.equal(p.proxy.stats().backendConnections, 0);
    } finally {
      await p.stop();
    }
  });

  test("a truncated handshake: closed, no backend connection", async () => {
    const p = await startProxy();
    try {
      const raw = rawClient(p.port);
      await until(() => raw.packets.length === 1, "the greeting");
      raw.socket.end(Uint8Array.of(100, 0, 0, 1, 1, 2, 3));
      await raw.closed;
      assert.equal(p.proxy.stats().backendConnections, 0);
      await until(() => p.proxy.stats().clients === 0, "the client gone");
    } finally {
      await p.stop();
    }
  });

  test("a wrong sequence id: ERR 1156, closed", async () => {
    const p = await startProxy();
    try {
      const raw = rawClient(p.port);
      await until(() => raw.packets.length === 1, "the greeting");
      raw.socket.write(encodePacket(new Uint8Array(60).fill(1), 5));
      await raw.closed;
      assert.equal(decodeErr(raw.packets[1].payload).errno, 1156);
      assert.equal(p.proxy.stats().backendConnections, 0);
    } finally {
      await p.stop();
    }
  });

  test("a client that never logs in is dropped after loginTimeout", async () => {
    const p = await startProxy({ loginTimeout: 200 });
    try {
      const raw = rawClient(p.port);
      await until(() => raw.packets.length === 1, "the greeting");
      await raw.closed;
      assert.equal(p.proxy.stats().backendConnections, 0);
      await until(() => p.proxy.stats().clients === 0, "the client gone");
    } finally {
      await p.stop();
    }
  });

  test("other clients go on while one misbehaves", async () => {
    const good = await viaProxy();
    try {
      const raw = rawClient(proxy.port);
      await until(() => raw.packets.length === 1, "the greeting");
      raw.socket.write(encodePacket(new Uint8Array(10), 1));
      await raw.closed;
      assert.deepEqual([...await good.query("SELECT 1 AS ok")], [{ ok: 1 }]);
    } finally {
      await good.close();
    }
  });
});

describe("backends", () => {
  test("an unreachable backend: a clear ERR naming it", async () => {
    const port = await freePort();
    const p = createProxy({
      backends: [{ host: "127.0.0.1", port, user: "x", password: "y" }],
      users: { [PROXY_USER.user]: PROXY_USER.password },
      connectTimeout: 2000,
    });
    const address = await p.listen({ host: "127.0.0.1", port: 0 });
    try {
      await assert.rejects(viaProxy(address as { host: string; port: number }), (e: unknown) => {
        assert.ok(e instanceof MysqlError, `got ${e}`);
        assert.equal(e.errno, 2003);
        assert.match(e.message, new RegExp(`backend 127\\.0\\.0\\.1:${port}`));
        return true;
      });
      assert.equal(p.stats().backendConnections, 0);
    } finally {
      await p.close();
    }
  });

  test("backend credentials refused: the client gets the ERR naming the backend", async () => {
    const p = await startProxy({
      backends: [{ host: env.host, port: env.port, user: env.root.user, password: "not-the-password" }],
    });
    try {
      await assert.rejects(viaProxy(p), (e: unknown) => {
        assert.ok(e instanceof MysqlError);
        assert.equal(e.errno, 2003);
        assert.match(e.message, /Access denied/);
        return true;
      });
    } finally {
      await p.stop();
    }
  });
});

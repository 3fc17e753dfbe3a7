/**
 * The socket adapter of the runtime running the tests (Node, Deno or Bun: run this file under each).
 * TLS peers are `node:tls` servers, which all three runtimes provide; everything else goes through
 * the adapter's own Listener.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as tls from "node:tls";
import "../../src/entry/auto.ts"; // registers every runtime adapter
import { equalBytes } from "../../src/protocol/bytes.ts";
import { detectRuntime, runtimeByName, type RuntimeName } from "../../src/runtime/detect.ts";
import {
  ConnectionError,
  type Listener,
  type Runtime,
  type Socket,
  type TlsOptions,
} from "../../src/runtime/socket.ts";
import { makeTestCertificates, type TestCertificates } from "../support/certs.ts";

const MiB = 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A byte pattern that shows reordered, lost or duplicated chunks (not periodic at chunk sizes). */
function patternByte(i: number): number {
  return (i ^ (i >>> 9) ^ (i >>> 17)) & 0xff;
}

function pattern(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = patternByte(offset + i);
  return out;
}

/**
 * Reads until the peer closes, checking every byte against the pattern (which starts at `start`);
 * returns the byte count.
 */
async function readPattern(socket: Socket, start = 0): Promise<number> {
  let offset = start;
  for (;;) {
    const chunk = await socket.read();
    if (chunk === null) return offset - start;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== patternByte(offset + i)) assert.fail(`wrong byte at offset ${offset + i}`);
    }
    offset += chunk.length;
  }
}

/**
 * Waits until a sender's progress stops moving (five looks 50 ms apart see the same count) or it is
 * done. A receiver that kept taking data in would let the sender run through everything in a few
 * milliseconds on loopback, so a stall well short of the total means backpressure works.
 */
async function untilStalled(progress: () => number, total: number): Promise<void> {
  let last = -1;
  let still = 0;
  while (still < 5 && progress() < total) {
    await new Promise((r) => setTimeout(r, 50));
    if (progress() === last) still++;
    else {
      still = 0;
      last = progress();
    }
  }
}

/** Reads until `text` has arrived (the only thing the peer sends at that point). */
async function readText(socket: Socket, text: string): Promise<void> {
  let got = "";
  while (got.length < text.length) {
    const chunk = await socket.read();
    if (chunk === null) assert.fail(`connection closed after ${JSON.stringify(got)}`);
    got += decoder.decode(chunk);
  }
  assert.equal(got, text);
}

/** Reads exactly `n` bytes. */
async function readBytes(socket: Socket, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const chunk = await socket.read();
    if (chunk === null) assert.fail(`connection closed after ${got} of ${n} bytes`);
    out.set(chunk.subarray(0, n - got), got);
    got += chunk.length;
  }
  return out;
}

/** Echoes everything back until the peer closes. */
async function echo(socket: Socket): Promise<void> {
  try {
    for (;;) {
      const chunk = await socket.read();
      if (chunk === null) break;
      await socket.write(chunk.slice());
    }
  } finally {
    socket.close();
  }
}

/** Waits for the next connection and runs `serve` on it. */
async function serveOne(listener: Listener, serve: (s: Socket) => Promise<void>): Promise<void> {
  const socket = await listener.accept();
  assert.ok(socket, "listener closed");
  await serve(socket);
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<ConnectionError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ConnectionError, `expected a ConnectionError, got ${err}`);
    assert.equal(err.code, code, `code of ${err.message}`);
    return err;
  }
  assert.fail(`expected a ConnectionError ${code}`);
}

interface TlsServer {
  readonly port: number;
  /** Bytes of the last flood that the server's TLS socket has taken (write returned true or drained). */
  readonly floodSent: number;
  close(): Promise<void>;
}

const FLOOD = 64 * MiB;

/**
 * A TLS server speaking the in-band upgrade: it waits for "STARTTLS\n" in plain text, answers "OK\n",
 * then switches to TLS, sends "hello <client certificate CN or ->\n" and echoes what comes; or, when
 * the first thing that comes is "FLOOD\n", sends 64 MiB of the pattern (respecting backpressure).
 */
async function startTlsServer(certs: TestCertificates): Promise<TlsServer> {
  let floodSent = 0;
  const flood = (secure: tls.TLSSocket) => {
    floodSent = 0;
    const chunk = 64 * 1024;
    const pump = () => {
      while (floodSent < FLOOD) {
        const ok = secure.write(pattern(floodSent, chunk));
        floodSent += chunk;
        if (!ok) {
          secure.once("drain", pump);
          return;
        }
      }
      secure.end();
    };
    pump();
  };
  const context = tls.createSecureContext({ cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    let got = "";
    const onData = (data: Uint8Array) => {
      got += decoder.decode(data);
      if (!got.endsWith("\n")) return;
      sock.off("data", onData);
      sock.pause();
      assert.equal(got, "STARTTLS\n");
      sock.write("OK\n", () => {
        const secure = new tls.TLSSocket(sock, {
          isServer: true,
          secureContext: context,
          requestCert: true,
          rejectUnauthorized: false,
        });
        secure.on("error", () => {});
        secure.on("secure", () => {
          // (`authorized` is only computed for sockets made by a tls.Server; the CN shows what was sent.)
          const cn = secure.getPeerCertificate()?.subject?.CN;
          secure.write(`hello ${cn ?? "-"}\n`);
          secure.once("data", (first: Uint8Array) => {
            if (decoder.decode(first) === "FLOOD\n") {
              flood(secure);
              return;
            }
            secure.write(first);
            secure.on("data", (d) => secure.write(d));
          });
          secure.on("end", () => secure.end());
        });
      });
    };
    sock.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get floodSent() {
      return floodSent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP port where connecting hangs: a listener (in a python3 child) with a backlog of 0 that never
 * accepts, its queue filled by two connections, so the kernel drops further SYNs. (Connecting to a
 * non-routable address is no good here: some sandboxes answer every address.)
 */
async function startBlackHole(runtime: Runtime): Promise<{ port: number; close(): void } | undefined> {
  const script = "import socket,sys\n"
    + "s=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\n"
    + "print(s.getsockname()[1],flush=True)\nsys.stdin.read()\n";
  let child;
  try {
    child = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "ignore"] });
  } catch {
    return undefined;
  }
  const port = await new Promise<number | undefined>((resolve) => {
    child.on("error", () => resolve(undefined));
    child.stdout.once("data", (d: Uint8Array) => resolve(Number(decoder.decode(d).trim())));
  });
  if (!port) return undefined;
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    // The first connections complete (queued in the backlog); stop once one does not.
    const s = await runtime.connect({ host: "127.0.0.1", port, timeout: 500 }).catch(() => undefined);
    if (!s) break;
    fillers.push(s);
  }
  return {
    port,
    close() {
      for (const s of fillers) s.close();
      child.stdin.end();
      child.kill();
    },
  };
}

const g = globalThis as { Bun?: unknown; Deno?: unknown };
const here: RuntimeName = g.Bun ? "bun" : g.Deno ? "deno" : "node";

test("detectRuntime finds the runtime it runs on, once", async () => {
  const runtime = await detectRuntime();
  assert.equal(runtime.name, here);
  assert.equal(await detectRuntime(), runtime);
  assert.equal(await runtimeByName(here), runtime);
});

/** What an adapter can do where not every one can (a missing TLS feature gives a clear error). */
interface Abilities {
  /** verify "none". */
  readonly none: boolean;
  /** verify "ca" with a given CA. */
  readonly caWithCa: boolean;
  readonly clientCert: boolean;
  /** A TLS socket that is not read stops reading from the network. */
  readonly tlsBackpressure: boolean;
}
const complete: Abilities = { none: true, caWithCa: true, clientCert: true, tlsBackpressure: true };

socketSuite(
  `${here} adapter`,
  () => detectRuntime(),
  here === "deno" ? { none: false, caWithCa: false, clientCert: false, tlsBackpressure: true } : complete,
);
// The Node adapter also runs on Deno and Bun (their node:net and node:tls); deno.ts recommends it for
// the TLS modes Deno.startTls lacks. Deno 2.9's node:tls keeps reading while the socket is paused.
if (here !== "node") {
  socketSuite(
    `node adapter on ${here}`,
    () => runtimeByName("node"),
    here === "deno" ? { ...complete, tlsBackpressure: false } : complete,
  );
}

function socketSuite(label: string, load: () => Promise<Runtime>, can: Abilities): void {
  describe(label, () => {
    let runtime: Runtime;
    let certs: TestCertificates;

    before(async () => {
      runtime = await load();
      certs = makeTestCertificates(join(tmpdir(), "mywire-test-certs"));
    });

    test("echo round trip over TCP", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      try {
        assert.ok("port" in listener.address && listener.address.port > 0);
        const port = (listener.address as { port: number }).port;
        const served = serveOne(listener, echo);
        const socket = await runtime.connect({ host: "127.0.0.1", port });
        assert.equal(socket.remote, `127.0.0.1:${port}`);
        await socket.write(encoder.encode("hello, "));
        await socket.write(encoder.encode("world"));
        await readText(socket, "hello, world");
        socket.close();
        await served;
      } finally {
        await listener.close();
      }
    });

    test("8 MiB arrive intact and in order, then EOF", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      const total = 8 * MiB;
      try {
        const served = serveOne(listener, async (s) => {
          for (let offset = 0; offset < total; offset += 256 * 1024) {
            await s.write(pattern(offset, 256 * 1024));
          }
          s.close();
        });
        const socket = await runtime.connect({ ...(listener.address as { host: string; port: number }) });
        assert.equal(await readPattern(socket), total);
        assert.equal(await socket.read(), null, "reads after EOF give null again");
        socket.close();
        await served;
      } finally {
        await listener.close();
      }
    });

    test("8 MiB sent in one write arrive intact (client to server)", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      const total = 8 * MiB;
      try {
        const received = (async () => {
          const s = await listener.accept();
          assert.ok(s);
          const n = await readPattern(s);
          s.close();
          return n;
        })();
        const socket = await runtime.connect({ ...(listener.address as { host: string; port: number }) });
        await socket.write(pattern(0, total));
        socket.close();
        assert.equal(await received, total);
      } finally {
        await listener.close();
      }
    });

    test("backpressure: a client that does not read stops the sender", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      const total = 64 * MiB;
      const chunk = 64 * 1024;
      let sent = 0; // bytes whose write() has resolved on the server side
      try {
        const served = serveOne(listener, async (s) => {
          while (sent < total) {
            await s.write(pattern(sent, chunk));
            sent += chunk;
          }
          s.close();
        });
        const socket = await runtime.connect({ ...(listener.address as { host: string; port: number }) });
        // Read one chunk, then stop reading. Wait until the server makes no more progress: with an
        // adapter that kept reading (or a write() that resolved without backpressure) the server would
        // instead run through all 64 MiB, which takes a few milliseconds on loopback.
        const first = await socket.read();
        assert.ok(first && first.length > 0);
        let last = -1;
        let still = 0;
        while (still < 5 && sent < total) {
          await new Promise((r) => setTimeout(r, 50));
          if (sent === last) still++;
          else (still = 0, last = sent);
        }
        assert.ok(sent < total / 2, `the server got ${sent} bytes out while the client was not reading`);
        // Everything still arrives once the client reads again.
        let offset = first.length;
        for (let i = 0; i < first.length; i++) assert.equal(first[i], patternByte(i));
        for (;;) {
          const c = await socket.read();
          if (c === null) break;
          for (let i = 0; i < c.length; i++) {
            if (c[i] !== patternByte(offset + i)) assert.fail(`wrong byte at offset ${offset + i}`);
          }
          offset += c.length;
        }
        assert.equal(offset, total);
        socket.close();
        await served;
      } finally {
        await listener.close();
      }
    });

    test("EOF: a read after the peer closes gives null", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      try {
        const served = serveOne(listener, async (s) => s.close());
        const socket = await runtime.connect({ ...(listener.address as { host: string; port: number }) });
        assert.equal(await socket.read(), null);
        assert.equal(await socket.read(), null);
        socket.close();
        socket.close(); // twice is fine
        await served;
      } finally {
        await listener.close();
      }
    });

    test("close() makes a pending read give null", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      try {
        const accepted = listener.accept();
        const socket = await runtime.connect({ ...(listener.address as { host: string; port: number }) });
        const pending = socket.read();
        socket.close();
        assert.equal(await pending, null);
        (await accepted)?.close();
      } finally {
        await listener.close();
      }
    });

    test("a reset connection: the pending read rejects with ECONNRESET", async () => {
      // A node:net peer, for resetAndDestroy() (TCP RST), which the Socket interface does not offer.
      const server = net.createServer((sock) => {
        sock.on("error", () => {});
        sock.once("data", () => sock.resetAndDestroy());
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const socket = await runtime.connect({ host: "127.0.0.1", port });
        const pending = socket.read();
        await socket.write(encoder.encode("x"));
        const err = await rejectsWithCode(pending, "ECONNRESET");
        assert.equal(err.address, `127.0.0.1:${port}`);
        socket.close();
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    test("a closed listener gives null to accept()", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      const pending = listener.accept();
      await listener.close();
      assert.equal(await pending, null);
      assert.equal(await listener.accept(), null);
    });

    test("connecting to a closed port: ECONNREFUSED naming host:port", async () => {
      const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
      const port = (listener.address as { port: number }).port;
      await listener.close();
      const err = await rejectsWithCode(runtime.connect({ host: "127.0.0.1", port }), "ECONNREFUSED");
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.equal(err.address, `127.0.0.1:${port}`);
    });

    test("connect timeout: ETIMEDOUT naming host:port", async () => {
      const hole = await startBlackHole(runtime);
      assert.ok(hole, "python3 is needed to make a port that never answers");
      try {
        const err = await rejectsWithCode(
          runtime.connect({ host: "127.0.0.1", port: hole.port, timeout: 300 }),
          "ETIMEDOUT",
        );
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${hole.port}`));
      } finally {
        hole.close();
      }
    });

    test("Unix socket round trip", async () => {
      const path = join(tmpdir(), `mywire-test-${process.pid}-${Date.now()}.sock`);
      const listener = await runtime.listen({ path });
      try {
        assert.deepEqual(listener.address, { path });
        const served = serveOne(listener, echo);
        const socket = await runtime.connect({ path });
        assert.equal(socket.remote, path);
        await socket.write(encoder.encode("over a unix socket"));
        await readText(socket, "over a unix socket");
        socket.close();
        await served;
      } finally {
        await listener.close();
      }
      // Closing removed the socket file, so the path can be listened on again.
      await (await runtime.listen({ path })).close();
    });

    describe("TLS upgrade", () => {
      let server: TlsServer;

      before(async () => {
        server = await startTlsServer(certs);
      });
      after(async () => {
        await server?.close();
      });

      /** Plain-text exchange, then the upgrade; returns the encrypted socket and the server's hello. */
      async function upgrade(options: TlsOptions): Promise<{ socket: Socket; hello: string }> {
        const plain = await runtime.connect({ host: "127.0.0.1", port: server.port });
        try {
          await plain.write(encoder.encode("STARTTLS\n"));
          await readText(plain, "OK\n");
          const socket = await plain.startTls(options);
          let hello = "";
          while (!hello.endsWith("\n")) {
            const chunk = await socket.read();
            if (chunk === null) assert.fail("closed before hello");
            hello += decoder.decode(chunk);
          }
          return { socket, hello: hello.trim() };
        } catch (err) {
          plain.close();
          throw err;
        }
      }

      /** `runtime.tlsUnsupported` tells beforehand what `startTls` will refuse. */
      function supports(options: TlsOptions, expected: boolean): void {
        const why = runtime.tlsUnsupported?.(options);
        if (expected) assert.equal(why, undefined);
        else assert.equal(typeof why, "string");
      }

      async function roundTrip(socket: Socket, size: number): Promise<void> {
        const data = pattern(7, size);
        const [, back] = await Promise.all([socket.write(data), readBytes(socket, size)]);
        assert.deepEqual(back, data);
      }

      test("identity: the right CA and name succeed; data flows both ways", async () => {
        supports({ verify: "identity", ca: certs.caCert }, true);
        const { socket, hello } = await upgrade({
          verify: "identity",
          ca: certs.caCert,
          servername: "localhost",
        });
        assert.equal(hello, "hello -");
        await roundTrip(socket, 5);
        await roundTrip(socket, 1 * MiB);
        socket.close();
      });

      test("identity: checks an IP address when connected by IP without a name", async () => {
        const { socket } = await upgrade({ verify: "identity", ca: [certs.caCert] });
        await roundTrip(socket, 100);
        socket.close();
      });

      test("identity: an IP address not in the certificate fails with code TLS", async () => {
        await rejectsWithCode(
          upgrade({ verify: "identity", ca: certs.caCert, servername: "127.0.0.2" }),
          "TLS",
        );
      });

      test("identity: a wrong CA fails with code TLS", async () => {
        await rejectsWithCode(
          upgrade({ verify: "identity", ca: certs.otherCaCert, servername: "localhost" }),
          "TLS",
        );
      });

      test("ca: a wrong CA fails with code TLS", async () => {
        await rejectsWithCode(
          upgrade({ verify: "ca", ca: certs.otherCaCert, servername: "localhost" }),
          "TLS",
        );
      });

      test("identity: a wrong name fails with code TLS", async () => {
        await rejectsWithCode(
          upgrade({ verify: "identity", ca: certs.caCert, servername: "wrong.example" }),
          "TLS",
        );
      });

      test("ca: a wrong name succeeds (chain checked, name not)", async () => {
        const options: TlsOptions = { verify: "ca", ca: certs.caCert, servername: "wrong.example" };
        supports(options, can.caWithCa);
        const attempt = upgrade(options);
        if (!can.caWithCa) {
          // Deno.startTls adds `ca` to its default roots instead of replacing them: without the name
          // check it would accept any publicly trusted certificate, so the adapter refuses.
          const err = await rejectsWithCode(attempt, "TLS");
          assert.match(err.message, /verify "ca"/);
          return;
        }
        const { socket } = await attempt;
        await roundTrip(socket, 100);
        socket.close();
      });

      test("none: no verification at all", async () => {
        const options: TlsOptions = { verify: "none", servername: "wrong.example" };
        supports(options, can.none);
        const attempt = upgrade(options);
        if (!can.none) {
          const err = await rejectsWithCode(attempt, "TLS");
          assert.match(err.message, /verify "none"/);
          return;
        }
        const { socket } = await attempt;
        await roundTrip(socket, 100);
        socket.close();
      });

      // Deno's node:tls keeps reading while paused (a documented limit), so there is nothing to test there.
      if (can.tlsBackpressure) {
        test("backpressure over TLS: a client that does not read stops the sender", async () => {
          const { socket } = await upgrade({ verify: "identity", ca: certs.caCert, servername: "localhost" });
          await socket.write(encoder.encode("FLOOD\n"));
          const first = await socket.read();
          assert.ok(first && first.length > 0);
          await untilStalled(() => server.floodSent, FLOOD);
          const sent = server.floodSent;
          assert.ok(sent < FLOOD / 2, `the server got ${sent} bytes out while the client was not reading`);
          for (let i = 0; i < first.length; i++) assert.equal(first[i], patternByte(i));
          assert.equal(first.length + await readPattern(socket, first.length), FLOOD);
          socket.close();
        });
      }

      test("client certificate", async () => {
        const options: TlsOptions = {
          verify: "identity",
          ca: certs.caCert,
          servername: "localhost",
          cert: certs.clientCert,
          key: certs.clientKey,
        };
        supports(options, can.clientCert);
        const attempt = upgrade(options);
        if (!can.clientCert) {
          const err = await rejectsWithCode(attempt, "TLS");
          assert.match(err.message, /client certificate/);
          return;
        }
        const { socket, hello } = await attempt;
        assert.equal(hello, "hello mywire-client");
        socket.close();
      });
    });

    describe("the server's side of a TLS upgrade (acceptTls, as the proxy does)", () => {
      /**
       * A client of this adapter's listener: "STARTTLS\n" in plain text, "OK\n" back, then the
       * listener's socket is upgraded with `acceptTls` while the client upgrades with `startTls`.
       */
      async function pair(): Promise<{ server: Socket; client: Socket; close(): Promise<void> }> {
        const listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
        const accepting = (async () => {
          const plain = await listener.accept();
          assert.ok(plain, "listener closed");
          await readText(plain, "STARTTLS\n");
          await plain.write(encoder.encode("OK\n"));
          assert.ok(plain.acceptTls, "this adapter has acceptTls");
          return plain.acceptTls({ cert: certs.serverCert, key: certs.serverKey });
        })();
        const plain = await runtime.connect({ ...(listener.address as { host: string; port: number }) });
        await plain.write(encoder.encode("STARTTLS\n"));
        await readText(plain, "OK\n");
        const client = await plain.startTls({
          verify: "identity",
          ca: certs.caCert,
          servername: "localhost",
        });
        const server = await accepting;
        return { server, client, close: () => listener.close() };
      }

      test("data flows both ways, 8 MiB each, intact", async () => {
        const { server, client, close } = await pair();
        try {
          const up = pattern(3, 8 * MiB);
          const down = pattern(5, 8 * MiB);
          const [, fromClient, , fromServer] = await Promise.all([
            client.write(up),
            readBytes(server, up.length),
            server.write(down),
            readBytes(client, down.length),
          ]);
          assert.ok(equalBytes(fromClient, up) && equalBytes(fromServer, down), "bytes changed on the way");
        } finally {
          client.close();
          server.close();
          await close();
        }
      });

      if (can.tlsBackpressure) {
        test("backpressure: a server that does not read stops the client", async () => {
          const { server, client, close } = await pair();
          const total = 64 * MiB;
          const chunk = 64 * 1024;
          let sent = 0;
          try {
            const sending = (async () => {
              while (sent < total) {
                await client.write(pattern(sent, chunk));
                sent += chunk;
              }
              client.close();
            })();
            const first = await server.read();
            assert.ok(first && first.length > 0);
            await untilStalled(() => sent, total);
            assert.ok(sent < total / 2, `the client got ${sent} bytes out while the server was not reading`);
            for (let i = 0; i < first.length; i++) assert.equal(first[i], patternByte(i));
            assert.equal(first.length + await readPattern(server, first.length), total);
            await sending;
          } finally {
            server.close();
            await close();
          }
        });
      }
    });
  });
}

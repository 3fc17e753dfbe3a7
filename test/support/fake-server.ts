/**
 * A scripted in-memory MySQL server for what a real MariaDB will not do: caching_sha2_password and
 * sha256_password (MySQL-only plugins), hostile or broken bytes, stalls and early closes. It speaks
 * through the runtime's own Listener and the project's server-side encoders; each test gives a
 * script that drives one accepted connection.
 */
import { Capability } from "../../src/protocol/constants.ts";
import { encodePacket, PacketDecoder } from "../../src/protocol/framing.ts";
import { encodeGreeting, type Greeting } from "../../src/protocol/handshake.ts";
import "../../src/entry/auto.ts"; // registers every runtime adapter
import { detectRuntime } from "../../src/runtime/detect.ts";
import type { Listener, Socket } from "../../src/runtime/socket.ts";

/** What the fake server offers by default: a MySQL 8 without TLS. */
export const fakeCapabilities = Capability.LONG_PASSWORD | Capability.PROTOCOL_41
  | Capability.SECURE_CONNECTION
  | Capability.PLUGIN_AUTH | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capability.TRANSACTIONS
  | Capability.CONNECT_WITH_DB | Capability.MULTI_RESULTS | Capability.DEPRECATE_EOF
  | Capability.CONNECT_ATTRS;

/** One accepted client connection, seen from the server side. */
export class FakeConnection {
  readonly socket: Socket;
  private readonly decoder = new PacketDecoder(1 << 26);
  /** Sequence id of the next packet this side sends. */
  seq = 0;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Reads the client's next packet (payload); sets `seq` to follow it. */
  async read(): Promise<Uint8Array> {
    for (;;) {
      const p = this.decoder.next();
      if (p) {
        this.seq = (this.decoder.lastSeq + 1) & 0xff;
        return p.payload.slice();
      }
      const chunk = await this.socket.read();
      if (chunk === null) throw new Error("client closed the connection");
      this.decoder.push(chunk);
    }
  }

  /** Sends one payload as a packet with the current sequence id. */
  async send(payload: Uint8Array): Promise<void> {
    await this.socket.write(encodePacket(payload, this.seq));
    this.seq = (this.seq + 1) & 0xff;
  }

  /** Sends raw bytes, unframed (for broken framing). */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    await this.socket.write(bytes);
  }

  /** Sends a greeting (defaults: MySQL 8, caching_sha2_password, a fixed 20-byte scramble). */
  async greet(overrides: Partial<Greeting> = {}): Promise<Greeting> {
    const greeting: Greeting = {
      protocolVersion: 10,
      serverVersion: "8.0.36-fake",
      connectionId: 42,
      scramble: Uint8Array.from({ length: 20 }, (_, i) => 33 + i * 3),
      capabilities: fakeCapabilities,
      mariadbCapabilities: 0,
      charset: 255,
      statusFlags: 2,
      authPluginName: "caching_sha2_password",
      ...overrides,
    };
    this.seq = 0;
    await this.send(encodeGreeting(greeting));
    return greeting;
  }
}

/** A listening fake server; `script` runs for each accepted connection. */
export interface FakeServer {
  readonly port: number;
  /** Errors thrown by scripts, for the test to check. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** Starts a fake server on 127.0.0.1 and a free port. */
export async function startFakeServer(script: (conn: FakeConnection) => Promise<void>): Promise<FakeServer> {
  const runtime = await detectRuntime();
  const listener: Listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
  const errors: unknown[] = [];
  const running: Promise<void>[] = [];
  const acceptLoop = (async () => {
    for (;;) {
      const socket = await listener.accept();
      if (!socket) return;
      const conn = new FakeConnection(socket);
      running.push(
        script(conn).catch((e) => {
          errors.push(e);
        }).finally(() => socket.close()),
      );
    }
  })();
  const address = listener.address;
  if (!("port" in address)) throw new Error("fake server did not get a TCP port");
  return {
    port: address.port,
    errors,
    async close() {
      await listener.close();
      await acceptLoop;
      await Promise.allSettled(running);
    },
  };
}

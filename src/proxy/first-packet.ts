/**
 * The first packet a client sends the proxy, read straight from the socket: either an SSLRequest,
 * after which the client may already have sent the start of its TLS handshake in the same TCP
 * segment (those bytes must go to the TLS layer, not to a packet decoder), or its
 * HandshakeResponse41. And a socket that hands out bytes already read before reading on, to give
 * a packet channel what came after the first packet.
 */
import { ProtocolError } from "../protocol/errors.ts";
import type { ServerTlsOptions, Socket, TlsOptions } from "../runtime/socket.ts";

/** A handshake response is small; anything longer is not one. */
const MAX_FIRST_PACKET = 64 * 1024;

/** The first packet and the bytes that came after it. */
export interface FirstPacket {
  readonly payload: Uint8Array;
  readonly seq: number;
  /** Bytes received after the packet (the start of a TLS handshake, or the next packet). */
  readonly rest: Uint8Array;
}

/** Reads one packet from `socket`; throws `ProtocolError` for a packet too large or a closed socket. */
export async function readFirstPacket(socket: Socket): Promise<FirstPacket> {
  let buf = new Uint8Array(0);
  for (;;) {
    if (buf.length >= 4) {
      const length = buf[0] | (buf[1] << 8) | (buf[2] << 16);
      if (length > MAX_FIRST_PACKET) {
        throw new ProtocolError("oversized", `a handshake response of ${length} bytes`);
      }
      if (buf.length >= 4 + length) {
        return { payload: buf.slice(4, 4 + length), seq: buf[3], rest: buf.slice(4 + length) };
      }
    }
    const chunk = await socket.read();
    if (chunk === null) {
      throw new ProtocolError("truncated", "the client closed the connection during the handshake");
    }
    const next = new Uint8Array(buf.length + chunk.length);
    next.set(buf);
    next.set(chunk, buf.length);
    buf = next;
  }
}

/** A socket whose first read returns `prefix` (bytes already taken from `inner`). */
export class PrefixedSocket implements Socket {
  private readonly inner: Socket;
  private prefix: Uint8Array | undefined;

  constructor(inner: Socket, prefix: Uint8Array) {
    this.inner = inner;
    this.prefix = prefix.length > 0 ? prefix : undefined;
  }

  get remote(): string {
    return this.inner.remote;
  }

  read(): Promise<Uint8Array | null> {
    const p = this.prefix;
    if (p !== undefined) {
      this.prefix = undefined;
      return Promise.resolve(p);
    }
    return this.inner.read();
  }

  write(data: Uint8Array): Promise<void> {
    return this.inner.write(data);
  }

  startTls(options: TlsOptions): Promise<Socket> {
    return this.inner.startTls(options);
  }

  acceptTls(options: ServerTlsOptions, initialData?: Uint8Array): Promise<Socket> {
    if (this.inner.acceptTls === undefined) return Promise.reject(new Error("no server-side TLS here"));
    return this.inner.acceptTls(options, initialData);
  }

  close(): void {
    this.inner.close();
  }
}

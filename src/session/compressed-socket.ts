/**
 * A Socket that carries the ordinary packet stream inside compressed packets (CLIENT_COMPRESS),
 * for the rest of a session after authentication. Reads stay pull-based: a compressed packet is
 * read from the underlying socket only when the next decompressed bytes are asked for.
 */
import { CompressedDecoder, encodeCompressed } from "../protocol/compression.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Socket, TlsOptions } from "../runtime/socket.ts";

/** Compression over an authenticated socket; `resetSequence` at the start of every command. */
export class CompressedSocket implements Socket {
  private readonly inner: Socket;
  private readonly decoder = new CompressedDecoder();
  /** The compressed sequence id of the next compressed packet, sent or received. */
  private seq = 0;

  constructor(inner: Socket) {
    this.inner = inner;
  }

  get remote(): string {
    return this.inner.remote;
  }

  /** A new command restarts the compressed sequence at 0. */
  resetSequence(): void {
    this.seq = 0;
  }

  /** The next decompressed chunk of the packet stream, or null at the end. */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.decoder.next();
      if (chunk !== undefined) {
        if (chunk.seq !== this.seq) {
          throw new ProtocolError(
            "sequence",
            `compressed packet out of order: sequence id ${chunk.seq}, expected ${this.seq}`,
          );
        }
        this.seq = (chunk.seq + 1) & 0xff;
        if (chunk.data.length > 0) return chunk.data;
        continue;
      }
      const raw = await this.inner.read();
      if (raw === null) return null;
      this.decoder.push(raw);
    }
  }

  /** Compresses and sends bytes of the packet stream. */
  write(data: Uint8Array): Promise<void> {
    const { bytes, nextSeq } = encodeCompressed(data, this.seq);
    this.seq = nextSeq;
    return this.inner.write(bytes);
  }

  /** TLS must be set up before compression starts. */
  startTls(_options: TlsOptions): Promise<Socket> {
    return Promise.reject(new Error("TLS cannot start after compression has"));
  }

  close(): void {
    this.inner.close();
  }
}

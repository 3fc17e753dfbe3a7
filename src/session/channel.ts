/**
 * A packet channel: framing and sequence ids over a pull-based Socket. Reads only when asked, so a
 * slow consumer leaves bytes in the kernel. Any failure (connection lost, malformed framing, an
 * out-of-order sequence id) is thrown and leaves the channel unusable: the caller closes it.
 */
import { encodeUtf8 } from "../protocol/bytes.ts";
import { markSessionUsable, ProtocolError } from "../protocol/errors.ts";
import { encodePacket, frameCount, frameShortCommand, PacketDecoder } from "../protocol/framing.ts";
import { ConnectionError, type Socket } from "../runtime/socket.ts";

/** Frames packets onto a socket and reads whole packets back, checking sequence ids. */
export class PacketChannel {
  socket: Socket;
  /** The packets received; after `tryReadRange()` its `bytes`, `payloadStart`, `payloadEnd` locate the payload. */
  readonly decoder: PacketDecoder;
  /** The sequence id of the next packet to send or receive. */
  seq = 0;
  private closedError: Error | undefined;

  constructor(socket: Socket, maxPacketSize: number) {
    this.socket = socket;
    this.decoder = new PacketDecoder(maxPacketSize);
  }

  /** Starts a new command: sequence ids restart at 0. */
  resetSequence(): void {
    this.seq = 0;
  }

  /** Bytes received but not yet consumed (must be 0 before a TLS upgrade). */
  get buffered(): number {
    return this.decoder.buffered;
  }

  /**
   * The next packet if it is already buffered, else `undefined` (call `fill()`). The payload is a
   * view valid until the next `fill()`.
   */
  tryRead(): Uint8Array | undefined {
    if (!this.tryReadRange()) return undefined;
    const d = this.decoder;
    return d.bytes.subarray(d.payloadStart, d.payloadEnd);
  }

  /**
   * `tryRead` without allocating: true when the next packet is buffered, its payload then being
   * `decoder.bytes[decoder.payloadStart, decoder.payloadEnd)` (valid until the next `fill()`).
   */
  tryReadRange(): boolean {
    const d = this.decoder;
    if (!d.nextRange()) return false;
    if (d.payloadSeq !== this.seq) {
      throw new ProtocolError(
        "sequence",
        `packet out of order: sequence id ${d.payloadSeq}, expected ${this.seq}`,
      );
    }
    this.seq = (d.lastSeq + 1) & 0xff;
    return true;
  }

  /** Reads one more chunk from the socket into the buffer. Throws if the peer closed the connection. */
  async fill(): Promise<void> {
    this.received(await this.chunk());
  }

  /**
   * The socket's next chunk, for `received` (`fill()` in two steps, so that a reader awaiting it
   * costs one promise, not two). Rejects once the peer closed the connection.
   */
  chunk(): Promise<Uint8Array | null> {
    if (this.closedError) return Promise.reject(this.closedError);
    return this.socket.read();
  }

  /** Takes a chunk `chunk()` gave into the buffer; null (the peer closed the connection) throws. */
  received(chunk: Uint8Array | null): void {
    if (chunk === null) {
      this.closedError ??= new ConnectionError(
        "CLOSED",
        `connection to ${this.socket.remote} closed by the server`,
        this.socket.remote,
      );
      throw this.closedError;
    }
    this.decoder.push(chunk);
  }

  /** The next packet, reading from the socket as needed. */
  async read(): Promise<Uint8Array> {
    for (;;) {
      const p = this.tryRead();
      if (p !== undefined) return p;
      await this.fill();
    }
  }

  /** Frames and sends one payload (split when 16 MiB or more), advancing the sequence id. */
  write(payload: Uint8Array): Promise<void> {
    const framed = encodePacket(payload, this.seq);
    this.seq = (this.seq + frameCount(payload.length)) & 0xff;
    return this.socket.write(framed);
  }

  /** Sends a payload as the first packet of a new command (sequence id 0). */
  writeCommand(payload: Uint8Array): Promise<void> {
    if (payload.length > this.decoder.maxPacketSize) {
      // Refused before anything is sent: the conversation is still in step.
      const error = new RangeError(
        `command of ${payload.length} bytes exceeds maxPacketSize ${this.decoder.maxPacketSize}; nothing was sent`,
      );
      markSessionUsable(error);
      return Promise.reject(error);
    }
    this.seq = 0;
    (this.socket as { resetSequence?: () => void }).resetSequence?.();
    return this.write(payload);
  }

  /**
   * Sends a command byte and its text (COM_QUERY's SQL, COM_INIT_DB's name) as a new command: short
   * ASCII text is framed in place (`frameShortCommand`), anything else as `writeCommand` does.
   */
  writeTextCommand(command: number, text: string): Promise<void> {
    const framed = frameShortCommand(command, text);
    if (framed === undefined || framed.length - 4 > this.decoder.maxPacketSize) {
      return this.writeCommand(textCommandPayload(command, text));
    }
    this.seq = 1;
    (this.socket as { resetSequence?: () => void }).resetSequence?.();
    return this.socket.write(framed);
  }

  /** Changes the largest payload accepted. */
  set maxPacketSize(n: number) {
    this.decoder.maxPacketSize = n;
  }
}

/** The payload of a command byte followed by `text` in UTF-8. */
export function textCommandPayload(command: number, text: string): Uint8Array {
  const bytes = encodeUtf8(text);
  const payload = new Uint8Array(bytes.length + 1);
  payload[0] = command;
  payload.set(bytes, 1);
  return payload;
}

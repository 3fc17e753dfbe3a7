/**
 * The packets the proxy sends one client, framed with the client's own sequence ids (they continue
 * from the client's command, whatever ids the backend used) and gathered into one buffer: the relay
 * flushes it when the backend has nothing more buffered (so nothing waits for bytes that have not
 * come) and when it is full, so a result of many rows costs few socket writes and no allocation
 * per row. Payloads of 16 MiB and more are split into several packets, as the protocol wants.
 */
import { MAX_PAYLOAD } from "../protocol/constants.ts";
import { encodePacket, frameCount } from "../protocol/framing.ts";
import type { PacketChannel } from "../session/channel.ts";

/** Size of the batch buffer. */
const BATCH = 256 * 1024;

/** Frames payloads onto a client's channel, in batches. */
export class ClientOutput {
  private readonly channel: PacketChannel;
  private readonly buf = new Uint8Array(BATCH);
  private pos = 0;
  /** Packets sent (or batched) since `reset()`: once true, an ERR can no longer stand in for the response. */
  wrote = false;

  constructor(channel: PacketChannel) {
    this.channel = channel;
  }

  /** Starts a new command's response. */
  reset(): void {
    this.wrote = false;
  }

  /** Bytes batched and not yet written. */
  get pending(): number {
    return this.pos;
  }

  /**
   * Queues one payload (copied: the caller may reuse its bytes). Returns a promise when it had to
   * write (await it for backpressure), else undefined.
   */
  push(payload: Uint8Array): Promise<void> | undefined {
    this.wrote = true;
    const ch = this.channel;
    const n = payload.length;
    if (n < MAX_PAYLOAD && n + 4 <= BATCH - this.pos) {
      const b = this.buf;
      let p = this.pos;
      b[p] = n & 0xff;
      b[p + 1] = (n >> 8) & 0xff;
      b[p + 2] = (n >> 16) & 0xff;
      b[p + 3] = ch.seq;
      b.set(payload, p + 4);
      this.pos = p + 4 + n;
      ch.seq = (ch.seq + 1) & 0xff;
      return undefined;
    }
    return this.pushLarge(payload);
  }

  private async pushLarge(payload: Uint8Array): Promise<void> {
    await this.flush();
    const ch = this.channel;
    if (payload.length + 4 <= BATCH && payload.length < MAX_PAYLOAD) {
      this.push(payload);
      return;
    }
    const framed = encodePacket(payload, ch.seq);
    ch.seq = (ch.seq + frameCount(payload.length)) & 0xff;
    await ch.socket.write(framed);
  }

  /** Writes what is batched. */
  flush(): Promise<void> {
    if (this.pos === 0) return Promise.resolve();
    // A copy of what is used (the socket may keep it until sent); the buffer is reused.
    const data = this.buf.slice(0, this.pos);
    this.pos = 0;
    return this.channel.socket.write(data);
  }
}

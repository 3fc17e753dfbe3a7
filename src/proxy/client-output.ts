/**
 * The packets the proxy sends one client, framed with the client's own sequence ids (they continue
 * from the client's command, whatever ids the backend used) and written in batches: small packets
 * are gathered and sent together once a batch is large or the response is complete, so a result
 * of many rows costs few socket writes.
 */
import { concatBytes } from "../protocol/bytes.ts";
import { encodePacket, frameCount } from "../protocol/framing.ts";
import type { PacketChannel } from "../session/channel.ts";

/** Bytes gathered before a batch is written. */
const BATCH = 64 * 1024;

/** Frames payloads onto a client's channel, in batches. */
export class ClientOutput {
  private readonly channel: PacketChannel;
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Packets sent (or batched) since `reset()`: once true, an ERR can no longer stand in for the response. */
  wrote = false;

  constructor(channel: PacketChannel) {
    this.channel = channel;
  }

  /** Starts a new command's response. */
  reset(): void {
    this.wrote = false;
  }

  /** Queues one payload; writes the batch when it is large (await it for backpressure). */
  push(payload: Uint8Array): Promise<void> | undefined {
    const ch = this.channel;
    const framed = encodePacket(payload, ch.seq);
    ch.seq = (ch.seq + frameCount(payload.length)) & 0xff;
    this.chunks.push(framed);
    this.size += framed.length;
    this.wrote = true;
    return this.size >= BATCH ? this.flush() : undefined;
  }

  /** Writes what is batched. */
  flush(): Promise<void> {
    if (this.chunks.length === 0) return Promise.resolve();
    const data = this.chunks.length === 1 ? this.chunks[0] : concatBytes(this.chunks);
    this.chunks = [];
    this.size = 0;
    return this.channel.socket.write(data);
  }
}

/**
 * Replays packets as if a server sent them: the reading half of a packet channel (`read`,
 * `tryRead`, `fill`) over an array of payloads, so a session reads a plugin's local answer, or a
 * result a plugin passed on, with the very code that reads the server.
 */
import { ProtocolError } from "../protocol/errors.ts";

/** The reading methods a session's result reader uses. */
export interface PacketSource {
  /** The next packet, or undefined when none is buffered (then `fill()`). */
  tryRead(): Uint8Array | undefined;
  /** Makes more packets available; throws when there are none. */
  fill(): Promise<void>;
  /** The next packet. */
  read(): Promise<Uint8Array>;
}

/** A `PacketSource` over `packets`; reading past the last one is a `ProtocolError("truncated")`. */
export function replayPackets(packets: readonly Uint8Array[]): PacketSource & { readonly remaining: number } {
  let i = 0;
  const exhausted = () =>
    new ProtocolError("truncated", `the replayed response ended after ${packets.length} packets`);
  return {
    tryRead() {
      return i < packets.length ? packets[i++] : undefined;
    },
    fill() {
      return i < packets.length ? Promise.resolve() : Promise.reject(exhausted());
    },
    read() {
      return i < packets.length ? Promise.resolve(packets[i++]) : Promise.reject(exhausted());
    },
    get remaining() {
      return packets.length - i;
    },
  };
}

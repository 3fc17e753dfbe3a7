/**
 * The compressed protocol (CLIENT_COMPRESS) toward a client of the proxy: the proxy offers it in
 * every greeting (it compresses for the client whatever its backends do), and once a client that
 * asked for it has its final OK, the rest of the conversation goes through the same
 * `CompressedSocket` the client session uses (src/session/compressed-socket.ts): the proxy is
 * the server side of it, reading each command at compressed sequence id 0 and answering from 1.
 * The backend side is the backend session's own `compress` option (per backend in the proxy's
 * options), so the two sides compress independently.
 */
import { Capability } from "../protocol/constants.ts";
import type { PacketChannel } from "../session/channel.ts";

/** A socket with a compressed sequence of its own (a `CompressedSocket`). */
interface SequencedSocket {
  resetSequence?(): void;
}

/** The capability the proxy adds to what its backends offer, since it can serve it itself. */
export const CLIENT_SIDE_CAPABILITIES: number = Capability.COMPRESS;

/**
 * After the final OK of a client that negotiated CLIENT_COMPRESS: its channel carries compressed
 * packets from now on. Does nothing for a client without it, or one already compressed (after
 * COM_CHANGE_USER the conversation stays compressed).
 */
export async function compressClient(channel: PacketChannel, capabilities: number): Promise<void> {
  if ((capabilities & Capability.COMPRESS) === 0) return;
  // Loaded here, not at start-up, as in the client session: fflate is for the clients that ask.
  const { CompressedSocket } = await import("../session/compressed-socket.ts");
  if (channel.socket instanceof CompressedSocket) return;
  channel.socket = new CompressedSocket(channel.socket);
}

/** Before reading a client's next command: packet and compressed sequence ids restart at 0. */
export function startCommand(channel: PacketChannel): void {
  channel.resetSequence();
  (channel.socket as SequencedSocket).resetSequence?.();
}

/**
 * COM_BINLOG_DUMP and COM_BINLOG_DUMP_GTID through the proxy. A dump is not a request and a
 * response but a stream of packets (one event each, heartbeats, the EOF that ends a non-blocking
 * dump, or an ERR), so it does not go through the plan runner: the client's backend connection
 * becomes the dump's, dedicated to it (it carries nothing else afterwards, and the user variables
 * the replica set before, @master_binlog_checksum and the like, are on it), and every packet it
 * sends goes to the client, renumbered with the client's sequence ids and flushed whenever nothing
 * more is buffered. Meanwhile the client is read: a replica sends nothing during a dump, so a
 * packet from it (COM_QUIT) or its connection closing ends the dump. When the dump ends, either
 * way, the client's session ends too, and its backend connection is closed with it.
 */
import { Command } from "../protocol/constants.ts";
import type { PacketChannel } from "../session/channel.ts";
import type { ClientOutput } from "./client-output.ts";
import type { BackendConnection } from "./relay.ts";

/** Whether `command` starts a binlog dump (relayed by `relayBinlogDump`). */
export function isBinlogDump(command: number): boolean {
  return command === Command.COM_BINLOG_DUMP || command === Command.COM_BINLOG_DUMP_GTID;
}

/** Whether a dump packet ends the dump: an ERR, or the EOF after the last event of a non-blocking dump. */
function endsDump(p: Uint8Array): boolean {
  return p[0] === 0xff || (p[0] === 0xfe && p.length < 0xffffff);
}

/**
 * Sends the client's dump command `payload` to `backend` and streams the dump to the client until
 * the backend ends it or either side goes. Resolves when the dump is over (the caller then closes
 * the client and the backend connection); rejects with what failed (a `BackendFailure`, or the
 * client's socket error while writing to it).
 */
export async function relayBinlogDump(
  client: { readonly channel: PacketChannel; readonly output: ClientOutput },
  backend: BackendConnection,
  payload: Uint8Array,
): Promise<void> {
  await backend.writeCommand(payload);
  const out = client.output;
  // Whatever the client sends or does now ends the dump.
  const clientDone = client.channel.read().then(
    () => "client" as const,
    () => "client" as const,
  );
  for (;;) {
    const p = backend.tryRead();
    if (p === undefined) {
      await out.flush();
      const more = backend.fill().then(() => "backend" as const);
      if ((await Promise.race([more, clientDone])) === "client") {
        more.catch(() => {}); // the backend connection is closed with the client
        return;
      }
      continue;
    }
    const w = out.push(p);
    if (w !== undefined) await w;
    if (endsDump(p)) {
      await out.flush();
      return;
    }
  }
}

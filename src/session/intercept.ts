/**
 * A command through the plugin pipeline (readQuery / readQueryResult), on the client side: the
 * client's `PlanTarget` for the plan runner (src/pipeline/run-plan.ts). Only sessions with plugins
 * that hook commands come here; others send commands directly. Results are read with the code that
 * reads the server, local and replaced answers from the packets the pipeline encoded.
 */
import type { PipelineSession } from "../pipeline/pipeline-session.ts";
import type { Injection } from "../pipeline/queue.ts";
import { replayPackets } from "../pipeline/replay.ts";
import { type PlanConnection, PlanDisconnect, runPlan } from "../pipeline/run-plan.ts";
import { MysqlError } from "../protocol/errors.ts";
import { ConnectionError } from "../runtime/socket.ts";
import type { PacketChannel } from "./channel.ts";
import { inSyncError, readResponse, type ResponseContext } from "./response.ts";

/** The session a command runs in: its own connection, and connections to other backends on demand. */
export interface InterceptHost {
  /** This connection's response context. */
  readonly context: ResponseContext;
  /** The backend this connection is to (-1: the configured server). */
  readonly ownBackend: number;
  /** The response context of this session's connection to backend `index`, opened on first use. */
  backend(index: number): Promise<ResponseContext>;
}

/** Reads the response to a command from `ctx` (the server's, or a replayed one). */
export type ResponseReader<T> = (ctx: ResponseContext, sql: string) => Promise<T>;

/** A response context whose channel replays packets the pipeline encoded. */
function replayContext(ctx: ResponseContext, packets: readonly Uint8Array[]): ResponseContext {
  const source = replayPackets(packets);
  // What PacketChannel.tryReadRange leaves in its decoder: here each payload is its own array.
  const decoder = { bytes: new Uint8Array(0) as Uint8Array, payloadStart: 0, payloadEnd: 0 };
  const channel = {
    ...source,
    decoder,
    tryReadRange(): boolean {
      const payload = source.tryRead();
      if (payload === undefined) return false;
      decoder.bytes = payload;
      decoder.payloadStart = 0;
      decoder.payloadEnd = payload.length;
      return true;
    },
    write: () => Promise.reject(inSyncError("a local answer cannot ask for a LOCAL INFILE file")),
  };
  return { ...ctx, channel: channel as unknown as PacketChannel };
}

/** How a non-original entry's response is read: text rows, binary rows for EXECUTE. */
function readInjected(ctx: ResponseContext, entry: Injection): Promise<unknown> {
  const sql = entry.command.sql ?? entry.command.type;
  return readResponse(ctx, sql, entry.command.type === "COM_STMT_EXECUTE");
}

/** A connection of the host as the plan runner drives it, with its response context. */
interface HostConnection extends PlanConnection {
  readonly ctx: ResponseContext;
}

function connectionOf(ctx: ResponseContext): HostConnection {
  const channel = ctx.channel;
  return {
    ctx,
    writeCommand: (payload) => channel.writeCommand(payload),
    write: (payload) => channel.write(payload),
    read: () => channel.read(),
  };
}

/**
 * Runs one command through the pipeline (the plan runner) on this session's connections and returns
 * what the caller gets: the first result passed on (a MysqlError in its place is thrown), with every
 * forwarded result in its `results`.
 */
export async function interceptCommand<T>(
  ps: PipelineSession,
  host: InterceptHost,
  payload: Uint8Array,
  sql: string,
  readOriginal: ResponseReader<T>,
): Promise<T> {
  let forwarded: unknown[];
  try {
    forwarded = await runPlan(ps, payload, {
      connection: async (index) =>
        connectionOf(index === -1 || index === host.ownBackend ? host.context : await host.backend(index)),
      read: (entry, from, replay) => {
        const base = from?.ctx ?? host.context;
        const ctx = replay === undefined ? base : replayContext(base, replay.packets);
        return entry.original ? readOriginal(ctx, entry.command.sql ?? sql) : readInjected(ctx, entry);
      },
      onStatus: (from, statusFlags) => from.ctx.onStatus(statusFlags),
    });
  } catch (error) {
    if (error instanceof PlanDisconnect) throw new ConnectionError("CLOSED", error.message);
    throw error;
  }
  if (forwarded.length === 0) {
    throw inSyncError("the plugins ignored every result of this command, so there is nothing to return");
  }
  const first = forwarded[0];
  if (first instanceof MysqlError) throw first;
  const results = (first as { results?: unknown[] }).results;
  if (forwarded.length > 1 && Array.isArray(results)) {
    (first as { results: unknown[] }).results = forwarded.flatMap((r) =>
      r instanceof MysqlError ? [] : ((r as { results?: unknown[] }).results ?? [r])
    );
  }
  return first as T;
}

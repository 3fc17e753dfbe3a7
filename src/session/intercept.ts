/**
 * A command through the plugin pipeline (readQuery / readQueryResult), on the client side. Only
 * sessions with plugins that hook commands come here; others send commands directly. The pipeline
 * plans what to send (the command, maybe rewritten, with injected commands before or after it) or
 * answers locally; results nobody needs are read straight to the caller, the others are collected,
 * shown to the plugins, and passed on, replaced or dropped. Local and replaced answers are read with
 * the same code that reads the server, from the packets the pipeline encoded.
 */
import type { PipelineSession } from "../pipeline/pipeline-session.ts";
import type { Injection } from "../pipeline/queue.ts";
import { replayPackets } from "../pipeline/replay.ts";
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

/** How a non-original entry's streamed response is read: text rows, binary rows for EXECUTE. */
function readInjected(ctx: ResponseContext, entry: Injection): Promise<unknown> {
  const sql = entry.command.sql ?? entry.command.type;
  return readResponse(ctx, sql, entry.command.type === "COM_STMT_EXECUTE");
}

/** What `onObserved` wants of a COM_STMT_PREPARE answer. */
function observable(outcome: unknown): never {
  const s = outcome as { id?: number; params?: unknown[]; columns?: unknown[] };
  if (s && typeof s.id === "number" && Array.isArray(s.params) && Array.isArray(s.columns)) {
    return {
      statementId: s.id,
      paramCount: s.params.length,
      columnCount: s.columns.length,
      warningCount: 0,
    } as never;
  }
  return outcome as never;
}

/**
 * Runs one command through the pipeline on this session's connection and returns what the caller
 * gets: the first result passed on (a MysqlError in its place is thrown).
 */
export async function interceptCommand<T>(
  ps: PipelineSession,
  host: InterceptHost,
  payload: Uint8Array,
  sql: string,
  readOriginal: ResponseReader<T>,
): Promise<T> {
  const plan = await ps.onQuery(payload);
  const here = host.context;
  if (plan._tag === "Disconnect") {
    throw new ConnectionError("CLOSED", `plugin "${plan.plugin}" closed the connection: ${plan.reason}`);
  }
  if (plan._tag === "SendResult") return readOriginal(replayContext(here, plan.packets), sql);
  const ctx = plan.backendIndex === -1 || plan.backendIndex === host.ownBackend
    ? here
    : await host.backend(plan.backendIndex);
  const channel = ctx.channel;
  const forwarded: unknown[] = [];
  const read = (from: ResponseContext, entry: Injection) =>
    entry.original ? readOriginal(from, entry.command.sql ?? sql) : readInjected(from, entry);
  for (let i = 0; i < plan.queue.length; i++) {
    const entry = plan.queue[i];
    if (entry.streamed) {
      const sentAt = performance.now();
      await channel.writeCommand(entry.command.raw);
      let outcome: unknown;
      try {
        outcome = await read(ctx, entry);
      } catch (error) {
        if (!(error instanceof MysqlError)) throw error;
        outcome = error;
      }
      forwarded.push(outcome);
      if (entry.observed) {
        await ps.onObserved(entry, observable(outcome), { sentAt, endAt: performance.now() });
      }
      continue;
    }
    const collector = ps.collector(entry);
    collector.start();
    await channel.writeCommand(entry.command.raw);
    if (entry.expectsResponse) {
      for (;;) {
        const state = collector.push(await channel.read());
        if (state === "done") break;
        if (state === "infile") await channel.write(new Uint8Array(0));
      }
    }
    const data = collector.finish();
    if (data.kind !== "none") ctx.onStatus(data.statusFlags);
    const decided = await ps.onResult(entry, data);
    if (decided._tag === "SendResult") {
      try {
        forwarded.push(await read(replayContext(ctx, decided.packets), entry));
      } catch (error) {
        if (!(error instanceof MysqlError)) throw error;
        forwarded.push(error);
      }
    }
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

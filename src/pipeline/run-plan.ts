/**
 * The plan runner: the one loop that carries out what the plugins decided for a command
 * (`PipelineSession.onQuery`) against backend connections, and hands each result to an output.
 * The client session (src/session/intercept.ts), the proxy and the tests' reference driver all run
 * commands through it; only their `PlanTarget` differs (a caller's promise, or a client socket).
 *
 * For each queued command, in order: a streamed one (the client's own, not needed by a plugin) is
 * sent and its response read by the target straight to its output, then reported with `onObserved`
 * when a plugin asked; any other is sent, its whole response collected and shown to the plugins
 * (`onResult`), and what they pass on or put in its place is replayed to the target from packets.
 * A local answer (no backend) is replayed the same way. What the caller gets is the list of
 * forwarded outcomes, in order.
 */
import { MysqlError } from "../protocol/errors.ts";
import { decodeCommand } from "./command.ts";
import type { PipelineSession } from "./pipeline-session.ts";
import type { Injection } from "./queue.ts";

/** One backend connection as the runner drives it: commands out, packets in. */
export interface PlanConnection {
  /** Sends a command (sequence id 0). */
  writeCommand(payload: Uint8Array): Promise<void>;
  /** Sends a packet within the command (the reply to a LOCAL INFILE request). */
  write(payload: Uint8Array): Promise<void>;
  /** The next packet of the response. */
  read(): Promise<Uint8Array>;
}

/** Where a plan runs and where its results go. */
export interface PlanTarget<C extends PlanConnection, R> {
  /** The connection to backend `index` (-1, or the one connectServer chose: this session's own). */
  connection(index: number): Promise<C>;
  /**
   * Reads one response as the caller gets it: from `from`'s server, or from `replay` when given (a
   * local answer, with `from` undefined, or a result the plugins passed on or replaced). An ERR is
   * thrown as a `MysqlError`.
   */
  read(entry: Injection, from: C | undefined, replay?: Replay): Promise<R>;
  /** The server's status flags after a collected response (before any plugin replaced it). */
  onStatus(from: C, statusFlags: number): void;
  /**
   * The reply to a LOCAL INFILE request (`request`, the 0xFB packet, valid only during the call) in
   * a collected response (default: an empty file). A proxy relays it to its client here.
   */
  infile?(from: C, entry: Injection, request: Uint8Array): Promise<void>;
}

/** Packets the pipeline made, to be read as a response. */
export interface Replay {
  readonly packets: readonly Uint8Array[];
  /** True when a plugin made them (a local answer or a replacement); false for a result passed on. */
  readonly replaced: boolean;
}

/** One forwarded outcome: a result, or the server's (or a plugin's) error in its place. */
export type PlanOutcome<R> = R | MysqlError;

/** A plan that closes the connection (a plugin's `disconnect()`). */
export class PlanDisconnect extends Error {
  override readonly name = "PlanDisconnect";
  readonly plugin: string;
  readonly reason: string;

  constructor(plugin: string, reason: string) {
    super(`plugin "${plugin}" closed the connection: ${reason}`);
    this.plugin = plugin;
    this.reason = reason;
  }
}

/** What a prepared statement's answer looks like to `onObserved` (the rest passes as it is). */
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

async function settle<R>(read: Promise<R>): Promise<PlanOutcome<R>> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof MysqlError) return error;
    throw error;
  }
}

/** The client's own command as a queue entry, for reading a local answer to it. */
function ownCommand(payload: Uint8Array): Injection {
  return {
    id: 0,
    command: decodeCommand(payload),
    original: true,
    resultsetIsNeeded: false,
    streamed: true,
    observed: false,
    expectsResponse: true,
    injectedBy: undefined,
  };
}

/**
 * Runs one command (`payload`) through the pipeline session `ps` against `target`: returns the
 * forwarded outcomes in order (empty when the plugins ignored every result). Throws
 * `PlanDisconnect` when a plugin closed the connection; any other error (a broken connection, a
 * plugin failure) is thrown as it is, and leaves the connection's state to the caller.
 */
export async function runPlan<C extends PlanConnection, R>(
  ps: PipelineSession,
  payload: Uint8Array,
  target: PlanTarget<C, R>,
): Promise<PlanOutcome<R>[]> {
  const plan = await ps.onQuery(payload);
  if (plan._tag === "Disconnect") throw new PlanDisconnect(plan.plugin, plan.reason);
  if (plan._tag === "SendResult") {
    return [
      await settle(target.read(ownCommand(payload), undefined, { packets: plan.packets, replaced: true })),
    ];
  }
  const conn = await target.connection(plan.backendIndex);
  const forwarded: PlanOutcome<R>[] = [];
  for (const entry of plan.queue) {
    if (entry.streamed) {
      const sentAt = performance.now();
      await conn.writeCommand(entry.command.raw);
      const outcome = await settle(target.read(entry, conn));
      forwarded.push(outcome);
      if (entry.observed) {
        await ps.onObserved(entry, observable(outcome), { sentAt, endAt: performance.now() });
      }
      continue;
    }
    const collector = ps.collector(entry);
    collector.start();
    await conn.writeCommand(entry.command.raw);
    if (entry.expectsResponse) {
      for (;;) {
        const packet = await conn.read();
        const state = collector.push(packet);
        if (state === "done") break;
        if (state === "infile") await (target.infile?.(conn, entry, packet) ?? conn.write(new Uint8Array(0)));
      }
    }
    const data = collector.finish();
    if (data.kind !== "none") target.onStatus(conn, data.statusFlags);
    const decided = await ps.onResult(entry, data);
    if (decided._tag === "SendResult") forwarded.push(await settle(target.read(entry, conn, decided)));
  }
  return forwarded;
}

/**
 * The proxy's `PlanTarget` for the plan runner (src/pipeline/run-plan.ts): where the client's
 * session hands a result to its caller, the proxy relays it to the client's socket. `read` follows
 * the protocol's response grammar (protocol/response-grammar.ts) packet by packet, from the
 * backend connection (a streamed command) or from the packets the pipeline made (a local answer,
 * or a result the plugins passed on or replaced), translates EOF <-> 0xFE-OK framing when the
 * client and the backend differ in CLIENT_DEPRECATE_EOF, renumbers sequence ids for the client,
 * and relays LOAD DATA LOCAL INFILE to the client: the backend's request goes to the client, the
 * client's file packets back to the backend. An ERR is relayed, then thrown as a `MysqlError`, so
 * plugins observing the command see it as in the client.
 */
import type { Injection } from "../pipeline/queue.ts";
import { replayPackets } from "../pipeline/replay.ts";
import type { PlanConnection, PlanTarget, Replay } from "../pipeline/run-plan.ts";
import { Capability, MariadbCapability } from "../protocol/constants.ts";
import { MysqlError, type ServerFlavor } from "../protocol/errors.ts";
import {
  ResponseGrammar,
  responseShapeOf,
  type ResponseStep,
  translateResponsePacket,
} from "../protocol/response-grammar.ts";
import {
  type ColumnDefinition,
  decodeColumnDefinition,
  decodeErr,
  decodeOk,
  type ErrPacket,
} from "../protocol/results.ts";
import { decodePrepareOk } from "../protocol/statements.ts";
import type { PacketChannel } from "../session/channel.ts";
import type { ClientOutput } from "./client-output.ts";

/** The backend connection broke (or spoke out of turn) while the proxy relayed a command. */
export class BackendFailure extends Error {
  override readonly name = "BackendFailure";
  readonly address: string;

  constructor(address: string, cause: unknown) {
    super(`backend ${address}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.address = address;
  }
}

/** The client's connection broke while the proxy read from it mid-command (a LOCAL INFILE upload). */
export class ClientFailure extends Error {
  override readonly name = "ClientFailure";

  constructor(cause: unknown) {
    super(`client: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** A backend connection as the plan runner drives it, with what the relay needs to know of it. */
export interface BackendConnection extends PlanConnection {
  /** The next packet if it is already buffered (a view valid until `fill`), else undefined. */
  tryRead(): Uint8Array | undefined;
  /** Reads more bytes from the backend. */
  fill(): Promise<void>;
  readonly address: string;
  /** The capabilities the proxy and this backend agreed on. */
  readonly capabilities: number;
  readonly mariadbCapabilities: number;
  readonly flavor: ServerFlavor;
  /** Told each packet `read` takes from the connection, with the grammar's step (session tracking). */
  observeStep?(packet: Uint8Array, step: ResponseStep): void;
}

/** A backend connection over a session's packet channel; failures become `BackendFailure`s. */
export function backendConnection(
  channel: PacketChannel,
  facts: { address: string; capabilities: number; mariadbCapabilities: number; flavor: ServerFlavor },
): BackendConnection {
  const wrap = <T>(p: Promise<T>): Promise<T> =>
    p.catch((error) => {
      throw new BackendFailure(facts.address, error);
    });
  return {
    ...facts,
    tryRead: () => {
      try {
        return channel.tryRead();
      } catch (error) {
        throw new BackendFailure(facts.address, error);
      }
    },
    fill: () => wrap(channel.fill()),
    writeCommand: (payload) => wrap(channel.writeCommand(payload)),
    write: (payload) => wrap(channel.write(payload)),
    read: () => wrap(channel.read()),
  };
}

/** What a relayed response was, for plugins that observe it (the client's `QueryResult`, reduced). */
export interface RelayedOutcome {
  fields: ColumnDefinition[];
  rowCount: number;
  affectedRows: number | bigint;
  insertId: number | bigint;
  warningCount: number;
  info: string;
  statusFlags: number;
  results: RelayedOutcome[];
}

function emptyOutcome(): RelayedOutcome {
  return {
    fields: [],
    rowCount: 0,
    affectedRows: 0,
    insertId: 0,
    warningCount: 0,
    info: "",
    statusFlags: 0,
    results: [],
  };
}

/** The client side of the relay. */
export interface RelayClient {
  readonly channel: PacketChannel;
  readonly output: ClientOutput;
  /** The capabilities the client and the proxy agreed on. */
  readonly capabilities: number;
}

/**
 * Rows and column definitions, but for the last one's EOF (`translateResponsePacket`), go to the
 * client as they came whatever the two sides' framing: no translation call per row.
 */
function passesUnchanged(step: ResponseStep): boolean {
  if (step.afterColumns) return false;
  if (step.role === "row") return true;
  return step.role === "column" && (!step.lastDefinition || step.eofDeferred === true);
}

/** The relay of one client: a `PlanTarget` whose results go to the client's socket. */
export class ClientRelay implements PlanTarget<BackendConnection, RelayedOutcome> {
  private readonly client: RelayClient;
  private readonly own: () => BackendConnection;
  private readonly other: (index: number) => Promise<BackendConnection>;
  private readonly ownIndex: number;
  /** The status flags last seen (for EOFs the client needs and the backend did not send). */
  statusFlags: number;

  constructor(
    client: RelayClient,
    connections: {
      own: () => BackendConnection;
      ownIndex: number;
      other: (index: number) => Promise<BackendConnection>;
    },
    statusFlags: number,
  ) {
    this.client = client;
    this.own = connections.own;
    this.other = connections.other;
    this.ownIndex = connections.ownIndex;
    this.statusFlags = statusFlags;
  }

  connection(index: number): Promise<BackendConnection> {
    return index === -1 || index === this.ownIndex ? Promise.resolve(this.own()) : this.other(index);
  }

  onStatus(_from: BackendConnection, statusFlags: number): void {
    this.statusFlags = statusFlags;
  }

  async read(
    entry: Injection,
    from: BackendConnection | undefined,
    replay?: Replay,
  ): Promise<RelayedOutcome> {
    const outcome = emptyOutcome();
    outcome.results.push(outcome);
    if (!entry.expectsResponse) return outcome;
    const conn = from ?? this.own();
    const source = replay === undefined ? conn : replayPackets(replay.packets);
    const backendCaps = conn.capabilities;
    const clientCaps = this.client.capabilities;
    const translate =
      ((backendCaps ^ clientCaps) & (Capability.DEPRECATE_EOF | Capability.SESSION_TRACK)) !== 0;
    const extended = (conn.mariadbCapabilities & MariadbCapability.EXTENDED_TYPE_INFO) !== 0;
    const grammar = new ResponseGrammar(responseShapeOf(entry.command.code), backendCaps);
    const out = this.client.output;
    let part = outcome;
    let error: ErrPacket | undefined;
    for (;;) {
      const p = source.tryRead();
      if (p === undefined) {
        // Nothing more buffered from the backend: what the client has been sent so far goes out now.
        if (out.pending > 0) await out.flush();
        await source.fill();
        continue;
      }
      const step = grammar.push(p);
      if (replay === undefined) conn.observeStep?.(p, step);
      if (step.statusFlags !== undefined) this.statusFlags = step.statusFlags;
      switch (step.role) {
        case "err":
          error ??= decodeErr(p);
          break;
        case "ok": {
          const ok = decodeOk(p, backendCaps);
          Object.assign(part, {
            affectedRows: ok.affectedRows,
            insertId: ok.insertId,
            warningCount: ok.warningCount,
            info: ok.info,
            statusFlags: ok.statusFlags,
          });
          break;
        }
        case "column":
          if (entry.observed) part.fields.push(decodeColumnDefinition(p, extended));
          break;
        case "row":
          part.rowCount++;
          break;
        case "prepare-ok": {
          const ok = decodePrepareOk(p);
          Object.assign(part, {
            id: ok.statementId,
            params: new Array(ok.paramCount).fill(null),
            columns: new Array(ok.columnCount).fill(null),
          });
          break;
        }
      }
      if (step.role === "infile-request") {
        // A collected response's request was relayed (`infile`) while it was collected.
        if (replay === undefined) await this.relayInfile(p, conn);
      } else if (translate && !passesUnchanged(step)) {
        for (const q of translateResponsePacket(p, step, backendCaps, clientCaps, this.statusFlags)) {
          const w = out.push(q);
          if (w !== undefined) await w;
        }
      } else {
        const w = out.push(p);
        if (w !== undefined) await w;
      }
      if (step.role === "rows-end") part.statusFlags = step.statusFlags ?? 0;
      if (step.done) break;
      if (step.role === "ok" || step.role === "rows-end") {
        // Another result follows (MORE_RESULTS_EXISTS).
        part = emptyOutcome();
        outcome.results.push(part);
      }
    }
    await out.flush();
    if (error !== undefined) {
      throw new MysqlError({ ...error, flavor: conn.flavor, sql: entry.command.sql });
    }
    return outcome;
  }

  /** A LOCAL INFILE request in a response the plugins collect: the client's own statement's goes to the client. */
  async infile(from: BackendConnection, entry: Injection, request: Uint8Array): Promise<void> {
    if (!entry.original) {
      // A plugin's injected statement: the client never asked to send a file.
      await from.write(new Uint8Array(0));
      return;
    }
    await this.relayInfile(request, from);
  }

  /**
   * The backend asked for a local file: forward the request to the client when it enabled LOCAL
   * INFILE (else answer the backend with an empty file, which fails the statement there), then
   * carry the client's packets to the backend up to the empty one that ends the file.
   */
  private async relayInfile(request: Uint8Array, conn: BackendConnection): Promise<void> {
    if ((this.client.capabilities & Capability.LOCAL_FILES) === 0) {
      await conn.write(new Uint8Array(0));
      return;
    }
    await this.client.output.push(request);
    await this.client.output.flush();
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await this.client.channel.read();
      } catch (error) {
        throw new ClientFailure(error);
      }
      await conn.write(chunk);
      if (chunk.length === 0) return;
    }
  }
}

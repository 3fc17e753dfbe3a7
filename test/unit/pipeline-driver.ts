/**
 * A reference session for the pipeline's integration contract, used by the pipeline and plugin
 * tests: it calls `onConnect` / `onHandshake` / `onAuth` / `onAuthResult` while "connecting", runs
 * each command through the plan runner (src/pipeline/run-plan.ts, as the client session does) with
 * a reader that decodes every response with the pipeline's ResultCollector, and calls
 * `onDisconnect` at the end. It talks to
 * backends through `DriverConnection`s: an in-memory scripted server here, a real MariaDB connection in the
 * integration tests.
 */
import { ResultCollector } from "../../src/pipeline/collector.ts";
import { decodeCommand, type QueryCommand } from "../../src/pipeline/command.ts";
import { encodeResponse } from "../../src/pipeline/encode-response.ts";
import type { PipelineSession } from "../../src/pipeline/pipeline-session.ts";
import type { SessionInit } from "../../src/pipeline/plans.ts";
import type { Injection } from "../../src/pipeline/queue.ts";
import { replayPackets } from "../../src/pipeline/replay.ts";
import type { Response } from "../../src/pipeline/responses.ts";
import type { QueryResultData } from "../../src/pipeline/result.ts";
import { PlanDisconnect, runPlan } from "../../src/pipeline/run-plan.ts";
import { Capability, Command, MariadbCapability, ServerStatus } from "../../src/protocol/constants.ts";
import { MysqlError } from "../../src/protocol/errors.ts";
import type { Greeting } from "../../src/protocol/handshake.ts";
import { type ColumnDefinition, decodeErr, encodeOk } from "../../src/protocol/results.ts";

/** One backend connection: commands out, packets in. */
export interface DriverConnection {
  /** Sends a command (sequence id 0). */
  writeCommand(payload: Uint8Array): Promise<void>;
  /** Sends a packet within the command (a LOCAL INFILE reply). */
  write(payload: Uint8Array): Promise<void>;
  read(): Promise<Uint8Array>;
  close(): void;
}

/** A connection with the index of the backend it goes to. */
interface IndexedConnection extends DriverConnection {
  readonly index: number;
}

/** A result as the driver returns it (the client's QueryResult, reduced). */
export interface DriverResult {
  fields: readonly ColumnDefinition[];
  rows: unknown[];
  rowCount: number;
  affectedRows: number | bigint;
  insertId: number | bigint;
  warningCount: number;
  info: string;
  serverStatus: number;
  /** Every forwarded response, in order, this one first. */
  results: (DriverResult | MysqlError)[];
  /** Which backend answered (-1: none configured; "local": a plugin). */
  backend: number | "local";
}

/** The capabilities the driver and the fake server agree on. */
export const DRIVER_CAPS = Capability.PROTOCOL_41 | Capability.TRANSACTIONS | Capability.DEPRECATE_EOF
  | Capability.MULTI_RESULTS | Capability.PLUGIN_AUTH | Capability.SECURE_CONNECTION
  | Capability.CONNECT_WITH_DB;

function mysqlError(p: Uint8Array, sql?: string): MysqlError {
  const e = decodeErr(p);
  return new MysqlError({ errno: e.errno, sqlState: e.sqlState, message: e.message, sql, flavor: "mariadb" });
}

/** The reference session. */
export class PipelineDriver {
  readonly ps: PipelineSession;
  private readonly open: (backend: number) => Promise<DriverConnection>;
  private readonly connections = new Map<number, DriverConnection>();
  capabilities: number;
  statusFlags: number = ServerStatus.AUTOCOMMIT;
  closed: string | undefined;

  constructor(
    ps: PipelineSession,
    open: (backend: number) => Promise<DriverConnection>,
    capabilities = DRIVER_CAPS,
  ) {
    this.ps = ps;
    this.open = open;
    this.capabilities = capabilities;
  }

  private async connectionTo(index: number): Promise<DriverConnection> {
    let l = this.connections.get(index);
    if (l === undefined) {
      l = await this.open(index);
      this.connections.set(index, l);
    }
    return l;
  }

  /**
   * The connection phase: onConnect, onHandshake with `greeting`, onAuth, onAuthResult with
   * `authAnswer`. Returns the final credentials, or throws the refusal as a MysqlError.
   */
  async connect(greeting: Greeting, auth: { user: string; database?: string }, authAnswer?: Uint8Array) {
    const c = await this.ps.onConnect();
    if (c._tag === "SendResult") {
      throw c.error
        ? mysqlError(c.packets[0])
        : new Error("answered without a backend");
    }
    const h = await this.ps.onHandshake(greeting);
    if (h._tag === "SendResult") throw mysqlError(h.packets[0]);
    const caps = h.greeting.capabilities & DRIVER_CAPS;
    const a = await this.ps.onAuth({
      user: auth.user,
      database: auth.database,
      attributes: {},
      capabilities: caps,
      charset: 45,
      authPluginName: h.greeting.authPluginName,
    });
    if (a._tag === "SendResult") throw mysqlError(a.packets[0]);
    const answer = authAnswer
      ?? encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" }, caps);
    const final = await this.ps.onAuthResult(answer, { capabilities: caps, mariadbCapabilities: 0 });
    if (final[0] === 0xff) throw mysqlError(final);
    this.capabilities = caps;
    return { backend: c.backendIndex, greeting: h.greeting, auth: a.auth };
  }

  /** Reads one whole response from `read` as the session's own reader would: rows decoded, ERR thrown. */
  private async readResponse(
    read: () => Promise<Uint8Array>,
    connection: DriverConnection | undefined,
    entry: Injection,
  ): Promise<DriverResult> {
    const mariadb = this.ps.connection.server.mariadbCapabilities;
    const extendedTypeInfo = (mariadb & MariadbCapability.EXTENDED_TYPE_INFO) !== 0;
    const c = new ResultCollector(entry, {
      capabilities: this.capabilities,
      extendedTypeInfo,
      keepRows: true,
      rowParser: this.ps.pipeline.rowParser,
    });
    if (entry.expectsResponse) {
      for (;;) {
        const state = c.push(await read());
        if (state === "done") break;
        if (state === "infile") await connection!.write(new Uint8Array(0));
      }
    }
    return this.toResult(c.finish(), entry.command.sql);
  }

  private toResult(data: QueryResultData, sql: string | undefined): DriverResult {
    const errorPart = data.results.find((p) => p.error !== undefined);
    if (errorPart?.error) {
      const e = errorPart.error;
      throw new MysqlError({
        errno: e.errno,
        sqlState: e.sqlState,
        message: e.message,
        sql,
        flavor: "mariadb",
      });
    }
    const parts: DriverResult[] = data.results.map((p, i) => ({
      fields: p.fields,
      rows: i === 0 ? [...data.rows] : [],
      rowCount: p.rowCount,
      ...p.prepared, // COM_STMT_PREPARE: statementId, paramCount, columnCount (what onObserved needs)
      affectedRows: p.affectedRows,
      insertId: p.insertId,
      warningCount: p.warningCount,
      info: p.info,
      serverStatus: p.statusFlags,
      results: [],
      backend: -1,
    }));
    this.statusFlags = data.statusFlags;
    parts[0].results = parts;
    return parts[0];
  }

  /** Runs a text query through the pipeline. */
  query(sql: string): Promise<DriverResult> {
    const body = new TextEncoder().encode(sql);
    const payload = new Uint8Array(body.length + 1);
    payload[0] = Command.COM_QUERY;
    payload.set(body, 1);
    return this.command(payload);
  }

  /** Runs any command payload through the pipeline (the plan runner), end to end. */
  async command(payload: Uint8Array): Promise<DriverResult> {
    if (this.closed) throw new Error(`connection closed: ${this.closed}`);
    let forwarded: (DriverResult | MysqlError)[];
    try {
      forwarded = await runPlan<IndexedConnection, DriverResult>(this.ps, payload, {
        connection: async (index) => ({ ...(await this.connectionTo(index)), index }),
        read: async (entry, from, replay) => {
          const source = replay === undefined ? from! : replayPackets(replay.packets);
          const r = await this.readResponse(
            () => source.read(),
            replay === undefined ? from : undefined,
            entry,
          );
          r.backend = replay?.replaced || from === undefined ? "local" : from.index;
          return r;
        },
        onStatus: (_from, statusFlags) => {
          this.statusFlags = statusFlags; // the server's state, before any replacement
        },
      });
    } catch (error) {
      if (error instanceof PlanDisconnect) {
        this.destroy(error.reason);
        throw new Error(`connection closed: ${error.reason}`);
      }
      throw error;
    }
    const first = forwarded[0];
    if (first instanceof MysqlError) throw first;
    first.results = forwarded.length > 1 ? forwarded : first.results;
    return first;
  }

  /** Closes every backend connection. */
  destroy(reason = "closed"): void {
    this.closed = reason;
    for (const l of this.connections.values()) l.close();
    this.connections.clear();
  }

  /** Ends the session: onDisconnect, then the links. */
  async close(): Promise<void> {
    try {
      await this.ps.onDisconnect();
    } finally {
      this.destroy();
    }
  }
}

/** What the in-memory server answers to a command: a response value or raw packets. */
export type Script = (command: QueryCommand, backend: number) => Response | Uint8Array[];

/** An in-memory backend answering with `script` (responses encoded with the pipeline's encoder). */
export function scriptedConnection(script: Script, backend: number, log: string[] = []): DriverConnection {
  let pending: Uint8Array[] = [];
  return {
    writeCommand(payload) {
      const command = decodeCommand(payload);
      log.push(
        `${backend}:${
          command.type === "COM_INIT_DB" ? `COM_INIT_DB ${command.schema}` : command.sql ?? command.type
        }`,
      );
      const answer = script(command, backend);
      pending = Array.isArray(answer)
        ? [...answer]
        : [
          ...encodeResponse(answer, {
            capabilities: DRIVER_CAPS,
            extendedTypeInfo: false,
            statusFlags: ServerStatus.AUTOCOMMIT,
            timezone: 0,
          }).packets,
        ];
      return Promise.resolve();
    },
    write() {
      return Promise.resolve();
    },
    read() {
      const p = pending.shift();
      return p
        ? Promise.resolve(p)
        : Promise.reject(new Error("the scripted server has nothing more to say"));
    },
    close() {},
  };
}

/** A greeting like MariaDB's, for the connection-phase tests. */
export function testGreeting(overrides: Partial<Greeting> = {}): Greeting {
  return {
    protocolVersion: 10,
    serverVersion: "5.5.5-10.11.6-MariaDB",
    connectionId: 42,
    scramble: new Uint8Array(20).fill(7),
    capabilities: DRIVER_CAPS | Capability.SSL | Capability.CONNECT_ATTRS,
    mariadbCapabilities: 0,
    charset: 45,
    statusFlags: ServerStatus.AUTOCOMMIT,
    authPluginName: "mysql_native_password",
    ...overrides,
  };
}

/** A pipeline session and a driver over in-memory backends answering with `script`. */
export function driverFor(
  pipeline: { open(link?: SessionInit): PipelineSession },
  script: Script,
  options: { log?: string[]; link?: SessionInit } = {},
): PipelineDriver {
  let driver: PipelineDriver | undefined = undefined;
  const ps = pipeline.open({
    user: "app",
    database: "shop",
    server: { capabilities: DRIVER_CAPS, version: "10.11.6-MariaDB", flavor: "mariadb", threadId: 7 },
    statusFlags: () => driver?.statusFlags ?? ServerStatus.AUTOCOMMIT,
    ...options.link,
  });
  driver = new PipelineDriver(ps, (b) => Promise.resolve(scriptedConnection(script, b, options.log)));
  return driver;
}

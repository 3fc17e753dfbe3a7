/**
 * One protocol conversation with a server over a Socket: connect and authenticate, then run
 * commands one at a time in the order they were asked for. A server error (ERR) fails only its own
 * command; anything that leaves the conversation out of step (a lost connection, a malformed
 * packet) closes the session and fails the running command and every queued one, each exactly once.
 */
import type { PipelineSession } from "../pipeline/pipeline-session.ts";
import { encodeUtf8, Reader } from "../protocol/bytes.ts";
import { Capability, Command, ServerStatus } from "../protocol/constants.ts";
import { leavesSessionUsable, MysqlError, ProtocolError } from "../protocol/errors.ts";
import { ResponseGrammar } from "../protocol/response-grammar.ts";
import { type ColumnDefinition, decodeErr, decodeOk, type OkPacket } from "../protocol/results.ts";
import {
  binaryFixedLength,
  type BoundParam,
  decodePrepareOk,
  encodeExecute,
  encodePrepare,
  encodeSendLongData,
  encodeStatementCommand,
} from "../protocol/statements.ts";
import { detectRuntime, runtimeByName } from "../runtime/detect.ts";
import {
  ConnectionError,
  formatAddress,
  type Runtime,
  type SocketAddress,
  WRITTEN,
} from "../runtime/socket.ts";
import { BackendRoutes } from "./backend-routes.ts";
import { PacketChannel, textCommandPayload } from "./channel.ts";
import { ColumnCache } from "./column-cache.ts";
import { performHandshake, type ServerInfo, tlsOptions } from "./handshake.ts";
import { interceptCommand, type InterceptHost, type ResponseReader } from "./intercept.ts";
import type { SessionOptions } from "./options.ts";
import {
  inSyncError,
  readResponse,
  type ResponseContext,
  RowCursor,
  type RowDecoding,
  withDecoding,
} from "./response.ts";
import { readColumns } from "./response.ts";
import type { QueryResult } from "./result.ts";
import { arrayRows, heldRows, type SessionRows } from "./rows.ts";
import { serverError } from "./server-error.ts";

/**
 * The runtime to connect with. When the TLS settings ask for what the runtime's own TLS cannot do
 * (Deno's `startTls` takes no client certificate and cannot pin a private CA or skip
 * verification), Deno goes through its `node:tls` instead; elsewhere that is a TLS error raised
 * before anything is sent.
 */
async function runtimeFor(options: SessionOptions): Promise<{ runtime: Runtime; options: SessionOptions }> {
  const runtime = options.runtime ?? await detectRuntime();
  if (options.ssl.mode === "disabled") return { runtime, options };
  const reason = runtime.tlsUnsupported?.(tlsOptions(options));
  if (reason === undefined) return { runtime, options };
  if (runtime.name === "deno") return { runtime: await runtimeByName("node"), options };
  // "preferred" allows plain text, which is all this runtime can do with these settings.
  if (options.ssl.mode === "preferred") {
    return { runtime, options: { ...options, ssl: { mode: "disabled" } } };
  }
  throw new ConnectionError("TLS", `ssl mode "${options.ssl.mode}" cannot be honoured here: ${reason}`);
}

/** A connected, authenticated protocol session that runs one command at a time. */
export class Session {
  readonly info: ServerInfo;
  readonly options: SessionOptions;
  private readonly channel: PacketChannel;
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private fatal: Error | undefined;
  private context: ResponseContext | undefined;
  /** The plugins' view of this connection, when plugins are installed. */
  private readonly pipeline: PipelineSession | undefined;
  /** The backend connectServer chose (-1: the configured server). */
  private readonly backendIndex: number;
  /** Connections to other backends that plugins routed commands to. */
  private routes: BackendRoutes<Session> | undefined;
  private host: InterceptHost | undefined;
  /** Status flags from the last OK or EOF packet. */
  statusFlags: number;

  private constructor(
    channel: PacketChannel,
    info: ServerInfo,
    options: SessionOptions,
    pipeline: PipelineSession | undefined,
    backendIndex: number,
  ) {
    this.channel = channel;
    this.info = info;
    this.options = options;
    this.statusFlags = info.statusFlags;
    this.pipeline = pipeline;
    this.backendIndex = backendIndex;
  }

  /** Connects and authenticates within `options.connectTimeout`. */
  static async open(requested: SessionOptions): Promise<Session> {
    const { runtime, options } = await runtimeFor(requested);
    let session: Session | undefined;
    let address: SocketAddress = options.socketPath !== undefined
      ? { path: options.socketPath }
      : { host: options.host, port: options.port };
    const ps = options.pipeline?.open({
      user: options.user,
      database: options.database,
      attributes: options.connectAttributes,
      statusFlags: () => session?.statusFlags ?? 0,
      // The connection's own address; a backend the plugins choose replaces it (onConnect).
      server: { address: formatAddress(address) },
    });
    let backendIndex = -1;
    if (ps) {
      const plan = await ps.onConnect();
      if (plan._tag === "SendResult") {
        throw serverError(
          plan.error ?? { errno: 2003, sqlState: "HY000", message: "refused by a plugin" },
          "mysql",
          undefined,
        );
      }
      backendIndex = plan.backendIndex;
      const b = plan.backend;
      if (b?.socketPath !== undefined) address = { path: b.socketPath };
      else if (b?.host !== undefined) address = { host: b.host, port: b.port ?? 3306 };
    }
    const where = formatAddress(address);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let channel: PacketChannel | undefined;
    let timedOut = false;
    const attempt = (async () => {
      const socket = await runtime.connect({ ...address, timeout: options.connectTimeout });
      channel = new PacketChannel(socket, options.maxPacketSize);
      if (timedOut) socket.close();
      const info = await performHandshake(channel, options, ps);
      return session = new Session(channel, info, options, ps, backendIndex);
    })();
    if (!(options.connectTimeout > 0)) return attempt;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        channel?.socket.close();
        reject(
          new ConnectionError(
            "ETIMEDOUT",
            `connecting to ${where} timed out after ${options.connectTimeout} ms`,
            where,
          ),
        );
      }, options.connectTimeout);
    });
    try {
      return await Promise.race([attempt, timeout]);
    } catch (error) {
      channel?.socket.close();
      attempt.catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** True once the session can run no more commands. */
  get closed(): boolean {
    return this.fatal !== undefined;
  }

  /** Whether backslashes escape in string literals (false under NO_BACKSLASH_ESCAPES). */
  get noBackslashEscapes(): boolean {
    return (this.statusFlags & ServerStatus.NO_BACKSLASH_ESCAPES) !== 0;
  }

  /** Runs `task` after every command queued before it; fails it at once if the session is closed. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.fatal) return Promise.reject(this.fatal);
    // Nothing queued or running: start now rather than one promise hop later (the order is the same).
    const result = ++this.pending === 1
      ? this.start(task)
      : this.tail.then(() => this.start(task), () => this.start(task));
    // The next command starts after this one settles; `result` is the caller's, who handles a rejection.
    this.tail = result;
    return result;
  }

  /** Runs a task whose turn it is; an error that leaves the session out of step closes it. */
  private start<T>(task: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      if (this.fatal) throw this.fatal;
      running = task();
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(this.settled as (value: T) => T, this.failed);
  }

  /** A task is over (`start`). */
  private readonly settled = (value: unknown): unknown => {
    this.pending--;
    return value;
  };

  /** A task failed (`start`): unless the error leaves the session usable, the session closes. */
  private readonly failed = (error: unknown): never => {
    this.pending--;
    if (!leavesSessionUsable(error)) this.destroy(error);
    throw error;
  };

  /** Closes the socket; the running and queued commands fail with `error` (or a "closed" error). */
  destroy(error?: unknown): void {
    if (this.fatal) return;
    const where = this.channel.socket.remote;
    this.fatal = error instanceof ConnectionError ? error : new ConnectionError(
      "CLOSED",
      error instanceof Error
        ? `connection to ${where} was closed after an error: ${error.message}`
        : `connection to ${where} is closed`,
      where,
      error instanceof Error ? { cause: error } : undefined,
    );
    this.channel.socket.close();
    this.routes?.closeAll();
    this.pipeline?.onDisconnect().catch(() => {});
  }

  /**
   * Runs `task` with the packet channel to itself, in turn with the other commands: for
   * conversations the session has no method for (binlog dump, prepared statements, raw proxying).
   * An error branded `SESSION_USABLE` (a MysqlError, a PluginError, a refusal before sending) leaves
   * the session usable; any other error closes it.
   */
  exclusive<T>(task: (channel: PacketChannel) => Promise<T>): Promise<T> {
    return this.enqueue(() => task(this.channel));
  }

  /** Decodes an ERR packet as a `MysqlError` for this server's flavour. */
  errorFrom(packet: Uint8Array, sql?: string): MysqlError {
    return serverError(decodeErr(packet), this.info.flavor, sql);
  }

  /**
   * Sends a command in turn and reads its response with `read` (through the plugins, if any hook
   * commands). A string is the SQL of a COM_QUERY.
   */
  private command<T>(payload: Uint8Array | string, sql: string, read: ResponseReader<T>): Promise<T> {
    return this.enqueue(() => this.run(payload, sql, read));
  }

  /**
   * Sends a command now (the caller holds the session's turn) and reads its response; a string is
   * the SQL of a COM_QUERY. When the socket took the bytes at once, reading starts with no hop.
   */
  private run<T>(payload: Uint8Array | string, sql: string, read: ResponseReader<T>): Promise<T> {
    const ps = this.pipeline;
    if (ps === undefined || !ps.interceptsQueries) {
      const written = typeof payload === "string"
        ? this.channel.writeTextCommand(Command.COM_QUERY, payload)
        : this.channel.writeCommand(payload);
      if (written === WRITTEN) return read(this.responseContext, sql);
      return written.then(() => read(this.responseContext, sql));
    }
    const bytes = typeof payload === "string" ? textCommandPayload(Command.COM_QUERY, payload) : payload;
    return interceptCommand(ps, this.interceptHost, bytes, sql, read);
  }

  /** Sends COM_QUERY and reads every result it produces (rows decoded as `decoding` says, if given). */
  query(sql: string, decoding?: RowDecoding): Promise<QueryResult<unknown>> {
    const read = decoding === undefined ? readText : textReader(decoding);
    const caps = this.info.capabilities;
    // The SQL as a string is framed in place; with query attributes it needs their (empty) block.
    return this.command((caps & Capability.QUERY_ATTRIBUTES) !== 0 ? queryPacket(sql, caps) : sql, sql, read);
  }

  /** Sends COM_PING. */
  ping(): Promise<void> {
    return this.command(new Uint8Array([Command.COM_PING]), "COM_PING", readText).then(noop);
  }

  /** Sends COM_INIT_DB: makes `database` the default database. */
  initDb(database: string): Promise<void> {
    const name = encodeUtf8(database);
    const packet = new Uint8Array(name.length + 1);
    packet[0] = Command.COM_INIT_DB;
    packet.set(name, 1);
    return this.command(packet, `USE ${database}`, readText).then(noop);
  }

  /** Sends COM_QUIT after the queued commands and closes the socket. */
  async close(): Promise<void> {
    if (this.fatal) return;
    try {
      await this.enqueue(async () => {
        await this.channel.writeCommand(new Uint8Array([Command.COM_QUIT]));
      });
    } catch {
      // The connection may already be gone; closing it is all that is left to do.
    } finally {
      this.destroy();
    }
  }

  private async readOk(sql: string | undefined): Promise<OkPacket> {
    const packet = await this.channel.read();
    if (packet[0] === 0x00) {
      const ok = decodeOk(packet, this.info.capabilities);
      this.statusFlags = ok.statusFlags;
      return ok;
    }
    if (packet[0] === 0xff) throw serverError(decodeErr(packet), this.info.flavor, sql);
    throw new ProtocolError("unexpected", `expected OK, got a packet starting 0x${packet[0].toString(16)}`);
  }

  /** Sends COM_STMT_PREPARE and reads the statement's id, parameter and column definitions. */
  prepare(sql: string): Promise<PreparedStatement> {
    return this.command(encodePrepare(sql), sql, readPrepared);
  }

  /** Sends COM_STMT_EXECUTE with bound parameters and reads every result (binary rows). */
  execute(
    statement: PreparedStatement,
    params: readonly BoundParam[],
    decoding?: RowDecoding,
  ): Promise<QueryResult<unknown>> {
    const read = decoding === undefined ? readBinary : binaryReader(decoding);
    const options = { capabilities: this.info.capabilities };
    return this.enqueue(() => {
      if (!params.some(isLongData)) {
        return this.run(encodeExecute(statement.id, params, 0, options), statement.sql, read);
      }
      return this.sendLongData(statement.id, params).then((bound) =>
        this.run(encodeExecute(statement.id, bound, 0, options), statement.sql, read)
      );
    });
  }

  /**
   * Sends string and byte parameters of `LONG_DATA_THRESHOLD` bytes or more ahead of EXECUTE with
   * COM_STMT_SEND_LONG_DATA, in chunks (the server answers none of them), and marks them so.
   */
  private async sendLongData(
    statementId: number,
    params: readonly BoundParam[],
  ): Promise<readonly BoundParam[]> {
    let out: BoundParam[] | undefined;
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (p.value === null || !isLongData(p)) continue;
      const r = new Reader(p.value);
      const bytes = r.bytesView(r.lenenc());
      const chunk = Math.min(LONG_DATA_CHUNK, this.options.maxPacketSize - 16);
      for (let at = 0; at < bytes.length; at += chunk) {
        await this.channel.writeCommand(
          encodeSendLongData(statementId, i, bytes.subarray(at, at + chunk)),
        );
      }
      out ??= [...params];
      out[i] = { ...p, longData: true };
    }
    return out ?? params;
  }

  /** Sends COM_STMT_RESET: discards long data sent for a statement and closes its cursor. */
  resetStatement(statementId: number): Promise<void> {
    return this.enqueue(async () => {
      await this.channel.writeCommand(encodeStatementCommand(Command.COM_STMT_RESET, statementId));
      await this.readOk(undefined);
    });
  }

  /** Sends COM_STMT_CLOSE (the server does not answer it). */
  closeStatement(statementId: number): Promise<void> {
    return this.enqueue(() =>
      this.channel.writeCommand(encodeStatementCommand(Command.COM_STMT_CLOSE, statementId))
    );
  }

  /**
   * Sends a query (text, or an EXECUTE when `statement` is given) and opens its rows, to be read a
   * row at a time as they are asked for (`SessionRows`): the socket is read only when no whole row
   * is buffered. The session is held until `close()` on the rows; closing early reads and discards
   * the rest, so the session stays usable.
   */
  async openRows(
    sql: string,
    statement?: { statement: PreparedStatement; params: readonly BoundParam[] },
    decoding?: RowDecoding,
  ): Promise<SessionRows> {
    if (this.pipeline?.interceptsQueries) {
      // Plugins see whole results: run the command through them, then hand out its rows.
      const result = statement
        ? await this.execute(statement.statement, statement.params, decoding)
        : await this.query(sql, decoding);
      return arrayRows(result);
    }
    const held = await this.hold();
    try {
      const caps = this.info.capabilities;
      if (statement) {
        await this.channel.writeCommand(
          encodeExecute(statement.statement.id, statement.params, 0, { capabilities: caps }),
        );
      } else if ((caps & Capability.QUERY_ATTRIBUTES) !== 0) {
        await this.channel.writeCommand(queryPacket(sql, caps));
      } else await this.channel.writeTextCommand(Command.COM_QUERY, sql);
      const ctx = withDecoding(this.responseContext, decoding);
      const cursor = await RowCursor.open(ctx, sql, statement !== undefined);
      return heldRows(cursor, held);
    } catch (error) {
      held.release(error);
      throw error;
    }
  }

  /** What the pipeline runs commands on: this connection, and the others' on demand. */
  private get interceptHost(): InterceptHost {
    return this.host ??= {
      context: this.responseContext,
      ownBackend: this.backendIndex,
      backend: (index) => this.backendRoutes().to(index),
    };
  }

  /** The routes to other backends, made when a plugin first sends a command elsewhere. */
  private backendRoutes(): BackendRoutes<Session> {
    const pipeline = this.pipeline;
    return this.routes ??= new BackendRoutes<Session>({
      backends: pipeline?.connection.backends ?? [],
      open: (backend) => {
        const address = backend.socketPath !== undefined
          ? { socketPath: backend.socketPath }
          : { host: backend.host ?? this.options.host, port: backend.port ?? 3306, socketPath: undefined };
        return Session.open({ ...this.options, ...address, pipeline: undefined });
      },
      mark: (index, state) => pipeline?.markBackend(index, state),
    });
  }

  /** Waits for this session's turn and holds it until `release` (with an error: as a failed command). */
  private hold(): Promise<{ release: (error?: unknown) => void; released: boolean }> {
    return new Promise((resolve, reject) => {
      this.enqueue(() =>
        new Promise<void>((done, fail) => {
          const held = {
            released: false,
            release(error?: unknown) {
              if (held.released) return;
              held.released = true;
              if (error === undefined) done();
              else fail(error);
            },
          };
          resolve(held);
        })
      ).catch((error) => reject(error));
    });
  }

  /** How this session reads responses (for the pipeline's routing between backend connections). */
  get responseContext(): ResponseContext {
    return this.context ??= {
      channel: this.channel,
      capabilities: this.info.capabilities,
      extendedTypes: this.info.mariadbCapabilities !== 0,
      flavor: this.info.flavor,
      decoding: { values: this.options.values, rowsAsArray: this.options.rowsAsArray },
      infile: this.options.infile,
      columns: new ColumnCache(),
      onStatus: (flags) => {
        this.statusFlags = flags;
      },
    };
  }
}

/** Parameters this large (bytes) are sent ahead of EXECUTE as long data. */
const LONG_DATA_THRESHOLD = 8 * 1024 * 1024;

/** Whether a parameter goes ahead of EXECUTE as long data (a string or bytes that large). */
function isLongData(p: BoundParam): boolean {
  return p.value !== null && p.value.length >= LONG_DATA_THRESHOLD && binaryFixedLength(p.type) < 0;
}
/** Size of each COM_STMT_SEND_LONG_DATA chunk. */
const LONG_DATA_CHUNK = 4 * 1024 * 1024;

/** A statement prepared on the server. */
export interface PreparedStatement {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly ColumnDefinition[];
  readonly columns: readonly ColumnDefinition[];
}

/** Reads a response with text rows. */
function readText(ctx: ResponseContext, sql: string): Promise<QueryResult<unknown>> {
  return readResponse(ctx, sql, false);
}

/** Reads a response with text rows decoded as `decoding` says (one reader per decoding). */
function textReader(decoding: RowDecoding): ResponseReader<QueryResult<unknown>> {
  return (ctx, sql) => readResponse(withDecoding(ctx, decoding), sql, false);
}

/** Reads a response with binary rows decoded as `decoding` says. */
function binaryReader(decoding: RowDecoding): ResponseReader<QueryResult<unknown>> {
  return (ctx, sql) => readResponse(withDecoding(ctx, decoding), sql, true);
}

/** Reads a response with binary rows (COM_STMT_EXECUTE). */
function readBinary(ctx: ResponseContext, sql: string): Promise<QueryResult<unknown>> {
  return readResponse(ctx, sql, true);
}

/** Reads the answer to COM_STMT_PREPARE: the statement id, parameter and column definitions. */
async function readPrepared(ctx: ResponseContext, sql: string): Promise<PreparedStatement> {
  const first = await ctx.channel.read();
  if (first[0] === 0xff) throw serverError(decodeErr(first), ctx.flavor, sql);
  const grammar = new ResponseGrammar("prepare", ctx.capabilities);
  grammar.push(first);
  const ok = decodePrepareOk(first);
  const params = await readColumns(ctx, ok.paramCount, grammar);
  const columns = await readColumns(ctx, ok.columnCount, grammar);
  return { id: ok.statementId, sql, params, columns };
}

/**
 * The COM_QUERY packet for `sql`; under CLIENT_QUERY_ATTRIBUTES (in `capabilities`) with the empty
 * attribute block (0 attributes, 1 set) the server then expects.
 */
function queryPacket(sql: string, capabilities: number): Uint8Array {
  const payload = encodeUtf8(sql);
  const head = (capabilities & Capability.QUERY_ATTRIBUTES) !== 0 ? 3 : 1;
  const packet = new Uint8Array(payload.length + head);
  packet[0] = Command.COM_QUERY;
  if (head === 3) packet[2] = 1;
  packet.set(payload, head);
  return packet;
}

function noop(): void {}

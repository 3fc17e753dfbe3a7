/**
 * One protocol conversation with a server over a Socket: connect and authenticate, then run
 * commands one at a time in the order they were asked for. A server error (ERR) fails only its own
 * command; anything that leaves the conversation out of step (a lost connection, a malformed
 * packet) closes the session and fails the running command and every queued one, each exactly once.
 */
import { encodeUtf8 } from "../protocol/bytes.ts";
import { Capability, Command, ServerStatus } from "../protocol/constants.ts";
import { MysqlError, ProtocolError } from "../protocol/errors.ts";
import {
  decodeColumnCount,
  decodeColumnDefinition,
  decodeEof,
  decodeErr,
  decodeOk,
} from "../protocol/results.ts";
import type { ColumnDefinition, OkPacket } from "../protocol/results.ts";
import { textRowParser } from "../protocol/rows.ts";
import { detectRuntime, runtimeByName } from "../runtime/detect.ts";
import { ConnectionError, formatAddress, type Runtime, type SocketAddress } from "../runtime/socket.ts";
import { PacketChannel } from "./channel.ts";
import { performHandshake, type ServerInfo, tlsOptions } from "./handshake.ts";
import type { SessionOptions } from "./options.ts";
import { makeResult, type QueryResult } from "./result.ts";
import { serverError } from "./server-error.ts";

/** An error that leaves the conversation in step: the session stays usable after it. */
function keepsSessionUsable(error: unknown): boolean {
  return error instanceof MysqlError
    || (error instanceof Error && (error as { inSync?: boolean }).inSync === true);
}

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
  /** Status flags from the last OK or EOF packet. */
  statusFlags: number;

  private constructor(channel: PacketChannel, info: ServerInfo, options: SessionOptions) {
    this.channel = channel;
    this.info = info;
    this.options = options;
    this.statusFlags = info.statusFlags;
  }

  /** Connects and authenticates within `options.connectTimeout`. */
  static async open(requested: SessionOptions): Promise<Session> {
    const { runtime, options } = await runtimeFor(requested);
    const address: SocketAddress = options.socketPath !== undefined
      ? { path: options.socketPath }
      : { host: options.host, port: options.port };
    const where = formatAddress(address);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let channel: PacketChannel | undefined;
    let timedOut = false;
    const attempt = (async () => {
      const socket = await runtime.connect({ ...address, timeout: options.connectTimeout });
      channel = new PacketChannel(socket, options.maxPacketSize);
      if (timedOut) socket.close();
      const info = await performHandshake(channel, options);
      return new Session(channel, info, options);
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
    this.pending++;
    const run = async (): Promise<T> => {
      if (this.fatal) throw this.fatal;
      try {
        return await task();
      } catch (error) {
        if (!keepsSessionUsable(error)) this.destroy(error);
        throw error;
      } finally {
        this.pending--;
      }
    };
    const result = this.tail.then(run);
    this.tail = result.then(noop, noop);
    return result;
  }

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
  }

  /** Sends COM_QUERY and reads every result it produces. */
  query(sql: string): Promise<QueryResult<unknown>> {
    return this.enqueue(async () => {
      const payload = encodeUtf8(sql);
      const packet = new Uint8Array(payload.length + 1);
      packet[0] = Command.COM_QUERY;
      packet.set(payload, 1);
      await this.channel.writeCommand(packet);
      return this.readResults(sql);
    });
  }

  /** Sends COM_PING. */
  ping(): Promise<void> {
    return this.enqueue(async () => {
      await this.channel.writeCommand(new Uint8Array([Command.COM_PING]));
      await this.readOk(undefined);
    });
  }

  /** Sends COM_INIT_DB: makes `database` the default database. */
  initDb(database: string): Promise<void> {
    return this.enqueue(async () => {
      const name = encodeUtf8(database);
      const packet = new Uint8Array(name.length + 1);
      packet[0] = Command.COM_INIT_DB;
      packet.set(name, 1);
      await this.channel.writeCommand(packet);
      await this.readOk(`USE ${database}`);
    });
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

  /** Reads the results of a COM_QUERY: OK, ERR, or result sets, following MORE_RESULTS_EXISTS. */
  private async readResults(sql: string): Promise<QueryResult<unknown>> {
    const results: QueryResult<unknown>[] = [];
    for (;;) {
      const first = await this.channel.read();
      let result: QueryResult<unknown>;
      if (first[0] === 0x00) {
        const ok = decodeOk(first, this.info.capabilities);
        result = makeResult([], [], ok);
      } else if (first[0] === 0xff) {
        // An error ends the whole response, even after earlier results of a multi-statement query.
        throw serverError(decodeErr(first), this.info.flavor, sql);
      } else if (first[0] === 0xfb) {
        await this.refuseLocalInfile();
        const error = new Error(
          "the server asked for a LOAD DATA LOCAL INFILE file, which this connection does not allow",
        );
        (error as { inSync?: boolean }).inSync = true;
        throw error;
      } else {
        result = await this.readResultSet(decodeColumnCount(first), sql);
      }
      this.statusFlags = result.serverStatus;
      results.push(result);
      if ((result.serverStatus & ServerStatus.MORE_RESULTS_EXISTS) === 0) break;
    }
    const head = results[0];
    head.results = results;
    return head;
  }

  /** Answers a LOCAL INFILE request with an empty file and reads the server's reply. */
  private async refuseLocalInfile(): Promise<void> {
    await this.channel.write(new Uint8Array(0));
    const reply = await this.channel.read();
    if (reply[0] === 0x00) this.statusFlags = decodeOk(reply, this.info.capabilities).statusFlags;
  }

  /** Reads column definitions and text rows up to the terminating EOF or OK. */
  private async readResultSet(columnCount: number, sql: string): Promise<QueryResult<unknown>> {
    const channel = this.channel;
    const caps = this.info.capabilities;
    const extended = this.info.mariadbCapabilities !== 0;
    const fields: ColumnDefinition[] = new Array(columnCount);
    for (let i = 0; i < columnCount; i++) fields[i] = decodeColumnDefinition(await channel.read(), extended);
    if ((caps & Capability.DEPRECATE_EOF) === 0) {
      const eof = await channel.read();
      if (eof[0] !== 0xfe) throw new ProtocolError("unexpected", "expected EOF after column definitions");
    }
    const parse = textRowParser(fields, this.options.values, this.options.rowsAsArray);
    const rows: unknown[] = [];
    for (;;) {
      let p: Uint8Array | undefined;
      while ((p = channel.tryRead()) !== undefined) {
        if (p[0] === 0xfe && p.length < 0xffffff) {
          if (caps & Capability.DEPRECATE_EOF) return makeResult(rows, fields, decodeOk(p, caps));
          const eof = decodeEof(p);
          return makeResult(rows, fields, { ...eof, affectedRows: 0, insertId: 0, info: "" });
        }
        if (p[0] === 0xff) throw serverError(decodeErr(p), this.info.flavor, sql);
        rows.push(parse(p));
      }
      await channel.fill();
    }
  }
}

function noop(): void {}

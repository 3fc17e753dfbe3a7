/**
 * Reading a command's response: OK, ERR, LOCAL INFILE requests, and result sets (column definitions,
 * then text or binary rows up to the terminating EOF/OK), following MORE_RESULTS_EXISTS. Used for
 * COM_QUERY and COM_STMT_EXECUTE, whole (`readResponse`) or a row at a time (`RowCursor`). Where
 * each packet belongs is the protocol's response grammar (protocol/response-grammar.ts), which sees
 * every packet but the rows themselves: rows are parsed in place, and `rowPacketKind` (the grammar's
 * own rule) says where they end.
 */
import { Capability } from "../protocol/constants.ts";
import type { ServerFlavor } from "../protocol/errors.ts";
import { markSessionUsable } from "../protocol/errors.ts";
import { ResponseGrammar, ROW, rowPacketKind, ROWS_END, ROWS_ERR } from "../protocol/response-grammar.ts";
import {
  type ColumnDefinition,
  decodeColumnCount,
  decodeColumnDefinition,
  decodeEof,
  decodeErr,
  decodeOk,
} from "../protocol/results.ts";
import { binaryRowRangeParser, type RangeRowParser, textRowRangeParser } from "../protocol/rows.ts";
import { useNativeUtf8, type ValueOptions } from "../protocol/values.ts";
import { nativeUtf8 } from "../runtime/text.ts";
import type { PacketChannel } from "./channel.ts";
import type { ColumnCache, ColumnEntry } from "./column-cache.ts";
import { answerLocalInfile, type InfileHandler } from "./infile.ts";
import { makeResult, type QueryResult } from "./result.ts";
import { serverError } from "./server-error.ts";

// Values decode through the runtime's own UTF-8 decoder where it has one (same strings, faster).
useNativeUtf8(nativeUtf8);

/** What reading a response needs to know about the session. */
export interface ResponseContext {
  readonly channel: PacketChannel;
  readonly capabilities: number;
  /** MariaDB extended type info in column definitions. */
  readonly extendedTypes: boolean;
  readonly flavor: ServerFlavor;
  /** How rows are decoded: the session's settings, or a command's own (`RowDecoding`). */
  readonly decoding: RowDecoding;
  /** Recently seen column definitions and their row parsers. */
  readonly columns: ColumnCache;
  /** Answers LOAD DATA LOCAL INFILE requests (none: every request is refused). */
  readonly infile?: InfileHandler;
  /** Called with the status flags of every OK/EOF read. */
  readonly onStatus: (flags: number) => void;
}

/**
 * How one command's rows become JS values: the value options and the row shape. A session has one;
 * a command may bring its own (per-query `rowsAsArray`, `dateStrings`, a drop-in's value modes).
 * Row parsers are cached per decoding object, so a caller that repeats a decoding should keep the
 * object (`decodingFor` does).
 */
export interface RowDecoding {
  readonly values: ValueOptions;
  readonly rowsAsArray: boolean;
}

/** `ctx` reading rows with `decoding` instead (the same object when it already does). */
export function withDecoding(ctx: ResponseContext, decoding: RowDecoding | undefined): ResponseContext {
  if (decoding === undefined || decoding === ctx.decoding) return ctx;
  return { ...ctx, decoding };
}

/** The outcome in a result set's terminator (OK under CLIENT_DEPRECATE_EOF, else EOF). */
function terminatorOutcome(p: Uint8Array, caps: number) {
  if (caps & Capability.DEPRECATE_EOF) return decodeOk(p, caps);
  return { ...decodeEof(p), affectedRows: 0, insertId: 0, info: "" };
}

/**
 * Reads `count` column (or parameter) definitions and, before CLIENT_DEPRECATE_EOF, the EOF after
 * them, each checked by `grammar` (which throws a ProtocolError for a packet out of place).
 */
export async function readColumns(
  ctx: ResponseContext,
  count: number,
  grammar: ResponseGrammar,
): Promise<ColumnDefinition[]> {
  const packets: Uint8Array[] = new Array(count);
  // Column definitions usually arrive together: they are taken from the buffer without a promise
  // each, as views. A view is only valid until the next read from the socket, so the views taken so
  // far are copied just before one; when none is needed, nothing is copied (the column cache keeps
  // its own copies of the packets it has not seen).
  let copied = 0;
  for (let i = 0; i < count; i++) {
    let packet = ctx.channel.tryRead();
    if (packet === undefined) {
      for (; copied < i; copied++) packets[copied] = packets[copied].slice();
      packet = await ctx.channel.read();
    }
    grammar.push(packet);
    packets[i] = packet;
  }
  const fields = columnEntry(ctx, packets).fields.slice();
  if ((ctx.capabilities & Capability.DEPRECATE_EOF) === 0 && count > 0) {
    grammar.push(await ctx.channel.read());
  }
  return fields;
}

function columnEntry(ctx: ResponseContext, packets: Uint8Array[]): ColumnEntry {
  return ctx.columns.entry(packets, (p) => decodeColumnDefinition(p, ctx.extendedTypes));
}

/** An error the session survives: the conversation is still in step. */
export function inSyncError(message: string): Error {
  const error = new Error(message);
  markSessionUsable(error);
  return error;
}

function rowParser(ctx: ResponseContext, entry: ColumnEntry, binary: boolean): RangeRowParser {
  const { values, rowsAsArray } = ctx.decoding;
  return ctx.columns.parser(
    entry,
    binary,
    ctx.decoding,
    () =>
      binary
        ? binaryRowRangeParser(entry.fields, values, rowsAsArray)
        : textRowRangeParser(entry.fields, values, rowsAsArray),
  );
}

// What `ResponseReader.advance` returns:
/** more bytes are needed: read a chunk from the socket, then advance again; */
const NEED_MORE_BYTES = 0;
/** the first result set's rows are next (only when asked to stop there); */
const AT_ROWS = 1;
/** the whole response has been read; */
const RESPONSE_DONE = 2;
/** the server asked for a local file: `answerInfile()`, then advance again. */
const INFILE_REQUEST = 3;

// The reader's phases.
const HEAD = 0;
const INFILE_REPLY = 1;
const COLUMNS = 2;
const COLUMNS_EOF = 3;
const ROWS = 4;

const NO_PACKETS: Uint8Array[] = [];

/**
 * A response read as a state machine over the packets already buffered: `advance()` takes every
 * packet it can without a promise (a whole `SELECT 1` response usually comes in one chunk) and says
 * what it needs next. The async drivers (`readResponse`, `RowCursor`) await only socket reads and
 * the LOCAL INFILE answer. Every packet but the rows goes through the response grammar.
 */
class ResponseReader {
  readonly ctx: ResponseContext;
  readonly sql: string;
  readonly binary: boolean;
  readonly grammar: ResponseGrammar;
  /** The first result, with the later ones in its `results`. */
  first: QueryResult<unknown> | undefined;
  /** Column definitions of the current result set. */
  fields: ColumnDefinition[] = [];
  /** The current result set's row parser (once its columns are read). */
  parse: RangeRowParser | undefined;
  private phase = HEAD;
  private columnCount = 0;
  private packets: Uint8Array[] = NO_PACKETS;
  private received = 0;
  private copied = 0;
  private rows: unknown[] = [];
  /** The file named by a LOCAL INFILE request, and whether it was sent. */
  private infileName = "";
  private infileRefusal: string | undefined;
  /** False once a cursor took the first result set's rows: the later results are read and dropped. */
  private keep = true;

  constructor(ctx: ResponseContext, sql: string, binary: boolean) {
    this.ctx = ctx;
    this.sql = sql;
    this.binary = binary;
    this.grammar = new ResponseGrammar(binary ? "execute" : "query", ctx.capabilities);
  }

  /**
   * Takes buffered packets until the response is read (`RESPONSE_DONE`), bytes are missing
   * (`NEED_MORE_BYTES`), a LOCAL INFILE request came (`INFILE_REQUEST`), or, with `stopAtRows`, the rows
   * of the first result set are next (`AT_ROWS`: `fields` and `parse` are set).
   */
  advance(stopAtRows: boolean): number {
    const channel = this.ctx.channel;
    for (;;) {
      switch (this.phase) {
        case HEAD:
        case INFILE_REPLY: {
          const p = channel.tryRead();
          if (p === undefined) return NEED_MORE_BYTES;
          const role = this.grammar.push(p).role;
          if (this.phase === INFILE_REPLY) {
            if (this.infileRefusal !== undefined) {
              if (p[0] === 0x00) this.ctx.onStatus(decodeOk(p, this.ctx.capabilities).statusFlags);
              throw inSyncError(
                `the server asked for the local file "${this.infileName}" and got nothing: ${this.infileRefusal} (query: ${
                  this.sql.slice(0, 200)
                })`,
              );
            }
            this.phase = HEAD;
          } else if (role === "infile-request") {
            this.infileName = new TextDecoder().decode(p.subarray(1));
            return INFILE_REQUEST;
          }
          if (p[0] === 0x00) {
            const ok = decodeOk(p, this.ctx.capabilities);
            this.ctx.onStatus(ok.statusFlags);
            if (this.ended(makeResult([], [], ok))) return RESPONSE_DONE;
            continue;
          }
          if (p[0] === 0xff) throw serverError(decodeErr(p), this.ctx.flavor, this.sql);
          this.columnCount = decodeColumnCount(p);
          this.packets = new Array(this.columnCount);
          this.received = 0;
          this.copied = 0;
          this.phase = COLUMNS;
          continue;
        }
        case COLUMNS: {
          const packets = this.packets;
          while (this.received < this.columnCount) {
            const p = channel.tryRead();
            if (p === undefined) {
              // The views taken so far are valid only until the next socket read: copied first.
              for (; this.copied < this.received; this.copied++) {
                packets[this.copied] = packets[this.copied].slice();
              }
              return NEED_MORE_BYTES;
            }
            this.grammar.push(p);
            packets[this.received++] = p;
          }
          const entry = columnEntry(this.ctx, packets);
          this.packets = NO_PACKETS;
          this.fields = entry.fields.slice();
          this.parse = rowParser(this.ctx, entry, this.binary);
          this.rows = [];
          this.phase = (this.ctx.capabilities & Capability.DEPRECATE_EOF) === 0 ? COLUMNS_EOF : ROWS;
          if (this.phase === ROWS && stopAtRows && this.keep && this.first === undefined) return AT_ROWS;
          continue;
        }
        case COLUMNS_EOF: {
          const p = channel.tryRead();
          if (p === undefined) return NEED_MORE_BYTES;
          this.grammar.push(p);
          this.phase = ROWS;
          if (stopAtRows && this.keep && this.first === undefined) return AT_ROWS;
          continue;
        }
        case ROWS: {
          // Rows are parsed where they lie in the receive buffer: no view or object per packet.
          const packets = channel.decoder;
          const parse = this.parse!;
          const rows = this.rows;
          for (;;) {
            if (!channel.tryReadRange()) return NEED_MORE_BYTES;
            const b = packets.bytes, start = packets.payloadStart, end = packets.payloadEnd;
            const kind = rowPacketKind(end > start ? b[start] : -1, end - start);
            if (kind === ROW) {
              rows.push(parse(b, start, end));
              continue;
            }
            const p = b.subarray(start, end);
            this.grammar.push(p);
            if (kind === ROWS_ERR) throw serverError(decodeErr(p), this.ctx.flavor, this.sql);
            const outcome = terminatorOutcome(p, this.ctx.capabilities);
            this.ctx.onStatus(outcome.statusFlags);
            if (this.ended(makeResult(rows, this.fields, outcome))) return RESPONSE_DONE;
            break;
          }
          continue;
        }
      }
    }
  }

  /** A result is complete: true when it was the last of the response (else the next head follows). */
  private ended(result: QueryResult<unknown>): boolean {
    if (!this.keep) {
      // a cursor's later results: read and dropped
    } else if (this.first === undefined) this.first = result;
    else this.first.results.push(result);
    this.phase = HEAD;
    this.rows = [];
    return this.grammar.done;
  }

  /**
   * The first result set's rows were read by someone else (a cursor) up to their terminator, which
   * went through `grammar`: notes the result and goes on to the next head, if any.
   */
  rowsEnded(): void {
    this.phase = HEAD;
    this.keep = false;
  }

  /** After `INFILE_REQUEST`: sends the file (or the empty packet refusing it); then advance again. */
  async answerInfile(): Promise<void> {
    const answer = await answerLocalInfile(this.ctx.channel, this.infileName, this.sql, this.ctx.infile);
    this.infileRefusal = answer.sent ? undefined : answer.reason;
    this.phase = INFILE_REPLY;
  }

  /** Advances, reading from the socket as needed, until `RESPONSE_DONE` or `AT_ROWS`. */
  async run(stopAtRows: boolean): Promise<number> {
    const channel = this.ctx.channel;
    for (;;) {
      const step = this.advance(stopAtRows);
      if (step === NEED_MORE_BYTES) channel.received(await channel.chunk());
      else if (step === INFILE_REQUEST) await this.answerInfile();
      else return step;
    }
  }
}

/** What `RowCursor.nextBuffered` returns when no whole packet is buffered: call `fill()`. */
export const NEED_MORE: unique symbol = Symbol("need more bytes");
/** What `RowCursor.nextBuffered` returns at the end of the rows: call `finish()`. */
export const END_OF_ROWS: unique symbol = Symbol("end of rows");

/** Reads a whole response: every result, in order; the first is returned with all in `results`. */
export async function readResponse(
  ctx: ResponseContext,
  sql: string,
  binary: boolean,
): Promise<QueryResult<unknown>> {
  const reader = new ResponseReader(ctx, sql, binary);
  const channel = ctx.channel;
  for (;;) {
    const step = reader.advance(false);
    if (step === RESPONSE_DONE) return reader.first!;
    if (step === NEED_MORE_BYTES) channel.received(await channel.chunk());
    else await reader.answerInfile();
  }
}

/**
 * Rows of a response one at a time, read from the socket only as they are asked for. `next()` gives
 * the next row of the first result set, or `undefined` at its end, after which any further results
 * have been read and discarded. `drain()` reads and discards what is left, so the session can go on.
 */
export class RowCursor {
  private readonly reader: ResponseReader;
  private parse: RangeRowParser | undefined;
  /** Column definitions of the first result set (empty for a statement without rows). */
  fields: ColumnDefinition[] = [];
  /** True once the whole response has been read. */
  finished = false;
  /** Set by `drain`: rows are read but not decoded. */
  private skipping = false;
  /** The status flags of the rows' terminator, once it was read. */
  private ended: number | undefined;

  private constructor(reader: ResponseReader) {
    this.reader = reader;
  }

  /** Reads the head of the response (after the command was sent). */
  static async open(ctx: ResponseContext, sql: string, binary: boolean): Promise<RowCursor> {
    const reader = new ResponseReader(ctx, sql, binary);
    const cursor = new RowCursor(reader);
    if (await reader.run(true) === RESPONSE_DONE) cursor.finished = true;
    else {
      cursor.fields = reader.fields;
      cursor.parse = reader.parse;
    }
    return cursor;
  }

  /**
   * The next row if its packet is already buffered, with no promise: the row, `NEED_MORE` (await
   * `fill()`, then ask again) or `END_OF_ROWS` (await `finish()`: the result set is done).
   */
  nextBuffered(): unknown {
    if (this.finished || this.parse === undefined || this.ended !== undefined) return END_OF_ROWS;
    const reader = this.reader;
    const ctx = reader.ctx;
    const channel = ctx.channel;
    if (!channel.tryReadRange()) return NEED_MORE;
    const packets = channel.decoder;
    const b = packets.bytes, start = packets.payloadStart, end = packets.payloadEnd;
    const kind = rowPacketKind(end > start ? b[start] : -1, end - start);
    if (kind === ROWS_END) {
      const p = b.subarray(start, end);
      reader.grammar.push(p);
      const outcome = terminatorOutcome(p, ctx.capabilities);
      ctx.onStatus(outcome.statusFlags);
      this.ended = outcome.statusFlags;
      reader.rowsEnded();
      if (reader.grammar.done) this.finished = true;
      return END_OF_ROWS;
    }
    if (kind === ROWS_ERR) {
      this.finished = true;
      throw serverError(decodeErr(b.subarray(start, end)), ctx.flavor, reader.sql);
    }
    return this.skipping ? true : this.parse(b, start, end);
  }

  /** Reads more bytes from the socket (after `NEED_MORE`). */
  fill(): Promise<void> {
    return this.reader.ctx.channel.fill();
  }

  /** After `END_OF_ROWS`: reads and discards any further results of the response. */
  async finish(): Promise<void> {
    if (this.finished) return;
    await this.reader.run(false);
    this.finished = true;
  }

  /** The next row, or `undefined` when the result set is done. */
  async next(): Promise<unknown> {
    for (;;) {
      const row = this.nextBuffered();
      if (row === NEED_MORE) await this.fill();
      else if (row === END_OF_ROWS) {
        await this.finish();
        return undefined;
      } else return row;
    }
  }

  /** Reads and discards the rest of the response. */
  async drain(): Promise<void> {
    this.skipping = true;
    while (!this.finished) await this.next();
  }
}

/**
 * Reading a command's response: OK, ERR, LOCAL INFILE requests, and result sets (column definitions,
 * then text or binary rows up to the terminating EOF/OK), following MORE_RESULTS_EXISTS. Used for
 * COM_QUERY and COM_STMT_EXECUTE, whole (`readResponse`) or a row at a time (`RowCursor`). Where
 * each packet belongs is the protocol's response grammar (protocol/response-grammar.ts), which sees
 * every packet but the rows themselves: rows are parsed in place, and `rowPacketKind` (the grammar's
 * own rule) says where they end.
 */
import { Capability, ServerStatus } from "../protocol/constants.ts";
import type { ServerFlavor } from "../protocol/errors.ts";
import { markSessionUsable, ProtocolError } from "../protocol/errors.ts";
import { ResponseGrammar, rowPacketKind, ROWS_END, ROWS_ERR } from "../protocol/response-grammar.ts";
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
import { ColumnCache } from "./column-cache.ts";
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
  // copies of the packets it has not seen).
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
  const fields = ctx.columns.fields(packets, (p) => decodeColumnDefinition(p, ctx.extendedTypes));
  if ((ctx.capabilities & Capability.DEPRECATE_EOF) === 0 && count > 0) {
    grammar.push(await ctx.channel.read());
  }
  return fields;
}

/** An error the session survives: the conversation is still in step. */
export function inSyncError(message: string): Error {
  const error = new Error(message);
  markSessionUsable(error);
  return error;
}

/**
 * The first packet of a response: an OK result, an error, a LOCAL INFILE request, or the start of a
 * result set (whose column definitions are then read). Returns the finished result or the fields.
 */
async function readHead(
  ctx: ResponseContext,
  sql: string,
  grammar: ResponseGrammar,
): Promise<{ done: QueryResult<unknown> } | { fields: ColumnDefinition[] }> {
  let first = ctx.channel.tryRead() ?? await ctx.channel.read();
  if (grammar.push(first).role === "infile-request") {
    const name = new TextDecoder().decode(first.subarray(1));
    const answer = await answerLocalInfile(ctx.channel, name, sql, ctx.infile);
    first = await ctx.channel.read();
    grammar.push(first);
    if (!answer.sent) {
      if (first[0] === 0x00) ctx.onStatus(decodeOk(first, ctx.capabilities).statusFlags);
      throw inSyncError(
        `the server asked for the local file "${name}" and got nothing: ${answer.reason} (query: ${
          sql.slice(0, 200)
        })`,
      );
    }
  }
  if (first[0] === 0x00) {
    const ok = decodeOk(first, ctx.capabilities);
    ctx.onStatus(ok.statusFlags);
    return { done: makeResult([], [], ok) };
  }
  if (first[0] === 0xff) throw serverError(decodeErr(first), ctx.flavor, sql);
  return { fields: await readColumns(ctx, decodeColumnCount(first), grammar) };
}

function rowParser(ctx: ResponseContext, fields: ColumnDefinition[], binary: boolean): RangeRowParser {
  const { values, rowsAsArray } = ctx.decoding;
  return ctx.columns.parser(
    fields,
    binary,
    ctx.decoding,
    () =>
      binary
        ? binaryRowRangeParser(fields, values, rowsAsArray)
        : textRowRangeParser(fields, values, rowsAsArray),
  );
}

/** Reads rows up to the terminator; the payloads are parsed as they are taken from the buffer. */
async function readRows(
  ctx: ResponseContext,
  fields: ColumnDefinition[],
  binary: boolean,
  sql: string,
  grammar: ResponseGrammar,
): Promise<QueryResult<unknown>> {
  const channel = ctx.channel;
  const packets = channel.decoder;
  const parse = rowParser(ctx, fields, binary);
  const rows: unknown[] = [];
  for (;;) {
    // Rows are parsed where they lie in the receive buffer: no view or object per packet.
    while (channel.tryReadRange()) {
      const b = packets.bytes, start = packets.payloadStart, end = packets.payloadEnd;
      const kind = rowPacketKind(end > start ? b[start] : -1, end - start);
      if (kind === ROWS_END) {
        const p = b.subarray(start, end);
        grammar.push(p);
        const outcome = terminatorOutcome(p, ctx.capabilities);
        ctx.onStatus(outcome.statusFlags);
        return makeResult(rows, fields, outcome);
      }
      if (kind === ROWS_ERR) {
        grammar.push(b.subarray(start, end));
        throw serverError(decodeErr(b.subarray(start, end)), ctx.flavor, sql);
      }
      rows.push(parse(b, start, end));
    }
    await channel.fill();
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
  const results: QueryResult<unknown>[] = [];
  const grammar = new ResponseGrammar(binary ? "execute" : "query", ctx.capabilities);
  do {
    const head = await readHead(ctx, sql, grammar);
    results.push("done" in head ? head.done : await readRows(ctx, head.fields, binary, sql, grammar));
  } while (!grammar.done);
  const first = results[0];
  first.results = results;
  return first;
}

/**
 * Rows of a response one at a time, read from the socket only as they are asked for. `next()` gives
 * the next row of the first result set, or `undefined` at its end, after which any further results
 * have been read and discarded. `drain()` reads and discards what is left, so the session can go on.
 */
export class RowCursor {
  private readonly ctx: ResponseContext;
  private readonly sql: string;
  private readonly binary: boolean;
  private readonly grammar: ResponseGrammar;
  private parse: RangeRowParser | undefined;
  /** Column definitions of the first result set (empty for a statement without rows). */
  fields: ColumnDefinition[] = [];
  /** True once the whole response has been read. */
  finished = false;
  /** Set by `drain`: rows are read but not decoded. */
  private skipping = false;
  /** The status flags of the rows' terminator, once it was read. */
  private ended: number | undefined;

  private constructor(ctx: ResponseContext, sql: string, binary: boolean) {
    this.ctx = ctx;
    this.sql = sql;
    this.binary = binary;
    this.grammar = new ResponseGrammar(binary ? "execute" : "query", ctx.capabilities);
  }

  /** Reads the head of the response (after the command was sent). */
  static async open(ctx: ResponseContext, sql: string, binary: boolean): Promise<RowCursor> {
    const cursor = new RowCursor(ctx, sql, binary);
    const head = await readHead(ctx, sql, cursor.grammar);
    if ("done" in head) await cursor.finishRest();
    else {
      cursor.fields = head.fields;
      cursor.parse = rowParser(ctx, head.fields, binary);
    }
    return cursor;
  }

  /** After the first result: reads and discards the rest of a multi-result response. */
  private async finishRest(): Promise<void> {
    while (!this.grammar.done) {
      const head = await readHead(this.ctx, this.sql, this.grammar);
      if (!("done" in head)) await readRows(this.ctx, head.fields, this.binary, this.sql, this.grammar);
    }
    this.finished = true;
  }

  /**
   * The next row if its packet is already buffered, with no promise: the row, `NEED_MORE` (await
   * `fill()`, then ask again) or `END_OF_ROWS` (await `finish()`: the result set is done).
   */
  nextBuffered(): unknown {
    if (this.finished || this.parse === undefined || this.ended !== undefined) return END_OF_ROWS;
    const channel = this.ctx.channel;
    if (!channel.tryReadRange()) return NEED_MORE;
    const packets = channel.decoder;
    const b = packets.bytes, start = packets.payloadStart, end = packets.payloadEnd;
    const kind = rowPacketKind(end > start ? b[start] : -1, end - start);
    if (kind === ROWS_END) {
      const p = b.subarray(start, end);
      this.grammar.push(p);
      const outcome = terminatorOutcome(p, this.ctx.capabilities);
      this.ctx.onStatus(outcome.statusFlags);
      this.ended = outcome.statusFlags;
      return END_OF_ROWS;
    }
    if (kind === ROWS_ERR) {
      this.finished = true;
      throw serverError(decodeErr(b.subarray(start, end)), this.ctx.flavor, this.sql);
    }
    return this.skipping ? true : this.parse(b, start, end);
  }

  /** Reads more bytes from the socket (after `NEED_MORE`). */
  fill(): Promise<void> {
    return this.ctx.channel.fill();
  }

  /** After `END_OF_ROWS`: reads and discards any further results of the response. */
  async finish(): Promise<void> {
    if (this.finished) return;
    await this.finishRest();
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

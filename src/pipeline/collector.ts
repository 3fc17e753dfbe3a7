/**
 * Reads one command's whole response, packet by packet, into `QueryResultData`: OK, ERR, EOF, result
 * sets (text or binary rows, following MORE_RESULTS_EXISTS), COM_STMT_PREPARE's answer, COM_FIELD_LIST
 * and COM_STATISTICS. Where each packet belongs is the protocol's response grammar
 * (protocol/response-grammar.ts, which a proxy relaying packets follows too); this file decodes what it keeps. Row packets are copied only when the rows are needed; otherwise they are
 * counted and dropped, so a response nobody needs streams through in constant memory. Pure: the
 * session feeds it packets; it never reads a socket.
 */
import { utf8 } from "../protocol/bytes.ts";
import { Capability } from "../protocol/constants.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { ResponseGrammar, responseShapeOf, type ResponseStep } from "../protocol/response-grammar.ts";
import {
  type ColumnDefinition,
  decodeColumnCount,
  decodeColumnDefinition,
  decodeEof,
  decodeErr,
  decodeOk,
} from "../protocol/results.ts";
import { decodePrepareOk, type PrepareOk } from "../protocol/statements.ts";
import type { Injection } from "./queue.ts";
import { QueryResultData, type ResultKind, type ResultPart, type RowParserFactory } from "./result.ts";

/** What the session does after `push`: read another packet, stop, or answer LOCAL INFILE with an empty packet. */
export type CollectState = "more" | "done" | "infile";

/** The connection facts the collector needs. */
export interface CollectorOptions {
  /** The capabilities both sides agreed on (CLIENT_DEPRECATE_EOF, CLIENT_PROTOCOL_41, ...). */
  readonly capabilities: number;
  /** Whether column definitions carry MariaDB's extended type info. */
  readonly extendedTypeInfo: boolean;
  /** Keep row packets (and so the whole response). */
  readonly keepRows: boolean;
  readonly rowParser?: RowParserFactory;
  /** Clock in milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

const now = () => performance.now();

/** Collects the response to one queued command. */
export class ResultCollector {
  private readonly injection: Injection;
  private readonly options: CollectorOptions;
  private readonly clock: () => number;
  private readonly binary: boolean;
  /** Where the response stands: the protocol's one grammar of responses. */
  private readonly grammar: ResponseGrammar;
  private readonly parts: ResultPart[] = [];
  private packets: Uint8Array[] | undefined = [];
  private fields: ColumnDefinition[] = [];
  private columnCount = 0;
  private rows: Uint8Array[] | undefined;
  private rowCount = 0;
  private prepared: PrepareOk | undefined;
  private sentAt = 0;
  private firstAt: number | undefined;
  private endAt = 0;

  constructor(injection: Injection, options: CollectorOptions) {
    this.injection = injection;
    this.options = options;
    this.clock = options.now ?? now;
    const type = injection.command.type;
    this.binary = type === "COM_STMT_EXECUTE" || type === "COM_STMT_FETCH";
    this.grammar = new ResponseGrammar(
      injection.expectsResponse ? responseShapeOf(injection.command.code) : "none",
      options.capabilities,
    );
    this.sentAt = this.clock();
  }

  /** Call just before the command is written: the timings count from here. */
  start(): void {
    this.sentAt = this.clock();
  }

  /** True once the response is complete. */
  get done(): boolean {
    return this.grammar.done;
  }

  /**
   * Takes the next packet of the response (a payload; it may be a view the caller reuses: what is
   * kept is copied). Throws `ProtocolError` when the packet cannot come next.
   */
  push(payload: Uint8Array): CollectState {
    const step = this.grammar.push(payload);
    const t = this.clock();
    this.firstAt ??= t;
    this.endAt = t;
    // The LOCAL INFILE request is between the session and the server: a replay never holds it.
    if (step.role === "infile-request") return "infile";
    this.take(payload, step);
    return step.done ? "done" : "more";
  }

  private keep(payload: Uint8Array): void {
    this.packets?.push(payload.slice());
  }

  /** Keeps and decodes one packet as the grammar placed it, recording each result as it ends. */
  private take(p: Uint8Array, step: ResponseStep): void {
    if (step.role === "row") {
      this.rowCount++;
      if (this.rows !== undefined) {
        const copy = p.slice();
        this.rows.push(copy);
        this.packets?.push(copy);
      } else this.packets = undefined;
      return;
    }
    this.keep(p);
    switch (step.role) {
      case "err":
        return this.end("error", { error: decodeErr(p) });
      case "ok":
        return this.end("ok", decodeOk(p, this.options.capabilities));
      case "eof":
        return this.end("eof", { statusFlags: step.statusFlags });
      case "statistics":
        return this.end("text", { text: utf8(p) });
      case "column-count":
        this.columnCount = decodeColumnCount(p);
        this.fields = [];
        return;
      case "column":
        this.fields.push(decodeColumnDefinition(p, this.options.extendedTypeInfo));
        if (step.lastDefinition && !this.prepared) this.startRows();
        if (step.done) this.end("prepared", {});
        return;
      case "columns-eof":
        // After a PREPARE_OK's columns, or an EXECUTE that opened a cursor (rows come with FETCH).
        if (step.done) this.end(this.prepared ? "prepared" : "resultset", { statusFlags: step.statusFlags });
        return;
      case "rows-end": {
        const deprecateEof = (this.options.capabilities & Capability.DEPRECATE_EOF) !== 0;
        return this.end("resultset", deprecateEof ? decodeOk(p, this.options.capabilities) : decodeEof(p));
      }
      case "prepare-ok":
        this.prepared = decodePrepareOk(p);
        this.columnCount = this.prepared.columnCount;
        this.fields = [];
        if (step.done) this.end("prepared", {});
        return;
      case "param":
        decodeColumnDefinition(p, this.options.extendedTypeInfo);
        if (step.done) this.end("prepared", {});
        return;
      case "params-eof":
        if (step.done) this.end("prepared", {});
        return;
      case "infile-request":
        return;
    }
  }

  private startRows(): void {
    this.rowCount = 0;
    this.rows = this.options.keepRows ? [] : undefined;
  }

  /** Records one result (the grammar says whether more follow). */
  private end(
    kind: ResultKind,
    outcome: {
      affectedRows?: number | bigint;
      insertId?: number | bigint;
      warningCount?: number;
      info?: string;
      statusFlags?: number;
      error?: ResultPart["error"];
      text?: string;
    },
  ): void {
    const statusFlags = outcome.statusFlags ?? 0;
    const resultset = kind === "resultset";
    this.parts.push({
      kind,
      fields: kind === "resultset" || kind === "prepared" ? this.fields : [],
      binary: this.binary,
      rowCount: resultset ? this.rowCount : 0,
      rawRows: resultset ? this.rows : [],
      affectedRows: outcome.affectedRows ?? 0,
      insertId: outcome.insertId ?? 0,
      warningCount: outcome.warningCount ?? this.prepared?.warningCount ?? 0,
      info: outcome.info ?? "",
      statusFlags,
      error: outcome.error,
      prepared: kind === "prepared" ? this.prepared : undefined,
      text: outcome.text,
    });
    this.fields = [];
    this.rows = undefined;
    this.rowCount = 0;
  }

  /** The collected response. Throws unless it is complete. */
  finish(): QueryResultData {
    if (!this.grammar.done) throw new ProtocolError("truncated", "the response is incomplete");
    if (this.firstAt === undefined) this.endAt = this.firstAt = this.sentAt;
    return new QueryResultData(
      this.injection,
      this.parts,
      this.packets,
      { sentAt: this.sentAt, firstPacketAt: this.firstAt, endAt: this.endAt },
      this.options.rowParser,
    );
  }
}

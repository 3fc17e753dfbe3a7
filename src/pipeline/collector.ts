/**
 * Reads one command's whole response, packet by packet, into `QueryResultData`: OK, ERR, EOF, result
 * sets (text or binary rows, following MORE_RESULTS_EXISTS), COM_STMT_PREPARE's answer, COM_FIELD_LIST
 * and COM_STATISTICS. Row packets are copied only when the rows are needed; otherwise they are
 * counted and dropped, so a response nobody needs streams through in constant memory. Pure: the
 * session feeds it packets; it never reads a socket.
 */
import { utf8 } from "../protocol/bytes.ts";
import { Capability, ServerStatus } from "../protocol/constants.ts";
import { ProtocolError } from "../protocol/errors.ts";
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

type Phase =
  | "first"
  | "columns"
  | "columnsEof"
  | "rows"
  | "prepareParams"
  | "prepareParamsEof"
  | "prepareColumns"
  | "prepareColumnsEof"
  | "fieldList"
  | "done";

const now = () => performance.now();

/** Collects the response to one queued command. */
export class ResultCollector {
  private readonly injection: Injection;
  private readonly options: CollectorOptions;
  private readonly clock: () => number;
  private readonly deprecateEof: boolean;
  private readonly binary: boolean;
  private phase: Phase = "first";
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
    this.deprecateEof = (options.capabilities & Capability.DEPRECATE_EOF) !== 0;
    const type = injection.command.type;
    this.binary = type === "COM_STMT_EXECUTE" || type === "COM_STMT_FETCH";
    if (!injection.expectsResponse) this.phase = "done";
    this.sentAt = this.clock();
  }

  /** Call just before the command is written: the timings count from here. */
  start(): void {
    this.sentAt = this.clock();
  }

  /** True once the response is complete. */
  get done(): boolean {
    return this.phase === "done";
  }

  /**
   * Takes the next packet of the response (a payload; it may be a view the caller reuses: what is
   * kept is copied). Throws `ProtocolError` when the packet cannot come next.
   */
  push(payload: Uint8Array): CollectState {
    if (this.phase === "done") {
      throw new ProtocolError("unexpected", "a packet after the end of the response");
    }
    const t = this.clock();
    this.firstAt ??= t;
    this.endAt = t;
    const state = this.step(payload);
    if (state === "done") this.phase = "done";
    return state;
  }

  private keep(payload: Uint8Array): void {
    this.packets?.push(payload.slice());
  }

  private step(p: Uint8Array): CollectState {
    const caps = this.options.capabilities;
    switch (this.phase) {
      case "first": {
        const type = this.injection.command.type;
        const head = p[0];
        // The LOCAL INFILE request is between the session and the server: a replay never holds it.
        if (head === 0xfb && type === "COM_QUERY") return "infile";
        this.keep(p);
        if (head === 0xff) return this.end("error", { error: decodeErr(p) });
        if (type === "COM_STMT_PREPARE" && head === 0x00) {
          const ok = decodePrepareOk(p);
          this.prepared = ok;
          this.columnCount = ok.columnCount;
          this.fields = [];
          if (ok.paramCount > 0) {
            this.rowCount = ok.paramCount; // counts parameter definitions down
            this.phase = "prepareParams";
            return "more";
          }
          return this.afterPrepareParams();
        }
        if (head === 0x00) {
          const ok = decodeOk(p, caps);
          return this.end("ok", ok);
        }
        if (head === 0xfe && p.length < 9) {
          const eof = decodeEof(p);
          return this.end("eof", eof);
        }
        if (type === "COM_STATISTICS") return this.end("text", { text: utf8(p) });
        if (type === "COM_FIELD_LIST") {
          this.fields = [decodeColumnDefinition(p, this.options.extendedTypeInfo)];
          this.phase = "fieldList";
          return "more";
        }
        this.columnCount = decodeColumnCount(p);
        this.fields = [];
        this.phase = "columns";
        return "more";
      }
      case "columns":
        this.keep(p);
        this.fields.push(decodeColumnDefinition(p, this.options.extendedTypeInfo));
        if (this.fields.length < this.columnCount) return "more";
        this.startRows();
        this.phase = this.deprecateEof ? "rows" : "columnsEof";
        return "more";
      case "columnsEof": {
        this.keep(p);
        if (p[0] !== 0xfe || p.length >= 9) {
          throw new ProtocolError("unexpected", "expected EOF after column definitions");
        }
        const eof = decodeEof(p);
        // A cursor was opened (COM_STMT_EXECUTE with a cursor flag): rows come with COM_STMT_FETCH.
        if (eof.statusFlags & ServerStatus.CURSOR_EXISTS) return this.end("resultset", eof);
        this.phase = "rows";
        return "more";
      }
      case "rows": {
        if (p[0] === 0xfe && p.length < 0xffffff) {
          this.keep(p);
          const end = this.deprecateEof ? decodeOk(p, caps) : decodeEof(p);
          return this.end("resultset", end);
        }
        if (p[0] === 0xff) {
          this.keep(p);
          return this.end("error", { error: decodeErr(p) });
        }
        this.rowCount++;
        if (this.rows !== undefined) {
          const copy = p.slice();
          this.rows.push(copy);
          this.packets?.push(copy);
        } else this.packets = undefined;
        return "more";
      }
      case "prepareParams":
        this.keep(p);
        decodeColumnDefinition(p, this.options.extendedTypeInfo);
        if (--this.rowCount > 0) return "more";
        if (!this.deprecateEof) {
          this.phase = "prepareParamsEof";
          return "more";
        }
        return this.afterPrepareParams();
      case "prepareParamsEof":
        this.keep(p);
        if (p[0] !== 0xfe) throw new ProtocolError("unexpected", "expected EOF after parameter definitions");
        return this.afterPrepareParams();
      case "prepareColumns":
        this.keep(p);
        this.fields.push(decodeColumnDefinition(p, this.options.extendedTypeInfo));
        if (this.fields.length < this.columnCount) return "more";
        if (!this.deprecateEof) {
          this.phase = "prepareColumnsEof";
          return "more";
        }
        return this.end("prepared", {});
      case "prepareColumnsEof":
        this.keep(p);
        if (p[0] !== 0xfe) throw new ProtocolError("unexpected", "expected EOF after column definitions");
        return this.end("prepared", {});
      case "fieldList":
        this.keep(p);
        if (p[0] === 0xfe && p.length < 9) return this.end("resultset", decodeEof(p));
        if (p[0] === 0xff) return this.end("error", { error: decodeErr(p) });
        this.fields.push(decodeColumnDefinition(p, this.options.extendedTypeInfo));
        return "more";
      case "done":
        throw new ProtocolError("unexpected", "a packet after the end of the response");
    }
  }

  private startRows(): void {
    this.rowCount = 0;
    this.rows = this.options.keepRows ? [] : undefined;
  }

  private afterPrepareParams(): CollectState {
    if (this.columnCount > 0) {
      this.phase = "prepareColumns";
      return "more";
    }
    return this.end("prepared", {});
  }

  /** Records one result; "more" when the server said more results follow. */
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
  ): CollectState {
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
    if (kind !== "error" && kind !== "prepared" && (statusFlags & ServerStatus.MORE_RESULTS_EXISTS)) {
      this.phase = "first";
      return "more";
    }
    return "done";
  }

  /** The collected response. Throws unless it is complete. */
  finish(): QueryResultData {
    if (this.phase !== "done") throw new ProtocolError("truncated", "the response is incomplete");
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

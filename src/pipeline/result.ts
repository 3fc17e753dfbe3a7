/**
 * What readQueryResult sees of a response (MySQL Proxy's `injection` and `injection.resultset`):
 * which queued command it answers, its fields, its rows (decoded only when read), affected rows,
 * insert id, warnings, status flags, and `queryTime` / `responseTime` in microseconds. A response
 * that was buffered also carries its packets, so it can be passed on or cached as it is.
 */
import type { ColumnDefinition, ErrPacket } from "../protocol/results.ts";
import { textRowParser } from "../protocol/rows.ts";
import type { PrepareOk } from "../protocol/statements.ts";
import { defaultValueOptions } from "../protocol/values.ts";
import type { QueryCommand } from "./command.ts";
import type { Injection, InjectionId } from "./queue.ts";

/** What one part of a response is (a command answers with one part, a multi-statement query with several). */
export type ResultKind = "ok" | "error" | "resultset" | "prepared" | "eof" | "text" | "none";

/** One result of a response. */
export interface ResultPart {
  readonly kind: ResultKind;
  readonly fields: readonly ColumnDefinition[];
  /** Whether the rows are binary-protocol rows (COM_STMT_EXECUTE, COM_STMT_FETCH). */
  readonly binary: boolean;
  readonly rowCount: number;
  /** The row packets' payloads, when the response was buffered. */
  readonly rawRows: readonly Uint8Array[] | undefined;
  readonly affectedRows: number | bigint;
  readonly insertId: number | bigint;
  readonly warningCount: number;
  readonly info: string;
  readonly statusFlags: number;
  readonly error: ErrPacket | undefined;
  /** COM_STMT_PREPARE's answer. */
  readonly prepared: PrepareOk | undefined;
  /** COM_STATISTICS's answer. */
  readonly text: string | undefined;
}

/** Builds row objects from row payloads: one parser per result set. */
export type RowParserFactory = (
  fields: readonly ColumnDefinition[],
  binary: boolean,
) => (payload: Uint8Array) => unknown;

/** Text rows decoded with the default value options, as objects keyed by column name. */
export const defaultRowParser: RowParserFactory = (fields, binary) => {
  if (binary) {
    throw new TypeError("binary-protocol rows cannot be decoded here: give the pipeline a rowParser");
  }
  return textRowParser(fields, defaultValueOptions, false);
};

/** Timestamps (performance.now() milliseconds) of a command's round trip. */
export interface ResultTiming {
  /** When the command was sent. */
  readonly sentAt: number;
  /** When the first packet of the response arrived (defaults to `endAt`). */
  readonly firstPacketAt?: number;
  /** When the last packet of the response arrived. */
  readonly endAt: number;
}

const EMPTY_PART: ResultPart = {
  kind: "none",
  fields: [],
  binary: false,
  rowCount: 0,
  rawRows: [],
  affectedRows: 0,
  insertId: 0,
  warningCount: 0,
  info: "",
  statusFlags: 0,
  error: undefined,
  prepared: undefined,
  text: undefined,
};

/** The data readQueryResult gets: the response to one queued command. */
export class QueryResultData {
  /** The queued command this answers. */
  readonly injection: Injection;
  /** Every result of the response, in order (several for a multi-statement query or a CALL). */
  readonly results: readonly ResultPart[];
  /** The response's packets (payloads), when it was buffered: pass them on, or keep them to replay. */
  readonly packets: readonly Uint8Array[] | undefined;
  /** Microseconds from sending the command to the first packet of its response. */
  readonly queryTime: number;
  /** Microseconds from sending the command to the last packet of its response. */
  readonly responseTime: number;
  private readonly parser: RowParserFactory;
  private decoded: readonly unknown[] | undefined;

  constructor(
    injection: Injection,
    results: readonly ResultPart[],
    packets: readonly Uint8Array[] | undefined,
    timing: ResultTiming,
    parser: RowParserFactory = defaultRowParser,
  ) {
    this.injection = injection;
    this.results = results.length > 0 ? results : [EMPTY_PART];
    this.packets = packets;
    this.queryTime = Math.max(0, Math.round(((timing.firstPacketAt ?? timing.endAt) - timing.sentAt) * 1000));
    this.responseTime = Math.max(0, Math.round((timing.endAt - timing.sentAt) * 1000));
    this.parser = parser;
  }

  /** The id given when the command was queued (the client's own command: 0 unless chosen). */
  get id(): InjectionId {
    return this.injection.id;
  }

  /** The command this answers. */
  get command(): QueryCommand {
    return this.injection.command;
  }

  /** The SQL of the command, when it has some. */
  get query(): string | undefined {
    return this.injection.command.sql;
  }

  /** True for the client's own command (possibly rewritten), false for an injected one. */
  get original(): boolean {
    return this.injection.original;
  }

  /** The plugin that injected the command (undefined for the client's own). */
  get injectedBy(): string | undefined {
    return this.injection.injectedBy;
  }

  /** Whether rows and packets were kept (`resultsetIsNeeded`, or a response without rows). */
  get buffered(): boolean {
    return this.packets !== undefined;
  }

  private get first(): ResultPart {
    return this.results[0];
  }

  /** What the first result is. */
  get kind(): ResultKind {
    return this.first.kind;
  }

  /** The first result's column definitions (empty without a result set). */
  get fields(): readonly ColumnDefinition[] {
    return this.first.fields;
  }

  /** Number of rows of the first result. */
  get rowCount(): number {
    return this.first.rowCount;
  }

  /**
   * The first result's rows, decoded on first access. Throws when the rows were not kept: inject the
   * command (or observe the original) with `resultsetIsNeeded: true`.
   */
  get rows(): readonly unknown[] {
    if (this.decoded !== undefined) return this.decoded;
    const part = this.first;
    if (part.rawRows === undefined) {
      throw new TypeError(
        `the rows of result ${
          String(this.id)
        } were streamed through, not kept: ask with resultsetIsNeeded: true`,
      );
    }
    if (part.rawRows.length === 0) return (this.decoded = []);
    const parse = this.parser(part.fields, part.binary);
    return (this.decoded = part.rawRows.map(parse));
  }

  /** The first result's row payloads, when kept. */
  get rawRows(): readonly Uint8Array[] | undefined {
    return this.first.rawRows;
  }

  /** Affected rows of the first result. */
  get affectedRows(): number | bigint {
    return this.first.affectedRows;
  }

  /** Insert id of the first result. */
  get insertId(): number | bigint {
    return this.first.insertId;
  }

  /** Warnings of the first result. */
  get warningCount(): number {
    return this.first.warningCount;
  }

  /** The info text of the first result's OK. */
  get info(): string {
    return this.first.info;
  }

  /** Status flags after the whole response (the last result's). */
  get statusFlags(): number {
    return this.results[this.results.length - 1].statusFlags;
  }

  /** The server's error, when the response is (or ends with) an ERR. */
  get error(): ErrPacket | undefined {
    return this.results[this.results.length - 1].error;
  }

  /** COM_STMT_PREPARE's answer, when this answers one. */
  get prepared(): PrepareOk | undefined {
    return this.first.prepared;
  }
}

/** Shape of a session's decoded outcome (the client's `QueryResult`, or any object with these fields). */
export interface OutcomeLike {
  readonly fields?: readonly ColumnDefinition[];
  readonly length?: number;
  readonly rowCount?: number;
  readonly affectedRows?: number | bigint;
  readonly insertId?: number | bigint;
  readonly warningCount?: number;
  readonly info?: string;
  readonly serverStatus?: number;
  readonly statusFlags?: number;
  /** Every result of a multi-result response, this one first (as the client's `QueryResult.results`). */
  readonly results?: readonly unknown[];
}

/** Shape of a server error (`MysqlError` or `ErrPacket`). */
export interface ErrorLike {
  readonly errno: number;
  readonly sqlState: string;
  readonly sqlMessage?: string;
  readonly message: string;
}

function isErrorLike(x: unknown): x is ErrorLike {
  return typeof x === "object" && x !== null && typeof (x as ErrorLike).errno === "number"
    && typeof (x as ErrorLike).sqlState === "string";
}

function isPrepareOk(x: unknown): x is PrepareOk {
  return typeof x === "object" && x !== null && typeof (x as PrepareOk).statementId === "number"
    && typeof (x as PrepareOk).paramCount === "number";
}

function errorPart(e: ErrorLike): ResultPart {
  const error: ErrPacket = { errno: e.errno, sqlState: e.sqlState, message: e.sqlMessage ?? e.message };
  return { ...EMPTY_PART, kind: "error", rawRows: undefined, error };
}

function partFromOutcome(o: OutcomeLike): ResultPart {
  const fields = o.fields ?? [];
  return {
    ...EMPTY_PART,
    kind: fields.length > 0 ? "resultset" : "ok",
    fields,
    rowCount: o.rowCount ?? (fields.length > 0 ? o.length ?? 0 : 0),
    rawRows: undefined,
    affectedRows: o.affectedRows ?? 0,
    insertId: o.insertId ?? 0,
    warningCount: o.warningCount ?? 0,
    info: o.info ?? "",
    statusFlags: o.statusFlags ?? o.serverStatus ?? 0,
  };
}

/**
 * The data for a response the session read itself and did not buffer (a streamed original that a
 * plugin observes): from its decoded outcome, its server error, or its COM_STMT_PREPARE answer.
 * Its rows are not available.
 */
export function summarizeResult(
  injection: Injection,
  outcome: OutcomeLike | ErrorLike | PrepareOk,
  timing: ResultTiming,
): QueryResultData {
  let parts: ResultPart[];
  if (isPrepareOk(outcome)) {
    parts = [{ ...EMPTY_PART, kind: "prepared", rawRows: undefined, prepared: outcome }];
  } else {
    const all = !isErrorLike(outcome) && outcome.results && outcome.results.length > 0
      ? outcome.results
      : [outcome];
    parts = all.map((o) => (isErrorLike(o) ? errorPart(o) : partFromOutcome(o as OutcomeLike)));
  }
  return new QueryResultData(injection, parts, undefined, timing);
}

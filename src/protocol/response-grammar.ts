/**
 * The grammar of a command's response: which packet may come next and what each one is, for every
 * command, with and without CLIENT_DEPRECATE_EOF. A pure state machine fed one payload at a time
 * (it keeps nothing but its state), so a client, a pipeline collector and a proxy relaying packets
 * all agree on where a response ends, without decoding rows. And the translation of a response
 * between a side with CLIENT_DEPRECATE_EOF and one without (EOF packets vs OK packets headed 0xFE),
 * or with CLIENT_SESSION_TRACK and without, which a proxy does when client and backend differ.
 *
 * Pure codec. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_prepare.html#sect_protocol_com_stmt_prepare_response
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_field_list.html
 * https://mariadb.com/kb/en/result-set-packets/
 *
 * The shapes (DEPRECATE_EOF drops every EOF written [EOF] and ends rows with an OK headed 0xFE):
 * ```
 * query      OK | ERR | LOCAL INFILE request, then (after the client's file) OK | ERR
 *            | column count, column x n, [EOF], row*, EOF | ERR      (again while MORE_RESULTS_EXISTS)
 * execute    OK | ERR | column count, column x n, [EOF], binary row*, EOF | ERR
 *            (a cursor: column count, column x n, then an EOF, under DEPRECATE_EOF an OK headed
 *            0xFE, with SERVER_STATUS_CURSOR_EXISTS ends it: the rows come by COM_STMT_FETCH)
 * fetch      binary row*, EOF | ERR
 * prepare    ERR | PREPARE_OK, param x p, [EOF], column x c, [EOF]   (no EOF after zero definitions)
 * field list ERR | column*, EOF
 * statistics the statistics string | ERR
 * status     OK | ERR            (PING, INIT_DB, PROCESS_KILL, RESET_CONNECTION, REFRESH, ...)
 * set option EOF | ERR           (under DEPRECATE_EOF an OK headed 0xFE)
 * none       nothing            (QUIT, STMT_CLOSE, STMT_SEND_LONG_DATA)
 * ```
 * A row can start with 0xFE only when its first value is 16 MiB or more, so its payload is longer
 * than 0xFFFFFF - 1 bytes; a shorter payload headed 0xFE ends the rows. Not covered: COM_CHANGE_USER
 * (an authentication exchange), COM_BINLOG_DUMP (an event stream), MySQL's optional result-set
 * metadata.
 */
import { Capability, Command, ServerStatus } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import {
  decodeColumnCount,
  decodeEof,
  decodeOk,
  encodeEof,
  encodeOk,
  isEof,
  isResultTerminator,
  okStatusFlags,
} from "./results.ts";
import { decodePrepareOk } from "./statements.ts";

/** What a packet among result rows is: a row, the terminator (EOF, or 0xFE OK), or an ERR. */
export type RowPacketKind = 0 | 1 | 2;
/** A row (`rowPacketKind`). */
export const ROW = 0;
/** The rows' terminator (`rowPacketKind`). */
export const ROWS_END = 1;
/** An ERR in place of more rows (`rowPacketKind`). */
export const ROWS_ERR = 2;

/**
 * Where result rows end, from a packet's first byte (-1 for an empty payload) and its length: the
 * one rule, used by `ResponseGrammar` and by readers that parse rows in place without pushing
 * each one (a row starts with 0xFE only when its first value is 16 MiB or more).
 */
export function rowPacketKind(first: number, length: number): RowPacketKind {
  if (first === 0xfe && length < 0xffffff) return ROWS_END;
  return first === 0xff ? ROWS_ERR : ROW;
}

/** Which grammar a command's response follows. */
export type ResponseShape =
  | "query"
  | "execute"
  | "fetch"
  | "prepare"
  | "field-list"
  | "statistics"
  | "status"
  | "set-option"
  | "none";

/** The shape of the response to a command byte. */
export function responseShapeOf(command: number): ResponseShape {
  switch (command) {
    case Command.COM_QUERY:
      return "query";
    case Command.COM_STMT_EXECUTE:
      return "execute";
    case Command.COM_STMT_FETCH:
      return "fetch";
    case Command.COM_STMT_PREPARE:
      return "prepare";
    case Command.COM_FIELD_LIST:
      return "field-list";
    case Command.COM_STATISTICS:
      return "statistics";
    case Command.COM_SET_OPTION:
      return "set-option";
    case Command.COM_QUIT:
    case Command.COM_STMT_CLOSE:
    case Command.COM_STMT_SEND_LONG_DATA:
      return "none";
    default:
      return "status";
  }
}

/** What a packet of a response is. */
export type PacketRole =
  | "ok"
  | "err"
  /** The EOF that answers COM_SET_OPTION (or its 0xFE OK under DEPRECATE_EOF). */
  | "eof"
  | "infile-request"
  | "column-count"
  | "column"
  /** The EOF after column definitions (never under DEPRECATE_EOF). */
  | "columns-eof"
  | "row"
  /** The EOF, or under DEPRECATE_EOF the OK headed 0xFE, that ends the rows (or COM_FIELD_LIST's columns). */
  | "rows-end"
  | "prepare-ok"
  | "param"
  /** The EOF after parameter definitions (never under DEPRECATE_EOF). */
  | "params-eof"
  | "statistics";

/** What one packet was, and where the response stands after it. */
export interface ResponseStep {
  readonly role: PacketRole;
  /** The response is complete: the next packet belongs to the next command. */
  readonly done: boolean;
  /** The last column or parameter definition of its list (where an EOF goes without DEPRECATE_EOF). */
  readonly lastDefinition?: boolean;
  /** The status flags, for the packets that carry them (OK, EOF, the end of rows). */
  readonly statusFlags?: number;
  /**
   * Under DEPRECATE_EOF, the last column definition of a result set: the EOF a peer without it
   * wants here goes before the next packet (`afterColumns`), which says whether a cursor opened.
   */
  readonly eofDeferred?: boolean;
  /** Under DEPRECATE_EOF, the first packet after a result set's column definitions. */
  readonly afterColumns?: boolean;
  /** The packet that opened a cursor (COM_STMT_EXECUTE): the response ends; rows come by FETCH. */
  readonly cursor?: boolean;
}

// The steps that carry nothing but their role, shared (a response makes one per column and row).
const ROW_STEP: ResponseStep = Object.freeze({ role: "row", done: false });
const FIRST_ROW_STEP: ResponseStep = Object.freeze({ role: "row", done: false, afterColumns: true });
const COLUMN_STEP: ResponseStep = Object.freeze({ role: "column", done: false });
const PARAM_STEP: ResponseStep = Object.freeze({ role: "param", done: false });
const COLUMN_COUNT_STEP: ResponseStep = Object.freeze({ role: "column-count", done: false });
const INFILE_STEP: ResponseStep = Object.freeze({ role: "infile-request", done: false });

/** `definition`'s next phase after the last parameter: columns or the end (`afterParams`). */
const AFTER_PARAMS = 0;

type Phase =
  | "first"
  | "infile-reply"
  | "columns"
  | "columns-eof"
  | "rows"
  | "params"
  | "params-eof"
  | "prepare-columns"
  | "prepare-columns-eof"
  | "field-list"
  | "done";

/** Follows one command's response, packet by packet. */
export class ResponseGrammar {
  private phase: Phase;
  private readonly shape: ResponseShape;
  private readonly capabilities: number;
  private readonly deprecateEof: boolean;
  /** Definitions left in the current list. */
  private left = 0;
  /** Column definitions to read after the parameters of a PREPARE_OK. */
  private prepareColumns = 0;
  /** Under DEPRECATE_EOF, the next packet is the first after a result set's column definitions. */
  private afterColumns = false;

  constructor(shape: ResponseShape, capabilities: number) {
    this.shape = shape;
    this.capabilities = capabilities;
    this.deprecateEof = (capabilities & Capability.DEPRECATE_EOF) !== 0;
    this.phase = shape === "none"
      ? "done"
      : shape === "fetch"
      ? "rows"
      : shape === "field-list"
      ? "field-list"
      : "first";
  }

  /**
   * True while result rows are expected: a reader may then skip `push` for the rows themselves
   * (they do not change the state) and push only what `rowPacketKind` says is not a row.
   */
  get inRows(): boolean {
    return this.phase === "rows";
  }

  /** True once the response is complete (at once for commands that get none). */
  get done(): boolean {
    return this.phase === "done";
  }

  /**
   * True after a LOCAL INFILE request: the client sends the file's contents and an empty packet
   * before the server's next packet (an OK or ERR), which `push` then takes.
   */
  get awaitingInfile(): boolean {
    return this.phase === "infile-reply";
  }

  /** Takes the next packet's payload. Throws `ProtocolError` when it cannot come here. */
  push(p: Uint8Array): ResponseStep {
    if (p.length === 0) throw new ProtocolError("malformed", "an empty packet in a response");
    switch (this.phase) {
      case "done":
        throw new ProtocolError("unexpected", "a packet after the end of the response");
      case "first":
        return this.first(p);
      case "infile-reply":
        if (p[0] === 0x00) return this.ok(p);
        if (p[0] === 0xff) return this.end("err");
        throw new ProtocolError("unexpected", "expected OK or ERR after the LOCAL INFILE data");
      case "columns": {
        const step = this.definition(p, "column", this.deprecateEof ? "rows" : "columns-eof");
        if (!step.lastDefinition || !this.deprecateEof) return step;
        this.afterColumns = true;
        return { ...step, eofDeferred: true };
      }
      case "columns-eof": {
        const eof = this.eof(p, "after column definitions");
        if (this.shape === "execute" && (eof.statusFlags & ServerStatus.CURSOR_EXISTS)) {
          return { ...this.end("columns-eof", eof.statusFlags), cursor: true };
        }
        this.phase = "rows";
        return { role: "columns-eof", done: false, statusFlags: eof.statusFlags };
      }
      case "rows": {
        const kind = rowPacketKind(p[0], p.length);
        if (this.afterColumns) return this.firstAfterColumns(p, kind);
        if (kind === ROWS_ERR) return this.end("err");
        if (kind === ROWS_END) {
          const status = this.deprecateEof
            ? okStatusFlags(p, this.capabilities)
            : decodeEof(p).statusFlags;
          return this.more("rows-end", status);
        }
        return ROW_STEP;
      }
      case "params":
        return this.definition(p, "param", this.deprecateEof ? AFTER_PARAMS : "params-eof");
      case "params-eof": {
        const eof = this.eof(p, "after parameter definitions");
        const step: ResponseStep = { role: "params-eof", done: false, statusFlags: eof.statusFlags };
        this.phase = this.afterParams();
        return this.phase === "done" ? { ...step, done: true } : step;
      }
      case "prepare-columns":
        return this.definition(p, "column", this.deprecateEof ? "done" : "prepare-columns-eof");
      case "prepare-columns-eof": {
        const eof = this.eof(p, "after column definitions");
        return this.end("columns-eof", eof.statusFlags);
      }
      case "field-list":
        if (p[0] === 0xff) return this.end("err");
        if (isResultTerminator(p)) {
          const status = this.deprecateEof
            ? okStatusFlags(p, this.capabilities)
            : decodeEof(p).statusFlags;
          return this.end("rows-end", status);
        }
        return COLUMN_STEP;
    }
  }

  private first(p: Uint8Array): ResponseStep {
    const head = p[0];
    if (head === 0xff) return this.end("err");
    switch (this.shape) {
      case "statistics":
        return this.end("statistics");
      case "set-option":
        if (head === 0x00) return this.ok(p);
        if (isResultTerminator(p)) {
          const status = this.deprecateEof
            ? okStatusFlags(p, this.capabilities)
            : decodeEof(p).statusFlags;
          return this.end("eof", status);
        }
        throw new ProtocolError("unexpected", "expected EOF or ERR after COM_SET_OPTION");
      case "status":
        if (head === 0x00) return this.ok(p);
        throw new ProtocolError("unexpected", `expected OK or ERR, got a packet headed 0x${hex(head)}`);
      case "prepare": {
        if (head !== 0x00) throw new ProtocolError("unexpected", "expected PREPARE_OK or ERR");
        const ok = decodePrepareOk(p);
        this.prepareColumns = ok.columnCount;
        this.left = ok.paramCount;
        this.phase = ok.paramCount > 0 ? "params" : this.afterParams();
        return { role: "prepare-ok", done: this.phase === "done" };
      }
    }
    // query and execute
    if (head === 0x00) return this.ok(p);
    if (head === 0xfb && this.shape === "query") {
      this.phase = "infile-reply";
      return INFILE_STEP;
    }
    if (isEof(p)) throw new ProtocolError("unexpected", "an EOF where a result was expected");
    this.left = decodeColumnCount(p);
    this.phase = "columns";
    return COLUMN_COUNT_STEP;
  }

  /**
   * Under DEPRECATE_EOF, the first packet after a result set's columns: a row, an ERR, the end of
   * the rows, or for COM_STMT_EXECUTE the OK headed 0xFE with CURSOR_EXISTS that opens a cursor.
   */
  private firstAfterColumns(p: Uint8Array, kind: RowPacketKind): ResponseStep {
    this.afterColumns = false;
    if (kind === ROW) return FIRST_ROW_STEP;
    if (kind === ROWS_ERR) return { ...this.end("err"), afterColumns: true };
    const status = okStatusFlags(p, this.capabilities);
    if (this.shape === "execute" && (status & ServerStatus.CURSOR_EXISTS)) {
      return { ...this.end("rows-end", status), afterColumns: true, cursor: true };
    }
    return { ...this.more("rows-end", status), afterColumns: true };
  }

  private afterParams(): Phase {
    if (this.prepareColumns === 0) return "done";
    this.left = this.prepareColumns;
    return "prepare-columns";
  }

  /** A definition of a list; after the last one, phase `next` (`AFTER_PARAMS`: what follows the parameters). */
  private definition(
    p: Uint8Array,
    role: "column" | "param",
    next: Phase | typeof AFTER_PARAMS,
  ): ResponseStep {
    if (p[0] === 0xff || isResultTerminator(p)) {
      throw new ProtocolError(
        "unexpected",
        `expected a ${role} definition, got a packet headed 0x${hex(p[0])}`,
      );
    }
    if (--this.left > 0) return role === "column" ? COLUMN_STEP : PARAM_STEP;
    this.phase = next === AFTER_PARAMS ? this.afterParams() : next;
    return { role, done: this.phase === "done", lastDefinition: true };
  }

  private eof(p: Uint8Array, where: string): { statusFlags: number } {
    if (!isEof(p)) throw new ProtocolError("unexpected", `expected EOF ${where}`);
    return decodeEof(p);
  }

  private ok(p: Uint8Array): ResponseStep {
    return this.more("ok", okStatusFlags(p, this.capabilities));
  }

  /** A result's end: the response goes on while MORE_RESULTS_EXISTS is set (query and execute). */
  private more(role: "ok" | "rows-end", statusFlags: number): ResponseStep {
    const again = (statusFlags & ServerStatus.MORE_RESULTS_EXISTS) !== 0
      && (this.shape === "query" || this.shape === "execute");
    if (!again) return this.end(role, statusFlags);
    this.phase = "first";
    return { role, done: false, statusFlags };
  }

  private end(role: PacketRole, statusFlags?: number): ResponseStep {
    this.phase = "done";
    return statusFlags === undefined ? { role, done: true } : { role, done: true, statusFlags };
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/**
 * Rewrites one packet of a response read under capabilities `from` for a peer that negotiated `to`,
 * as a proxy between a client and a backend with different CLIENT_DEPRECATE_EOF or
 * CLIENT_SESSION_TRACK does: gives the payloads to send instead (none, the same, or two). `step` is
 * what `ResponseGrammar` (under `from`) said of the packet. The sequence ids are the sender's to
 * renumber. An EOF the deprecating side never sent (after the last column or parameter definition)
 * gets warnings 0 and `statusFlags`, the connection's current status as the proxy tracks it; an EOF
 * turned into a 0xFE OK has no affected rows, insert id or info; a 0xFE OK turned into an EOF keeps
 * its warnings and status and drops its info and session state changes.
 */
export function translateResponsePacket(
  payload: Uint8Array,
  step: ResponseStep,
  from: number,
  to: number,
  statusFlags: number = ServerStatus.AUTOCOMMIT,
): Uint8Array[] {
  const fromDeprecate = (from & Capability.DEPRECATE_EOF) !== 0;
  const toDeprecate = (to & Capability.DEPRECATE_EOF) !== 0;
  const trackChanges = ((from ^ to) & Capability.SESSION_TRACK) !== 0;
  if (step.afterColumns && fromDeprecate && !toDeprecate) {
    // The EOF after a result set's columns, which the deprecating side did not send: a cursor's
    // 0xFE OK becomes it (with its status, CURSOR_EXISTS), else it goes before this packet.
    if (step.cursor) {
      const ok = decodeOk(payload, from);
      return [encodeEof({ warningCount: ok.warningCount, statusFlags: ok.statusFlags })];
    }
    const rest = translateResponsePacket(payload, { ...step, afterColumns: false }, from, to, statusFlags);
    return [encodeEof({ warningCount: 0, statusFlags }), ...rest];
  }
  switch (step.role) {
    case "columns-eof":
    case "params-eof":
      if (!toDeprecate) return [payload];
      // The deprecating side opens a cursor with an OK headed 0xFE in place of that EOF.
      return step.cursor ? [eofAsOk(payload, to)] : [];
    case "column":
    case "param":
      // Classic framing wants an EOF after the last definition the deprecating side did not send
      // (after a result set's columns: with the next packet, `afterColumns`).
      if (step.lastDefinition && !step.eofDeferred && fromDeprecate && !toDeprecate) {
        return [payload, encodeEof({ warningCount: 0, statusFlags })];
      }
      return [payload];
    case "rows-end":
    case "eof": {
      if (fromDeprecate === toDeprecate && !trackChanges) return [payload];
      if (fromDeprecate) {
        const ok = decodeOk(payload, from);
        return [
          toDeprecate
            ? encodeOk(ok, to, 0xfe)
            : encodeEof({ warningCount: ok.warningCount, statusFlags: ok.statusFlags }),
        ];
      }
      return [toDeprecate ? eofAsOk(payload, to) : payload];
    }
    case "ok":
      return trackChanges ? [encodeOk(decodeOk(payload, from), to)] : [payload];
    default:
      return [payload];
  }
}

/** An EOF as the OK headed 0xFE that stands for it under DEPRECATE_EOF (`to`): no rows, id or info. */
function eofAsOk(payload: Uint8Array, to: number): Uint8Array {
  const eof = decodeEof(payload);
  return encodeOk(
    { affectedRows: 0, insertId: 0, statusFlags: eof.statusFlags, warningCount: eof.warningCount, info: "" },
    to,
    0xfe,
  );
}

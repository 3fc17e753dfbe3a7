/**
 * A native result as mysql2 returns it: `[rows, fields]` for a statement with a result set,
 * `[ResultSetHeader, undefined]` for one without, and for several statements (multipleStatements,
 * CALL) a list of each of those in order.
 */
import type { ColumnDefinition } from "../../protocol/results.ts";
import type { QueryResult } from "../../session/result.ts";
import { type RowShaper, rowShaper } from "./decode.ts";
import { type Mysql2Field, toMysql2Field } from "./fields.ts";
import { nestsTables } from "./native-decoding.ts";
import { type DecodeSettings, SHAPING_SETTINGS } from "./options.ts";

/** The outcome of a statement without a result set, as mysql2 shapes it. */
export class ResultSetHeader {
  /** Always 0: the statement returned no columns. */
  fieldCount = 0;
  /** Rows matched (mysql2 connects with FOUND_ROWS) or, with `flags: "-FOUND_ROWS"`, rows changed. */
  affectedRows: number | string;
  /** The first AUTO_INCREMENT value inserted (a string beyond 2^53 with `supportBigNumbers`). */
  insertId: number | string;
  /** The server's information string ("Rows matched: 1  Changed: 1  Warnings: 0"). */
  info: string;
  /** Server status flags after the statement. */
  serverStatus: number;
  /** How many warnings the statement raised. */
  warningStatus: number;
  /** Rows an UPDATE actually changed (read from `info`, as mysql2 does). */
  changedRows: number;

  constructor(
    init: Omit<ResultSetHeader, "fieldCount">,
  ) {
    this.affectedRows = init.affectedRows;
    this.insertId = init.insertId;
    this.info = init.info;
    this.serverStatus = init.serverStatus;
    this.warningStatus = init.warningStatus;
    this.changedRows = init.changedRows;
  }
}

/** A native count (number, or bigint beyond 2^53) as mysql2 reports it. */
function count(value: number | bigint, s: DecodeSettings): number | string {
  if (typeof value === "number") return value;
  return s.supportBigNumbers ? value.toString() : Number(value);
}

/** The header of one native result without columns. */
export function toHeader(result: QueryResult<unknown>, s: DecodeSettings): ResultSetHeader {
  return new ResultSetHeader({
    affectedRows: count(result.affectedRows, s),
    insertId: count(result.insertId, s),
    info: result.info,
    serverStatus: result.serverStatus,
    warningStatus: result.warningCount,
    changedRows: result.changedRows,
  });
}

/**
 * mysql2's rows (or header) and fields of one native result (one of several, or the only one).
 * `direct`: the native client decoded the rows with `directDecoding(s)`, so they are mysql2's rows
 * already (only copied into a plain array); else they are canonical and shaped here.
 */
export function toMysql2Part(
  result: QueryResult<unknown>,
  s: DecodeSettings,
  binary = false,
  direct = false,
): [unknown, Mysql2Field[] | undefined] {
  if (result.fields.length === 0) return [toHeader(result, s), undefined];
  const shaping = shaperFor(result.fields, s, binary);
  if (direct && !nestsTables(s)) return [Array.prototype.slice.call(result), shaping.fields.slice()];
  const shape = direct ? shaping.nest : shaping.shape;
  const rows = new Array(result.length);
  for (let i = 0; i < result.length; i++) rows[i] = shape(result[i] as unknown[]);
  return [rows, shaping.fields.slice()];
}

interface Shaping {
  readonly columns: readonly ColumnDefinition[];
  readonly settings: DecodeSettings;
  readonly binary: boolean;
  /** The row shaper, built when first asked for (rows decoded directly need none). */
  readonly shape: RowShaper;
  /** The shaper that only nests rows decoded directly as arrays (`nestTables`). */
  readonly nest: RowShaper;
  readonly fields: Mysql2Field[];
}

/**
 * Shapers of recent result sets, found by their first column definition: the native client hands
 * out the same definition objects when a statement's columns come again, so a statement run
 * over and over builds its converters once.
 */
const shapings = new WeakMap<ColumnDefinition, Shaping[]>();

const settingKeys = SHAPING_SETTINGS;

function sameSettings(a: DecodeSettings, b: DecodeSettings): boolean {
  if (a === b) return true;
  for (const k of settingKeys) if (a[k] !== b[k]) return false;
  return true;
}

function sameColumns(a: readonly ColumnDefinition[], b: readonly ColumnDefinition[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The row shaper and mysql2 fields of these columns under these settings (built once, reused). */
export function shaperFor(columns: readonly ColumnDefinition[], s: DecodeSettings, binary: boolean): Shaping {
  let list = shapings.get(columns[0]);
  if (list !== undefined) {
    for (const e of list) {
      if (e.binary === binary && sameColumns(e.columns, columns) && sameSettings(e.settings, s)) return e;
    }
  }
  const copy = columns.slice();
  let shape: RowShaper | undefined;
  let nest: RowShaper | undefined;
  const made: Shaping = {
    columns: copy,
    settings: s,
    binary,
    get shape() {
      return shape ??= rowShaper(copy, s, binary);
    },
    get nest() {
      return nest ??= rowShaper(copy, s, binary, false);
    },
    fields: columns.map((c) => Object.freeze(toMysql2Field(c))),
  };
  if (list === undefined) shapings.set(columns[0], list = []);
  list.unshift(made);
  if (list.length > 4) list.pop();
  return made;
}

/** What `query()`/`execute()` give their callback (or resolve to): `[rows or header, fields]`. */
export function toMysql2Result(
  result: QueryResult<unknown>,
  s: DecodeSettings,
  binary = false,
  direct = false,
): [unknown, Mysql2Field[] | undefined | (Mysql2Field[] | undefined)[]] {
  const all = result.results ?? [result];
  if (all.length === 1) return toMysql2Part(all[0], s, binary, direct);
  const rows: unknown[] = [];
  const fields: (Mysql2Field[] | undefined)[] = [];
  for (const r of all) {
    const [x, f] = toMysql2Part(r, s, binary, direct);
    rows.push(x);
    fields.push(f);
  }
  return [rows, fields];
}

/** The shape of a query's result, as the client returns it. */
import type { ColumnDefinition } from "../protocol/results.ts";

/**
 * The rows of a result set (an array), with the statement's outcome as properties. A statement
 * that returns no rows gives an empty array with `fields` empty.
 */
export interface QueryResult<Row = Record<string, unknown>> extends Array<Row> {
  /** The column definitions (empty for a statement without a result set). */
  fields: ColumnDefinition[];
  /** Rows changed, deleted or inserted (a bigint only beyond 2^53). */
  affectedRows: number | bigint;
  /** The AUTO_INCREMENT value of the first inserted row (a bigint only beyond 2^53). */
  insertId: number | bigint;
  /**
   * Rows an UPDATE changed (read from the server's info, "Rows matched: 2  Changed: 1  Warnings: 0");
   * 0 for other statements. Unlike `affectedRows`, it does not depend on `foundRows`: with
   * `foundRows` (CLIENT_FOUND_ROWS) `affectedRows` counts the rows matched, without it the rows
   * changed, and `changedRows` is the rows changed either way.
   */
  changedRows: number;
  warningCount: number;
  /** The server's information string, e.g. "Records: 10  Duplicates: 0  Warnings: 0". */
  info: string;
  /** Server status flags (`ServerStatus`) after the statement. */
  serverStatus: number;
  /**
   * Every result the statement produced, in order, this one first: several with
   * `multipleStatements` or a `CALL` of a procedure (which ends with an extra OK result).
   */
  results: QueryResult<Row>[];
}

/** Makes a result object from rows and the statement's outcome. */
export function makeResult<Row>(
  rows: Row[],
  fields: ColumnDefinition[],
  outcome: {
    affectedRows: number | bigint;
    insertId: number | bigint;
    warningCount: number;
    info: string;
    statusFlags: number;
  },
): QueryResult<Row> {
  const result = rows as QueryResult<Row>;
  result.fields = fields;
  result.affectedRows = outcome.affectedRows;
  result.insertId = outcome.insertId;
  result.changedRows = outcome.info === "" ? 0 : changedRows(outcome.info);
  result.warningCount = outcome.warningCount;
  result.info = outcome.info;
  result.serverStatus = outcome.statusFlags;
  Object.defineProperty(result, "results", { value: [result], writable: true, enumerable: false });
  return result;
}

const changedPattern = /\bChanged:\s*(\d+)/;

/** The "Changed: N" count of an UPDATE's info string (0 when it has none). */
export function changedRows(info: string): number {
  const m = changedPattern.exec(info);
  return m === null ? 0 : Number(m[1]);
}

/**
 * The shapes Prisma's driver adapter interface (`@prisma/driver-adapter-utils`, `SqlDriverAdapter`
 * and friends) asks for, written out so this entry needs no Prisma package at run time or for its
 * types; the test checks them against Prisma's own with `satisfies`.
 */

/** How Prisma describes a parameter. */
export interface ArgType {
  readonly scalarType:
    | "string"
    | "int"
    | "bigint"
    | "float"
    | "decimal"
    | "boolean"
    | "enum"
    | "uuid"
    | "json"
    | "datetime"
    | "bytes"
    | "unknown";
  readonly dbType?: string;
  readonly arity: "scalar" | "list";
}

/** A statement Prisma wants run: `?` placeholders and their values. */
export interface SqlQuery {
  sql: string;
  args: Array<unknown>;
  argTypes: Array<ArgType>;
}

/** What a query gives Prisma: column names and types, and the rows as arrays. */
export interface SqlResultSet {
  columnTypes: Array<PrismaColumnTypeValue>;
  columnNames: Array<string>;
  rows: Array<Array<unknown>>;
  lastInsertId?: string;
}

/** Prisma's transaction isolation levels. */
export type IsolationLevel =
  | "READ UNCOMMITTED"
  | "READ COMMITTED"
  | "REPEATABLE READ"
  | "SNAPSHOT"
  | "SERIALIZABLE";

/** Prisma's column types (`ColumnTypeEnum`), the ones MySQL results use. */
export const PrismaColumnType = {
  Int32: 0,
  Int64: 1,
  Float: 2,
  Double: 3,
  Numeric: 4,
  Boolean: 5,
  Character: 6,
  Text: 7,
  Date: 8,
  Time: 9,
  DateTime: 10,
  Json: 11,
  Enum: 12,
  Bytes: 13,
  Set: 14,
  Uuid: 15,
} as const;

/** One of Prisma's column type numbers. */
export type PrismaColumnTypeValue = (typeof PrismaColumnType)[keyof typeof PrismaColumnType];

/** What runs statements: the adapter itself and each transaction. */
export interface SqlQueryable {
  readonly provider: "mysql";
  readonly adapterName: string;
  queryRaw(query: SqlQuery): Promise<SqlResultSet>;
  executeRaw(query: SqlQuery): Promise<number>;
}

/** An open transaction. */
export interface Transaction extends SqlQueryable {
  readonly options: { usePhantomQuery: boolean };
  commit(): Promise<void>;
  rollback(): Promise<void>;
  createSavepoint(name: string): Promise<void>;
  rollbackToSavepoint(name: string): Promise<void>;
  releaseSavepoint(name: string): Promise<void>;
}

/** The adapter Prisma's client runs on. */
export interface SqlDriverAdapter extends SqlQueryable {
  executeScript(script: string): Promise<void>;
  startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction>;
  getConnectionInfo(): { schemaName?: string; supportsRelationJoins: boolean };
  dispose(): Promise<void>;
}

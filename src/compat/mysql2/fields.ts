/**
 * Column definitions as mysql2 shows them (`fields` of a result: `columnType`, `characterSet`,
 * `columnLength`, ...), the type names mysql2 uses (`"LONGLONG"`, `"VAR_STRING"`, ...), and the
 * field a `typeCast(field, next)` function is given.
 */
import { ColumnType } from "../../protocol/constants.ts";
import type { ColumnDefinition } from "../../protocol/results.ts";

/** mysql2's name of each column type (as `field.type` in a typeCast). */
export const typeNames: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(
    Object.entries(ColumnType)
      .filter(([name]) =>
        !["TIMESTAMP2", "DATETIME2", "TIME2", "TYPED_ARRAY", "INVALID", "BOOL"].includes(name)
      )
      .map(([name, id]) => [id, name]),
  ),
);

/** A column of a result, as mysql2's ColumnDefinition shows it. */
export interface Mysql2Field {
  readonly catalog: string;
  readonly schema: string;
  readonly name: string;
  readonly orgName: string;
  readonly table: string;
  readonly orgTable: string;
  /** The collation id of the values (63: binary). */
  readonly characterSet: number;
  /** `"binary"` for the binary charset, else `"utf8"`. */
  readonly encoding: string;
  readonly columnLength: number;
  /** The type number (`Types`). */
  readonly columnType: number;
  /** Same as `columnType`. */
  readonly type: number;
  readonly flags: number;
  readonly decimals: number;
  /** MariaDB's extended type name (`"uuid"`, `"inet6"`, ...), when sent. */
  readonly extendedTypeName?: string;
  /** MariaDB's extended format (`"json"`), when sent. */
  readonly extendedFormat?: string;
}

/** What a `typeCast(field, next)` function is given for each value. */
export interface TypeCastField {
  /** mysql2's type name, e.g. `"LONGLONG"`, `"DATETIME"`, `"VAR_STRING"`. */
  readonly type: string;
  readonly extendedTypeName?: string;
  readonly extendedFormat?: string;
  readonly length: number;
  /** The database of the column. */
  readonly db: string;
  readonly table: string;
  readonly name: string;
  /** The value as text (null for NULL). */
  string(encoding?: string): string | null;
  /** The value as bytes (null for NULL). */
  buffer(): Uint8Array | null;
  /** Not supported by this entry (mysql2 parses WKB here): throws. */
  geometry(): never;
}

/** mysql2's per-value override: `(field, next) => value`, where `next()` is the default value. */
export type Mysql2TypeCast = (field: TypeCastField, next: () => unknown) => unknown;

/** mysql2's view of a column definition. */
export function toMysql2Field(column: ColumnDefinition): Mysql2Field {
  return {
    catalog: column.catalog,
    schema: column.schema,
    name: column.name,
    orgName: column.orgName,
    table: column.table,
    orgTable: column.orgTable,
    characterSet: column.charset,
    encoding: column.charset === 63 ? "binary" : "utf8",
    columnLength: column.length,
    columnType: column.type,
    type: column.type,
    flags: column.flags,
    decimals: column.decimals,
    ...(column.extendedType === undefined ? {} : { extendedTypeName: column.extendedType }),
    ...(column.format === undefined ? {} : { extendedFormat: column.format }),
  };
}

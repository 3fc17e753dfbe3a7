/**
 * Column names and types from information_schema, for servers that do not write them into the
 * TABLE_MAP (`binlog_row_metadata` MINIMAL or NO_LOG, MySQL 5.x, MariaDB before 10.5). Read on a
 * second connection, opened when first needed, and cached per table until a DDL statement goes by
 * in the binlog. information_schema describes the table as it is now, not as it was when the event
 * was written: a TABLE_MAP whose column count differs from it is left unnamed (`@1`, `@2`, ...)
 * rather than named wrongly.
 */
import type { ColumnInfo } from "../protocol/binlog/table-map.ts";
import { escapeValue } from "../protocol/escape.ts";
import type { Session } from "../session/session.ts";

const BINARY_TYPES = new Set(["binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"]);
const TEXT_TYPES = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);

/** The quoted values of `enum('a','b''c')` / `set(...)`. */
export function enumValues(columnType: string): string[] {
  const open = columnType.indexOf("(");
  const values: string[] = [];
  let i = open + 1;
  while (i > 0 && i < columnType.length && columnType[i] === "'") {
    let value = "";
    i++;
    for (; i < columnType.length; i++) {
      const c = columnType[i];
      if (c === "'" && columnType[i + 1] === "'") {
        value += "'";
        i++;
      } else if (c === "\\" && i + 1 < columnType.length) {
        value += columnType[++i];
      } else if (c === "'") break;
      else value += c;
    }
    values.push(value);
    i++; // the closing quote
    if (columnType[i] === ",") i++;
  }
  return values;
}

interface ColumnRow {
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  COLLATION_ID: number | string | null;
}

/** Columns of tables from information_schema, cached. */
export class SchemaCache {
  private readonly open: () => Promise<Session>;
  private session: Promise<Session> | undefined;
  private readonly cache = new Map<string, Promise<ColumnInfo[]>>();

  constructor(open: () => Promise<Session>) {
    this.open = open;
  }

  /** The columns of a table in order (empty when the table is gone). */
  columns(schema: string, table: string, refresh = false): Promise<ColumnInfo[]> {
    const key = `${schema}\0${table}`;
    let entry = refresh ? undefined : this.cache.get(key);
    if (entry === undefined) {
      entry = this.load(schema, table);
      this.cache.set(key, entry);
      entry.catch(() => this.cache.delete(key));
    }
    return entry;
  }

  /** Forgets every table (after DDL). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Closes the connection, if one was opened. */
  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s !== undefined) await s.then((session) => session.close(), () => {});
  }

  private connection(): Promise<Session> {
    if (this.session === undefined) {
      const s = this.open();
      this.session = s;
      s.catch(() => {
        if (this.session === s) this.session = undefined;
      });
    }
    return this.session.then((session) => {
      if (!session.closed) return session;
      this.session = undefined;
      return this.connection();
    });
  }

  private async load(schema: string, table: string): Promise<ColumnInfo[]> {
    const session = await this.connection();
    const q = (v: string) => escapeValue(v, { timezone: 0, noBackslashEscapes: session.noBackslashEscapes });
    const rows = await session.query(
      `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, co.ID AS COLLATION_ID
       FROM information_schema.COLUMNS c
       LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME
       WHERE c.TABLE_SCHEMA = ${q(schema)} AND c.TABLE_NAME = ${q(table)}
       ORDER BY c.ORDINAL_POSITION`,
    ) as unknown as ColumnRow[];
    const json = new Set<string>();
    if (session.info.flavor === "mariadb") {
      // MariaDB's JSON is LONGTEXT with a json_valid() check constraint
      const checks = await session.query(
        `SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
         WHERE CONSTRAINT_SCHEMA = ${q(schema)} AND TABLE_NAME = ${q(table)}`,
      ) as unknown as { CHECK_CLAUSE: string }[];
      for (const { CHECK_CLAUSE } of checks) {
        const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(CHECK_CLAUSE.trim());
        if (m !== null) json.add(m[1].replace(/``/g, "`"));
      }
    }
    return rows.map((row) => {
      const dataType = String(row.DATA_TYPE).toLowerCase();
      const columnType = String(row.COLUMN_TYPE).toLowerCase();
      let charset: number | undefined;
      if (BINARY_TYPES.has(dataType)) charset = 63;
      else if (TEXT_TYPES.has(dataType) && row.COLLATION_ID !== null) charset = Number(row.COLLATION_ID);
      const info: {
        -readonly [K in keyof ColumnInfo]: ColumnInfo[K];
      } = { name: String(row.COLUMN_NAME), unsigned: /\bunsigned\b/.test(columnType), charset };
      if (dataType === "enum") info.enumValues = enumValues(String(row.COLUMN_TYPE));
      if (dataType === "set") info.setValues = enumValues(String(row.COLUMN_TYPE));
      if (dataType === "uuid" || dataType === "inet4" || dataType === "inet6") info.extendedType = dataType;
      if (json.has(info.name) || dataType === "json") info.extendedType = "json";
      return info;
    });
  }
}

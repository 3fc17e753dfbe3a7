/**
 * TABLE_MAP_EVENT: the table id that the rows events after it refer to, the schema and table
 * names, one type byte per column, the column metadata block (type-specific: lengths, precision,
 * fractional digits), the nullable bitmap and, from MySQL 8.0.1 / MariaDB 10.5, the optional
 * metadata (`binlog_row_metadata`): signedness, charsets, column names, ENUM/SET values, geometry
 * types, primary key, visibility, vector dimensions, as (type, length, value) fields.
 *
 * Columns come out as `TableColumn`s with the real type (ENUM and SET are logged as STRING, their
 * real type in the metadata) and whatever the optional metadata says of them; `mergeColumnInfo`
 * fills in the rest from elsewhere (information_schema) without overriding what the event says.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/classmysql_1_1binlog_1_1event_1_1Table__map__event.html
 * http://kb-mirror.mariadb.com/kb/en/table_map_event (MariaDB knowledge base mirror)
 * https://mariadb.com/kb/en/table_map_event/+r/63991 (an older revision with a hex example)
 */
import { Reader, Writer } from "../bytes.ts";
import { ColumnType } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import { charsetDecoder } from "../values.ts";
import type { EventBody, TableMapEvent } from "./events.ts";

/** A column of a table as the TABLE_MAP (and, merged in, information_schema) describes it. */
export interface TableColumn {
  /** Position in the table (0-based). */
  readonly index: number;
  /** The column's name, or undefined when neither the event nor information_schema gave one. */
  readonly name: string | undefined;
  /** The real type (`ColumnType`): ENUM and SET resolved from STRING, DATE as NEWDATE. */
  readonly type: number;
  /** The type byte as logged. */
  readonly binlogType: number;
  /** Type-specific metadata as logged: one byte, or two read little-endian (0 when the type has none). */
  readonly metadata: number;
  readonly nullable: boolean;
  /** UNSIGNED (numeric columns), when known. */
  readonly unsigned?: boolean;
  /** Collation id of a character, ENUM or SET column, when known (63: binary). */
  readonly charset?: number;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
  /** Geometry subtype (0 GEOMETRY, 1 POINT, ...), when known. */
  readonly geometryType?: number;
  /** False for an INVISIBLE column, when known. */
  readonly visible?: boolean;
  /** Dimensions of a VECTOR column, when known. */
  readonly vectorDimensions?: number;
  readonly primaryKey?: boolean;
  /** A type the binlog type does not say (from information_schema): MariaDB's JSON, UUID, INET4, INET6. */
  readonly extendedType?: "json" | "uuid" | "inet4" | "inet6";
}

/** What information_schema (or a caller) knows of a column. */
export interface ColumnInfo {
  readonly name: string;
  readonly unsigned?: boolean;
  readonly charset?: number;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
  readonly extendedType?: TableColumn["extendedType"];
}

/** Optional metadata field types (`Table_map_event::Optional_metadata_field_type`). */
export const OptionalMetadata = {
  SIGNEDNESS: 1,
  DEFAULT_CHARSET: 2,
  COLUMN_CHARSET: 3,
  COLUMN_NAME: 4,
  SET_STR_VALUE: 5,
  ENUM_STR_VALUE: 6,
  GEOMETRY_TYPE: 7,
  SIMPLE_PRIMARY_KEY: 8,
  PRIMARY_KEY_WITH_PREFIX: 9,
  ENUM_AND_SET_DEFAULT_CHARSET: 10,
  ENUM_AND_SET_COLUMN_CHARSET: 11,
  COLUMN_VISIBILITY: 12,
  VECTOR_DIMENSIONALITY: 13,
} as const;

/** Bytes of metadata a logged column type has in the metadata block. */
function metadataBytes(type: number): number {
  switch (type) {
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.TINY_BLOB:
    case ColumnType.BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.GEOMETRY:
    case ColumnType.JSON:
    case ColumnType.VECTOR:
    case ColumnType.TIME2:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP2:
      // 1 byte: size (FLOAT/DOUBLE), length bytes (BLOB family, JSON, GEOMETRY, VECTOR) or fsp (temporal)
      return 1;
    case ColumnType.VARCHAR:
    case ColumnType.BIT:
    case ColumnType.NEWDECIMAL:
    case ColumnType.STRING:
    case ColumnType.VAR_STRING:
    case ColumnType.ENUM:
    case ColumnType.SET:
      // 2 bytes: max length (VARCHAR), bits/bytes (BIT), precision/scale (NEWDECIMAL), real type/length (STRING)
      return 2;
  }
  return 0;
}

/** Counted by SIGNEDNESS: the numeric columns. */
function isNumeric(type: number): boolean {
  switch (type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.LONGLONG:
    case ColumnType.NEWDECIMAL:
    case ColumnType.DECIMAL:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.YEAR:
      return true;
  }
  return false;
}

/** Counted by the charset fields: the character columns (real type); MariaDB counts GEOMETRY too. */
function isCharacter(type: number, mariadb: boolean): boolean {
  return type === ColumnType.STRING || type === ColumnType.VAR_STRING || type === ColumnType.VARCHAR
    || type === ColumnType.BLOB || (mariadb && type === ColumnType.GEOMETRY);
}

/** The real type and field length of a STRING column from its metadata (long CHAR encodes length bits in the type byte). */
export function stringMetadata(metadata: number): { realType: number; length: number } {
  const byte0 = metadata & 0xff, byte1 = metadata >> 8;
  if (byte0 === 0) return { realType: ColumnType.STRING, length: byte1 };
  if ((byte0 & 0x30) !== 0x30) {
    return { realType: byte0 | 0x30, length: byte1 | (((byte0 & 0x30) ^ 0x30) << 4) };
  }
  return { realType: byte0, length: byte1 };
}

/** The real type of a logged column. */
function realType(type: number, metadata: number): number {
  if (type === ColumnType.DATE) return ColumnType.NEWDATE;
  if (type === ColumnType.STRING) {
    const real = stringMetadata(metadata).realType;
    if (real === ColumnType.ENUM || real === ColumnType.SET) return real;
    return ColumnType.STRING;
  }
  return type;
}

/** MSB-first bits of a bitmap field, `count` of them. */
function msbBits(value: Uint8Array, count: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) {
    out.push(i >> 3 < value.length && (value[i >> 3] & (0x80 >> (i & 7))) !== 0);
  }
  return out;
}

/** Charsets per column of a kind, from a DEFAULT_CHARSET-shaped or COLUMN_CHARSET-shaped field. */
function charsets(value: Uint8Array, count: number, perColumn: boolean): number[] {
  const r = new Reader(value);
  const out: number[] = [];
  if (perColumn) {
    while (r.remaining > 0 && out.length < count) out.push(r.lenenc());
    return out;
  }
  const defaultCharset = r.lenenc();
  for (let i = 0; i < count; i++) out.push(defaultCharset);
  while (r.remaining > 0) {
    const index = r.lenenc();
    const charset = r.lenenc();
    if (index < count) out[index] = charset;
  }
  return out;
}

/** Lists of strings per ENUM or SET column: a count, then that many length-encoded strings. */
function stringLists(value: Uint8Array): Uint8Array[][] {
  const r = new Reader(value);
  const out: Uint8Array[][] = [];
  while (r.remaining > 0) {
    const n = r.lenenc();
    if (n > r.remaining) throw new ProtocolError("truncated", "TABLE_MAP ENUM/SET values truncated");
    const list: Uint8Array[] = [];
    for (let i = 0; i < n; i++) list.push(r.lenencBytes());
    out.push(list);
  }
  return out;
}

function lenencList(value: Uint8Array): number[] {
  const r = new Reader(value);
  const out: number[] = [];
  while (r.remaining > 0) out.push(r.lenenc());
  return out;
}

function decodeStrings(list: readonly Uint8Array[], charset: number | undefined): string[] {
  const decode = (charset === undefined ? undefined : charsetDecoder(charset)) ?? charsetDecoder(45)!;
  return list.map((b) => decode(b, 0, b.length));
}

/**
 * Decodes a TABLE_MAP body. `postHeaderLength` 6 means a 4-byte table id (MySQL 5.1.4 and older);
 * `mariadb` (the binlog is MariaDB's) changes which columns the charset fields count.
 */
export function decodeTableMap(
  r: Reader,
  postHeaderLength: number,
  mariadb = false,
): EventBody<TableMapEvent> {
  // 6 bytes: table id (4 in MySQL 5.1.3 and older)
  const tableId = postHeaderLength === 6 ? r.u32() : r.u48();
  r.skip(2); // 2 bytes: flags
  const schema = r.string(r.u8()); // 1 byte: schema name length, then the name
  r.skip(1); // 1 byte: its NUL
  const table = r.string(r.u8()); // 1 byte: table name length, then the name
  r.skip(1); // 1 byte: its NUL
  const count = r.lenenc(); // lenenc: column count
  if (count > r.remaining) throw new ProtocolError("truncated", `TABLE_MAP of ${count} columns truncated`);
  const types = r.bytesView(count); // 1 byte per column: type
  const metaLength = r.lenenc(); // lenenc: metadata block length
  const meta = new Reader(r.bytes, r.pos, r.pos + metaLength);
  r.skip(metaLength);
  const nullBits = r.bytesView((count + 7) >> 3); // (count + 7) / 8 bytes: nullable bitmap
  const columns: {
    -readonly [K in keyof TableColumn]: TableColumn[K];
  }[] = [];
  for (let i = 0; i < count; i++) {
    const binlogType = types[i];
    let metadata = 0;
    switch (metadataBytes(binlogType)) {
      case 1:
        metadata = meta.u8(); // 1 byte
        break;
      case 2:
        metadata = meta.u16(); // 2 bytes
        break;
    }
    if (binlogType === ColumnType.TYPED_ARRAY) {
      // the element type, then its own metadata (VARCHAR elements: 3 bytes)
      const element = meta.u8();
      const n = element === ColumnType.VARCHAR ? 3 : metadataBytes(element);
      meta.skip(n);
      metadata = element;
    }
    columns.push({
      index: i,
      name: undefined,
      type: realType(binlogType, metadata),
      binlogType,
      metadata,
      nullable: (nullBits[i >> 3] & (1 << (i & 7))) !== 0,
    });
  }
  const kinds = (f: (c: TableColumn) => boolean) => columns.filter(f);
  let primaryKey: number[] = [];
  let names: string[] | undefined;
  let enumLists: Uint8Array[][] | undefined;
  let setLists: Uint8Array[][] | undefined;
  while (r.remaining > 0) {
    const fieldType = r.u8(); // 1 byte: optional metadata field type
    const value = r.lenencBytes(); // lenenc: length, then the value
    switch (fieldType) {
      case OptionalMetadata.SIGNEDNESS: {
        const numeric = kinds((c) => isNumeric(c.type));
        msbBits(value, numeric.length).forEach((unsigned, i) => (numeric[i].unsigned = unsigned));
        break;
      }
      case OptionalMetadata.DEFAULT_CHARSET:
      case OptionalMetadata.COLUMN_CHARSET: {
        const chars = kinds((c) => isCharacter(c.type, mariadb));
        charsets(value, chars.length, fieldType === OptionalMetadata.COLUMN_CHARSET)
          .forEach((cs, i) => chars[i].type !== ColumnType.GEOMETRY && (chars[i].charset = cs));
        break;
      }
      case OptionalMetadata.ENUM_AND_SET_DEFAULT_CHARSET:
      case OptionalMetadata.ENUM_AND_SET_COLUMN_CHARSET: {
        const es = kinds((c) => c.type === ColumnType.ENUM || c.type === ColumnType.SET);
        charsets(value, es.length, fieldType === OptionalMetadata.ENUM_AND_SET_COLUMN_CHARSET)
          .forEach((cs, i) => (es[i].charset = cs));
        break;
      }
      case OptionalMetadata.COLUMN_NAME: {
        const nr = new Reader(value);
        names = [];
        while (nr.remaining > 0) names.push(nr.lenencString());
        break;
      }
      case OptionalMetadata.ENUM_STR_VALUE:
        enumLists = stringLists(value);
        break;
      case OptionalMetadata.SET_STR_VALUE:
        setLists = stringLists(value);
        break;
      case OptionalMetadata.GEOMETRY_TYPE: {
        const geo = kinds((c) => c.type === ColumnType.GEOMETRY);
        lenencList(value).forEach((t, i) => geo[i] !== undefined && (geo[i].geometryType = t));
        break;
      }
      case OptionalMetadata.SIMPLE_PRIMARY_KEY:
        primaryKey = lenencList(value);
        break;
      case OptionalMetadata.PRIMARY_KEY_WITH_PREFIX:
        primaryKey = lenencList(value).filter((_, i) => i % 2 === 0);
        break;
      case OptionalMetadata.COLUMN_VISIBILITY:
        msbBits(value, count).forEach((visible, i) => (columns[i].visible = visible));
        break;
      case OptionalMetadata.VECTOR_DIMENSIONALITY: {
        const vectors = kinds((c) => c.type === ColumnType.VECTOR);
        lenencList(value).forEach((d, i) => vectors[i] !== undefined && (vectors[i].vectorDimensions = d));
        break;
      }
        // unknown fields (from a newer server) are skipped
    }
  }
  if (names !== undefined) names.forEach((name, i) => columns[i] !== undefined && (columns[i].name = name));
  if (enumLists !== undefined) {
    kinds((c) => c.type === ColumnType.ENUM).forEach((c, i) => {
      if (enumLists![i] !== undefined) c.enumValues = decodeStrings(enumLists![i], c.charset);
    });
  }
  if (setLists !== undefined) {
    kinds((c) => c.type === ColumnType.SET).forEach((c, i) => {
      if (setLists![i] !== undefined) c.setValues = decodeStrings(setLists![i], c.charset);
    });
  }
  for (const index of primaryKey) if (columns[index] !== undefined) columns[index].primaryKey = true;
  return {
    type: "TableMap",
    tableId,
    schema,
    table,
    columns,
    primaryKey,
    hasColumnNames: names !== undefined && names.length === count,
  };
}

/** Fills what the event does not say of each column from `info` (same order, same count). */
export function mergeColumnInfo(columns: readonly TableColumn[], info: readonly ColumnInfo[]): TableColumn[] {
  return columns.map((c, i) => {
    const x = info[i];
    if (x === undefined) return c;
    return {
      ...c,
      name: c.name ?? x.name,
      unsigned: c.unsigned ?? x.unsigned,
      charset: c.charset ?? x.charset,
      enumValues: c.enumValues ?? x.enumValues,
      setValues: c.setValues ?? x.setValues,
      extendedType: c.extendedType ?? x.extendedType,
    };
  });
}

/** Encodes a TABLE_MAP body (no optional metadata unless given raw). */
export function encodeTableMap(fields: {
  tableId: number;
  schema: string;
  table: string;
  columns: readonly { binlogType: number; metadata?: number; nullable?: boolean }[];
  optionalMetadata?: Uint8Array;
}): Uint8Array {
  const enc = new TextEncoder();
  const schema = enc.encode(fields.schema), table = enc.encode(fields.table);
  const meta = new Writer(32);
  for (const c of fields.columns) {
    const n = metadataBytes(c.binlogType);
    if (n === 1) meta.u8(c.metadata ?? 0);
    else if (n === 2) meta.u16(c.metadata ?? 0);
  }
  const metaBytes = meta.finish();
  const nulls = new Uint8Array((fields.columns.length + 7) >> 3);
  fields.columns.forEach((c, i) => {
    if (c.nullable ?? true) nulls[i >> 3] |= 1 << (i & 7);
  });
  return new Writer(64)
    .u48(fields.tableId)
    .u16(1)
    .u8(schema.length).bytes(schema).u8(0)
    .u8(table.length).bytes(table).u8(0)
    .lenenc(fields.columns.length)
    .bytes(new Uint8Array(fields.columns.map((c) => c.binlogType)))
    .lenencBytes(metaBytes)
    .bytes(nulls)
    .bytes(fields.optionalMetadata ?? new Uint8Array(0))
    .finish();
}

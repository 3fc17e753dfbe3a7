/**
 * Binary-protocol result rows (Protocol::BinaryResultsetRow, the rows of a prepared statement's
 * result), as raw values: encode and decode. And row encoders from JS values for both protocols, one
 * per result set (chosen once from the column definitions, as the decoders in rows.ts are), which a
 * server or a plugin answering locally uses.
 *
 * Pure codec. Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html
 * https://mariadb.com/kb/en/resultset-row/#binary-resultset-row
 *
 * Layout (sizes in bytes):
 * ```
 * 1          header 0x00
 * (n+9)/8    NULL bitmap, offset 2: column i is NULL when bit (i + 2) is set
 * var        the non-NULL values: fixed-size ones as they are (TINY 1 ... DOUBLE 8), temporals after
 *            a 1-byte length, all others after a length-encoded length
 * ```
 */
import { binaryColumnReader, BinaryLayout } from "./binary-values.ts";
import { Reader, Writer } from "./bytes.ts";
import { encodeBinaryValue, encodeTextValue, type EncodeZone } from "./encode-values.ts";
import { ProtocolError } from "./errors.ts";
import { type ColumnDefinition, encodeTextRow } from "./results.ts";
import { defaultValueOptions } from "./values.ts";

/** A binary-protocol row as raw values: each the value's bytes (without its length), or null for NULL. */
export type RawBinaryRow = (Uint8Array | null)[];

/** How each column's value is delimited in a binary row: its layout and, for fixed ones, size. */
function layouts(columns: readonly ColumnDefinition[]): { layout: number; size: number }[] {
  return columns.map((c) => {
    const r = binaryColumnReader(c, defaultValueOptions);
    return { layout: r.layout, size: r.size };
  });
}

/** Byte length of a binary row's NULL bitmap for `columnCount` columns (offset 2). */
export function binaryNullBitmapLength(columnCount: number): number {
  return (columnCount + 9) >> 3;
}

/**
 * Encodes a binary row from raw values (see `RawBinaryRow`). A fixed-size value of the wrong length,
 * or a temporal value longer than 255 bytes, is a RangeError.
 */
export function encodeBinaryRow(
  columns: readonly ColumnDefinition[],
  values: readonly (Uint8Array | null)[],
): Uint8Array {
  if (values.length !== columns.length) {
    throw new RangeError(`a binary row of ${columns.length} columns cannot hold ${values.length} values`);
  }
  return binaryRowWriter(layouts(columns))(values);
}

function binaryRowWriter(shape: readonly { layout: number; size: number }[]) {
  const n = shape.length;
  const bitmapLength = binaryNullBitmapLength(n);
  return (values: readonly (Uint8Array | null)[]): Uint8Array => {
    let size = 1 + bitmapLength;
    for (const v of values) if (v !== null) size += v.length + 9;
    const w = new Writer(size).u8(0x00);
    const bitmap = new Uint8Array(bitmapLength);
    for (let i = 0; i < n; i++) {
      if (values[i] === null) bitmap[(i + 2) >> 3] |= 1 << ((i + 2) & 7);
    }
    w.bytes(bitmap);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null) continue;
      const { layout, size: fixed } = shape[i];
      if (layout === BinaryLayout.FIXED) {
        if (v.length !== fixed) throw new RangeError(`column ${i} takes ${fixed} bytes, got ${v.length}`);
        w.bytes(v);
      } else if (layout === BinaryLayout.LENGTH_BYTE) {
        if (v.length > 255) throw new RangeError(`column ${i}'s value is longer than 255 bytes`);
        w.u8(v.length).bytes(v);
      } else w.lenencBytes(v);
    }
    return w.finish();
  };
}

/** Decodes a binary row into raw values (views into the packet), the reverse of `encodeBinaryRow`. */
export function decodeBinaryRow(payload: Uint8Array, columns: readonly ColumnDefinition[]): RawBinaryRow {
  const n = columns.length;
  const shape = layouts(columns);
  const r = new Reader(payload);
  if (r.u8() !== 0x00) throw new ProtocolError("malformed", "binary row without its 0x00 header");
  const bitmap = r.bytesView(binaryNullBitmapLength(n));
  const out: RawBinaryRow = new Array(n);
  for (let i = 0; i < n; i++) {
    if (bitmap[(i + 2) >> 3] & (1 << ((i + 2) & 7))) {
      out[i] = null;
      continue;
    }
    const { layout, size } = shape[i];
    out[i] = layout === BinaryLayout.FIXED
      ? r.bytesView(size)
      : layout === BinaryLayout.LENGTH_BYTE
      ? r.bytesView(r.u8())
      : r.lenencBytes();
  }
  if (r.remaining !== 0) {
    throw new ProtocolError("malformed", `binary row has ${r.remaining} bytes after its ${n} values`);
  }
  return out;
}

/** A row given as an array of JS values (in column order) to a row packet's payload. */
export type RowEncoder = (values: readonly unknown[]) => Uint8Array;

function checkWidth(values: readonly unknown[], n: number): void {
  if (!Array.isArray(values) || values.length !== n) {
    throw new TypeError(
      `a row of ${n} columns needs ${n} values, got ${Array.isArray(values) ? values.length : "no array"}`,
    );
  }
}

/** The text-row encoder for a result set's columns (values as `encodeTextValue` takes them). */
export function textRowEncoder(columns: readonly ColumnDefinition[], zone: EncodeZone): RowEncoder {
  const n = columns.length;
  return (values) => {
    checkWidth(values, n);
    return encodeTextRow(columns.map((c, i) => encodeTextValue(values[i], c, zone, `column "${c.name}"`)));
  };
}

/** The binary-row encoder for a result set's columns (values as `encodeBinaryValue` takes them). */
export function binaryRowEncoder(columns: readonly ColumnDefinition[], zone: EncodeZone): RowEncoder {
  const n = columns.length;
  const write = binaryRowWriter(layouts(columns));
  return (values) => {
    checkWidth(values, n);
    return write(columns.map((c, i) => encodeBinaryValue(values[i], c, zone, `column "${c.name}"`)));
  };
}

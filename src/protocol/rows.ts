/**
 * Row parsers for text-protocol result sets. A parser is built once per result set from the column
 * definitions: an array of value decoders, one per column, so decoding a row is a loop with no
 * per-value type dispatch (and no eval: Cloudflare Workers forbid it).
 */
import { ProtocolError } from "./errors.ts";
import type { ColumnDefinition } from "./results.ts";
import { textDecoder, type TextValueDecoder, type ValueOptions } from "./values.ts";

/** A function from a row packet's payload to a row (an object keyed by column name, or an array). */
export type RowParser = (payload: Uint8Array) => unknown;

function truncated(index: number, name: string): ProtocolError {
  return new ProtocolError("truncated", `text row truncated in column ${index} (${name})`);
}

/**
 * Builds the parser for text rows of a result set. Rows are objects keyed by column name (a later
 * column with the same name wins, as in other drivers), or arrays with `rowsAsArray`. A row whose
 * values do not exactly fill its packet is a `ProtocolError`, never a wrong row.
 */
export function textRowParser(
  columns: readonly ColumnDefinition[],
  options: ValueOptions,
  rowsAsArray: boolean,
): RowParser {
  const n = columns.length;
  const decoders: TextValueDecoder[] = columns.map((c) => textDecoder(c, options));
  const names = columns.map((c) => c.name);
  const unsafeName = names.includes("__proto__");
  return (p: Uint8Array) => {
    const end = p.length;
    const row: Record<string, unknown> | unknown[] = rowsAsArray ? new Array(n) : {};
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= end) throw truncated(i, names[i]);
      let len = p[pos++];
      let value: unknown = null;
      if (len !== 0xfb) {
        if (len >= 0xfc) {
          if (len === 0xfc) {
            if (pos + 2 > end) throw truncated(i, names[i]);
            len = p[pos] | (p[pos + 1] << 8);
            pos += 2;
          } else if (len === 0xfd) {
            if (pos + 3 > end) throw truncated(i, names[i]);
            len = p[pos] | (p[pos + 1] << 8) | (p[pos + 2] << 16);
            pos += 3;
          } else if (len === 0xfe) {
            if (pos + 8 > end) throw truncated(i, names[i]);
            len = p[pos] + p[pos + 1] * 0x100 + p[pos + 2] * 0x10000 + p[pos + 3] * 0x1000000
              + p[pos + 4] * 0x100000000;
            if (p[pos + 5] !== 0 || p[pos + 6] !== 0 || p[pos + 7] !== 0) throw truncated(i, names[i]);
            pos += 8;
          } else throw new ProtocolError("malformed", `invalid value length prefix 0xff in column ${i}`);
        }
        if (pos + len > end) throw truncated(i, names[i]);
        value = decoders[i](p, pos, pos + len);
        pos += len;
      }
      if (rowsAsArray) (row as unknown[])[i] = value;
      else if (unsafeName && names[i] === "__proto__") {
        Object.defineProperty(row, "__proto__", {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else (row as Record<string, unknown>)[names[i]] = value;
    }
    if (pos !== end) {
      throw new ProtocolError("malformed", `text row has ${end - pos} bytes after its ${n} values`);
    }
    return row;
  };
}

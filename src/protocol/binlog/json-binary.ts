/**
 * MySQL's binary JSON format (`json_binary.h`), as JSON columns store it in rows events, to JS
 * values: the value `JSON.parse` gives for the text the server prints for the same document, which
 * is what the client returns for a JSON column. Objects and arrays come in a small form (16-bit
 * counts and offsets) and a large one (32-bit); offsets count from the start of their container;
 * small scalars are inlined in the value entry. Opaque values (a column type and its bytes) become
 * what MySQL prints for them: DECIMAL a number, DATE/DATETIME/TIMESTAMP/TIME their text with six
 * fractional digits, anything else `"base64:typeN:..."`.
 *
 * `jsonText` writes a value back as MySQL prints JSON (`{"a": 1, "b": [true, null]}`), for the
 * `jsonParse: false` option.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/json__binary_8h.html
 */
import { utf8 } from "../bytes.ts";
import { ColumnType } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import { decodeDecimalBinary } from "./decimal.ts";
import { dateTimeFromPacked, formatDate, formatDateTime, formatTime, timeFromPacked } from "./temporal.ts";

const JsonType = {
  SMALL_OBJECT: 0x00,
  LARGE_OBJECT: 0x01,
  SMALL_ARRAY: 0x02,
  LARGE_ARRAY: 0x03,
  LITERAL: 0x04,
  INT16: 0x05,
  UINT16: 0x06,
  INT32: 0x07,
  UINT32: 0x08,
  INT64: 0x09,
  UINT64: 0x0a,
  DOUBLE: 0x0b,
  STRING: 0x0c,
  OPAQUE: 0x0f,
} as const;

/** Deeper than MySQL allows (100): refuse rather than recurse without bound on hostile bytes. */
const MAX_DEPTH = 150;

function truncated(what: string): ProtocolError {
  return new ProtocolError("truncated", `binary JSON truncated: ${what} runs past the end of the value`);
}

/** Reads binary JSON from bytes [start, end) of one document. */
class JsonReader {
  readonly b: Uint8Array;
  readonly end: number;
  private view: DataView | undefined;

  constructor(b: Uint8Array, end: number) {
    this.b = b;
    this.end = end;
  }

  check(p: number, n: number, what: string): void {
    if (p < 0 || p + n > this.end) throw truncated(what);
  }

  u16(p: number): number {
    this.check(p, 2, "an integer");
    return this.b[p] | (this.b[p + 1] << 8);
  }

  u32(p: number): number {
    this.check(p, 4, "an integer");
    const b = this.b;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  }

  dataView(): DataView {
    return this.view ??= new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
  }

  /** A variable-length length (7 bits per byte, low groups first): [value, bytes used]. */
  varLength(p: number): [number, number] {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      this.check(p + i, 1, "a length");
      const byte = this.b[p + i];
      v += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return [v, i + 1];
    }
    throw new ProtocolError("malformed", "binary JSON length longer than 5 bytes");
  }

  /** The value of type `type` whose data starts at `p`. */
  value(type: number, p: number, depth: number): unknown {
    switch (type) {
      case JsonType.SMALL_OBJECT:
        return this.object(p, false, depth);
      case JsonType.LARGE_OBJECT:
        return this.object(p, true, depth);
      case JsonType.SMALL_ARRAY:
        return this.array(p, false, depth);
      case JsonType.LARGE_ARRAY:
        return this.array(p, true, depth);
      case JsonType.LITERAL:
        this.check(p, 1, "a literal");
        return this.literal(this.b[p]); // 1 byte: 0 null, 1 true, 2 false
      case JsonType.INT16:
        return (this.u16(p) << 16) >> 16; // 2 bytes
      case JsonType.UINT16:
        return this.u16(p); // 2 bytes
      case JsonType.INT32:
        return this.u32(p) | 0; // 4 bytes
      case JsonType.UINT32:
        return this.u32(p); // 4 bytes
      case JsonType.INT64:
        this.check(p, 8, "an integer");
        return Number(this.dataView().getBigInt64(p, true)); // 8 bytes
      case JsonType.UINT64:
        this.check(p, 8, "an integer");
        return Number(this.dataView().getBigUint64(p, true)); // 8 bytes
      case JsonType.DOUBLE:
        this.check(p, 8, "a double");
        return this.dataView().getFloat64(p, true); // 8 bytes: IEEE 754
      case JsonType.STRING: {
        const [length, n] = this.varLength(p);
        this.check(p + n, length, "a string"); // 1-5 bytes: length, 7 bits a byte
        return utf8(this.b, p + n, p + n + length);
      }
      case JsonType.OPAQUE: {
        this.check(p, 1, "an opaque value");
        const columnType = this.b[p];
        const [length, n] = this.varLength(p + 1); // 1 byte: column type
        const start = p + 1 + n; // 1-5 bytes: length, then the bytes
        this.check(start, length, "an opaque value");
        return opaqueValue(this, columnType, start, length);
      }
    }
    throw new ProtocolError("malformed", `binary JSON value of unknown type 0x${type.toString(16)}`);
  }

  literal(code: number): null | boolean {
    if (code === 0) return null;
    if (code === 1) return true;
    if (code === 2) return false;
    throw new ProtocolError("malformed", `binary JSON literal of unknown value ${code}`);
  }

  /** The value of the entry at `entry` in a container starting at `base`: inlined or at an offset. */
  entry(base: number, entry: number, large: boolean, depth: number): unknown {
    this.check(entry, 1, "a value entry");
    const type = this.b[entry]; // 1 byte: value type
    // value entry: 1 byte type, then 2 (small) or 4 (large) bytes: the inlined value or an offset
    const at = entry + 1;
    switch (type) {
      case JsonType.LITERAL:
        return this.literal(large ? this.u32(at) : this.u16(at));
      case JsonType.INT16:
        return (this.u16(at) << 16) >> 16;
      case JsonType.UINT16:
        return this.u16(at);
      case JsonType.INT32:
        if (large) return this.u32(at) | 0;
        break;
      case JsonType.UINT32:
        if (large) return this.u32(at);
        break;
    }
    const offset = large ? this.u32(at) : this.u16(at); // 2 or 4 bytes: offset of the value from the container start
    return this.value(type, base + offset, depth + 1);
  }

  object(base: number, large: boolean, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw new ProtocolError("malformed", "binary JSON nested too deeply");
    const w = large ? 4 : 2;
    const count = large ? this.u32(base) : this.u16(base); // 2 or 4 bytes: element count (then 2 or 4 bytes: container size in bytes)
    const keyEntry = w + 2; // offset, 16-bit length
    const valueEntry = 1 + w;
    const keysAt = base + 2 * w;
    const valuesAt = keysAt + count * keyEntry;
    this.check(keysAt, count * (keyEntry + valueEntry), "an object's entries");
    const out: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const k = keysAt + i * keyEntry;
      const keyOffset = large ? this.u32(k) : this.u16(k); // 2 or 4 bytes: key offset
      const keyLength = this.u16(k + w); // 2 bytes: key length
      this.check(base + keyOffset, keyLength, "a key");
      const key = utf8(this.b, base + keyOffset, base + keyOffset + keyLength);
      const value = this.entry(base, valuesAt + i * valueEntry, large, depth);
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else out[key] = value;
    }
    return out;
  }

  array(base: number, large: boolean, depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw new ProtocolError("malformed", "binary JSON nested too deeply");
    const w = large ? 4 : 2;
    const count = large ? this.u32(base) : this.u16(base); // 2 or 4 bytes: element count (then 2 or 4 bytes: container size in bytes)
    const valueEntry = 1 + w;
    const valuesAt = base + 2 * w;
    this.check(valuesAt, count * valueEntry, "an array's entries");
    const out = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.entry(base, valuesAt + i * valueEntry, large, depth);
    return out;
  }
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding. */
function base64(b: Uint8Array, start: number, end: number): string {
  let out = "";
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63] + BASE64[(n >> 6) & 63] + BASE64[n & 63];
  }
  if (i + 1 === end) {
    const n = b[i] << 16;
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63] + "==";
  } else if (i + 2 === end) {
    const n = (b[i] << 16) | (b[i + 1] << 8);
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63] + BASE64[(n >> 6) & 63] + "=";
  }
  return out;
}

/** What MySQL prints for an opaque value of column type `type` (bytes [start, start + length)). */
function opaqueValue(r: JsonReader, type: number, start: number, length: number): unknown {
  const b = r.b;
  switch (type) {
    case ColumnType.NEWDECIMAL:
      if (length >= 2) {
        return Number(decodeDecimalBinary(b.subarray(0, start + length), start + 2, b[start], b[start + 1]));
      }
      break;
    case ColumnType.DATE:
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIME: {
      if (length < 8) break;
      const packed = r.dataView().getBigInt64(start, true);
      if (type === ColumnType.TIME) {
        const [negative, h, m, s, us] = timeFromPacked(packed);
        return formatTime(negative, h, m, s, us, 6);
      }
      const [y, mo, d, h, mi, s, us] = dateTimeFromPacked(packed);
      return type === ColumnType.DATE ? formatDate(y, mo, d) : formatDateTime(y, mo, d, h, mi, s, us, 6);
    }
  }
  return `base64:type${type}:${base64(b, start, start + length)}`;
}

/**
 * Decodes the binary JSON document in bytes [start, end) to a JS value. An empty document is
 * `null` (what MySQL writes for a JSON NULL inside a row).
 */
export function decodeJsonBinary(bytes: Uint8Array, start: number, end: number): unknown {
  if (end <= start) return null;
  if (end > bytes.length) throw truncated("the document");
  return new JsonReader(bytes, end).value(bytes[start], start + 1, 0);
}

/** A JS value (as decoded from binary JSON) in MySQL's JSON text format. */
export function jsonText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "string":
      return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(jsonText).join(", ") + "]";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    parts.push(JSON.stringify(k) + ": " + jsonText(v));
  }
  return "{" + parts.join(", ") + "}";
}

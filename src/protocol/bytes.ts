/**
 * Reader and Writer over Uint8Array: fixed-width little-endian integers, length-encoded integers
 * and strings, NUL-terminated strings. Pure: no I/O. Every read is bounds-checked and throws
 * `ProtocolError("truncated")` instead of reading past the end.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.4/page_protocol_basic_dt_integers.html
 * https://mariadb.com/kb/en/protocol-data-types
 */
import { ProtocolError } from "./errors.ts";

const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Decodes UTF-8 bytes to a string (invalid sequences become U+FFFD). */
export function utf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // Short ASCII strings are faster to build by hand than through TextDecoder.
  if (end - start < 24) {
    let out = "";
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c > 0x7f) return utf8Decoder.decode(bytes.subarray(start, end));
      out += String.fromCharCode(c);
    }
    return out;
  }
  return utf8Decoder.decode(bytes.subarray(start, end));
}

/** Encodes a string as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** True when both arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** XORs `a` with `b` (repeating `b` when shorter) into a new array. */
export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i % b.length];
  return out;
}

/** Lower-case hexadecimal of some bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Bytes of a hexadecimal string (even length, no prefix). */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) throw new TypeError(`not a hex string: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Reads protocol fields from a byte array, front to back. */
export class Reader {
  readonly bytes: Uint8Array;
  /** Index of the next unread byte. */
  pos: number;
  readonly end: number;
  private view: DataView | undefined;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws `ProtocolError("truncated")` unless `n` more bytes are available. */
  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new ProtocolError(
        "truncated",
        `packet truncated: needed ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`,
      );
    }
  }

  private dataView(): DataView {
    return this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** The next byte without consuming it. */
  peek(): number {
    this.need(1);
    return this.bytes[this.pos];
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** 1-byte unsigned integer. */
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  /** 2-byte little-endian unsigned integer. */
  u16(): number {
    this.need(2);
    const b = this.bytes, p = this.pos;
    this.pos += 2;
    return b[p] | (b[p + 1] << 8);
  }

  /** 3-byte little-endian unsigned integer. */
  u24(): number {
    this.need(3);
    const b = this.bytes, p = this.pos;
    this.pos += 3;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
  }

  /** 4-byte little-endian unsigned integer. */
  u32(): number {
    this.need(4);
    const b = this.bytes, p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  }

  /** 6-byte little-endian unsigned integer. */
  u48(): number {
    const low = this.u32();
    return low + this.u16() * 0x100000000;
  }

  /** 8-byte little-endian unsigned integer as a bigint. */
  u64(): bigint {
    this.need(8);
    const v = this.dataView().getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** 8-byte little-endian unsigned integer as a number when it is safe, else a bigint. */
  u64Number(): number | bigint {
    this.need(8);
    const low = this.u32();
    const high = this.u32();
    if (high < 0x200000) return high * 0x100000000 + low;
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** Signed integers of 1, 2, 3, 4 bytes. */
  i8(): number {
    return (this.u8() << 24) >> 24;
  }
  /** 2-byte signed. */
  i16(): number {
    return (this.u16() << 16) >> 16;
  }
  /** 3-byte signed. */
  i24(): number {
    return (this.u24() << 8) >> 8;
  }
  /** 4-byte signed. */
  i32(): number {
    return this.u32() | 0;
  }
  /** 8-byte signed as a bigint. */
  i64(): bigint {
    this.need(8);
    const v = this.dataView().getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** 4-byte IEEE float. */
  f32(): number {
    this.need(4);
    const v = this.dataView().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** 8-byte IEEE double. */
  f64(): number {
    this.need(8);
    const v = this.dataView().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * Length-encoded integer. Returns `null` for the 0xFB marker (NULL in a text row).
   * Values beyond 2^53 are refused: every length on the wire fits in a safe integer.
   */
  lenencOrNull(): number | null {
    const first = this.u8();
    if (first < 0xfb) return first; // < 0xFB: the value itself (1 byte)
    if (first === 0xfb) return null; // 0xFB: NULL
    if (first === 0xfc) return this.u16(); // 0xFC + 2 bytes
    if (first === 0xfd) return this.u24(); // 0xFD + 3 bytes
    if (first === 0xfe) { // 0xFE + 8 bytes
      const low = this.u32();
      const high = this.u32();
      if (high >= 0x200000) throw new ProtocolError("oversized", "length-encoded integer beyond 2^53");
      return high * 0x100000000 + low;
    }
    throw new ProtocolError("malformed", "invalid length-encoded integer prefix 0xff");
  }

  /** Length-encoded integer; the NULL marker is a protocol error here. */
  lenenc(): number {
    const v = this.lenencOrNull();
    if (v === null) throw new ProtocolError("malformed", "unexpected NULL length-encoded integer");
    return v;
  }

  /** Length-encoded integer of any size (affected rows, insert id): number when safe, else bigint. */
  lenencBig(): number | bigint {
    const first = this.peek();
    if (first === 0xfe) {
      this.pos++;
      return this.u64Number();
    }
    return this.lenenc();
  }

  /** `n` bytes as a view into the packet (no copy). */
  bytesView(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `n` bytes as a copy. */
  bytesCopy(n: number): Uint8Array {
    return this.bytesView(n).slice();
  }

  /** The rest of the packet as a view. */
  restView(): Uint8Array {
    return this.bytesView(this.end - this.pos);
  }

  /** A fixed-length UTF-8 string. */
  string(n: number): string {
    this.need(n);
    const s = utf8(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A length-encoded UTF-8 string. */
  lenencString(): string {
    return this.string(this.lenenc());
  }

  /** Length-encoded bytes, as a view. */
  lenencBytes(): Uint8Array {
    return this.bytesView(this.lenenc());
  }

  /** Bytes up to (not including) the next NUL, which is consumed. Without a NUL: truncated. */
  nulBytes(): Uint8Array {
    const at = this.bytes.indexOf(0, this.pos);
    if (at < 0 || at >= this.end) {
      throw new ProtocolError("truncated", `NUL-terminated string not terminated at offset ${this.pos}`);
    }
    const v = this.bytes.subarray(this.pos, at);
    this.pos = at + 1;
    return v;
  }

  /** A NUL-terminated UTF-8 string. */
  nulString(): string {
    const v = this.nulBytes();
    return utf8(v);
  }

  /** The rest of the packet as a UTF-8 string. */
  restString(): string {
    return this.string(this.end - this.pos);
  }
}

/** Builds protocol fields into a growing byte array. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  /** Number of bytes written. */
  length = 0;

  constructor(initialSize = 64) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** 1-byte integer. */
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }
  /** 2-byte little-endian integer. */
  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v & 0xffff, true);
    this.length += 2;
    return this;
  }
  /** 3-byte little-endian integer. */
  u24(v: number): this {
    this.ensure(3);
    const b = this.buf, p = this.length;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    this.length += 3;
    return this;
  }
  /** 4-byte little-endian integer. */
  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }
  /** 6-byte little-endian integer. */
  u48(v: number): this {
    this.u32(v % 0x100000000);
    return this.u16(Math.floor(v / 0x100000000));
  }
  /** 8-byte little-endian integer. */
  u64(v: bigint | number): this {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, BigInt(v)), true);
    this.length += 8;
    return this;
  }
  /** 8-byte signed integer. */
  i64(v: bigint | number): this {
    this.ensure(8);
    this.view.setBigInt64(this.length, BigInt.asIntN(64, BigInt(v)), true);
    this.length += 8;
    return this;
  }
  /** 4-byte float. */
  f32(v: number): this {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
    return this;
  }
  /** 8-byte double. */
  f64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
    return this;
  }
  /** Length-encoded integer. */
  lenenc(v: number | bigint): this {
    if (typeof v === "bigint") {
      if (v < 0n) throw new RangeError("length-encoded integer must not be negative");
      if (v >= 0x1000000n) return this.u8(0xfe).u64(v);
      v = Number(v);
    }
    if (v < 0 || !Number.isInteger(v)) throw new RangeError(`invalid length-encoded integer ${v}`);
    if (v < 0xfb) return this.u8(v); // 1 byte
    if (v < 0x10000) return this.u8(0xfc).u16(v); // 0xFC + 2 bytes
    if (v < 0x1000000) return this.u8(0xfd).u24(v); // 0xFD + 3 bytes
    return this.u8(0xfe).u64(v); // 0xFE + 8 bytes
  }
  /** Raw bytes. */
  bytes(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.length);
    this.length += v.length;
    return this;
  }
  /** `n` zero bytes. */
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }
  /** A UTF-8 string without length or terminator. */
  string(v: string): this {
    return this.bytes(encodeUtf8(v));
  }
  /** A NUL-terminated UTF-8 string. */
  nulString(v: string): this {
    return this.string(v).u8(0);
  }
  /** Length-encoded bytes. */
  lenencBytes(v: Uint8Array): this {
    return this.lenenc(v.length).bytes(v);
  }
  /** A length-encoded UTF-8 string. */
  lenencString(v: string): this {
    return this.lenencBytes(encodeUtf8(v));
  }
  /** The bytes written so far (a copy of exactly `length` bytes). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

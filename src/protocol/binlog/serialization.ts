/**
 * The variable-length integers of MySQL's serialization library (libs/mysql/serialization), used
 * by GTID_TAGGED_LOG_EVENT and the tagged form of GTID sets: the number of trailing one bits of the
 * first byte, plus one, is the byte count; the value is the little-endian bytes shifted right by
 * that count; a first byte of 0xFF is followed by the 8 bytes of the value as they are. Signed
 * values are zigzag-coded (sign in the lowest bit).
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/variable__length__integers_8h.html
 */
import type { Reader, Writer } from "../bytes.ts";

/** Reads an unsigned variable-length integer. */
export function readVarlenUint(r: Reader): bigint {
  const first = r.peek();
  if (first === 0xff) { // 0xFF: 1 byte marker, then 8 bytes: the value
    r.skip(1);
    return r.u64();
  }
  let count = 1;
  while ((first >> (count - 1)) & 1) count++;
  // count bytes, little-endian: the value shifted left by count, low count-1 bits set
  const bytes = r.bytesView(count);
  let v = 0n;
  for (let i = count - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v >> BigInt(count);
}

/** Reads a signed (zigzag) variable-length integer. */
export function readVarlenInt(r: Reader): bigint {
  const u = readVarlenUint(r);
  return u & 1n ? -(u >> 1n) - 1n : u >> 1n;
}

/** Writes an unsigned variable-length integer. */
export function writeVarlenUint(w: Writer, value: bigint): void {
  let bits = 0;
  for (let v = value; v > 0n; v >>= 1n) bits++;
  const count = bits <= 7 * 8 ? Math.max(1, Math.ceil(bits / 7)) : 9;
  if (count > 8) { // 1 byte 0xFF, 8 bytes value
    w.u8(0xff).u64(value);
    return;
  }
  const encoded = (value << BigInt(count)) | ((1n << BigInt(count - 1)) - 1n);
  for (let i = 0; i < count; i++) w.u8(Number((encoded >> BigInt(8 * i)) & 0xffn));
}

/** Writes a signed (zigzag) variable-length integer. */
export function writeVarlenInt(w: Writer, value: bigint): void {
  writeVarlenUint(w, value >= 0n ? value << 1n : ((-(value + 1n)) << 1n) | 1n);
}

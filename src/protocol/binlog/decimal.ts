/**
 * DECIMAL in its binary form (NEWDECIMAL, as rows events and JSON opaque values store it, MySQL's
 * `decimal2bin`): groups of nine digits in four big-endian bytes, shorter leading and trailing
 * groups in fewer bytes, the sign in the top bit of the first byte (set for positive numbers;
 * negative numbers have every byte inverted). Decoded to the text MySQL prints: exactly `scale`
 * fractional digits, no leading zeros ("3.30", "-0.50", "12").
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/my__decimal_8h_source.html
 * https://dev.mysql.com/doc/refman/8.0/en/precision-math-decimal-characteristics.html (storage format)
 */
import { ProtocolError } from "../errors.ts";

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** Bytes of a DECIMAL(precision, scale) in binary form. */
export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  return Math.floor(intg / 9) * 4 + DIG2BYTES[intg % 9] + Math.floor(scale / 9) * 4 + DIG2BYTES[scale % 9];
}

/** Decodes a binary DECIMAL(precision, scale) at `start` to its text. */
export function decodeDecimalBinary(
  bytes: Uint8Array,
  start: number,
  precision: number,
  scale: number,
): string {
  if (precision < 1 || precision > 65 || scale < 0 || scale > 30 || scale > precision) {
    throw new ProtocolError("malformed", `invalid DECIMAL(${precision},${scale}) metadata`);
  }
  const size = decimalBinarySize(precision, scale);
  if (start + size > bytes.length) {
    throw new ProtocolError(
      "truncated",
      `DECIMAL(${precision},${scale}) needs ${size} bytes at offset ${start}`,
    );
  }
  const negative = (bytes[start] & 0x80) === 0;
  // negative numbers have every byte inverted; the sign bit of the first byte is flipped
  const mask = negative ? 0xff : 0;
  let p = start;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, p++) v = v * 256 + ((bytes[p] ^ mask ^ (p === start ? 0x80 : 0)) & 0xff);
    return v;
  };
  const intg = precision - scale;
  let int = "";
  const lead = intg % 9;
  if (lead > 0) {
    const v = read(DIG2BYTES[lead]);
    if (v !== 0) int = String(v);
  }
  for (let i = Math.floor(intg / 9); i > 0; i--) {
    const v = read(4);
    int = int === "" ? (v === 0 ? "" : String(v)) : int + String(v).padStart(9, "0");
  }
  let frac = "";
  for (let i = Math.floor(scale / 9); i > 0; i--) frac += String(read(4)).padStart(9, "0");
  const tail = scale % 9;
  if (tail > 0) frac += String(read(DIG2BYTES[tail])).padStart(tail, "0");
  const text = (int === "" ? "0" : int) + (scale > 0 ? "." + frac : "");
  return negative && /[1-9]/.test(text) ? "-" + text : text;
}

/** Encodes DECIMAL text ("-12.50") as DECIMAL(precision, scale) in binary form. */
export function encodeDecimalBinary(text: string, precision: number, scale: number): Uint8Array {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (m === null) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  const negative = m[1] === "-";
  const intg = precision - scale;
  const int = (m[2] ?? "").replace(/^0+/, "");
  if (int.length > intg) throw new RangeError(`${text} does not fit DECIMAL(${precision},${scale})`);
  const intDigits = int.padStart(intg, "0");
  const fracDigits = (m[3] ?? "").padEnd(scale, "0").slice(0, scale);
  const out = new Uint8Array(decimalBinarySize(precision, scale));
  let p = 0;
  const write = (digits: string, bytes: number) => {
    let v = Number(digits || "0");
    for (let i = bytes - 1; i >= 0; i--) {
      out[p + i] = v % 256;
      v = Math.floor(v / 256);
    }
    p += bytes;
  };
  const lead = intg % 9;
  if (lead > 0) write(intDigits.slice(0, lead), DIG2BYTES[lead]);
  for (let i = lead; i < intg; i += 9) write(intDigits.slice(i, i + 9), 4);
  for (let i = 0; i + 9 <= scale; i += 9) write(fracDigits.slice(i, i + 9), 4);
  const tail = scale % 9;
  if (tail > 0) write(fracDigits.slice(scale - tail), DIG2BYTES[tail]);
  out[0] ^= 0x80;
  if (negative) { for (let i = 0; i < out.length; i++) out[i] ^= 0xff; }
  return out;
}

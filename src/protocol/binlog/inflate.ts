/**
 * zlib decompression (RFC 1950 around RFC 1951 DEFLATE), synchronous and pure, for MariaDB's
 * compressed binlog events (`log_bin_compress`), which hold zlib streams. The output size is known
 * in advance (MariaDB writes it), so the output is bounded by it: a stream that would inflate beyond
 * it, or ends short of it, is a ProtocolError, as is any malformed stream.
 *
 * Pages:
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/rows_event_v1v2-rows_compressed_event_v1 (the compressed record of *_COMPRESSED_EVENT_V1)
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_compression_packet.html (zlib: RFC 1951 deflate in RFC 1950)
 */
import { ProtocolError } from "../errors.ts";

function bad(message: string): ProtocolError {
  return new ProtocolError("malformed", `zlib stream: ${message}`);
}

/** A canonical Huffman code: symbol counts per length and symbols sorted by code. */
interface Huffman {
  readonly counts: Uint16Array;
  readonly symbols: Uint16Array;
}

function huffman(lengths: Uint8Array, offset: number, n: number): Huffman {
  const counts = new Uint16Array(16);
  for (let i = 0; i < n; i++) counts[lengths[offset + i]]++;
  counts[0] = 0;
  const offs = new Uint16Array(16);
  for (let len = 1; len < 16; len++) offs[len] = offs[len - 1] + counts[len - 1];
  const symbols = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const len = lengths[offset + i];
    if (len !== 0) symbols[offs[len]++] = i;
  }
  return { counts, symbols };
}

const LENGTH_BASE = [
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
];
const DIST_EXTRA = [
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const fixed = /* @__PURE__ */ (() => {
  const lengths = new Uint8Array(288 + 30);
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  lengths.fill(5, 288, 318);
  return { literal: huffman(lengths, 0, 288), distance: huffman(lengths, 288, 30) };
})();

class Inflater {
  private readonly src: Uint8Array;
  private pos: number;
  private readonly end: number;
  private bitBuf = 0;
  private bitCount = 0;
  readonly out: Uint8Array;
  outPos = 0;

  constructor(src: Uint8Array, start: number, end: number, size: number) {
    this.src = src;
    this.pos = start;
    this.end = end;
    this.out = new Uint8Array(size);
  }

  bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.end) throw bad("ends in the middle of a block");
      this.bitBuf |= this.src[this.pos++] << this.bitCount;
      this.bitCount += 8;
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return v;
  }

  decode(h: Huffman): number {
    let code = 0, first = 0, index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.bits(1);
      const count = h.counts[len];
      if (code - count < first) return h.symbols[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw bad("invalid Huffman code");
  }

  stored(): void {
    this.bitBuf = 0;
    this.bitCount = 0;
    if (this.pos + 4 > this.end) throw bad("stored block header truncated");
    const s = this.src, p = this.pos;
    const len = s[p] | (s[p + 1] << 8); // 2 bytes: LEN
    const nlen = s[p + 2] | (s[p + 3] << 8); // 2 bytes: NLEN, the one's complement of LEN
    if ((len ^ 0xffff) !== nlen) throw bad("stored block length check failed");
    this.pos += 4;
    if (this.pos + len > this.end) throw bad("stored block truncated");
    if (this.outPos + len > this.out.length) throw bad("inflates beyond its declared size");
    this.out.set(s.subarray(this.pos, this.pos + len), this.outPos);
    this.pos += len;
    this.outPos += len;
  }

  codes(literal: Huffman, distance: Huffman): void {
    const out = this.out;
    for (;;) {
      const symbol = this.decode(literal);
      if (symbol < 256) {
        if (this.outPos >= out.length) throw bad("inflates beyond its declared size");
        out[this.outPos++] = symbol;
      } else if (symbol === 256) {
        return;
      } else {
        const li = symbol - 257;
        if (li >= 29) throw bad("invalid length symbol");
        const length = LENGTH_BASE[li] + this.bits(LENGTH_EXTRA[li]);
        const di = this.decode(distance);
        if (di >= 30) throw bad("invalid distance symbol");
        const dist = DIST_BASE[di] + this.bits(DIST_EXTRA[di]);
        if (dist > this.outPos) throw bad("distance before the start of the output");
        if (this.outPos + length > out.length) throw bad("inflates beyond its declared size");
        for (let i = 0; i < length; i++, this.outPos++) out[this.outPos] = out[this.outPos - dist];
      }
    }
  }

  dynamic(): void {
    const nlen = this.bits(5) + 257; // 5 bits: HLIT (literal/length codes - 257)
    const ndist = this.bits(5) + 1; // 5 bits: HDIST (distance codes - 1)
    const ncode = this.bits(4) + 4; // 4 bits: HCLEN (code length codes - 4)
    if (nlen > 286 || ndist > 30) throw bad("too many length or distance codes");
    const lengths = new Uint8Array(320);
    // 3 bits per code length code
    for (let i = 0; i < ncode; i++) lengths[CODE_LENGTH_ORDER[i]] = this.bits(3);
    const lencode = huffman(lengths, 0, 19);
    lengths.fill(0);
    let i = 0;
    while (i < nlen + ndist) {
      const symbol = this.decode(lencode);
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let repeat: number, value = 0;
      if (symbol === 16) {
        if (i === 0) throw bad("repeat with no previous length");
        value = lengths[i - 1];
        repeat = 3 + this.bits(2);
      } else if (symbol === 17) repeat = 3 + this.bits(3);
      else repeat = 11 + this.bits(7);
      if (i + repeat > nlen + ndist) throw bad("too many code lengths");
      while (repeat--) lengths[i++] = value;
    }
    if (lengths[256] === 0) throw bad("no end-of-block code");
    this.codes(huffman(lengths, 0, nlen), huffman(lengths, nlen, ndist));
  }

  run(): void {
    let last = 0;
    while (last === 0) {
      last = this.bits(1); // 1 bit: BFINAL
      const type = this.bits(2); // 2 bits: BTYPE (0 stored, 1 fixed, 2 dynamic Huffman)
      if (type === 0) this.stored();
      else if (type === 1) this.codes(fixed.literal, fixed.distance);
      else if (type === 2) this.dynamic();
      else throw bad("invalid block type 3");
    }
  }
}

/** Inflates the zlib stream in bytes [start, end), which must hold exactly `size` bytes of data. */
export function zlibInflate(bytes: Uint8Array, start: number, end: number, size: number): Uint8Array {
  if (end - start < 2) throw bad("shorter than its header");
  // DEFLATE cannot compress more than 1032:1: a larger declared size is a lie, refused before allocating
  if (size > (end - start) * 1032 + 1024) throw bad(`declares ${size} bytes from ${end - start} compressed`);
  // 1 byte CMF, 1 byte FLG (RFC 1950), then DEFLATE blocks and a 4-byte Adler-32
  const cmf = bytes[start], flg = bytes[start + 1];
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) throw bad("invalid header");
  const inflater = new Inflater(bytes, start + 2, end, size);
  inflater.run();
  if (inflater.outPos !== size) {
    throw bad(`inflated to ${inflater.outPos} bytes where ${size} were declared`);
  }
  return inflater.out;
}

/**
 * The compressed protocol's framing (MySQL "Compression"): after authentication, with
 * CLIENT_COMPRESS, the ordinary packet stream is carried inside compressed packets, each with a
 * 7-byte header: 3-byte compressed length, 1-byte compressed sequence id, 3-byte length before
 * compression (0: the payload was sent as is). Payloads are zlib streams. Pure: bytes in, bytes out.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_compression.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_compression_packet.html
 */
import { unzlibSync, zlibSync } from "fflate";
import { MAX_PAYLOAD } from "./constants.ts";
import { ProtocolError } from "./errors.ts";

/** Payloads shorter than this are not worth compressing (as in the MySQL client). */
export const MIN_COMPRESS_LENGTH = 50;

function header(out: Uint8Array, at: number, compressed: number, seq: number, original: number): void {
  out[at] = compressed & 0xff; // 3 bytes: length of the compressed payload
  out[at + 1] = (compressed >> 8) & 0xff;
  out[at + 2] = (compressed >> 16) & 0xff;
  out[at + 3] = seq & 0xff; // 1 byte: compressed sequence id
  out[at + 4] = original & 0xff; // 3 bytes: length before compression (0: sent as is)
  out[at + 5] = (original >> 8) & 0xff;
  out[at + 6] = (original >> 16) & 0xff;
}

/**
 * Wraps bytes of the ordinary packet stream into compressed packets, starting at compressed
 * sequence id `seq`. Returns the bytes to send and the next sequence id.
 */
export function encodeCompressed(data: Uint8Array, seq: number): { bytes: Uint8Array; nextSeq: number } {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let offset = 0; offset < data.length || offset === 0; offset += MAX_PAYLOAD) {
    const chunk = data.subarray(offset, offset + MAX_PAYLOAD);
    let body = chunk;
    let original = 0;
    if (chunk.length >= MIN_COMPRESS_LENGTH) {
      const deflated = zlibSync(chunk);
      if (deflated.length < chunk.length) {
        body = deflated;
        original = chunk.length;
      }
    }
    const packet = new Uint8Array(7 + body.length);
    header(packet, 0, body.length, seq, original);
    packet.set(body, 7);
    parts.push(packet);
    total += packet.length;
    seq = (seq + 1) & 0xff;
    if (data.length === 0) break;
  }
  if (parts.length === 1) return { bytes: parts[0], nextSeq: seq };
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, nextSeq: seq };
}

/** A decompressed piece of the ordinary packet stream and the compressed sequence id it came with. */
export interface CompressedChunk {
  readonly data: Uint8Array;
  readonly seq: number;
}

/**
 * Incremental decoder of compressed packets: `push` received bytes, `next` takes the next
 * decompressed chunk. A declared or inflated size that disagrees with the data is a ProtocolError.
 */
export class CompressedDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;

  /** Adds received bytes. */
  push(chunk: Uint8Array): void {
    const pending = this.buf.length - this.start;
    if (pending === 0) {
      this.buf = chunk;
      this.start = 0;
      return;
    }
    const next = new Uint8Array(pending + chunk.length);
    next.set(this.buf.subarray(this.start));
    next.set(chunk, pending);
    this.buf = next;
    this.start = 0;
  }

  /** The next decompressed chunk, or `undefined` when more bytes are needed. */
  next(): CompressedChunk | undefined {
    const b = this.buf, s = this.start;
    if (b.length - s < 7) return undefined;
    const compressed = b[s] | (b[s + 1] << 8) | (b[s + 2] << 16); // 3 bytes: length of the compressed payload
    const seq = b[s + 3]; // 1 byte: compressed sequence id
    // 3 bytes: length before compression (0: sent as is)
    const original = b[s + 4] | (b[s + 5] << 8) | (b[s + 6] << 16);
    if (b.length - s < 7 + compressed) return undefined;
    // compressed_length bytes: zlib stream (or the bytes as they are)
    const body = b.subarray(s + 7, s + 7 + compressed);
    this.start = s + 7 + compressed;
    if (original === 0) return { data: body.slice(), seq };
    let data: Uint8Array;
    try {
      data = unzlibSync(body, { out: new Uint8Array(original) });
    } catch (error) {
      throw new ProtocolError("malformed", `compressed packet does not inflate: ${(error as Error).message}`);
    }
    if (data.length !== original) {
      throw new ProtocolError(
        "malformed",
        `compressed packet inflates to ${data.length} bytes, ${original} were announced`,
      );
    }
    return { data, seq };
  }
}

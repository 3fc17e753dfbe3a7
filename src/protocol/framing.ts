/**
 * Packet framing (MySQL "MySQL Packets"): a 3-byte little-endian payload length and a 1-byte
 * sequence id before each payload. Payloads of 2^24-1 bytes or more are split into several physical
 * packets, the last one shorter than 2^24-1 (possibly empty). Pure: bytes in, packets out.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.5/page_protocol_basic_packets.html
 */
import { MAX_PAYLOAD } from "./constants.ts";
import { ProtocolError } from "./errors.ts";

/** Frames a payload into one or more physical packets starting at sequence id `seq`. */
export function encodePacket(payload: Uint8Array, seq: number): Uint8Array {
  const frames = Math.floor(payload.length / MAX_PAYLOAD) + 1;
  const out = new Uint8Array(payload.length + frames * 4);
  let src = 0;
  let dst = 0;
  for (let i = 0; i < frames; i++) {
    const n = Math.min(MAX_PAYLOAD, payload.length - src);
    out[dst] = n & 0xff; // 3 bytes: payload length
    out[dst + 1] = (n >> 8) & 0xff;
    out[dst + 2] = (n >> 16) & 0xff;
    out[dst + 3] = (seq + i) & 0xff; // 1 byte: sequence id
    out.set(payload.subarray(src, src + n), dst + 4); // payload_length bytes: payload
    src += n;
    dst += n + 4;
  }
  return out;
}

/** Longest text `frameShortCommand` frames (in UTF-16 code units). */
const SHORT_COMMAND_TEXT = 256;

/**
 * A command byte and its text argument (COM_QUERY's SQL, ...) framed as one packet with sequence
 * id 0, when the text is ASCII and at most 256 characters: written straight into the packet, with
 * no intermediate payload. `undefined` otherwise (then `encodePacket` the payload).
 */
export function frameShortCommand(command: number, text: string): Uint8Array | undefined {
  const n = text.length;
  if (n > SHORT_COMMAND_TEXT) return undefined;
  const out = new Uint8Array(n + 5);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return undefined;
    out[i + 5] = c;
  }
  out[0] = n + 1; // payload length (3 bytes; under 256 + 2 here), sequence id 0
  out[1] = (n + 1) >> 8;
  out[4] = command;
  return out;
}

/** How many physical packets `encodePacket` makes of a payload of this length. */
export function frameCount(payloadLength: number): number {
  return Math.floor(payloadLength / MAX_PAYLOAD) + 1;
}

/** A logical packet: the joined payload and the sequence id of its first physical packet. */
export interface Packet {
  readonly payload: Uint8Array;
  readonly seq: number;
}

/**
 * Incremental packet decoder. Feed it chunks as they arrive with `push`, take whole packets with
 * `next` (a view and its sequence id) or `nextRange` (no allocation at all: the payload is
 * `bytes[start, end)`). A payload may be a view into the decoder's buffer: it stays valid only
 * until the next `push`. Payloads larger than `maxPacketSize` are refused before they are buffered.
 *
 * Buffering: a chunk that arrives when nothing is pending is used as it is (no copy). When a packet
 * straddles two chunks, that packet alone is copied into a buffer the decoder owns and reuses
 * (grown when needed), and reading goes on in the new chunk after it; only when the new chunk does
 * not complete it (a packet longer than a chunk, or a fragment of a split payload) do the rest of
 * the old chunk and the whole new chunk go into that buffer.
 */
export class PacketDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** The buffer this decoder owns and reuses for straddling packets (`buf` is it, or a chunk). */
  private store: Uint8Array = new Uint8Array(0);
  /** The chunk to read on in after the straddling packet copied to the store, and where in it. */
  private following: Uint8Array | undefined;
  private followingStart = 0;
  /** Fragments of a split payload (each a copy) waiting for the final fragment. */
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  private partsSeq = 0;
  /** The sequence id of the last physical packet returned, for the next expected id. */
  lastSeq = -1;
  maxPacketSize: number;
  /** After `nextRange()` returned true: the payload is `bytes[start, end)`, its sequence id `seq`. */
  bytes: Uint8Array = this.buf;
  /** Start of the payload found by the last `nextRange()`. */
  payloadStart = 0;
  /** End of the payload found by the last `nextRange()`. */
  payloadEnd = 0;
  /** Sequence id of (the first physical packet of) the payload found by the last `nextRange()`. */
  payloadSeq = 0;

  constructor(maxPacketSize = 64 * 1024 * 1024) {
    this.maxPacketSize = maxPacketSize;
  }

  /** Bytes received but not yet returned as packets. */
  get buffered(): number {
    const following = this.following === undefined ? 0 : this.following.length - this.followingStart;
    return this.end - this.start + following + this.partsLength;
  }

  /** Adds received bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.takeFollowing();
    if (this.start === this.end) {
      // Nothing pending: use the chunk itself, no copy. (A store grown for a big packet is let go.)
      if (this.store.length > 1 << 20) this.store = new Uint8Array(0);
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    const pending = this.end - this.start;
    const packet = this.straddling(chunk, pending);
    if (packet > 0) {
      // Only the packet that straddles the two chunks is copied: the store holds it whole, and
      // reading goes on in the chunk itself after it.
      const store = this.room(packet);
      if (this.buf === store) store.copyWithin(0, this.start, this.end);
      else store.set(this.buf.subarray(this.start, this.end));
      store.set(chunk.subarray(0, packet - pending), pending);
      this.buf = store;
      this.start = 0;
      this.end = packet;
      if (packet - pending < chunk.length) {
        this.following = chunk;
        this.followingStart = packet - pending;
      }
      return;
    }
    this.append(chunk, 0);
  }

  /**
   * The size (header included) of the physical packet that starts in the pending bytes, when the
   * new chunk completes it and it is not one of the 16 MiB fragments of a split payload; else 0.
   */
  private straddling(chunk: Uint8Array, pending: number): number {
    if (pending + chunk.length < 4 || this.parts.length > 0) return 0;
    const b = this.buf, s = this.start;
    const at = (k: number) => (k < pending ? b[s + k] : chunk[k - pending]);
    const length = at(0) | (at(1) << 8) | (at(2) << 16);
    if (length === MAX_PAYLOAD || length > this.maxPacketSize) return 0;
    const packet = length + 4;
    return packet > pending && packet <= pending + chunk.length ? packet : 0;
  }

  /** The store, with room for at least `n` bytes (keeping what is pending in it at its start). */
  private room(n: number): Uint8Array {
    if (this.store.length >= n) return this.store;
    // Doubling (at most 16 MiB beyond what is needed), so a big packet is copied O(1) times per byte.
    const store = new Uint8Array(Math.max(n, Math.min(2 * this.store.length, n + (16 << 20)), 1 << 16));
    if (this.buf === this.store) {
      store.set(this.buf.subarray(this.start, this.end));
      this.buf = store;
      this.end -= this.start;
      this.start = 0;
    }
    this.store = store;
    return store;
  }

  /** Appends `chunk[from..]` after the pending bytes, in the store. */
  private append(chunk: Uint8Array, from: number): void {
    const pending = this.end - this.start;
    const more = chunk.length - from;
    const need = pending + more;
    let store = this.store;
    if (this.buf === store && this.end + more <= store.length) {
      // Room after what is pending in our own buffer.
      store.set(from === 0 ? chunk : chunk.subarray(from), this.end);
      this.end += more;
      return;
    }
    if (need > store.length) {
      store = this.room(need);
      if (this.buf !== store) store.set(this.buf.subarray(this.start, this.end));
    } else if (this.buf === store) {
      store.copyWithin(0, this.start, this.end);
    } else {
      store.set(this.buf.subarray(this.start, this.end));
    }
    store.set(from === 0 ? chunk : chunk.subarray(from), pending);
    this.buf = store;
    this.start = 0;
    this.end = need;
  }

  /**
   * Once the straddling packet in the store has been read, goes on in the chunk that followed it;
   * if it has not been read yet, puts the rest of that chunk after it (so there is one buffer).
   */
  private takeFollowing(): void {
    const next = this.following;
    if (next === undefined) return;
    this.following = undefined;
    if (this.start === this.end) {
      this.buf = next;
      this.start = this.followingStart;
      this.end = next.length;
    } else this.append(next, this.followingStart);
  }

  /** The next whole packet, or `undefined` when more bytes are needed. */
  next(): Packet | undefined {
    if (!this.nextRange()) return undefined;
    return { payload: this.bytes.subarray(this.payloadStart, this.payloadEnd), seq: this.payloadSeq };
  }

  /**
   * Finds the next whole packet: true and its payload in `bytes[payloadStart, payloadEnd)` with
   * `payloadSeq`, or false when more bytes are needed.
   */
  nextRange(): boolean {
    for (;;) {
      if (this.start === this.end && this.following !== undefined) this.takeFollowing();
      const b = this.buf, s = this.start;
      const avail = this.end - s;
      if (avail < 4) return false;
      const length = b[s] | (b[s + 1] << 8) | (b[s + 2] << 16); // 3 bytes: payload length
      const seq = b[s + 3]; // 1 byte: sequence id
      if (this.partsLength + length > this.maxPacketSize) {
        throw new ProtocolError(
          "oversized",
          `packet of at least ${this.partsLength + length} bytes exceeds maxPacketSize ${this.maxPacketSize}`,
        );
      }
      if (this.parts.length > 0 && seq !== ((this.lastSeq + 1) & 0xff)) {
        throw new ProtocolError(
          "sequence",
          `packet sequence id ${seq} where ${(this.lastSeq + 1) & 0xff} was expected in a split payload`,
        );
      }
      if (avail < 4 + length) return false;
      const payloadStart = s + 4;
      const payloadEnd = payloadStart + length;
      this.start = payloadEnd;
      this.lastSeq = seq;
      if (length === MAX_PAYLOAD) {
        if (this.parts.length === 0) this.partsSeq = seq;
        this.parts.push(b.slice(payloadStart, payloadEnd));
        this.partsLength += length;
        continue;
      }
      if (this.parts.length === 0) {
        this.bytes = b;
        this.payloadStart = payloadStart;
        this.payloadEnd = payloadEnd;
        this.payloadSeq = seq;
        return true;
      }
      this.parts.push(b.subarray(payloadStart, payloadEnd));
      const joined = new Uint8Array(this.partsLength + length);
      let offset = 0;
      for (const p of this.parts) {
        joined.set(p, offset);
        offset += p.length;
      }
      this.bytes = joined;
      this.payloadStart = 0;
      this.payloadEnd = joined.length;
      this.payloadSeq = this.partsSeq;
      this.parts = [];
      this.partsLength = 0;
      return true;
    }
  }
}

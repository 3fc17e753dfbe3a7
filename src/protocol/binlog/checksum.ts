/**
 * Binlog event checksums: CRC-32 (ISO-HDLC, zlib's crc32) over the whole event but its last four
 * bytes, which hold the checksum little-endian (`binlog_checksum=CRC32`).
 *
 * Pages:
 * https://mariadb.com/kb/en/format_description_event/ (the checksum algorithm byte and the CRC32 after it)
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/2-binlog-event-header (with CRC32 the event length counts 4 more bytes)
 */

/** `binlog_checksum` algorithms as the FORMAT_DESCRIPTION event names them. */
export const ChecksumAlgorithm = {
  OFF: 0,
  CRC32: 1,
  /** Written by servers before checksums existed (and in a FORMAT_DESCRIPTION from them). */
  UNDEFINED: 255,
} as const;

/** Bytes of a checksum at the end of an event. */
export const CHECKSUM_LENGTH = 4;

const table = /* @__PURE__ */ (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of bytes [start, end), continuing from `crc` (0 to start). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** True when the last four bytes of the event [start, end) are the CRC-32 of the bytes before them. */
export function checksumMatches(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < CHECKSUM_LENGTH) return false;
  const at = end - CHECKSUM_LENGTH;
  // 4 bytes, little-endian: CRC-32 of the event before it
  const stored = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 0x1000000;
  return crc32(bytes, start, at) === stored;
}

/** Header flag of a FORMAT_DESCRIPTION in a file still open for writing. */
const LOG_EVENT_BINLOG_IN_USE_F = 0x1;

/**
 * The checksum test of a FORMAT_DESCRIPTION event: the server computes it with the "binlog in use"
 * header flag cleared, since it clears that flag in place when it closes the file.
 */
export function formatDescriptionChecksumMatches(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < 19 + CHECKSUM_LENGTH) return false;
  const flagsAt = start + 17; // the 2-byte flags at offset 17 of the header
  const at = end - CHECKSUM_LENGTH;
  let crc = crc32(bytes, start, flagsAt);
  crc = crc32(new Uint8Array([bytes[flagsAt] & ~LOG_EVENT_BINLOG_IN_USE_F]), 0, 1, crc);
  crc = crc32(bytes, flagsAt + 1, at, crc);
  const stored = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 0x1000000;
  return crc === stored;
}

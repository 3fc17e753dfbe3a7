/**
 * Bytes in the runtime's own byte type, for drop-ins that must hand out what the driver they stand
 * in for does (mysql2 gives Node `Buffer`s): a `Buffer` view over the same memory where the runtime
 * has one (Node, Deno, Bun; found through `globalThis`, never imported), else the `Uint8Array`
 * itself (Cloudflare Workers without nodejs_compat). Nothing is copied.
 */

interface BufferLike {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
  isBuffer(value: unknown): boolean;
}

const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

/** `bytes` as the runtime's `Buffer` over the same memory where there is one, else as they are. */
export function hostBytes(bytes: Uint8Array): Uint8Array {
  if (NodeBuffer === undefined || NodeBuffer.isBuffer(bytes)) return bytes;
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

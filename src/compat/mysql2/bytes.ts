/**
 * Bytes as mysql2 hands them out: a Node `Buffer` where the runtime has one (Node, Deno, Bun; found
 * through `globalThis`, never imported), else the `Uint8Array` itself (Cloudflare Workers without
 * nodejs_compat). The Buffer shares the bytes: nothing is copied.
 */

interface BufferLike {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
  from(text: string, encoding: string): Uint8Array;
  isBuffer(value: unknown): boolean;
}

const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

/** `bytes` as a Buffer over the same memory when the runtime has Buffer, else as they are. */
export function toBuffer(bytes: Uint8Array): Uint8Array {
  if (NodeBuffer === undefined || NodeBuffer.isBuffer(bytes)) return bytes;
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of `text`, as a Buffer where there is one. */
export function textBytes(text: string): Uint8Array {
  return toBuffer(encoder.encode(text));
}

/** Bytes read as UTF-8 text. */
export function bytesText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

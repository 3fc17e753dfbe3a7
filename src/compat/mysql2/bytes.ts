/**
 * Bytes as mysql2 hands them out: the runtime's own byte type where it has one (Node's, shared with
 * the bytes, see src/runtime/host-bytes.ts), else the `Uint8Array` itself; and UTF-8 both ways.
 */
import { hostBytes } from "../../runtime/host-bytes.ts";

/** `bytes` as mysql2 would return them (the runtime's byte type over the same memory). */
export const toBuffer: (bytes: Uint8Array) => Uint8Array = hostBytes;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of `text`, in the runtime's byte type. */
export function textBytes(text: string): Uint8Array {
  return toBuffer(encoder.encode(text));
}

/** Bytes read as UTF-8 text. */
export function bytesText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

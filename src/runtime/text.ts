/**
 * The runtime's own UTF-8 decoder for a range of bytes, when it has one that is faster than
 * `TextDecoder` on short values: Node, Deno and Bun have `Buffer.prototype.utf8Slice`, which builds
 * the string straight from the bytes (no `subarray` view, no call through the Encoding API); on Bun
 * and Deno, ASCII values go through `latin1Slice`, faster there. It is
 * found through `globalThis` (no import), so runtimes without it (Cloudflare Workers without
 * nodejs_compat, browsers) get `undefined` and keep `TextDecoder`.
 *
 * It is only used when it gives exactly what `new TextDecoder("utf-8", { ignoreBOM: true })` gives:
 * checked once, at load, on valid text, a BOM, and the invalid sequences whose replacement
 * characters decoders have disagreed about (truncated, overlong, surrogates, beyond U+10FFFF).
 */

/** Decodes the UTF-8 bytes [start, end) to a string; invalid sequences become U+FFFD. */
export type Utf8RangeDecoder = (bytes: Uint8Array, start: number, end: number) => string;

type Slice = (this: Uint8Array, start: number, end: number) => string;

interface BufferPrototype {
  utf8Slice?: Slice;
  latin1Slice?: Slice;
}

/** Byte sequences on which the native decoder must agree with TextDecoder before it is used. */
const SAMPLES: readonly number[][] = [
  [0x61, 0x62, 0x63],
  [0xef, 0xbb, 0xbf, 0x61], // BOM kept
  [0xc3, 0xa4, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], // ä € 😀
  [0xc3], // truncated
  [0xe2, 0x82], // truncated 3-byte
  [0xf0, 0x9f, 0x98], // truncated 4-byte
  [0xc0, 0xaf], // overlong
  [0xe0, 0x80, 0xaf], // overlong 3-byte
  [0xed, 0xa0, 0x80], // surrogate
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
  [0xff, 0xfe, 0x80, 0x61],
  [0x61, 0xe2, 0x28, 0xa1, 0x62],
  [0xf0, 0x80, 0x80, 0x80, 0x41],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

function nativeDecoder(): Utf8RangeDecoder | undefined {
  const g = globalThis as { Buffer?: { prototype?: BufferPrototype }; Bun?: unknown; Deno?: unknown };
  const slice = g.Buffer?.prototype?.utf8Slice;
  if (typeof slice !== "function") return undefined;
  const latin1 = g.Buffer?.prototype?.latin1Slice;
  // Bun and Deno build an ASCII string faster through latin1Slice (the same string for bytes
  // below 0x80) than through utf8Slice; Node is fastest with utf8Slice for everything.
  const asciiFirst = (g.Bun !== undefined || g.Deno !== undefined) && typeof latin1 === "function";
  const decode: Utf8RangeDecoder = asciiFirst
    ? (bytes, start, end) => {
      for (let i = start; i < end; i++) if (bytes[i] > 0x7f) return slice.call(bytes, start, end);
      return latin1!.call(bytes, start, end);
    }
    : (bytes, start, end) => slice.call(bytes, start, end);
  try {
    const reference = new TextDecoder("utf-8", { ignoreBOM: true });
    for (const sample of SAMPLES) {
      // Inside a larger array, at an offset, as row values are.
      const bytes = new Uint8Array([0x7a, ...sample, 0x7a]);
      if (decode(bytes, 1, bytes.length - 1) !== reference.decode(bytes.subarray(1, bytes.length - 1))) {
        return undefined;
      }
    }
    if (decode(new Uint8Array(0), 0, 0) !== "") return undefined;
  } catch {
    return undefined;
  }
  return decode;
}

/** The runtime's exact UTF-8 range decoder, or `undefined` where there is none (use TextDecoder). */
export const nativeUtf8: Utf8RangeDecoder | undefined = nativeDecoder();

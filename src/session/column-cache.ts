/**
 * Reuse of decoded column definitions and row parsers across result sets. An application runs the
 * same few statements over and over, and the server sends the same column-definition packets each
 * time: when every packet of a result matches one seen recently, byte for byte, the decoded
 * definitions and the row parsers built for them are used again instead of being rebuilt.
 */
import { equalBytes } from "../protocol/bytes.ts";
import type { ColumnDefinition } from "../protocol/results.ts";
import type { RangeRowParser } from "../protocol/rows.ts";

/** One column set seen recently: its packets (copies), decoded definitions and row parsers. */
export interface ColumnEntry {
  readonly packets: readonly Uint8Array[];
  readonly fields: readonly ColumnDefinition[];
  /** Parsers by decoding (the session's, or a command's own), for text and binary rows. */
  text?: WeakMap<object, RangeRowParser>;
  binary?: WeakMap<object, RangeRowParser>;
  /** The parser used last and its decoding and protocol: a repeated result set skips the map. */
  lastKey?: object;
  lastBinary?: boolean;
  last?: RangeRowParser;
}

/** Recently seen column sets of one session (at most `size`, least recently used dropped first). */
export class ColumnCache {
  private readonly size: number;
  private entries: ColumnEntry[] = [];

  constructor(size = 32) {
    this.size = size;
  }

  /**
   * The entry for these column-definition packets, decoding them only when not seen recently (the
   * entry keeps copies of the packets). Hand out `entry.fields.slice()`, never the entry's own array.
   */
  entry(packets: Uint8Array[], decode: (packet: Uint8Array) => ColumnDefinition): ColumnEntry {
    let entry = this.find(packets);
    if (entry === undefined) {
      entry = { packets: packets.map((p) => p.slice()), fields: packets.map(decode) };
      this.entries.unshift(entry);
      if (this.entries.length > this.size) this.entries.pop();
    }
    return entry;
  }

  /**
   * The row parser of an entry, built once per column set, protocol and decoding (`key`: the
   * decoding object the parser is built for: the session's, or a command's own).
   */
  parser(entry: ColumnEntry, binary: boolean, key: object, build: () => RangeRowParser): RangeRowParser {
    if (entry.lastKey === key && entry.lastBinary === binary) return entry.last!;
    const parsers = binary ? (entry.binary ??= new WeakMap()) : (entry.text ??= new WeakMap());
    let parser = parsers.get(key);
    if (parser === undefined) parsers.set(key, parser = build());
    entry.lastKey = key;
    entry.lastBinary = binary;
    entry.last = parser;
    return parser;
  }

  private find(packets: Uint8Array[]): ColumnEntry | undefined {
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e.packets.length !== packets.length) continue;
      let same = true;
      for (let j = 0; j < packets.length && same; j++) same = equalBytes(e.packets[j], packets[j]);
      if (!same) continue;
      if (i > 0) {
        this.entries.splice(i, 1);
        this.entries.unshift(e);
      }
      return e;
    }
    return undefined;
  }
}

/**
 * Reuse of decoded column definitions and row parsers across result sets. An application runs the
 * same few statements over and over, and the server sends the same column-definition packets each
 * time: when every packet of a result matches one seen recently, byte for byte, the decoded
 * definitions and the row parsers built for them are used again instead of being rebuilt.
 */
import { equalBytes } from "../protocol/bytes.ts";
import type { ColumnDefinition } from "../protocol/results.ts";
import type { RangeRowParser } from "../protocol/rows.ts";

interface Entry {
  readonly packets: readonly Uint8Array[];
  readonly fields: readonly ColumnDefinition[];
  /** Parsers by decoding (the session's, or a command's own), for text and binary rows. */
  text?: WeakMap<object, RangeRowParser>;
  binary?: WeakMap<object, RangeRowParser>;
}

/** Recently seen column sets of one session (at most `size`, least recently used dropped first). */
export class ColumnCache {
  private readonly size: number;
  private entries: Entry[] = [];
  /** Which entry a `fields` array handed out belongs to, for its parsers. */
  private readonly owners = new WeakMap<ColumnDefinition[], Entry>();

  constructor(size = 32) {
    this.size = size;
  }

  /** The fields for these column-definition packets (copies), decoding them only when not seen recently. */
  fields(packets: Uint8Array[], decode: (packet: Uint8Array) => ColumnDefinition): ColumnDefinition[] {
    let entry = this.find(packets);
    if (entry === undefined) {
      entry = { packets: packets.map((p) => p.slice()), fields: packets.map(decode) };
      this.entries.unshift(entry);
      if (this.entries.length > this.size) this.entries.pop();
    }
    const fields = entry.fields.slice();
    this.owners.set(fields, entry);
    return fields;
  }

  /**
   * The row parser for fields returned by `fields`, built once per column set, protocol and
   * decoding (`key`: the decoding object the parser is built for).
   */
  parser(
    fields: ColumnDefinition[],
    binary: boolean,
    key: object,
    build: () => RangeRowParser,
  ): RangeRowParser {
    const entry = this.owners.get(fields);
    if (entry === undefined) return build();
    const parsers = binary ? (entry.binary ??= new WeakMap()) : (entry.text ??= new WeakMap());
    let parser = parsers.get(key);
    if (parser === undefined) parsers.set(key, parser = build());
    return parser;
  }

  private find(packets: Uint8Array[]): Entry | undefined {
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

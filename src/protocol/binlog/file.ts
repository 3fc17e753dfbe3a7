/**
 * Binlog files as the server writes them (what `mysqlbinlog FILE` reads): the magic `\xfebin`, then
 * events back to back, each at the position its header's predecessor pointed to. `readBinlogFile`
 * decodes them lazily, one event per step. A file that ends inside an event ends the iteration with
 * a ProtocolError naming the position, after every complete event before it.
 *
 * Pages:
 * https://mariadb.com/kb/en/binlog-events/ (Log File Structure: the magic, then events)
 * https://mariadb.com/docs/server/reference/clientserver-protocol/replication-protocol/2-binlog-event-header
 */
import { ProtocolError } from "../errors.ts";
import { BinlogDecoder, type BinlogDecoderOptions } from "./decoder.ts";
import type { BinlogEvent } from "./events.ts";
import { BINLOG_MAGIC, decodeEventHeader, EVENT_HEADER_LENGTH } from "./header.ts";

/** Options of `readBinlogFile`: the decoder's, with `file` naming the file in positions and errors. */
export type BinlogFileOptions = BinlogDecoderOptions;

/** True when the bytes start with the binlog magic. */
export function isBinlogFile(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && BINLOG_MAGIC.every((b, i) => bytes[i] === b); // 4 bytes: 0xFE 'b' 'i' 'n'
}

/** The events of a binlog file, decoded as they are iterated. */
export function readBinlogFile(bytes: Uint8Array, options: BinlogFileOptions = {}): Iterable<BinlogEvent> {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("readBinlogFile expects the file's bytes as a Uint8Array");
  }
  const name = options.file ?? "";
  return {
    *[Symbol.iterator](): Iterator<BinlogEvent> {
      if (!isBinlogFile(bytes)) {
        throw new ProtocolError(
          "malformed",
          `${name || "the file"} is not a binlog file: it does not start with the magic bytes fe 62 69 6e`,
        );
      }
      const decoder = new BinlogDecoder(options);
      let pos = BINLOG_MAGIC.length; // the first event at position 4, after the magic
      while (pos < bytes.length) {
        const where = `${decoder.file || name || "(binlog)"}:${pos}`;
        if (bytes.length - pos < EVENT_HEADER_LENGTH) {
          throw new ProtocolError(
            "truncated",
            `binlog file truncated at ${where}: ${bytes.length - pos} bytes left, less than an event header`,
          );
        }
        const header = decodeEventHeader(bytes, pos);
        const end = pos + header.eventSize;
        if (end > bytes.length) {
          throw new ProtocolError(
            "truncated",
            `binlog file truncated at ${where}: the event there needs ${header.eventSize} bytes, ${
              bytes.length - pos
            } are left`,
          );
        }
        yield* decoder.decode(bytes, pos, end, pos);
        pos = end;
      }
    },
  };
}

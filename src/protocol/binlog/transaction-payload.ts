/**
 * TRANSACTION_PAYLOAD_EVENT (MySQL 8.0.20+, `binlog_transaction_compression=ON`): a whole
 * transaction's events, compressed. The body starts with fields as (type, length, value) in
 * length-encoded integers (1 payload size, 2 compression type: 0 zstd, 255 none, 3 uncompressed
 * size), ended by type 0; the payload follows. Uncompressed, it is a sequence of complete events
 * without checksums. zstd is decompressed by fzstd (pure JavaScript).
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/8.4.4/classmysql_1_1binlog_1_1event_1_1Transaction__payload__event.html
 * https://dev.mysql.com/doc/dev/mysql-server/8.0.41/classbinary__log_1_1codecs_1_1binary_1_1Transaction__payload.html (the on-the-wire fields)
 */
import { decompress } from "fzstd";
import { Reader } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";

/** The fields of a TRANSACTION_PAYLOAD event and its payload, uncompressed. */
export interface TransactionPayload {
  readonly compression: "zstd" | "none";
  readonly payloadSize: number;
  readonly uncompressedSize: number;
  /** The events it holds, one after the other. */
  readonly events: Uint8Array;
}

const Field = { END: 0, PAYLOAD_SIZE: 1, COMPRESSION_TYPE: 2, UNCOMPRESSED_SIZE: 3 } as const;

/** Decodes a TRANSACTION_PAYLOAD body; the decompressed size may not exceed `maxSize`. */
export function decodeTransactionPayload(r: Reader, maxSize: number): TransactionPayload {
  let payloadSize = -1, compressionType = -1, uncompressedSize = 0;
  for (;;) {
    const field = r.lenenc(); // lenenc: field type (0 ends the fields)
    if (field === Field.END) break;
    const length = r.lenenc(); // lenenc: value length
    const end = r.pos + length;
    r.need(length);
    const value = new Reader(r.bytes, r.pos, end);
    switch (field) {
      case Field.PAYLOAD_SIZE:
        payloadSize = value.lenenc(); // lenenc: payload size
        break;
      case Field.COMPRESSION_TYPE:
        compressionType = value.lenenc(); // lenenc: compression type (0 zstd, 255 none)
        break;
      case Field.UNCOMPRESSED_SIZE:
        uncompressedSize = value.lenenc(); // lenenc: uncompressed size
        break;
    }
    r.pos = end;
  }
  if (payloadSize < 0 || compressionType < 0) {
    throw new ProtocolError("malformed", "TRANSACTION_PAYLOAD without its payload size or compression type");
  }
  const payload = r.bytesView(payloadSize); // payload_size bytes: the payload
  if (compressionType === 255) {
    return { compression: "none", payloadSize, uncompressedSize: payloadSize, events: payload };
  }
  if (compressionType !== 0) {
    throw new ProtocolError(
      "unsupported",
      `TRANSACTION_PAYLOAD compressed with unknown algorithm ${compressionType}`,
    );
  }
  // zstd's densest block (RLE: 4 bytes for 128 KiB) bounds what a payload can honestly inflate to
  if (uncompressedSize > maxSize || uncompressedSize > payloadSize * 32768 + 65536) {
    throw new ProtocolError(
      "oversized",
      `TRANSACTION_PAYLOAD declares ${uncompressedSize} bytes uncompressed from ${payloadSize}: more than zstd can give or than the limit of ${maxSize}`,
    );
  }
  let events: Uint8Array;
  try {
    events = uncompressedSize > 0
      ? decompress(payload, new Uint8Array(uncompressedSize))
      : decompress(payload);
  } catch (error) {
    throw new ProtocolError(
      "malformed",
      `TRANSACTION_PAYLOAD zstd data is corrupt: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (uncompressedSize > 0 && events.length !== uncompressedSize) {
    throw new ProtocolError(
      "malformed",
      `TRANSACTION_PAYLOAD inflated to ${events.length} bytes where ${uncompressedSize} were declared`,
    );
  }
  return { compression: "zstd", payloadSize, uncompressedSize, events };
}

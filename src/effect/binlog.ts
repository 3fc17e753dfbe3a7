/**
 * The binlog stream as an Effect Stream: `binlogStream(options)` yields the same events as
 * `binlog()`, and closes the replication connections when the stream's scope ends (done, failed,
 * or interrupted early).
 */
import { Effect, Stream } from "effect";
import { BinlogError } from "../binlog/errors.ts";
import type { BinlogOptions } from "../binlog/options.ts";
import { binlog } from "../binlog/stream.ts";
import type { BinlogEvent } from "../protocol/binlog/events.ts";
import { fromBinlogError, fromError, type MysqlBinlogError, type MysqlClientError } from "./errors.ts";

/** The errors of a binlog stream: the binlog's own (bad start, no privileges, no ROW format) or the client's. */
export type BinlogStreamError = MysqlBinlogError | MysqlClientError;

/** Streams binlog events as an Effect Stream; the connection is closed when the stream ends. */
export function binlogStream(options: BinlogOptions | string): Stream.Stream<BinlogEvent, BinlogStreamError> {
  return Stream.unwrap(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => binlog(options)),
        (stream) => Effect.promise(() => stream.close()),
      ),
      (stream) =>
        Stream.fromAsyncIterable(
          stream,
          (
            error,
          ): BinlogStreamError => (error instanceof BinlogError ? fromBinlogError(error) : fromError(error)),
        ),
    ),
  );
}

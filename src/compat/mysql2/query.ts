/**
 * The object `query()` and `execute()` return, as in mysql2: an emitter of `fields`, `result` (each
 * row, or the header of a statement without rows), `error` and `end`, whose `stream()` gives the
 * rows as an object-mode readable stream instead. The connection runs it and feeds it here.
 */
import { Emitter } from "./emitter.ts";
import type { Mysql2Field } from "./fields.ts";
import { RowStream } from "./stream.ts";

/** A query or execute in flight. */
export class Query extends Emitter {
  /** The SQL as sent (after placeholders were filled). */
  sql: string;
  /** The values given. */
  readonly values: unknown;
  #stream: RowStream | undefined;
  #paused: { promise: Promise<void>; resolve: () => void } | undefined;
  #done = false;

  constructor(sql: string, values: unknown) {
    super();
    this.sql = sql;
    this.values = values;
  }

  /** The rows as an object-mode readable stream (`for await`, `pipe`, `on("data")`). */
  stream(options: { highWaterMark?: number; objectMode?: boolean } = {}): RowStream {
    this.#stream ??= new RowStream(options.highWaterMark ?? 16);
    return this.#stream;
  }

  /** True when the consumer is gone (its stream was destroyed): the rest is read and dropped. */
  get cancelled(): boolean {
    return this.#stream?.destroyed === true && !this.#done;
  }

  /** Holds back `result` events until `resume()` (the connection's `pause()`). */
  pause(): void {
    if (this.#paused !== undefined) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#paused = { promise, resolve };
  }

  /** Lets `result` events flow again. */
  resume(): void {
    const p = this.#paused;
    this.#paused = undefined;
    p?.resolve();
  }

  /** For the connection: the columns of the result set being read. */
  deliverFields(fields: Mysql2Field[] | undefined): void {
    this.emit("fields", fields);
    this.#stream?.emit("fields", fields);
  }

  /** For the connection: one row (or header); resolves when the consumer wants the next. */
  async deliver(row: unknown, index = 0): Promise<void> {
    if (this.#stream !== undefined) {
      await this.#stream.push(row);
      return;
    }
    this.emit("result", row, index);
    while (this.#paused !== undefined) await this.#paused.promise;
  }

  /** For the connection: the query finished. */
  finish(): void {
    this.#done = true;
    this.#stream?.finish();
    this.emit("end");
  }

  /** For the connection: the query failed. Without a listener or a stream, the error is thrown. */
  fail(error: Error): void {
    this.#done = true;
    const hasListener = this.listenerCount("error") > 0;
    if (this.#stream !== undefined) this.#stream.fail(error);
    if (hasListener) this.emit("error", error);
    this.emit("end");
    if (!hasListener && this.#stream === undefined) throw error;
  }
}

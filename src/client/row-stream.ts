/**
 * The async iterator `Connection.stream()` returns: one object between the caller's `for await`
 * and the session's rows, not a chain of async generators. A row that is already buffered is handed
 * out with one settled promise and nothing else; only when no whole row is buffered does `next()`
 * wait for the socket (so backpressure is as before: nothing is read while the caller's loop body
 * runs). It behaves as an async generator does: nothing starts before the first `next()`, calls
 * made while one is pending run after it in order, `return()` (a `break`) reads and discards the
 * rest and gives the connection back, `throw(e)` does the same and rejects with `e`.
 */
import { END_OF_ROWS, NEED_MORE, type SessionRows } from "../session/rows.ts";

/** What a row stream reads from, once opened. */
export interface RowSource {
  readonly rows: SessionRows;
  /** The error of a timeout or abort of the stream, once it fired (checked before every row). */
  interruption(): Error | undefined;
  /** Gives the connection back (after `rows.close`). */
  release(): void;
}

const DONE: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true });

function noop(): void {}

/** The rows of one `stream()` call, as an async generator. */
export class RowStream<Row> implements AsyncGenerator<Row, void, undefined> {
  #open: (() => Promise<RowSource>) | undefined;
  #source: RowSource | undefined;
  #done = false;
  /** Calls waiting or running on the slow path; the fast path runs only when there are none. */
  #pending = 0;
  #tail: Promise<unknown> = Promise.resolve();

  /** `open` is called on the first `next()`: it takes the connection and sends the query. */
  constructor(open: () => Promise<RowSource>) {
    this.#open = open;
  }

  next(): Promise<IteratorResult<Row, void>> {
    const source = this.#source;
    if (this.#pending === 0 && source !== undefined && !this.#done && source.interruption() === undefined) {
      let row: unknown;
      try {
        row = source.rows.nextBuffered();
      } catch (error) {
        return this.#enqueue(() => this.#fail(error));
      }
      if (row !== NEED_MORE && row !== END_OF_ROWS) {
        return Promise.resolve({ value: row as Row, done: false });
      }
    }
    return this.#enqueue(() => this.#nextSlow());
  }

  return(): Promise<IteratorResult<Row, void>> {
    return this.#enqueue(async () => {
      await this.#end();
      return DONE;
    });
  }

  throw(error: unknown): Promise<IteratorResult<Row, void>> {
    return this.#enqueue(async () => {
      const interruption = this.#source?.interruption();
      await this.#end();
      throw interruption ?? error;
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** `await using rows = conn.stream(...)`: stops the stream at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** Runs `task` after the calls before it (as an async generator queues its calls). */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const run = async () => {
      try {
        return await task();
      } finally {
        this.#pending--;
      }
    };
    const result = this.#pending === 1 ? run() : this.#tail.then(run);
    this.#tail = result.then(noop, noop);
    return result;
  }

  async #nextSlow(): Promise<IteratorResult<Row, void>> {
    if (this.#done) return DONE;
    let source = this.#source;
    if (source === undefined) {
      const open = this.#open!;
      this.#open = undefined;
      try {
        source = this.#source = await open();
      } catch (error) {
        this.#done = true;
        throw error;
      }
    }
    for (;;) {
      const interruption = source.interruption();
      if (interruption) {
        // Timed out or aborted (the query is being killed): the rest is read and discarded, the
        // session goes on, and the loop throws the interruption.
        await this.#end();
        throw interruption;
      }
      let row: unknown;
      try {
        row = source.rows.nextBuffered();
        if (row === NEED_MORE) {
          await source.rows.fill();
          continue;
        }
        if (row === END_OF_ROWS) await source.rows.finish();
      } catch (error) {
        return this.#fail(error);
      }
      if (row !== END_OF_ROWS) return { value: row as Row, done: false };
      const late = source.interruption();
      await this.#end();
      if (late) throw late;
      return DONE;
    }
  }

  /** A failure while reading: the session is released with the error; rejects with the interruption or it. */
  async #fail(error: unknown): Promise<never> {
    const interruption = this.#source?.interruption();
    await this.#end(error);
    throw interruption ?? error;
  }

  /** Ends the stream once: closes the rows (draining them unless `error`) and gives the connection back. */
  async #end(error?: unknown): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#open = undefined;
    const source = this.#source;
    if (source === undefined) return;
    try {
      await source.rows.close(error);
    } finally {
      source.release();
    }
  }
}

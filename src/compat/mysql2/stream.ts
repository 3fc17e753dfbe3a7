/**
 * The object-mode readable stream `query(...).stream()` returns: the part of Node's Readable that
 * ORMs use (`for await`, `on("data")` with `pause`/`resume`, `pipe` with backpressure, `destroy`,
 * and the `data`/`end`/`error`/`close` events), without `node:stream`, so it runs on every runtime.
 * It holds at most `highWaterMark` rows: while the consumer is behind, the producer (the query)
 * waits, so the socket is not read and the server is held back instead of rows piling up.
 */
import { Emitter, type Listener } from "./emitter.ts";

interface Reader {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: unknown): void;
}

/** The minimum of a writable `pipe` writes to. */
interface Writable {
  write(chunk: unknown): boolean;
  end(): unknown;
  once(name: string, listener: Listener): unknown;
  emit?(name: string, ...args: unknown[]): unknown;
}

/** An object-mode readable stream of rows. */
export class RowStream extends Emitter {
  readonly readableObjectMode = true;
  readonly readableHighWaterMark: number;
  #buffer: unknown[] = [];
  #readers: Reader[] = [];
  #flowing: boolean | null = null;
  #ended = false;
  #endEmitted = false;
  #error: unknown;
  #destroyed = false;
  #draining = false;
  #wake: (() => void) | undefined;

  constructor(highWaterMark = 16) {
    super();
    this.readableHighWaterMark = highWaterMark;
  }

  /** True once the stream ended, failed or was destroyed. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** True until the stream has ended. */
  get readable(): boolean {
    return !this.#destroyed && !this.#endEmitted;
  }

  /** Adding a `data` listener starts the flow, as in Node. */
  override on(name: string | symbol, listener: Listener): this {
    super.on(name, listener);
    if (name === "data" && this.#flowing !== false) this.resume();
    return this;
  }

  /** Same as `on`. */
  override addListener(name: string | symbol, listener: Listener): this {
    return this.on(name, listener);
  }

  /** Stops `data` events (rows wait, then the query waits). */
  pause(): this {
    this.#flowing = false;
    return this;
  }

  /** Starts (again) emitting `data` events. */
  resume(): this {
    this.#flowing = true;
    queueMicrotask(() => this.#drain());
    return this;
  }

  /** True while paused. */
  isPaused(): boolean {
    return this.#flowing === false;
  }

  /** For the producer: adds a row; resolves when there is room for the next one. */
  push(row: unknown): Promise<void> {
    if (this.#destroyed) return Promise.resolve();
    this.#buffer.push(row);
    this.#drain();
    if (this.#buffer.length < this.readableHighWaterMark || this.#destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** For the producer: no more rows. */
  finish(): void {
    this.#ended = true;
    this.#drain();
  }

  /** For the producer: the query failed. */
  fail(error: unknown): void {
    if (this.#destroyed) return;
    this.#error = error;
    this.#shutdown();
    for (const r of this.#readers.splice(0)) r.reject(error);
    if (this.listenerCount("error") > 0) this.emit("error", error);
    this.emit("close");
  }

  /** Stops the stream: the query reads and discards its remaining rows. */
  destroy(error?: unknown): this {
    if (this.#destroyed) return this;
    if (error !== undefined) {
      this.fail(error);
      return this;
    }
    this.#shutdown();
    for (const r of this.#readers.splice(0)) r.resolve({ value: undefined, done: true });
    this.emit("close");
    return this;
  }

  #shutdown(): void {
    this.#destroyed = true;
    this.#buffer = [];
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #drain(): void {
    if (this.#draining || this.#destroyed) return;
    this.#draining = true;
    try {
      while (this.#buffer.length > 0 && !this.#destroyed) {
        if (this.#readers.length > 0) {
          this.#readers.shift()!.resolve({ value: this.#buffer.shift(), done: false });
        } else if (this.#flowing === true) this.emit("data", this.#buffer.shift());
        else break;
      }
    } finally {
      this.#draining = false;
    }
    if (this.#buffer.length < this.readableHighWaterMark && this.#wake !== undefined) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
    if (
      this.#ended && this.#buffer.length === 0 && !this.#endEmitted && !this.#destroyed
      && (this.#flowing === true || this.#readers.length > 0)
    ) {
      this.#endEmitted = true;
      for (const r of this.#readers.splice(0)) r.resolve({ value: undefined, done: true });
      this.emit("end");
      this.#destroyed = true;
      this.emit("close");
    }
  }

  /** Writes every row to `dest`, waiting for its `drain` when it is full; ends it at the end. */
  pipe<T extends Writable>(dest: T, options: { end?: boolean } = {}): T {
    this.on("data", (row) => {
      if (dest.write(row) === false) {
        this.pause();
        dest.once("drain", () => this.resume());
      }
    });
    if (options.end !== false) this.once("end", () => dest.end());
    dest.emit?.("pipe", this);
    return dest;
  }

  /** `for await (const row of stream)`: leaving the loop early destroys the stream. */
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    this.#flowing = false;
    return {
      next: () => {
        if (this.#error !== undefined) return Promise.reject(this.#error);
        if (this.#buffer.length > 0) {
          const value = this.#buffer.shift();
          this.#drain();
          return Promise.resolve({ value, done: false });
        }
        if (this.#destroyed || this.#endEmitted) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#readers.push({ resolve, reject });
          this.#drain();
        });
      },
      return: () => {
        this.destroy();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

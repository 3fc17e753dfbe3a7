/**
 * The rows of a streamed response as the client's row stream reads them: one row at a time, with
 * no promise for a row that is already buffered (`nextBuffered`), a promise only to read more from
 * the socket (`fill`), and `close` to give the session back (after reading and discarding what is
 * left, or, with an error, as a failed command).
 */
import { END_OF_ROWS, NEED_MORE, type RowCursor } from "./response.ts";

export { END_OF_ROWS, NEED_MORE };

/** Rows of a response being read; the session is held until `close()`. */
export interface SessionRows {
  /** The next buffered row, `NEED_MORE` (await `fill()` and ask again) or `END_OF_ROWS` (await `finish()`). */
  nextBuffered(): unknown;
  /** Reads more bytes from the socket. */
  fill(): Promise<void>;
  /** After `END_OF_ROWS`: reads the rest of the response (further results); may reject. */
  finish(): Promise<void>;
  /**
   * Gives the session back. Without an error: the rest of the response is read and discarded first
   * (an error while doing so closes the session, and is not thrown). With an error: the session is
   * released as after a failed command (closed unless the error leaves it usable).
   */
  close(error?: unknown): Promise<void>;
}

/** What `Session.hold` hands out. */
export interface Held {
  release(error?: unknown): void;
  readonly released: boolean;
}

/** The rows of a cursor on a held session. */
export function heldRows(cursor: RowCursor, held: Held): SessionRows {
  return {
    nextBuffered: () => cursor.nextBuffered(),
    fill: () => cursor.fill(),
    finish: () => cursor.finish(),
    async close(error?: unknown) {
      if (held.released) return;
      if (error !== undefined) {
        held.release(error);
        return;
      }
      try {
        await cursor.drain();
        held.release();
      } catch (drainError) {
        held.release(drainError);
      }
    },
  };
}

/** Rows already read whole (through plugins), handed out one at a time. */
export function arrayRows(rows: readonly unknown[]): SessionRows {
  let next = 0;
  return {
    nextBuffered: () => (next < rows.length ? rows[next++] : END_OF_ROWS),
    fill: () => Promise.resolve(),
    finish: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/**
 * LOAD DATA LOCAL INFILE: the server names a file and the client sends its bytes. Off by default; an
 * `infile` handler decides what to send for each name. Anything not offered gets an empty reply (the
 * server then fails the statement), so a hostile server can never read a file the application did
 * not offer. A source that fails part-way closes the connection, so the server aborts the statement
 * instead of loading part of the data.
 */
import type { PacketChannel } from "./channel.ts";

/** What an `infile` handler may return: the bytes, a stream of them, or null/undefined to refuse. */
export type InfileSource =
  | Uint8Array
  | string
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | ReadableStream<Uint8Array>
  | null
  | undefined;

/** Decides what to send when the server asks for the local file `name` (for the statement `sql`). */
export type InfileHandler = (name: string, sql: string) => InfileSource | Promise<InfileSource>;

/** Largest chunk put in one packet. */
const CHUNK = 1 << 20;

async function* chunksOf(source: Exclude<InfileSource, null | undefined>): AsyncGenerator<Uint8Array> {
  if (typeof source === "string") source = new TextEncoder().encode(source);
  if (source instanceof Uint8Array) {
    for (let i = 0; i < source.length; i += CHUNK) yield source.subarray(i, i + CHUNK);
    return;
  }
  if (typeof (source as ReadableStream<Uint8Array>).getReader === "function") {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError("an infile source must yield Uint8Array chunks");
    for (let i = 0; i < chunk.length; i += CHUNK) yield chunk.subarray(i, i + CHUNK);
  }
}

/** The outcome of answering a LOCAL INFILE request. */
export type InfileAnswer = { sent: true } | { sent: false; reason: string };

/**
 * Answers the server's request for `name`: the handler's data followed by an empty packet, or just
 * the empty packet when there is no handler or it refuses. Errors of the handler before any byte
 * was sent are refusals; errors after that are thrown (the caller closes the connection).
 */
export async function answerLocalInfile(
  channel: PacketChannel,
  name: string,
  sql: string,
  handler: InfileHandler | undefined,
): Promise<InfileAnswer> {
  let source: InfileSource;
  try {
    source = handler ? await handler(name, sql) : undefined;
  } catch (error) {
    await channel.write(new Uint8Array(0));
    return { sent: false, reason: `the infile handler failed: ${(error as Error)?.message ?? error}` };
  }
  if (source === null || source === undefined) {
    await channel.write(new Uint8Array(0));
    return {
      sent: false,
      reason: handler
        ? "the infile handler refused it"
        : "LOAD DATA LOCAL INFILE is not enabled (no infile handler)",
    };
  }
  for await (const chunk of chunksOf(source)) {
    if (chunk.length > 0) await channel.write(chunk);
  }
  await channel.write(new Uint8Array(0));
  return { sent: true };
}

/**
 * The pieces of mywire/mysql2 that need no server: the emitter (Node's semantics for `once`, `off`,
 * and an `error` nobody listens to), the row stream's backpressure (the producer waits while the
 * consumer is behind), its early exit, `pipe` with `drain`, and the package entries.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { Emitter } from "../../src/compat/mysql2/emitter.ts";
import { RowStream } from "../../src/compat/mysql2/stream.ts";

test("the emitter: on, once, off, listenerCount, and an unheard error throws", () => {
  const e = new Emitter();
  const seen: unknown[] = [];
  const a = (x: unknown) => seen.push(["a", x]);
  e.on("x", a);
  e.once("x", (x: unknown) => seen.push(["once", x]));
  assert.equal(e.listenerCount("x"), 2);
  assert.equal(e.emit("x", 1), true);
  e.emit("x", 2);
  e.off("x", a);
  assert.equal(e.emit("x", 3), false);
  assert.deepEqual(seen, [["a", 1], ["once", 1], ["a", 2]]);
  assert.throws(() => e.emit("error", new Error("boom")), /boom/);
});

test("node:events once() works on the emitter (as Drizzle uses it)", async () => {
  const e = new Emitter();
  queueMicrotask(() => e.emit("end", 7));
  assert.deepEqual(await once(e as never, "end"), [7]);
});

test("the producer waits while the consumer is behind, and goes on as rows are read", async () => {
  const s = new RowStream(4);
  const pushed: number[] = [];
  let producerDone = false;
  const producer = (async () => {
    for (let i = 0; i < 10; i++) {
      await s.push(i);
      pushed.push(i);
    }
    s.finish();
    producerDone = true;
  })();
  for (let i = 0; i < 10; i++) await Promise.resolve();
  // Nobody reads: four rows are buffered and the fourth push has not returned.
  assert.deepEqual(pushed, [0, 1, 2]);
  const got: number[] = [];
  for await (const row of s) got.push(row as number);
  await producer;
  assert.ok(producerDone);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("leaving a for await early destroys the stream and releases the producer", async () => {
  const s = new RowStream(2);
  const producer = (async () => {
    for (let i = 0; i < 100 && !s.destroyed; i++) await s.push(i);
  })();
  for await (const row of s) if (row === 3) break;
  await producer;
  assert.equal(s.destroyed, true);
});

test("pipe waits for drain when the destination is full, then ends it", async () => {
  const s = new RowStream(2);
  const written: unknown[] = [];
  let drainListener: (() => void) | undefined;
  let ended = false;
  s.pipe({
    write(row: unknown) {
      written.push(row);
      return written.length % 3 !== 0;
    },
    end() {
      ended = true;
    },
    once(_name: string, l: () => void) {
      drainListener = l;
    },
  });
  const producer = (async () => {
    for (let i = 0; i < 9; i++) await s.push(i);
    s.finish();
  })();
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.deepEqual(written, [0, 1, 2]);
  while (!ended) {
    const l = drainListener;
    drainListener = undefined;
    l?.();
    for (let i = 0; i < 20; i++) await Promise.resolve();
  }
  await producer;
  assert.deepEqual(written, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test("a failing producer rejects the reader", async () => {
  const s = new RowStream();
  queueMicrotask(() => s.fail(new Error("query failed")));
  await assert.rejects(
    (async () => {
      for await (const _ of s) { /* none */ }
    })(),
    /query failed/,
  );
});

test("import 'mywire/mysql2' and 'mywire/mysql2/promise' resolve to the build on every runtime", () => {
  assert.match(import.meta.resolve("mywire/mysql2"), /\/dist\/mysql2\.js$/);
  assert.match(import.meta.resolve("mywire/mysql2/promise"), /\/dist\/mysql2-promise\.js$/);
});

/** Waiting for something to become true in a test: a bound on waiting, never a timing assertion. */
import assert from "node:assert/strict";

/** Polls `check` every 10 ms until it is true; fails naming `what` after `tries` polls. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  tries = 1000,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never happened: ${what}`);
}

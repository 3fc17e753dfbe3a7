/**
 * The caller's stack on errors of commands: a command's error is made deep inside the driver, after
 * the socket answered, so its own stack shows only the driver. Two ways to put the caller's frames
 * on it, without the driver's own frames:
 *
 * - `withStackOnFailure(promise)` (the native API): nothing is captured while the command runs; if
 *   it fails, the stack is captured then, inside an async function that the caller awaits, so the
 *   engine's async stack trace names the awaiting callers (`at async yourFunction`). A command that
 *   succeeds pays one await, not a capture (bench/call-site.ts measures it).
 * - `callSite()` at the call, then `withCallerStack` (the mysql2 entry, whose callbacks and events
 *   have no awaiting caller to find later): what mysql2 itself does, one capture per command.
 */
/** Where a command was called: an object whose `stack` is formatted only when read. */
export interface CallSite {
  readonly stack?: string;
}

interface StackCapture {
  captureStackTrace?(target: object, constructorOpt?: unknown): void;
}

const capture = (Error as unknown as StackCapture).captureStackTrace;

/** Captures the stack of the call that is being made (V8, JSC: lazily formatted; elsewhere an Error). */
export function callSite(): CallSite {
  if (capture === undefined) return new Error();
  const site: { stack?: string } = {};
  capture(site, callSite);
  return site;
}

/**
 * The directory of the driver's own code: `src/` in the sources, the package's root when bundled
 * (its chunks in `dist/`). A frame in it is the driver's, not the caller's.
 */
const ownRoot = ((): string | undefined => {
  try {
    const url = new URL("../", import.meta.url);
    return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
  } catch {
    return undefined;
  }
})();

/** The caller's frames of a captured stack: its first line and the driver's own frames left out. */
export function callerFrames(site: CallSite): string {
  const lines = (site.stack ?? "").split("\n");
  return lines.filter((line, i) => {
    if (i === 0 && !/^\s+at /.test(line)) return false; // "Error" (V8's first line)
    if (line.trim() === "") return false;
    return ownRoot === undefined || !line.includes(ownRoot);
  }).join("\n");
}

/**
 * Gives `error` the caller's stack: its own first line (`Name: message`), then the frames of the
 * call. Returns the error. Other values are left alone.
 */
export function withCallerStack<E>(error: E, site: CallSite | undefined): E {
  if (site === undefined || !(error instanceof Error)) return error;
  const frames = callerFrames(site);
  if (frames === "") return error;
  Object.defineProperty(error, "stack", {
    value: `${error.name}: ${error.message}\n${frames}`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return error;
}

/** Off only in bench/call-site.ts, which measures what `withStackOnFailure` costs. */
let stacksOnFailure = true;

/** Turns `withStackOnFailure` on or off (for bench/call-site.ts; not part of the public API). */
export function setStacksOnFailure(on: boolean): void {
  stacksOnFailure = on;
}

/** The stack where this is called, async frames included (the callers awaiting this one). */
function stackHere(): CallSite {
  if (capture === undefined) return new Error();
  const site: { stack?: string } = {};
  capture(site, stackHere);
  return site;
}

async function settleWithStack<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    throw withCallerStack(error, stackHere());
  }
}

/**
 * `pending`, whose rejection gets the stack of the callers awaiting the returned promise (captured
 * only on failure; see the module comment).
 */
export function withStackOnFailure<T>(pending: Promise<T>): Promise<T> {
  return stacksOnFailure ? settleWithStack(pending) : pending;
}

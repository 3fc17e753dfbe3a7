/**
 * The caller's stack on errors of commands: a command's error is made deep inside the driver, after
 * the socket answered, so its own stack shows only the driver. The stack of the call is captured
 * when the command is called (as mysql2 does) and put on the error if it fails, without the
 * driver's own frames. Capturing is cheap: the engine records the frames at the call and formats
 * them only if `stack` is read, i.e. only for a command that fails.
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

/**
 * The runtime's `diagnostics_channel` TracingChannels, for the client's and the mysql2 entry's
 * tracing. The module is found the way mysql2 finds it, through `process.getBuiltinModule` (no
 * import, so no bundle sees a `node:` specifier): Node, Deno and Bun have it; where a runtime lacks
 * it (Cloudflare Workers without nodejs_compat) there are no channels, and nothing is published or
 * paid for.
 */

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

/** The part of a TracingChannel used here (start / end / asyncStart / asyncEnd / error). */
export interface TracingChannel {
  readonly hasSubscribers?: boolean;
  readonly start?: { readonly hasSubscribers: boolean };
  traceCallback(fn: Fn, position: number, context: object, thisArg: unknown, ...args: unknown[]): unknown;
  tracePromise<T>(fn: () => Promise<T>, context: object): Promise<T>;
}

interface DiagnosticsChannel {
  tracingChannel(name: string): TracingChannel;
}

const dc = ((): DiagnosticsChannel | undefined => {
  try {
    const p = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
    const mod = p?.getBuiltinModule?.("node:diagnostics_channel") as DiagnosticsChannel | undefined;
    return typeof mod?.tracingChannel === "function" ? mod : undefined;
  } catch {
    return undefined;
  }
})();

/** The TracingChannel called `name`, or undefined where the runtime has none. */
export function tracingChannel(name: string): TracingChannel | undefined {
  return dc?.tracingChannel(name);
}

/** True when someone listens on `channel` (Node 18's channels lack the aggregate getter). */
export function shouldTrace(channel: TracingChannel | undefined): channel is TracingChannel {
  if (channel === undefined) return false;
  return channel.hasSubscribers ?? channel.start?.hasSubscribers ?? false;
}

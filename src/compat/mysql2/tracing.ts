/**
 * mysql2's tracing channels, published the same way: `mysql2:query`, `mysql2:execute`,
 * `mysql2:connect` and `mysql2:pool:connect` (diagnostics_channel TracingChannels, start / end /
 * asyncStart / asyncEnd / error) with mysql2's context fields (`query`, `values`, `database`,
 * `serverAddress`, `serverPort`, `user`), so tools that subscribe to mysql2's channels see this
 * entry's commands too. The module is found the way mysql2 finds it, through
 * `process.getBuiltinModule` (a runtime-neutral check, no import): where a runtime lacks it
 * (Cloudflare Workers without nodejs_compat), nothing is published and nothing is paid.
 */

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

/** The part of a TracingChannel used here. */
interface TracingChannel {
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

/** The channels, or undefined where the runtime has none. */
export const channels = dc === undefined ? undefined : {
  query: dc.tracingChannel("mysql2:query"),
  execute: dc.tracingChannel("mysql2:execute"),
  connect: dc.tracingChannel("mysql2:connect"),
  poolConnect: dc.tracingChannel("mysql2:pool:connect"),
};

/** True when someone listens on `channel`. */
export function shouldTrace(channel: TracingChannel | undefined): channel is TracingChannel {
  if (channel === undefined) return false;
  return channel.hasSubscribers ?? channel.start?.hasSubscribers ?? false;
}

/** Where a connection goes, as mysql2's trace contexts name it. */
export function serverContext(config: Readonly<Record<string, unknown>>): {
  database: string;
  serverAddress: string;
  serverPort: number | undefined;
} {
  const database = typeof config.database === "string" ? config.database : "";
  if (typeof config.socketPath === "string") {
    return { database, serverAddress: config.socketPath, serverPort: undefined };
  }
  return {
    database,
    serverAddress: typeof config.host === "string" && config.host !== "" ? config.host : "localhost",
    serverPort: typeof config.port === "number" ? config.port : 3306,
  };
}

/**
 * The client's tracing channels: `mywire:query`, `mywire:execute`, `mywire:connect` and
 * `mywire:pool:acquire`, diagnostics_channel TracingChannels (start / end / asyncStart / asyncEnd /
 * error) with the context fields of mysql2's own channels (`query`, `values`, `database`,
 * `serverAddress`, `serverPort`; `user` on connect), so a subscriber written for mysql2's reads
 * these too. Only where the runtime has diagnostics_channel (runtime/diagnostics.ts); a command
 * pays one `hasSubscribers` check when nobody listens.
 */
import { type TracingChannel, tracingChannel } from "../runtime/diagnostics.ts";

/** The client's channels (each undefined where the runtime has none). */
export const clientChannels: {
  readonly query: TracingChannel | undefined;
  readonly execute: TracingChannel | undefined;
  readonly connect: TracingChannel | undefined;
  readonly poolAcquire: TracingChannel | undefined;
} = {
  query: tracingChannel("mywire:query"),
  execute: tracingChannel("mywire:execute"),
  connect: tracingChannel("mywire:connect"),
  poolAcquire: tracingChannel("mywire:pool:acquire"),
};

/** Where a connection goes, as mysql2's trace contexts name it. */
export interface ServerContext {
  /** The database connected to ("" for none). */
  database: string;
  /** The host ("localhost" when none is given), or the Unix socket's path. */
  serverAddress: string;
  /** The TCP port (3306 when none is given); undefined for a Unix socket. */
  serverPort: number | undefined;
}

/** The server context of connection settings (mysql2's rules: socket path, else host and port). */
export function serverContext(config: {
  readonly database?: unknown;
  readonly socketPath?: unknown;
  readonly host?: unknown;
  readonly port?: unknown;
}): ServerContext {
  const database = typeof config.database === "string" ? config.database : "";
  if (typeof config.socketPath === "string" && config.socketPath !== "") {
    return { database, serverAddress: config.socketPath, serverPort: undefined };
  }
  return {
    database,
    serverAddress: typeof config.host === "string" && config.host !== "" ? config.host : "localhost",
    serverPort: typeof config.port === "number" && config.port !== 0 ? config.port : 3306,
  };
}

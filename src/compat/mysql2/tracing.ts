/**
 * mysql2's tracing channels, published the same way: `mysql2:query`, `mysql2:execute`,
 * `mysql2:connect` and `mysql2:pool:connect` (diagnostics_channel TracingChannels, start / end /
 * asyncStart / asyncEnd / error) with mysql2's context fields (`query`, `values`, `database`,
 * `serverAddress`, `serverPort`, `user`), so tools that subscribe to mysql2's channels see this
 * entry's commands too. The channels come from runtime/diagnostics.ts and the context from
 * client/tracing.ts, which the client's own `mywire:*` channels use as well.
 */
import { type ServerContext, serverContext as nativeServerContext } from "../../client/tracing.ts";
import { shouldTrace, tracingChannel } from "../../runtime/diagnostics.ts";

export { shouldTrace };

/** The channels (each undefined where the runtime has none). */
export const channels = {
  query: tracingChannel("mysql2:query"),
  execute: tracingChannel("mysql2:execute"),
  connect: tracingChannel("mysql2:connect"),
  poolConnect: tracingChannel("mysql2:pool:connect"),
};

/** Where a connection goes, as mysql2's trace contexts name it (from mysql2's `config`). */
export function serverContext(config: Readonly<Record<string, unknown>>): ServerContext {
  return nativeServerContext(config);
}

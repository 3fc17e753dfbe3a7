/**
 * The OpenTelemetry database conventions the first-party plugins share (opentelemetry.ts and
 * metrics.ts), so their spans name the server the same way: `db.system.name` by the server's
 * flavour (`mariadb`, else `mysql`), and `server.address` / `server.port` from the backend in use
 * or, without `backends`, from the connection's own address.
 */
import type { PluginContext } from "../src/api.ts";

/** `db.system.name`: "mariadb" for a MariaDB server, else "mysql" (also before the greeting). */
export function dbSystemName(flavor: "mysql" | "mariadb" | undefined): "mysql" | "mariadb" {
  return flavor === "mariadb" ? "mariadb" : "mysql";
}

/** `host:port` (or a socket path) split for `server.address` and `server.port`. */
function splitAddress(address: string | undefined): { address?: string; port?: number } {
  if (address === undefined || address === "") return {};
  const m = /^(.*):(\d+)$/.exec(address);
  if (m === null) return { address };
  return { address: m[1].replace(/^\[(.*)\]$/, "$1"), port: Number(m[2]) };
}

/** `server.address` and `server.port` of the server a plugin's connection talks to (absent ones left out). */
export function serverAttributes(ctx: PluginContext<unknown, unknown>): Record<string, string | number> {
  const server = ctx.backend !== undefined
    ? { address: ctx.backend.socketPath ?? ctx.backend.host, port: ctx.backend.port }
    : splitAddress(ctx.server.address);
  const out: Record<string, string | number> = {};
  if (server.address !== undefined) out["server.address"] = server.address;
  if (server.port !== undefined) out["server.port"] = server.port;
  return out;
}

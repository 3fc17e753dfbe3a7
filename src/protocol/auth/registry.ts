/**
 * The authentication plugins this package speaks, by the name a server asks for:
 * mysql_native_password, caching_sha2_password, sha256_password, client_ed25519 and
 * mysql_clear_password. A file of its own so that the plugins and their shared interface
 * (plugin.ts) import nothing that imports them back.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods.html
 */
import { cachingSha2Password } from "./caching_sha2.ts";
import { mysqlClearPassword } from "./clear.ts";
import { clientEd25519 } from "./ed25519.ts";
import { mysqlNativePassword } from "./native.ts";
import type { AuthPlugin } from "./plugin.ts";
import { sha256Password } from "./sha256.ts";

const registry: ReadonlyMap<string, AuthPlugin> = new Map(
  [mysqlNativePassword, cachingSha2Password, sha256Password, clientEd25519, mysqlClearPassword]
    .map((p) => [p.name, p]),
);

/** The plugin registered under `name` (e.g. `"caching_sha2_password"`), or undefined. */
export function authPlugin(name: string): AuthPlugin | undefined {
  return registry.get(name);
}

/** Names of all supported authentication plugins. */
export function authPluginNames(): string[] {
  return [...registry.keys()];
}

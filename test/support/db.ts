/**
 * Connections and names the integration tests share, instead of each file copying its own
 * `before()` block: the test server's root user in the test database, and names unique to a run.
 */
import { connect, type Connection, type ConnectionOptions } from "../../mod.ts";
import { type TestEnv, testEnv } from "./env.ts";

/** Options for the test server's root user in the test database, with `extra` on top. */
export function rootOptions(env: TestEnv, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    ...extra,
  };
}

/** A connection as root to the test database (directly, not through a relay). */
export async function rootConnection(extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  return connect(rootOptions(await testEnv(), extra));
}

/** `prefix` and six random base-36 characters: a table or database name no other run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 8)}`;
}

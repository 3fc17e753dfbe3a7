/**
 * Bun's built-in SQL client (`Bun.SQL`) with its MySQL adapter, on Bun only. `sql.unsafe(text)`
 * without parameters is a text-protocol query (COM_QUERY); with parameters, or as a tagged
 * template, it is a prepared statement that Bun caches per connection. Bun.SQL has no row stream
 * or cursor for MySQL (its `readable()` is PostgreSQL only), so it sits out the streaming workload.
 * A pool of one connection, the way Bun.SQL is used. Rows as arrays: `.values()` on the query.
 */
import type { BenchConnection, BenchDriver, ConnectionSettings } from "./types.ts";

/** The few parts of Bun.SQL used here (the project type-checks without bun-types). */
interface BunSqlQuery extends Promise<unknown> {
  simple(): BunSqlQuery;
  /** Rows as arrays of values. */
  values(): BunSqlQuery;
}
interface BunSql {
  unsafe(sql: string, params?: readonly unknown[]): BunSqlQuery;
  close(): Promise<void>;
}
type BunSqlConstructor = new(options: Record<string, unknown>) => BunSql;

async function open(settings: ConnectionSettings): Promise<BenchConnection> {
  const bun = (globalThis as { Bun?: { SQL?: BunSqlConstructor } }).Bun;
  if (!bun?.SQL) throw new Error("Bun.SQL is only available on Bun");
  const sql = new bun.SQL({
    adapter: "mysql",
    hostname: settings.host,
    port: settings.port,
    username: settings.user,
    password: settings.password,
    database: settings.database,
    tls: false,
    max: 1,
  });
  await sql.unsafe("SELECT 1"); // connect now, as the other adapters do
  const arrays = settings.rowsAsArray === true;
  return {
    notes: ["Bun.SQL has no row stream or cursor for MySQL (its readable() is PostgreSQL only)"],
    query: arrays ? (text) => sql.unsafe(text).simple().values() : (text) => sql.unsafe(text).simple(),
    execute: arrays
      ? (text, params) => sql.unsafe(text, params).values()
      : (text, params) => sql.unsafe(text, params),
    close: () => sql.close(),
  };
}

const driver: BenchDriver = { id: "bunsql", label: "Bun.SQL", connect: open };
export default driver;

/**
 * mysql2 (Node), through its promise API; streaming through the core connection's
 * `query().stream()`, a Readable in object mode that pauses the socket while its buffer is full.
 * `supportBigNumbers: true` makes BIGINT a number when it is exact and a string otherwise, like
 * mywire (mysql2's default rounds big values silently).
 */
import mysql, { type ExecuteValues } from "mysql2/promise";
import type { Readable } from "node:stream";
import type { BenchConnection, BenchDriver, ConnectionSettings } from "./types.ts";

/** The callback-API connection behind a promise connection (there at runtime, not in the types). */
interface CoreConnection {
  query(sql: string): { stream(options?: { highWaterMark?: number }): Readable };
}

async function open(settings: ConnectionSettings): Promise<BenchConnection> {
  const conn = await mysql.createConnection({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    charset: "utf8mb4_general_ci",
    supportBigNumbers: true,
    rowsAsArray: settings.rowsAsArray === true,
  });
  const core = (conn as unknown as { connection: CoreConnection }).connection;
  return {
    notes: [],
    query: async (sql) => (await conn.query(sql))[0],
    execute: async (sql, params) => (await conn.execute(sql, params as ExecuteValues[]))[0],
    stream: (sql) => core.query(sql).stream(),
    close: () => conn.end(),
  };
}

const driver: BenchDriver = { id: "mysql2", label: "mysql2", connect: open };
export default driver;

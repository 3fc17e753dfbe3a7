/**
 * mywire, on whichever runtime runs this file (Node, Deno or Bun). `execute` and `stream` use
 * `Connection.execute` and `Connection.stream` when the connection has them; until then they fall
 * back to `query` (and say so in `notes`, which end up in the report).
 */
import { connect } from "../../mod.ts";
import type { BenchConnection, BenchDriver, ConnectionSettings } from "./types.ts";

/** The parts of the API that may not exist yet in the checked-out source. */
interface Upcoming {
  execute?: (sql: string, params?: readonly unknown[]) => Promise<unknown>;
  stream?: (
    sql: string,
    params?: readonly unknown[],
    options?: { prepared?: boolean },
  ) => AsyncIterable<unknown>;
}

async function open(settings: ConnectionSettings): Promise<BenchConnection> {
  const conn = await connect({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    charset: "utf8mb4",
    ssl: "disabled",
    rowsAsArray: settings.rowsAsArray === true,
  });
  const upcoming = conn as unknown as Upcoming;
  const notes: string[] = [];
  const hasExecute = typeof upcoming.execute === "function";
  const hasStream = typeof upcoming.stream === "function";
  if (!hasExecute) {
    notes.push("conn.execute() missing: ran query() with client-side placeholders (text protocol)");
  }
  if (!hasStream) notes.push("conn.stream() missing: ran query() (all rows buffered)");
  return {
    notes,
    query: (sql) => conn.query(sql),
    execute: hasExecute
      ? (sql, params) => upcoming.execute!.call(conn, sql, params)
      : (sql, params) => conn.query(sql, params),
    stream: hasStream
      ? (sql) => upcoming.stream!.call(conn, sql, undefined, { prepared: false })
      : async function*(sql) {
        yield* await conn.query(sql);
      },
    close: () => conn.close(),
  };
}

const driver: BenchDriver = { id: "mywire", label: "mywire", connect: open };
export default driver;

/**
 * The MariaDB Node.js connector (`mariadb` on npm), promise API; streaming through `queryStream`,
 * a Readable in object mode that pauses the socket while its buffer is full. `bigIntAsNumber` and
 * `insertIdAsNumber` make BIGINT a number, as mywire and mysql2 return it for values within 2^53
 * (the connector's default is a BigInt for every BIGINT, which costs more to build).
 */
import mariadb from "mariadb";
import type { BenchConnection, BenchDriver, ConnectionSettings } from "./types.ts";

async function open(settings: ConnectionSettings): Promise<BenchConnection> {
  const conn = await mariadb.createConnection({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    collation: "utf8mb4_general_ci",
    ssl: false,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
    rowsAsArray: settings.rowsAsArray === true,
  });
  return {
    notes: [],
    query: (sql) => conn.query(sql),
    execute: (sql, params) => conn.execute(sql, params),
    stream: (sql) => conn.queryStream(sql),
    close: () => conn.end(),
  };
}

const driver: BenchDriver = { id: "mariadb", label: "mariadb", connect: open };
export default driver;

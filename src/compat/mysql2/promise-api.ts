/**
 * The promise API, shaped like the `mysql2/promise` module: `createConnection` resolves once
 * connected, `createPool` and `createPoolCluster` return at once.
 */
import { ColumnType } from "../../protocol/constants.ts";
import { Connection } from "./connection.ts";
import { typeNames } from "./fields.ts";
import { escape, escapeId, format, raw } from "./format.ts";
import { type Mysql2ConnectionOptions, type Mysql2PoolOptions, resolveConnectionOptions } from "./options.ts";
import { PoolCluster, type PoolClusterOptions } from "./pool-cluster.ts";
import { Pool } from "./pool.ts";
import { PromiseConnection } from "./promise-connection.ts";
import { PromisePoolCluster } from "./promise-pool-cluster.ts";
import { PromisePool, PromisePoolConnection } from "./promise-pool.ts";

/** Connects with mysql2's options (or a URL); resolves once connected and authenticated. */
export function createConnection(options: Mysql2ConnectionOptions | string): Promise<PromiseConnection> {
  let conn: Connection;
  try {
    conn = new Connection(resolveConnectionOptions(options));
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    conn.connect((error) => (error ? reject(error) : resolve(new PromiseConnection(conn))));
  });
}

/** Creates a pool with mysql2's options. */
export function createPool(options: Mysql2PoolOptions | string): PromisePool {
  return new PromisePool(new Pool(options));
}

/** Creates an empty cluster of pools. */
export function createPoolCluster(options?: PoolClusterOptions): PromisePoolCluster {
  return new PromisePoolCluster(new PoolCluster(options));
}

/** Column type numbers by mysql2's names, and names by numbers. */
export const Types: Readonly<Record<string, number> & Record<number, string>> = Object.freeze({
  ...typeNames,
  ...Object.fromEntries(Object.entries(ColumnType).filter(([, id]) => typeNames[id] !== undefined)),
}) as Readonly<Record<string, number> & Record<number, string>>;

export {
  escape,
  escapeId,
  format,
  PromiseConnection,
  PromisePool,
  PromisePoolCluster,
  PromisePoolConnection,
  raw,
};

/** The module as one object, for `import mysql from "mywire/mysql2/promise"`. */
const promise = {
  createConnection,
  createPool,
  createPoolCluster,
  format,
  escape,
  escapeId,
  raw,
  Types,
  PromiseConnection,
  PromisePool,
  PromisePoolConnection,
  PromisePoolCluster,
};
export default promise;

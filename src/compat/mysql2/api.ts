/**
 * The callback API, shaped like the `mysql2` module: `createConnection`, `createPool`,
 * `createPoolCluster`, `format`/`escape`/`escapeId`/`raw`, `Types`, and the classes; plus
 * `createConnectionPromise`/`createPoolPromise`/`createPoolClusterPromise` as mysql2 has.
 */
import { ColumnType } from "../../protocol/constants.ts";
import { Connection } from "./connection.ts";
import { typeNames } from "./fields.ts";
import { escape, escapeId, format, raw } from "./format.ts";
import { type Mysql2ConnectionOptions, resolveConnectionOptions } from "./options.ts";
import { createPoolCluster, PoolCluster } from "./pool-cluster.ts";
import { createPool, Pool, PoolConnection } from "./pool.ts";
import {
  createConnection as createConnectionPromise,
  createPool as createPoolPromise,
  createPoolCluster as createPoolClusterPromise,
} from "./promise-api.ts";

/** Opens a connection with mysql2's options (or a URL); commands may be called at once. */
export function createConnection(options: Mysql2ConnectionOptions | string): Connection {
  return new Connection(resolveConnectionOptions(options));
}

/** Column type numbers by mysql2's names, and names by numbers (mysql2's `Types`). */
export const Types: Readonly<Record<string, number> & Record<number, string>> = Object.freeze({
  ...typeNames,
  ...Object.fromEntries(Object.entries(ColumnType).filter(([, id]) => typeNames[id] !== undefined)),
}) as Readonly<Record<string, number> & Record<number, string>>;

export {
  Connection,
  createConnectionPromise,
  createPool,
  createPoolCluster,
  createPoolClusterPromise,
  createPoolPromise,
  escape,
  escapeId,
  format,
  Pool,
  PoolCluster,
  PoolConnection,
  raw,
};

/** `createConnection`, under mysql2's other name. */
export const connect = createConnection;

/** The module as one object, for `import mysql from "mywire/mysql2"`. */
const mysql2 = {
  createConnection,
  connect: createConnection,
  createPool,
  createPoolCluster,
  createConnectionPromise,
  createPoolPromise,
  createPoolClusterPromise,
  format,
  escape,
  escapeId,
  raw,
  Types,
  Connection,
  Pool,
  PoolConnection,
  PoolCluster,
};
export default mysql2;

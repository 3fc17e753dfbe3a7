/**
 * mywire/mysql2/promise: a drop-in for the `mysql2/promise` module on mywire's client.
 * See docs/integrations.md.
 */
// Runtime adapters, for the connections it opens.
import "./src/entry/adapters.ts";

export type { QueryOptions } from "./src/compat/mysql2/arguments.ts";
export type { Mysql2Field, Mysql2TypeCast, TypeCastField } from "./src/compat/mysql2/fields.ts";
export type { Mysql2ConnectionOptions, Mysql2PoolOptions } from "./src/compat/mysql2/options.ts";
export type { PoolClusterOptions, Selector } from "./src/compat/mysql2/pool-cluster.ts";
export * from "./src/compat/mysql2/promise-api.ts";
export { default } from "./src/compat/mysql2/promise-api.ts";
export type {
  FieldPacket,
  PromisePreparedStatementInfo,
  QueryTuple,
  RowDataPacket,
} from "./src/compat/mysql2/promise-connection.ts";
export type { PromisePoolNamespace } from "./src/compat/mysql2/promise-pool-cluster.ts";
export { ResultSetHeader } from "./src/compat/mysql2/results.ts";

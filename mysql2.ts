/**
 * mywire/mysql2: a drop-in for the `mysql2` module (callback API, with `.promise()`) on mywire's
 * client. The promise API, as `mysql2/promise`, is `mywire/mysql2/promise`. See docs/integrations.md.
 */
// Runtime adapters, for the connections it opens.
import "./src/entry/adapters.ts";

export * from "./src/compat/mysql2/api.ts";
export { default } from "./src/compat/mysql2/api.ts";
export type { QueryCallback, QueryOptions } from "./src/compat/mysql2/arguments.ts";
export type { Mysql2Field, Mysql2TypeCast, TypeCastField } from "./src/compat/mysql2/fields.ts";
export type { Mysql2ConnectionOptions, Mysql2PoolOptions } from "./src/compat/mysql2/options.ts";
export type { PoolClusterOptions, PoolNamespace, Selector } from "./src/compat/mysql2/pool-cluster.ts";
export { Query } from "./src/compat/mysql2/query.ts";
export { ResultSetHeader } from "./src/compat/mysql2/results.ts";
export { RowStream } from "./src/compat/mysql2/stream.ts";

/**
 * mywire/effect: the Effect API. A `MysqlClient` service and Layer that own a pool for the life of a
 * Scope (typed errors, interruption that cancels the query on the server, Streams, retries with
 * Schedule), and effect/sql's `SqlClient` backed by mywire (`layerSql`), so that
 * ``sql`SELECT ${x}` `` works. The Promise API is in `mywire` (mod.ts).
 */
import "./src/effect/register.ts";
// Runtime adapters, for the connections MysqlClient and layerSql open.
import "./src/entry/adapters.ts";
export { binlogStream, type BinlogStreamError } from "./src/effect/binlog.ts";
export {
  clientOf,
  type EffectCommandOptions,
  type EffectTransactionOptions,
  makeClient,
  MysqlClient,
  type MysqlClientService,
  type MysqlConnection,
  type MysqlTransaction,
} from "./src/effect/client.ts";
export {
  fromBinlogError,
  fromError,
  isTransient,
  MysqlAbortError,
  MysqlBinlogError,
  type MysqlClientError,
  MysqlConnectionError,
  MysqlPluginError,
  MysqlPoolError,
  MysqlProtocolError,
  MysqlServerError,
  MysqlTimeoutError,
} from "./src/effect/errors.ts";
export { type LiftedHook, liftHooks } from "./src/effect/lift.ts";
export {
  classifySqlError,
  layerSql,
  makeCompiler,
  makeSql,
  makeSqlClient,
  type MysqlSqlOptions,
} from "./src/effect/sql.ts";

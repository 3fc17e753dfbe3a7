/**
 * effect 4's SQL toolkit (`effect/sql`) backed by mywire: a `SqlClient` whose connections are a
 * mywire pool's, so that ``sql`SELECT * FROM t WHERE id = ${id}` `` runs through this driver.
 * Statements with parameters run as prepared statements (binary protocol), those without as text;
 * transactions (`sql.withTransaction`) and `reserve` hold one pooled connection; streams hold one
 * until they end. Failures are `SqlError`s whose reason is classified from the server's errno.
 */
import { Context, Effect, Layer, type Scope, Stream } from "effect";
import * as Reactivity from "effect/reactivity/Reactivity";
import * as SqlClient from "effect/sql/SqlClient";
import type * as SqlConnection from "effect/sql/SqlConnection";
import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  ConstraintError,
  DeadlockError,
  LockTimeoutError,
  SqlError,
  SqlSyntaxError,
  StatementTimeoutError,
  UniqueViolation,
  UnknownError,
} from "effect/sql/SqlError";
import * as Statement from "effect/sql/Statement";
import { PoolError, TimeoutError } from "../client/errors.ts";
import type { CommandOptions } from "../client/job.ts";
import type { PoolOptions } from "../client/pool-options.ts";
import { createPool, type Pool } from "../client/pool.ts";
import { AuthError } from "../protocol/auth/plugin.ts";
import { MysqlError, ProtocolError } from "../protocol/errors.ts";
import { ConnectionError as MywireConnectionError } from "../runtime/socket.ts";
import type { QueryResult } from "../session/result.ts";
import { clientOf, MysqlClient } from "./client.ts";

/** Options of the SqlClient: the pool's, and the name transforms and span attributes of effect/sql. */
export interface MysqlSqlOptions extends PoolOptions {
  /** Renames identifiers in queries (e.g. camelCase to snake_case). */
  readonly transformQueryNames?: (name: string) => string;
  /** Renames the columns of result rows (e.g. snake_case to camelCase). */
  readonly transformResultNames?: (name: string) => string;
  /** Extra attributes of every query's span. */
  readonly spanAttributes?: Record<string, unknown>;
}

const connectionErrnos = new Set([1040, 1042, 1043, 1129, 1130, 1203]);
const authorizationErrnos = new Set([1044, 1142, 1143, 1227]);
const syntaxErrnos = new Set([1054, 1064, 1146]);
const constraintErrnos = new Set([1022, 1048, 1169, 1216, 1217, 1451, 1452, 1557]);

/** The effect/sql reason for an error of the Promise API. */
export function classifySqlError(cause: unknown, operation: string): SqlError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const props = { cause, message, operation };
  let reason;
  if (cause instanceof MysqlError) {
    const errno = cause.errno;
    if (connectionErrnos.has(errno)) reason = new ConnectionError(props);
    else if (errno === 1045) reason = new AuthenticationError(props);
    else if (authorizationErrnos.has(errno)) reason = new AuthorizationError(props);
    else if (syntaxErrnos.has(errno)) reason = new SqlSyntaxError(props);
    else if (errno === 1062) {
      const key = /for key '([^']*)'/.exec(cause.sqlMessage)?.[1];
      reason = new UniqueViolation({ ...props, constraint: key || "unknown" });
    } else if (constraintErrnos.has(errno)) reason = new ConstraintError(props);
    else if (errno === 1213) reason = new DeadlockError(props);
    else if (errno === 1205) reason = new LockTimeoutError(props);
    else if (errno === 3024 || errno === 1969 || errno === 1317) reason = new StatementTimeoutError(props);
    else reason = new UnknownError(props);
  } else if (
    cause instanceof MywireConnectionError || cause instanceof ProtocolError || cause instanceof PoolError
  ) {
    reason = new ConnectionError(props);
  } else if (cause instanceof AuthError) reason = new AuthenticationError(props);
  else if (cause instanceof TimeoutError) reason = new StatementTimeoutError(props);
  else reason = new UnknownError(props);
  return new SqlError({ reason });
}

/** What statements run on: the pool (any free connection) or one borrowed connection. */
interface Target {
  query<Row>(sql: string, params?: readonly unknown[], options?: CommandOptions): Promise<QueryResult<Row>>;
  execute<Row>(sql: string, params?: readonly unknown[], options?: CommandOptions): Promise<QueryResult<Row>>;
  stream<Row>(
    sql: string,
    params?: readonly unknown[],
    options?: CommandOptions & { prepared?: boolean },
  ): AsyncGenerator<Row, void, undefined>;
}

type TransformRows = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined;

/** Rows as arrays of values, in column order. */
function values(result: QueryResult<Record<string, unknown>>): unknown[][] {
  const names = result.fields.map((f) => f.name);
  return result.map((row) => names.map((n) => row[n]));
}

/** A SqlConnection over a target. */
function sqlConnection(target: Target): SqlConnection.Connection {
  const run = (
    operation: string,
    call: (signal: AbortSignal) => Promise<QueryResult<Record<string, unknown>>>,
  ) =>
    Effect.tryPromise({
      try: (signal) => call(signal),
      catch: (cause) => classifySqlError(cause, operation),
    });
  const prepared = (sql: string, params: ReadonlyArray<unknown>) =>
    run("execute", (signal) =>
      params.length === 0
        ? target.query(sql, undefined, { signal })
        : target.execute(sql, params, { signal }));
  const text = (sql: string, params: ReadonlyArray<unknown>) =>
    run(
      "executeUnprepared",
      (signal) => target.query(sql, params.length === 0 ? undefined : params, { signal }),
    );
  const rows = (result: QueryResult<Record<string, unknown>>, transform: TransformRows) =>
    transform ? transform(result as ReadonlyArray<object>) : result;
  return {
    execute: (sql, params, transform) => Effect.map(prepared(sql, params), (r) => rows(r, transform)),
    executeRaw: (sql, params) => prepared(sql, params),
    executeValues: (sql, params) => Effect.map(prepared(sql, params), values),
    executeValuesUnprepared: (sql, params) => Effect.map(text(sql, params), values),
    executeUnprepared: (sql, params, transform) => Effect.map(text(sql, params), (r) => rows(r, transform)),
    executeStream: (sql, params, transform) => {
      const stream = Stream.unwrap(
        Effect.map(
          Effect.acquireRelease(
            Effect.sync(() => new AbortController()),
            (controller) => Effect.sync(() => controller.abort()),
          ),
          (controller) =>
            Stream.fromAsyncIterable(
              target.stream<Record<string, unknown>>(sql, params, {
                prepared: params.length > 0,
                signal: controller.signal,
              }),
              (cause) => classifySqlError(cause, "executeStream"),
            ),
        ),
      );
      return transform ? Stream.mapArray(stream, (chunk) => transform(chunk) as typeof chunk) : stream;
    },
  };
}

/** The backquoted names of a column list as effect/sql renders it: "(`a`,`b`)" to ["`a`", "`b`"]. */
function columnNames(columns: string): string[] {
  const names: string[] = [];
  let i = 1; // after "("
  while (i < columns.length - 1) {
    if (columns[i] === ",") {
      i++;
      continue;
    }
    // A backquoted identifier: a doubled backquote is part of the name.
    let j = i + 1;
    for (;;) {
      const close = columns.indexOf("`", j);
      if (close < 0) throw new TypeError(`unexpected column list ${columns}`);
      if (columns[close + 1] === "`") j = close + 2;
      else {
        j = close + 1;
        break;
      }
    }
    names.push(columns.slice(i, j));
    i = j;
  }
  return names;
}

/**
 * `sql.updateValues(rows, alias)` for MySQL and MariaDB: a derived table of the rows,
 * `(SELECT ? AS \`id\`, ? AS \`name\` UNION ALL SELECT ?, ?) AS \`alias\``, to join in an
 * UPDATE (`UPDATE t JOIN ${sql.updateValues(rows, "v")} ON t.id = v.id SET t.name = v.name`).
 * MySQL has neither UPDATE ... FROM nor named columns for a VALUES list on MariaDB, so this is
 * the form both servers take. Neither has UPDATE ... RETURNING: asking for it is an error.
 */
function recordUpdate(
  _placeholders: string,
  alias: string,
  columns: string,
  values: ReadonlyArray<ReadonlyArray<unknown>>,
  returning: readonly [string, ReadonlyArray<unknown>] | undefined,
): readonly [string, ReadonlyArray<unknown>] {
  if (returning !== undefined) throw new TypeError("MySQL and MariaDB have no UPDATE ... RETURNING");
  const names = columnNames(columns);
  const selects = values.map((row, i) =>
    "SELECT " + row.map((_, j) => (i === 0 ? `? AS ${names[j]}` : "?")).join(", ")
  );
  return [`(${selects.join(" UNION ALL ")}) AS ${alias}`, values.flat()];
}

/** The MySQL dialect of effect/sql's statement compiler: `?` placeholders, backquoted identifiers. */
export function makeCompiler(transform?: (name: string) => string): Statement.Compiler {
  const escape = Statement.defaultEscape("`");
  return Statement.makeCompiler({
    dialect: "mysql",
    placeholder: () => "?",
    onIdentifier: transform
      ? (value, withoutTransform) => withoutTransform ? escape(value) : escape(transform(value))
      : escape,
    onCustom: () => ["", []],
    onRecordUpdate: recordUpdate,
  });
}

/** A SqlClient over an existing pool (which the caller closes). */
export function makeSqlClient(
  pool: Pool,
  options: Pick<MysqlSqlOptions, "transformQueryNames" | "transformResultNames" | "spanAttributes"> = {},
): Effect.Effect<SqlClient.SqlClient, never, Reactivity.Reactivity> {
  const server = pool.server;
  const spanAttributes: [string, unknown][] = [
    ...Object.entries(options.spanAttributes ?? {}),
    ["db.system.name", "mysql"],
    ["server.address", server.socketPath ?? server.host],
    ["server.port", server.port],
  ];
  if (server.database) spanAttributes.push(["db.namespace", server.database]);
  const reserve = Effect.acquireRelease(
    Effect.tryPromise({
      try: (signal) => pool.acquire({ signal }),
      catch: (cause) => classifySqlError(cause, "acquireConnection"),
    }),
    (conn) => Effect.promise(() => conn.close()),
  );
  return SqlClient.make({
    driver: "mywire",
    acquirer: Effect.succeed(sqlConnection(pool as Target)),
    transactionAcquirer: Effect.map(reserve, (conn) => sqlConnection(conn as Target)),
    compiler: makeCompiler(options.transformQueryNames),
    spanAttributes,
    transformRows: options.transformResultNames
      ? Statement.defaultTransforms(options.transformResultNames).array
      : undefined,
    releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
  });
}

/** Opens a pool for the current Scope and builds a SqlClient on it (checked with one query). */
export function makeSql(
  options: MysqlSqlOptions,
): Effect.Effect<{ sql: SqlClient.SqlClient; pool: Pool }, SqlError, Scope.Scope | Reactivity.Reactivity> {
  return Effect.gen(function*() {
    const { transformQueryNames, transformResultNames, spanAttributes, ...poolOptions } = options;
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => createPool(poolOptions)),
      (pool) => Effect.promise(() => pool.close()),
    );
    yield* Effect.tryPromise({
      try: (signal) => pool.query("SELECT 1", undefined, { signal }),
      catch: (cause) => classifySqlError(cause, "connect"),
    });
    const sql = yield* makeSqlClient(pool, { transformQueryNames, transformResultNames, spanAttributes });
    return { sql, pool };
  });
}

/**
 * A Layer providing effect/sql's `SqlClient` and mywire's `MysqlClient`, both on one pool that lives
 * as long as the Layer's scope.
 */
export function layerSql(options: MysqlSqlOptions): Layer.Layer<SqlClient.SqlClient | MysqlClient, SqlError> {
  return Layer.effectContext(
    Effect.map(
      makeSql(options),
      ({ sql, pool }) =>
        Context.make(SqlClient.SqlClient, sql).pipe(Context.add(MysqlClient, clientOf(pool))),
    ),
  ).pipe(Layer.provide(Reactivity.layer));
}

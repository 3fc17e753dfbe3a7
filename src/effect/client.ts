/**
 * The Effect API: a `MysqlClient` service whose Layer owns a pool for the life of its Scope. Every
 * operation is an Effect failing with a typed `MysqlClientError`; interrupting the fiber (or
 * `Effect.timeout`) aborts the command, which the client interrupts on the server with KILL QUERY.
 * Streams are Effect Streams that hold their connection until they end or are interrupted.
 * Retry with any Schedule: `Effect.retry({ schedule, while: isTransient })`, or `retry` on a
 * transaction for deadlocks.
 */
import { Context, Effect, Exit, Layer, type Schedule, type Scope, Stream } from "effect";
import type { Connection, QueryParams } from "../client/connection.ts";
import type { CommandOptions } from "../client/job.ts";
import type { PoolOptions } from "../client/pool-options.ts";
import { createPool, type Pool, type PoolStats } from "../client/pool.ts";
import {
  beginStatements,
  isRetryableTransactionError,
  type TransactionOptions,
} from "../client/transaction.ts";
import type { QueryResult } from "../session/result.ts";
import { fromError, type MysqlClientError } from "./errors.ts";

/** Per-command options in the Effect API (the AbortSignal is the fiber's interruption). */
export interface EffectCommandOptions {
  /** Milliseconds for the command (see `CommandOptions.timeout`). `Effect.timeout` works too. */
  readonly timeout?: number;
  /** See `CommandOptions.retryable`. */
  readonly retryable?: boolean;
}

/** Options of `transaction` in the Effect API. */
export interface EffectTransactionOptions {
  readonly isolationLevel?: TransactionOptions["isolationLevel"];
  readonly readOnly?: boolean;
  /** Run the whole transaction again on a deadlock (1213) or lock wait timeout (1205), on this schedule. */
  readonly retry?: Schedule.Schedule<unknown, MysqlClientError>;
}

/** Commands on one connection: a borrowed one, or a transaction's. */
export interface MysqlConnection {
  /** The server's thread id. */
  readonly threadId: number;
  /** A text query (see `Connection.query`). */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options?: EffectCommandOptions,
  ): Effect.Effect<QueryResult<Row>, MysqlClientError>;
  /** A prepared statement (see `Connection.execute`). */
  execute<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: EffectCommandOptions,
  ): Effect.Effect<QueryResult<Row>, MysqlClientError>;
  /** The rows of a query as a Stream (see `Connection.stream`). */
  stream<Row = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options?: EffectCommandOptions & { readonly prepared?: boolean },
  ): Stream.Stream<Row, MysqlClientError>;
}

/** A transaction's connection: its commands, and nesting with a savepoint. */
export interface MysqlTransaction extends MysqlConnection {
  /** Runs `effect` in a savepoint: rolled back to it if `effect` fails, the outer transaction goes on. */
  savepoint<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | MysqlClientError, R>;
}

/** The MysqlClient service: the pool's commands, borrowing, transactions, stats. */
export interface MysqlClientService extends Omit<MysqlConnection, "threadId"> {
  /** The pool underneath (the Promise API). */
  readonly pool: Pool;
  /** Runs `f` with a connection of its own, given back when `f` ends however it ends. */
  connection<A, E, R>(
    f: (conn: MysqlConnection) => Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E | MysqlClientError, R>;
  /** Runs `f` in a transaction: COMMIT when it succeeds, ROLLBACK when it fails or is interrupted. */
  transaction<A, E, R>(
    f: (tx: MysqlTransaction) => Effect.Effect<A, E, R>,
    options?: EffectTransactionOptions,
  ): Effect.Effect<A, E | MysqlClientError, R>;
  /** The pool's counts. */
  readonly stats: Effect.Effect<PoolStats>;
}

/** The service key: `yield* MysqlClient` in an Effect, provided by `MysqlClient.layer(options)`. */
// The base class as a typed constant: JSR's fast check cannot infer a call in an `extends` clause.
const MysqlClientKey: Context.ServiceClass<MysqlClient, "mywire/MysqlClient", MysqlClientService> = Context
  .Service<MysqlClient, MysqlClientService>()("mywire/MysqlClient");

export class MysqlClient extends MysqlClientKey {
  /** A Layer that opens a pool (checked with one query) and closes it when its scope closes. */
  static layer(options: PoolOptions | string): Layer.Layer<MysqlClient, MysqlClientError> {
    return Layer.effect(MysqlClient, makeClient(options));
  }
}

/** What the commands run on: the pool, or one connection. */
interface Target {
  query<Row>(sql: string, params?: QueryParams, options?: CommandOptions): Promise<QueryResult<Row>>;
  execute<Row>(sql: string, params?: readonly unknown[], options?: CommandOptions): Promise<QueryResult<Row>>;
  stream<Row>(
    sql: string,
    params?: QueryParams,
    options?: CommandOptions & { prepared?: boolean },
  ): AsyncGenerator<Row, void, undefined>;
}

/** Runs a Promise-API call as an Effect; the fiber's interruption aborts it. */
function attempt<A>(run: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, MysqlClientError> {
  return Effect.tryPromise({ try: (signal) => run(signal), catch: fromError });
}

function commands(target: Target): Omit<MysqlConnection, "threadId"> {
  return {
    query: <Row>(sql: string, params?: QueryParams, options?: EffectCommandOptions) =>
      attempt((signal) => target.query<Row>(sql, params, { ...options, signal })),
    execute: <Row>(sql: string, params?: readonly unknown[], options?: EffectCommandOptions) =>
      attempt((signal) => target.execute<Row>(sql, params, { ...options, signal })),
    stream: <Row>(
      sql: string,
      params?: QueryParams,
      options?: EffectCommandOptions & { prepared?: boolean },
    ) =>
      Stream.unwrap(
        Effect.map(
          // Closing the stream's scope early aborts the query (KILL QUERY) if it is still running.
          Effect.acquireRelease(
            Effect.sync(() => new AbortController()),
            (controller) => Effect.sync(() => controller.abort()),
          ),
          (controller) =>
            Stream.fromAsyncIterable(
              target.stream<Row>(sql, params, { ...options, signal: controller.signal }),
              (error) => fromError(error),
            ),
        ),
      ),
  };
}

function connectionOf(conn: Connection): MysqlConnection {
  return { threadId: conn.threadId, ...commands(conn) };
}

let savepoints = 0;

function transactionOf(conn: Connection): MysqlTransaction {
  const base = connectionOf(conn);
  const run = (sql: string) => base.query(sql);
  return {
    ...base,
    savepoint: <A, E, R>(effect: Effect.Effect<A, E, R>) => {
      const name = `mywire_esp_${++savepoints}`;
      return Effect.acquireUseRelease(
        run(`SAVEPOINT ${name}`),
        () => Effect.flatMap(effect, (a) => Effect.as(run(`RELEASE SAVEPOINT ${name}`), a)),
        (_, exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(run(`ROLLBACK TO SAVEPOINT ${name}`)),
      );
    },
  };
}

/** Builds the service over an existing pool (which the caller closes). */
export function clientOf(pool: Pool): MysqlClientService {
  const borrow = Effect.acquireRelease(
    attempt((signal) => pool.acquire({ signal })),
    (conn) => Effect.promise(() => conn.close()),
  );
  return {
    pool,
    ...commands(pool),
    connection: (f) => Effect.scoped(Effect.flatMap(borrow, (conn) => f(connectionOf(conn)))),
    transaction: <A, E, R>(
      f: (tx: MysqlTransaction) => Effect.Effect<A, E, R>,
      options?: EffectTransactionOptions,
    ) => {
      let begin: string[];
      try {
        begin = beginStatements(options);
      } catch (error) {
        return Effect.die(error);
      }
      const once: Effect.Effect<A, E | MysqlClientError, R> = Effect.scoped(
        Effect.flatMap(borrow, (conn: Connection) => {
          const tx = transactionOf(conn);
          return Effect.acquireUseRelease(
            Effect.forEach(begin, (sql) => tx.query(sql), { discard: true }),
            () => Effect.flatMap(f(tx), (a) => Effect.as(tx.query("COMMIT"), a)),
            (_, exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(tx.query("ROLLBACK")),
          );
        }),
      );
      if (options?.retry === undefined) return once;
      return Effect.retry(once, {
        schedule: options.retry as Schedule.Schedule<unknown, E | MysqlClientError>,
        while: (error) =>
          typeof error === "object" && error !== null
          && (error as { _tag?: string })._tag === "MysqlServerError"
          && isRetryableTransactionError((error as { errno: number }).errno),
      });
    },
    stats: Effect.sync(() => pool.stats()),
  };
}

/**
 * Opens a pool for the current Scope (closed with it) and checks the server answers. Bad options
 * are a defect (TypeError); an unreachable server a typed error.
 */
export function makeClient(
  options: PoolOptions | string,
): Effect.Effect<MysqlClientService, MysqlClientError, Scope.Scope> {
  return Effect.gen(function*() {
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => createPool(options)),
      (pool) => Effect.promise(() => pool.close()),
    );
    yield* attempt((signal) => pool.query("SELECT 1", undefined, { signal }));
    return clientOf(pool);
  });
}

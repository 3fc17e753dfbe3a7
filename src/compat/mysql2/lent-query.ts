/**
 * `pool.query()` and `cluster.query()` as mysql2 has them: borrow a connection, run one statement
 * on it, give it back when the statement's events end. The Query is returned at once (its events
 * and `.stream()` work as on a connection); a failure to borrow goes to the callback or the Query.
 */
import type { QueryCallback, QueryOptions } from "./arguments.ts";
import { callerStack } from "./errors.ts";
import type { PoolConnection } from "./pool.ts";
import { Query } from "./query.ts";

/** Lends a connection to `callback` (a pool's or a cluster's `getConnection`). */
export type Lend = (callback: (error: Error | null, connection: PoolConnection) => void) => void;

/** Runs `method` on a connection from `lend`, released when the Query ends. */
export function queryOnLentConnection(
  lend: Lend,
  method: "query" | "execute",
  sqlOrOptions: string | QueryOptions,
  values: unknown,
  callback?: QueryCallback,
): Query {
  const stack = callerStack();
  if (typeof values === "function") {
    callback = values as QueryCallback;
    values = undefined;
  }
  const q = new Query(typeof sqlOrOptions === "string" ? sqlOrOptions : sqlOrOptions?.sql, values);
  lend((error, conn) => {
    if (error || conn === undefined) {
      if (callback) callback(error);
      else q.fail(error ?? new Error("no connection"));
      return;
    }
    q.once("end", () => conn.release());
    conn._run(method, q, sqlOrOptions, values, callback, stack);
  });
  return q;
}

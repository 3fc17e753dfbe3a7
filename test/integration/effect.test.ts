/**
 * The Effect API (effect.ts) against the real server: the MysqlClient Layer owning a pool for its
 * scope, typed errors, interruption that kills the query on the server, Schedule retries, Streams,
 * transactions; and effect/sql's SqlClient backed by mywire (sql`SELECT ${x}`).
 */
import { Cause, Effect, Exit, Schedule, Stream } from "effect";
import * as SqlClient from "effect/sql/SqlClient";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  isTransient,
  layerSql,
  MysqlClient,
  MysqlConnectionError,
  MysqlPluginError,
  MysqlServerError,
  MysqlTimeoutError,
} from "../../effect.ts";
import { type Connection, definePlugin, PluginError, type PoolOptions } from "../../mod.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";

let env: TestEnv;
let relay: FaultRelay;
let direct: Connection;
const table = uniqueName("fx_rows");

before(async () => {
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  direct = await rootConnection();
  await direct.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(64), user_name VARCHAR(64))`);
});

after(async () => {
  await direct?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await direct?.close();
  await relay?.close();
});

function options(extra: Partial<PoolOptions> = {}): PoolOptions {
  return {
    host: relay.host,
    port: relay.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    max: 3,
    ...extra,
  };
}

function run<A, E>(effect: Effect.Effect<A, E, MysqlClient>, extra: Partial<PoolOptions> = {}): Promise<A> {
  return Effect.runPromise(Effect.provide(effect, MysqlClient.layer(options(extra))));
}

async function value(id: number): Promise<string | undefined> {
  return (await direct.query<{ name: string }>(`SELECT name FROM ${table} WHERE id = ?`, [id]))[0]?.name;
}

const failWith1205 =
  "BEGIN NOT ATOMIC SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1205, MESSAGE_TEXT = 'fake lock wait'; END";
const failWith1213 =
  "BEGIN NOT ATOMIC SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'fake deadlock'; END";

describe("MysqlClient", () => {
  test("the Layer owns a pool for its scope: queries, prepared statements, streams", async () => {
    const accepted = relay.accepted;
    const result = await run(Effect.gen(function*() {
      const client = yield* MysqlClient;
      const [row] = yield* client.query<{ tag: string }>("SELECT ? AS tag", ["fx"]);
      const [prepared] = yield* client.execute<{ n: number }>("SELECT ? + 1 AS n", [41]);
      const streamed = yield* Stream.runCollect(
        client.stream<{ n: number }>("SELECT seq AS n FROM seq_1_to_5"),
      );
      const stats = yield* client.stats;
      return {
        tag: row.tag,
        n: prepared.n,
        streamed: streamed.map((r) => r.n),
        total: stats.total,
        pool: client.pool,
      };
    }));
    assert.equal(result.tag, "fx");
    assert.equal(result.n, 42);
    assert.deepEqual(result.streamed, [1, 2, 3, 4, 5]);
    assert.ok(result.total >= 1);
    assert.ok(relay.accepted > accepted);
    assert.equal(result.pool.closed, true, "the pool was closed with the scope");
    await eventually(() => relay.open === 0, "its connections are closed");
  });

  test("server errors are typed, with the errno", async () => {
    const error = await run(Effect.gen(function*() {
      const client = yield* MysqlClient;
      return yield* Effect.flip(client.query("SELECT * FROM no_such_table_fx"));
    }));
    assert.ok(error instanceof MysqlServerError);
    assert.equal(error.errno, 1146);
    assert.equal(error.code, "ER_NO_SUCH_TABLE");
    const recovered = await run(Effect.gen(function*() {
      const client = yield* MysqlClient;
      return yield* client.query("SELECT * FROM no_such_table_fx").pipe(
        Effect.catchTag("MysqlServerError", (e) => Effect.succeed(`caught ${e.errno}`)),
      );
    }));
    assert.equal(recovered, "caught 1146");
  });

  test("a plugin failure is a typed MysqlPluginError, and the connection stays usable", async () => {
    const refuse = definePlugin({
      name: "refuse-drop",
      readQuery(_ctx, command) {
        if (command.type === "COM_QUERY" && /^DROP/i.test(command.sql)) throw new Error("no DROP here");
      },
    });
    const result = await run(
      Effect.gen(function*() {
        const client = yield* MysqlClient;
        const error = yield* Effect.flip(client.query("DROP TABLE no_such_table_fx"));
        const [row] = yield* client.query<{ one: number }>("SELECT 1 AS one");
        return { error, one: row.one };
      }),
      { plugins: [refuse], max: 1 },
    );
    assert.ok(result.error instanceof MysqlPluginError, String(result.error));
    assert.equal(result.error._tag, "MysqlPluginError");
    assert.equal(result.error.plugin, "refuse-drop");
    assert.equal(result.error.hook, "readQuery");
    assert.equal(result.error.code, "failed");
    assert.ok(result.error.cause instanceof PluginError);
    assert.match(result.error.message, /no DROP here/);
    assert.equal(result.one, 1);
  });

  test("a command timeout is a typed MysqlTimeoutError", async () => {
    const error = await run(Effect.gen(function*() {
      const client = yield* MysqlClient;
      return yield* Effect.flip(client.query("SELECT SLEEP(600)", [], { timeout: 30 }));
    }));
    assert.ok(error instanceof MysqlTimeoutError);
    assert.equal(error.code, "QUERY_TIMEOUT");
  });

  test("interrupting the fiber (Effect.timeout) kills the query on the server", async () => {
    const outcome = await run(Effect.gen(function*() {
      const client = yield* MysqlClient;
      const thread = yield* client.connection((conn) =>
        Effect.gen(function*() {
          const exit = yield* Effect.exit(
            Effect.timeout(conn.query("SELECT SLEEP(600) AS /* fx-int */ s"), "40 millis"),
          );
          assert.ok(Exit.isFailure(exit));
          const [row] = yield* conn.query<{ tag: string }>("SELECT ? AS tag", ["after"]);
          assert.equal(row.tag, "after");
          return conn.threadId;
        })
      );
      return thread;
    }));
    const rows = await direct.query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%fx-int%' AND ID = ?",
      [
        outcome,
      ],
    );
    assert.equal(rows.length, 0);
  });

  test("retry with a Schedule while the error is transient", async () => {
    let attempts = 0;
    const result = await run(Effect.gen(function*() {
      const client = yield* MysqlClient;
      const flaky = Effect.suspend(() =>
        ++attempts < 3
          ? client.query<{ n: number }>(failWith1205)
          : client.query<{ n: number }>("SELECT 3 AS n")
      );
      return yield* Effect.retry(flaky, { schedule: Schedule.recurs(5), while: isTransient });
    }));
    assert.equal(result[0].n, 3);
    assert.equal(attempts, 3);
    let syntax = 0;
    const exit = await run(Effect.exit(Effect.gen(function*() {
      const client = yield* MysqlClient;
      return yield* Effect.retry(
        Effect.suspend(() => (syntax++, client.query("SELEKT 1"))),
        { schedule: Schedule.recurs(5), while: isTransient },
      );
    })));
    assert.ok(Exit.isFailure(exit));
    assert.equal(syntax, 1, "a syntax error is not retried");
  });

  test("a stream interrupted early gives its connection back", async () => {
    const stats = await run(
      Effect.gen(function*() {
        const client = yield* MysqlClient;
        const firsts = yield* Stream.runCollect(
          Stream.take(client.stream<{ n: number }>("SELECT seq AS n FROM seq_1_to_100000"), 3),
        );
        assert.deepEqual(firsts.map((r) => r.n), [1, 2, 3]);
        const [row] = yield* client.query<{ n: number }>("SELECT 1 AS n");
        assert.equal(row.n, 1);
        return yield* client.stats;
      }),
      { max: 1 },
    );
    assert.equal(stats.borrowed, 0);
  });

  test("transactions commit, roll back on failure, nest with savepoints, retry on deadlock", async () => {
    let attempts = 0;
    await run(Effect.gen(function*() {
      const client = yield* MysqlClient;
      yield* client.transaction((tx) =>
        Effect.gen(function*() {
          yield* tx.query(`INSERT INTO ${table} (id, name) VALUES (1, 'kept')`);
          yield* Effect.exit(tx.savepoint(Effect.gen(function*() {
            yield* tx.query(`INSERT INTO ${table} (id, name) VALUES (2, 'undone')`);
            return yield* Effect.fail("inner");
          })));
        })
      );
      const exit = yield* Effect.exit(client.transaction((tx) =>
        Effect.gen(function*() {
          yield* tx.query(`INSERT INTO ${table} (id, name) VALUES (3, 'rolled back')`);
          return yield* Effect.fail("outer");
        })
      ));
      assert.ok(Exit.isFailure(exit));
      yield* client.transaction(
        (tx) =>
          Effect.gen(function*() {
            yield* tx.query(`REPLACE INTO ${table} (id, name) VALUES (4, 'retried')`);
            if (++attempts < 2) yield* tx.query(failWith1213);
          }),
        { retry: Schedule.recurs(3), isolationLevel: "READ COMMITTED" },
      );
    }));
    assert.equal(await value(1), "kept");
    assert.equal(await value(2), undefined);
    assert.equal(await value(3), undefined);
    assert.equal(await value(4), "retried");
    assert.equal(attempts, 2);
  });

  test("an unreachable server fails the Layer with a typed error; bad options are a defect", async () => {
    relay.refuse(true);
    try {
      const exit = await Effect.runPromiseExit(
        Effect.provide(
          Effect.gen(function*() {
            yield* MysqlClient;
          }),
          MysqlClient.layer(options({ reconnect: false })),
        ),
      );
      assert.ok(Exit.isFailure(exit));
      const error = Cause.squash(exit.cause);
      assert.ok(error instanceof MysqlConnectionError, String(error));
    } finally {
      relay.refuse(false);
    }
    const bad = await Effect.runPromiseExit(
      Effect.provide(
        Effect.gen(function*() {
          yield* MysqlClient;
        }),
        MysqlClient.layer(options({ max: -1 })),
      ),
    );
    assert.ok(Exit.isFailure(bad));
    assert.ok(Cause.squash(bad.cause) instanceof TypeError);
  });
});

describe("effect/sql SqlClient backed by mywire", () => {
  function runSql<A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | MysqlClient>): Promise<A> {
    return Effect.runPromise(Effect.provide(effect, layerSql({ ...options(), transformResultNames: camel })));
  }
  const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

  test("sql`SELECT ${x}` runs through mywire", async () => {
    const rows = await runSql(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient;
      assert.equal(sql.driver, "mywire");
      const x = "it's a 'tag'";
      return yield* sql<{ tag: string; n: number }>`SELECT ${x} AS tag, ${41} + 1 AS n`;
    }));
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ tag: "it's a 'tag'", n: 42 }]);
  });

  test("insert helpers, identifiers, result name transforms, values and streams", async () => {
    const result = await runSql(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient;
      yield* sql`INSERT INTO ${sql(table)} ${sql.insert({ id: 10, name: "a", user_name: "Ana" })}`;
      yield* sql`INSERT INTO ${sql(table)} ${sql.insert([{ id: 11, name: "b", user_name: "Ben" }])}`;
      const rows = yield* sql<{ userName: string }>`SELECT user_name FROM ${sql(table)} WHERE id IN ${
        sql.in([10, 11])
      } ORDER BY id`;
      const values = yield* sql`SELECT id, name FROM ${sql(table)} WHERE id = ${10}`.values;
      const streamed = yield* Stream.runCollect(
        sql<{ id: number }>`SELECT id FROM ${sql(table)} WHERE id >= ${10}`.stream,
      );
      return { names: rows.map((r) => r.userName), values, streamed: streamed.map((r) => r.id) };
    }));
    assert.deepEqual(result.names, ["Ana", "Ben"]);
    assert.deepEqual(result.values, [[10, "a"]]);
    assert.deepEqual(result.streamed.sort(), [10, 11]);
  });

  test("withTransaction commits or rolls back on one connection; errors are classified", async () => {
    const outcome = await runSql(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient;
      yield* sql.withTransaction(sql`INSERT INTO ${sql(table)} (id, name) VALUES (${20}, ${"tx"})`);
      const failed = yield* Effect.exit(sql.withTransaction(Effect.gen(function*() {
        yield* sql`INSERT INTO ${sql(table)} (id, name) VALUES (${21}, ${"no"})`;
        yield* sql.withTransaction(sql`INSERT INTO ${sql(table)} (id, name) VALUES (${22}, ${"nested"})`);
        yield* sql`INSERT INTO ${sql(table)} (id, name) VALUES (${20}, ${"duplicate"})`;
      })));
      const dup = Exit.isFailure(failed)
        ? Cause.squash(failed.cause) as { reason: { _tag: string } }
        : undefined;
      const syntax = yield* Effect.flip(sql`SELECT * FROM no_such_table_sql`);
      return { dup: dup?.reason._tag, syntax: syntax.reason._tag };
    }));
    assert.equal(outcome.dup, "UniqueViolation");
    assert.equal(outcome.syntax, "SqlSyntaxError");
    assert.equal(await value(20), "tx");
    assert.equal(await value(21), undefined);
    assert.equal(await value(22), undefined);
  });
});

/**
 * effect/sql's Migrator on mywire's SqlClient: pending migrations run once, in order, and are
 * recorded; a second run does nothing. And the MariaDB/MySQL caveat the docs state: DDL commits
 * implicitly, and the Migrator records pending migrations at the start of its transaction, so a
 * migration that fails after a CREATE TABLE stays applied: its table is there and it is recorded
 * as done (a later run does not try it again).
 */
import { Effect } from "effect";
import * as Migrator from "effect/sql/Migrator";
import * as SqlClient from "effect/sql/SqlClient";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { layerSql } from "../../effect.ts";
import type { Connection } from "../../mod.ts";
import { rootConnection } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
let direct: Connection;
const tag = Math.random().toString(36).slice(2, 8);
const migrations = `fx_migrations_${tag}`;

before(async () => {
  env = await testEnv();
  direct = await rootConnection();
});

after(async () => {
  await direct?.query(`DROP TABLE IF EXISTS ${migrations}, fx_a_${tag}, fx_b_${tag}`).catch(() => {});
  await direct?.close();
});

function migrate(record: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>) {
  const layer = layerSql({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    max: 1,
  });
  return Effect.runPromiseExit(Effect.provide(
    Migrator.make({})({ loader: Migrator.fromRecord(record), table: migrations }),
    layer,
  ));
}

const createA = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient;
  yield* sql`CREATE TABLE ${sql(`fx_a_${tag}`)} (id INT PRIMARY KEY)`;
});
const createBThenFail = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient;
  yield* sql`CREATE TABLE ${sql(`fx_b_${tag}`)} (id INT PRIMARY KEY)`;
  yield* sql`INSERT INTO ${sql(`fx_b_${tag}`)} VALUES (1), (1)`;
});

test("migrations run once and are recorded; one failing after DDL stays applied (the DDL caveat)", async () => {
  const first = await migrate({ "1_create_a": createA });
  assert.equal(first._tag, "Success");
  assert.deepEqual(first._tag === "Success" ? first.value : undefined, [[1, "create_a"]]);
  const again = await migrate({ "1_create_a": createA });
  assert.deepEqual(again._tag === "Success" ? again.value : undefined, []);

  const failed = await migrate({ "1_create_a": createA, "2_create_b": createBThenFail });
  assert.equal(failed._tag, "Failure");
  // The CREATE TABLE committed the Migrator's transaction, with the row it had already written
  // for migration 2: the failed migration is recorded, and its table is there.
  const recorded = await direct.query<{ migration_id: number }>(
    `SELECT migration_id FROM ${migrations} ORDER BY migration_id`,
  );
  assert.deepEqual([...recorded].map((r) => r.migration_id), [1, 2]);
  assert.equal((await direct.query(`SHOW TABLES LIKE 'fx_b_${tag}'`)).length, 1);
  const rerun = await migrate({ "1_create_a": createA, "2_create_b": createBThenFail });
  assert.deepEqual(rerun._tag === "Success" ? rerun.value : undefined, []);
});

/**
 * effect/sql's `sql.updateValues(rows, alias)` on mywire: it renders a derived table of the rows
 * that MySQL and MariaDB accept in an UPDATE with a JOIN (they have no UPDATE ... FROM), so a
 * batch of rows updates in one statement; names with backquotes and transformed names work.
 */
import { Effect } from "effect";
import * as SqlClient from "effect/sql/SqlClient";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { layerSql } from "../../effect.ts";
import type { Connection } from "../../mod.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
let direct: Connection;
const table = uniqueName("fx_upd");

before(async () => {
  env = await testEnv();
  direct = await rootConnection();
  await direct.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(64), \`odd\`\`col\` INT)`);
  await direct.query(`INSERT INTO ${table} VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)`);
});

after(async () => {
  await direct?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await direct?.close();
});

test("sql.updateValues updates a batch of rows through a JOIN", async () => {
  const layer = layerSql({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    max: 1,
  });
  await Effect.runPromise(Effect.provide(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient;
      const rows = [{ id: 1, name: "one", "odd`col": 10 }, {
        id: 3,
        name: "it's three",
        "odd`col": 30,
      }] as const;
      yield* sql`UPDATE ${sql(table)} t JOIN ${sql.updateValues(rows, "v")} ON t.id = v.id
        SET t.name = v.name, t.${sql("odd`col")} = v.${sql("odd`col")}`;
    }),
    layer,
  ));
  const after = await direct.query<{ id: number; name: string; odd: number }>(
    `SELECT id, name, \`odd\`\`col\` AS odd FROM ${table} ORDER BY id`,
  );
  assert.deepEqual([...after].map((r) => ({ ...r })), [
    { id: 1, name: "one", odd: 10 },
    { id: 2, name: "b", odd: 0 },
    { id: 3, name: "it's three", odd: 30 },
  ]);
});

test("the compiled form: one SELECT per row, the names on the first, the values in order", async () => {
  const layer = layerSql({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    max: 1,
  });
  const [text, params] = await Effect.runPromise(Effect.provide(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient;
      return sql`UPDATE t JOIN ${sql.updateValues([{ a: 1, b: "x" }, { a: 2, b: "y" }], "v")} ON t.a = v.a`
        .compile();
    }),
    layer,
  ));
  assert.equal(text, "UPDATE t JOIN (SELECT ? AS `a`, ? AS `b` UNION ALL SELECT ?, ?) AS `v` ON t.a = v.a");
  assert.deepEqual(params, [1, "x", 2, "y"]);
});

/**
 * Kysely's own MysqlDialect, as-is, with a pool from mywire/mysql2 (`pool: createPool(...)`): CRUD,
 * a committed and a rolled-back transaction, a savepoint rolled back inside a committed
 * transaction, and a streamed select.
 */
import { type Generated, Kysely, MysqlDialect } from "kysely";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPool } from "../../../mysql2.ts";
import { checkFinal, type OrmEnv, ormEnv } from "./orm-env.ts";

interface Tables {
  [table: string]: { id: Generated<number>; name: string; score: number };
}

let env: OrmEnv;
let db: Kysely<Tables>;

before(async () => {
  env = await ormEnv("kysely");
  db = new Kysely<Tables>({
    dialect: new MysqlDialect({ pool: createPool({ ...env.options, connectionLimit: 3 }) }),
  });
});

after(async () => {
  await db?.destroy();
  await env?.close();
});

test("Kysely: CRUD, transactions, a savepoint and a stream through mywire/mysql2", async () => {
  const t = env.table;
  const inserted = await db.insertInto(t).values([{ name: "ada", score: 10 }, { name: "bob", score: 20 }])
    .executeTakeFirstOrThrow();
  assert.equal(typeof inserted.insertId, "bigint");
  assert.equal(inserted.numInsertedOrUpdatedRows, 2n);
  const ada = await db.selectFrom(t).selectAll().where("name", "=", "ada").executeTakeFirstOrThrow();
  assert.equal(ada.id, Number(inserted.insertId));
  assert.equal(ada.score, 10);
  const updated = await db.updateTable(t).set({ score: 11 }).where("name", "=", "ada")
    .executeTakeFirstOrThrow();
  assert.equal(updated.numUpdatedRows, 1n);
  assert.equal(updated.numChangedRows, 1n);
  const deleted = await db.deleteFrom(t).where("name", "=", "bob").executeTakeFirstOrThrow();
  assert.equal(deleted.numDeletedRows, 1n);

  await db.transaction().execute(async (trx) => {
    await trx.insertInto(t).values({ name: "committed", score: 1 }).execute();
  });
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await trx.insertInto(t).values({ name: "rolled back", score: 0 }).execute();
      throw new Error("undo");
    }),
    /undo/,
  );
  const trx = await db.startTransaction().execute();
  await trx.insertInto(t).values({ name: "outer", score: 2 }).execute();
  const sp = await trx.savepoint("sp1").execute();
  await sp.insertInto(t).values({ name: "inner", score: 3 }).execute();
  await sp.rollbackToSavepoint("sp1").execute();
  await trx.commit().execute();

  const streamed: string[] = [];
  for await (const row of db.selectFrom(t).select("name").orderBy("id").stream()) streamed.push(row.name);
  assert.deepEqual(streamed, ["ada", "committed", "outer"]);
  // Leaving a stream early gives its connection back in a usable state.
  for await (const _ of db.selectFrom(t).selectAll().stream()) break;
  assert.equal((await db.selectFrom(t).selectAll().execute()).length, 3);
  await checkFinal(env);
});

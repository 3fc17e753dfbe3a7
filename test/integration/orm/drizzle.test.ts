/**
 * Drizzle's own `drizzle-orm/mysql2` driver, as-is, with a pool from mywire/mysql2/promise
 * (`drizzle({ client: pool })`): CRUD, a committed and a rolled-back transaction, a nested
 * transaction (a savepoint) rolled back inside a committed one, and an iterator over a select.
 */
import { asc, eq } from "drizzle-orm";
import { int, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPool, type PromisePool } from "../../../mysql2-promise.ts";
import { checkFinal, type OrmEnv, ormEnv } from "./orm-env.ts";

let env: OrmEnv;
let pool: PromisePool;
let db: MySql2Database;
let people: ReturnType<typeof table>;

function table(name: string) {
  return mysqlTable(name, {
    id: int("id").primaryKey().autoincrement(),
    name: varchar("name", { length: 40 }).notNull(),
    score: int("score").notNull(),
  });
}

before(async () => {
  env = await ormEnv("drizzle");
  people = table(env.table);
  pool = createPool({ ...env.options, connectionLimit: 3 });
  db = drizzle({ client: pool as never });
});

after(async () => {
  await pool?.end();
  await env?.close();
});

test("Drizzle: CRUD, transactions, a savepoint and an iterator through mywire/mysql2", async () => {
  const [inserted] = await db.insert(people).values([{ name: "ada", score: 10 }, { name: "bob", score: 20 }]);
  assert.equal(inserted.affectedRows, 2);
  const ids = await db.insert(people).values({ name: "carl", score: 5 }).$returningId();
  assert.equal(ids.length, 1);
  assert.equal(typeof ids[0].id, "number");
  const [ada] = await db.select().from(people).where(eq(people.name, "ada"));
  assert.equal(ada.id, inserted.insertId);
  assert.equal(ada.score, 10);
  const [updated] = await db.update(people).set({ score: 11 }).where(eq(people.name, "ada"));
  assert.equal(updated.affectedRows, 1);
  assert.equal(updated.changedRows, 1);
  await db.delete(people).where(eq(people.name, "bob"));
  await db.delete(people).where(eq(people.name, "carl"));

  await db.transaction(async (tx) => {
    await tx.insert(people).values({ name: "committed", score: 1 });
  });
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.insert(people).values({ name: "rolled back", score: 0 });
      throw new Error("undo");
    }),
    /undo/,
  );
  await db.transaction(async (tx) => {
    await tx.insert(people).values({ name: "outer", score: 2 });
    await assert.rejects(
      tx.transaction(async (inner) => {
        await inner.insert(people).values({ name: "inner", score: 3 });
        throw new Error("undo inner");
      }),
      /undo inner/,
    );
  });

  const names: string[] = [];
  for await (const row of db.select({ name: people.name }).from(people).orderBy(asc(people.id)).iterator()) {
    names.push(row.name);
  }
  assert.deepEqual(names, ["ada", "committed", "outer"]);
  const raw = await db.execute(`SELECT COUNT(*) AS n FROM ${env.table}`);
  assert.deepEqual((raw as unknown as [{ n: number }[]])[0], [{ n: 3 }]);
  await checkFinal(env);
});

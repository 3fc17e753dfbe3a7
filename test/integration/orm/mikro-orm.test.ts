/**
 * MikroORM's own mysql driver, as-is, handed a Kysely MysqlDialect over a mywire/mysql2 pool with
 * its `driverOptions` option (MikroORM runs on Kysely; the pool takes the two options MikroORM
 * would have set on its own mysql2 pool): CRUD through the entity manager, a committed and a
 * rolled-back transaction, a nested transaction (a savepoint) rolled back inside a committed one,
 * and `em.stream()`.
 */
import { EntitySchema, MikroORM } from "@mikro-orm/mysql";
import { MysqlDialect } from "kysely";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPool } from "../../../mysql2.ts";
import { checkFinal, type OrmEnv, ormEnv } from "./orm-env.ts";

interface Person {
  id: number;
  name: string;
  score: number;
}

let env: OrmEnv;
let orm: MikroORM;
let Person: EntitySchema<Person>;
let acquired = 0;

before(async () => {
  env = await ormEnv("mikro");
  Person = new EntitySchema<Person>({
    name: "Person",
    tableName: env.table,
    properties: {
      id: { type: "number", primary: true, autoincrement: true },
      name: { type: "string", length: 40 },
      score: { type: "number" },
    },
  });
  const pool = createPool({ ...env.options, supportBigNumbers: true, dateStrings: true });
  pool.on("acquire", () => acquired++);
  orm = await MikroORM.init({
    entities: [Person],
    dbName: env.options.database,
    // The one line: MikroORM's Kysely dialect over a mywire/mysql2 pool.
    driverOptions: new MysqlDialect({ pool }),
    debug: false,
  });
});

after(async () => {
  await orm?.close(true);
  await env?.close();
});

test("MikroORM: CRUD, transactions, a savepoint and a stream through mywire/mysql2", async () => {
  const em = orm.em.fork();
  const ada = em.create(Person, { name: "ada", score: 10 });
  em.create(Person, { name: "bob", score: 20 });
  await em.flush();
  assert.equal(typeof ada.id, "number");
  const found = await orm.em.fork().findOneOrFail(Person, { name: "ada" });
  assert.deepEqual({ ...found }, { id: ada.id, name: "ada", score: 10 });
  assert.equal(await em.nativeUpdate(Person, { name: "ada" }, { score: 11 }), 1);
  assert.equal(await em.nativeDelete(Person, { name: "bob" }), 1);

  await orm.em.fork().transactional(async (tx) => {
    tx.create(Person, { name: "committed", score: 1 });
  });
  await assert.rejects(
    orm.em.fork().transactional(async (tx) => {
      tx.create(Person, { name: "rolled back", score: 0 });
      await tx.flush();
      throw new Error("undo");
    }),
    /undo/,
  );
  await orm.em.fork().transactional(async (tx) => {
    tx.create(Person, { name: "outer", score: 2 });
    await tx.flush();
    await assert.rejects(
      tx.transactional(async (inner) => {
        inner.create(Person, { name: "inner", score: 3 });
        await inner.flush();
        throw new Error("undo inner");
      }),
      /undo inner/,
    );
  });

  const names: string[] = [];
  for await (const p of orm.em.fork().stream(Person, { orderBy: { id: "asc" } })) names.push(p.name);
  assert.deepEqual(names, ["ada", "committed", "outer"]);
  assert.equal(await orm.em.fork().count(Person), 3);
  assert.ok(acquired > 0, "the queries went through the mywire/mysql2 pool");
  await checkFinal(env);
});

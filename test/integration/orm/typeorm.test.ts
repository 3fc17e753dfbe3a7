/**
 * TypeORM's own mysql driver, as-is, handed mywire/mysql2 with its `driver` option: CRUD through a
 * repository, a committed and a rolled-back transaction, a nested transaction (a savepoint)
 * rolled back inside a committed one, and a streamed query builder.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DataSource, EntitySchema } from "typeorm";
import * as mysql2 from "../../../mysql2.ts";
import { checkFinal, type OrmEnv, ormEnv } from "./orm-env.ts";

interface Person {
  id: number;
  name: string;
  score: number;
}

let env: OrmEnv;
let ds: DataSource;
let Person: EntitySchema<Person>;

before(async () => {
  env = await ormEnv("typeorm");
  Person = new EntitySchema<Person>({
    name: "Person",
    tableName: env.table,
    columns: {
      id: { type: Number, primary: true, generated: true },
      name: { type: String, length: 40 },
      score: { type: Number },
    },
  });
  ds = new DataSource({
    type: "mysql",
    driver: mysql2,
    ...env.options,
    username: env.options.user,
    entities: [Person],
    synchronize: false,
    logging: false,
  });
  await ds.initialize();
});

after(async () => {
  await ds?.destroy();
  await env?.close();
});

test("TypeORM: CRUD, transactions, a savepoint and a stream through mywire/mysql2", async () => {
  const repo = ds.getRepository(Person);
  const ada = await repo.save({ name: "ada", score: 10 });
  assert.equal(typeof ada.id, "number");
  await repo.save({ name: "bob", score: 20 });
  const found = await repo.findOneByOrFail({ name: "ada" });
  assert.deepEqual(found, { id: ada.id, name: "ada", score: 10 });
  const updated = await repo.update({ name: "ada" }, { score: 11 });
  assert.equal(updated.affected, 1);
  const deleted = await repo.delete({ name: "bob" });
  assert.equal(deleted.affected, 1);

  await ds.transaction(async (em) => {
    await em.save(Person, { name: "committed", score: 1 });
  });
  await assert.rejects(
    ds.transaction(async (em) => {
      await em.save(Person, { name: "rolled back", score: 0 });
      throw new Error("undo");
    }),
    /undo/,
  );
  await ds.transaction(async (em) => {
    await em.save(Person, { name: "outer", score: 2 });
    await assert.rejects(
      em.transaction(async (inner) => {
        await inner.save(Person, { name: "inner", score: 3 });
        throw new Error("undo inner");
      }),
      /undo inner/,
    );
  });

  const stream = await repo.createQueryBuilder("p").select("p.name", "name").orderBy("p.id").stream();
  const names: string[] = [];
  for await (const row of stream) names.push((row as { name: string }).name);
  assert.deepEqual(names, ["ada", "committed", "outer"]);
  assert.equal(await repo.count(), 3);
  await checkFinal(env);
});

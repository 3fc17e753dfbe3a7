/**
 * Sequelize's own mysql dialect, as-is, handed mywire/mysql2 with its `dialectModule` option:
 * CRUD through a model, a committed and a rolled-back transaction, and a nested transaction (a
 * savepoint) rolled back inside a committed one. Sequelize has no streaming API, so no stream.
 * Sequelize connects with `flags: "-FOUND_ROWS"`, its own typeCast and supportBigNumbers.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DataTypes, type Model, type ModelStatic, Sequelize } from "sequelize";
import * as mysql2 from "../../../mysql2.ts";
import { checkFinal, type OrmEnv, ormEnv } from "./orm-env.ts";

let env: OrmEnv;
let sequelize: Sequelize;
let Person: ModelStatic<Model<{ id: number; name: string; score: number }, { name: string; score: number }>>;

before(async () => {
  env = await ormEnv("sequelize");
  sequelize = new Sequelize(env.options.database, env.options.user, env.options.password, {
    host: env.options.host,
    port: env.options.port,
    dialect: "mysql",
    dialectModule: mysql2,
    logging: false,
  });
  Person = sequelize.define("Person", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(40), allowNull: false },
    score: { type: DataTypes.INTEGER, allowNull: false },
  }, { tableName: env.table, timestamps: false });
});

after(async () => {
  await sequelize?.close();
  await env?.close();
});

test("Sequelize: CRUD, transactions and a savepoint through mywire/mysql2", async () => {
  const ada = await Person.create({ name: "ada", score: 10 });
  assert.equal(typeof ada.get("id"), "number");
  await Person.create({ name: "bob", score: 20 });
  const found = await Person.findOne({ where: { name: "ada" } });
  assert.equal(found?.get("score"), 10);
  const [updated] = await Person.update({ score: 11 }, { where: { name: "ada" } });
  assert.equal(updated, 1);
  // Sequelize turns FOUND_ROWS off: an update that changes nothing counts 0 rows.
  const [unchanged] = await Person.update({ score: 11 }, { where: { name: "ada" } });
  assert.equal(unchanged, 0);
  assert.equal(await Person.destroy({ where: { name: "bob" } }), 1);

  await sequelize.transaction(async (transaction) => {
    await Person.create({ name: "committed", score: 1 }, { transaction });
  });
  await assert.rejects(
    sequelize.transaction(async (transaction) => {
      await Person.create({ name: "rolled back", score: 0 }, { transaction });
      throw new Error("undo");
    }),
    /undo/,
  );
  await sequelize.transaction(async (transaction) => {
    await Person.create({ name: "outer", score: 2 }, { transaction });
    await assert.rejects(
      sequelize.transaction({ transaction }, async (inner) => {
        await Person.create({ name: "inner", score: 3 }, { transaction: inner });
        throw new Error("undo inner");
      }),
      /undo inner/,
    );
  });

  const [rows] = await sequelize.query(`SELECT name FROM ${env.table} ORDER BY id`);
  assert.deepEqual(rows, [{ name: "ada" }, { name: "committed" }, { name: "outer" }]);
  assert.equal(await Person.count(), 3);
  await checkFinal(env);
});

/**
 * Knex's own mysql2 client, as-is, handed mywire/mysql2 by the one documented line (a subclass
 * whose `_driver()` returns the module, since Knex requires "mysql2" by name): CRUD, a committed
 * and a rolled-back transaction, a nested transaction (a savepoint) rolled back inside a
 * committed one, and a stream. Knex's own pool opens connections with `createConnection()`.
 */
import knexModule from "knex";
import Client_MySQL2 from "knex/lib/dialects/mysql2/index.js";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as mysql2 from "../../../mysql2.ts";
import { checkFinal, type OrmEnv, ormEnv } from "./orm-env.ts";

/** The one line Knex needs: its mysql2 client, with mywire/mysql2 as the driver. */
class MywireClient extends Client_MySQL2 {
  _driver() {
    return mysql2;
  }
}

let env: OrmEnv;
// deno-lint-ignore no-explicit-any
let db: any;

before(async () => {
  env = await ormEnv("knex");
  db = knexModule({ client: MywireClient, connection: env.options, pool: { min: 0, max: 3 } });
});

after(async () => {
  await db?.destroy();
  await env?.close();
});

test("Knex: CRUD, transactions, a savepoint and a stream through mywire/mysql2", async () => {
  const t = env.table;
  const [id] = await db(t).insert([{ name: "ada", score: 10 }, { name: "bob", score: 20 }]);
  assert.equal(typeof id, "number");
  const ada = await db(t).where({ name: "ada" }).first();
  assert.equal(ada.id, id);
  assert.equal(ada.score, 10);
  assert.equal(await db(t).where({ name: "ada" }).update({ score: 11 }), 1);
  assert.equal(await db(t).where({ name: "bob" }).del(), 1);

  await db.transaction(async (trx: typeof db) => {
    await trx(t).insert({ name: "committed", score: 1 });
  });
  await assert.rejects(
    db.transaction(async (trx: typeof db) => {
      await trx(t).insert({ name: "rolled back", score: 0 });
      throw new Error("undo");
    }),
    /undo/,
  );
  await db.transaction(async (trx: typeof db) => {
    await trx(t).insert({ name: "outer", score: 2 });
    await assert.rejects(
      trx.transaction(async (inner: typeof db) => {
        await inner(t).insert({ name: "inner", score: 3 });
        throw new Error("undo inner");
      }),
      /undo inner/,
    );
  });

  const names: string[] = [];
  for await (const row of db(t).select("name").orderBy("id").stream()) names.push(row.name);
  assert.deepEqual(names, ["ada", "committed", "outer"]);
  const raw = await db.raw(`SELECT COUNT(*) AS n FROM ??`, [t]);
  assert.deepEqual(raw[0], [{ n: 3 }]);
  await checkFinal(env);
});

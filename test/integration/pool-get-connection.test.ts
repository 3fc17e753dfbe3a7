/**
 * The pool's mysql2-style borrowing: `getConnection()` lends a connection, `release()` gives it
 * back (after which it refuses commands), `await using` gives it back at the end of the scope, and
 * `release()` on a connection of its own is a TypeError (it has no pool).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, createPool, type Pool, PoolError } from "../../mod.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
let pool: Pool;

function options() {
  return {
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
  };
}

before(async () => {
  env = await testEnv();
  pool = createPool({ ...options(), max: 1 });
});

after(async () => {
  await pool?.close();
});

test("getConnection() / release() and await using", async () => {
  const conn = await pool.getConnection();
  assert.equal(pool.stats().borrowed, 1);
  assert.deepEqual([...await conn.query("SELECT 1 AS one")], [{ one: 1 }]);
  await conn.release();
  assert.equal(pool.stats().borrowed, 0);
  await assert.rejects(conn.query("SELECT 1"), PoolError);
  {
    await using scoped = await pool.getConnection();
    assert.equal(pool.stats().borrowed, 1);
    await scoped.query("SELECT 2");
  }
  assert.equal(pool.stats().borrowed, 0);
});

test("release() on a connection of its own is a TypeError", async () => {
  const own = await connect(options());
  await assert.rejects(own.release(), TypeError);
  assert.deepEqual([...await own.query("SELECT 3 AS x")], [{ x: 3 }]);
  await own.close();
});

/**
 * `execute()` with an object of parameters: `:name` placeholders are sent as `?` with the values of
 * those keys (a name used twice is bound twice); placeholders in strings and comments stay; a
 * missing key, or `?` beside `:name`, is a TypeError before anything is sent.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, type Connection, createPool, type Pool } from "../../mod.ts";
import { namedToPositional } from "../../src/protocol/escape.ts";
import { testEnv } from "../support/env.ts";

let conn: Connection;
let pool: Pool;

before(async () => {
  const env = await testEnv();
  const options = {
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
  };
  conn = await connect(options);
  pool = createPool({ ...options, max: 1 });
});

after(async () => {
  await conn?.close();
  await pool?.close();
});

test("namedToPositional keeps the order of use and skips strings, identifiers and comments", () => {
  assert.deepEqual(
    namedToPositional("SELECT :a, ':b', `:c`, :b /* :d */, :a -- :e\n", { a: 1, b: 2 }),
    { sql: "SELECT ?, ':b', `:c`, ? /* :d */, ? -- :e\n", params: [1, 2, 1] },
  );
  assert.throws(() => namedToPositional("SELECT :a, :zz", { a: 1 }), /no parameter named "zz"/);
  assert.throws(() => namedToPositional("SELECT :a, ?", { a: 1 }), /cannot mix/);
});

test("execute() binds :name parameters from an object, on a connection and a pool", async () => {
  const rows = await conn.execute<{ n: number; s: string; again: number }>(
    "SELECT :n + 1 AS n, :s AS s, :n AS again",
    { n: 41, s: "x" },
  );
  assert.deepEqual([...rows], [{ n: 42, s: "x", again: 41 }]);
  assert.deepEqual([...await pool.execute("SELECT :v AS v", { v: "pooled" })], [{ v: "pooled" }]);
  await assert.rejects(conn.execute("SELECT :missing", {}), TypeError);
  // The connection is still usable after the refused call.
  assert.deepEqual([...await conn.execute("SELECT ? AS v", [1])], [{ v: 1 }]);
});

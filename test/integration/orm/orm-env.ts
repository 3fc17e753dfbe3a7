/**
 * What the ORM tests share: connection options for the harness's server in mysql2's names, a
 * table of their own, and the checks every ORM's program ends with (read straight from the server
 * through mywire's native client, not through the ORM under test).
 */
import assert from "node:assert/strict";
import { connect, type Connection } from "../../../mod.ts";
import { type TestEnv, testEnv } from "../../support/env.ts";

/** mysql2-style connection options for the test server. */
export interface OrmEnv {
  readonly options: { host: string; port: number; user: string; password: string; database: string };
  /** A fresh table `(id INT AUTO_INCREMENT, name VARCHAR(40), score INT)` named for this test. */
  readonly table: string;
  /** Rows of the table as the server has them, ordered by id. */
  rows(): Promise<{ name: string; score: number }[]>;
  close(): Promise<void>;
}

/** Makes the table and the options. */
export async function ormEnv(prefix: string): Promise<OrmEnv> {
  const env: TestEnv = await testEnv();
  const table = `${prefix}_${Math.random().toString(36).slice(2, 8)}`;
  const direct: Connection = await connect({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
  });
  await direct.query(
    `CREATE TABLE ${table} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, score INT NOT NULL)`,
  );
  return {
    options: {
      host: env.host,
      port: env.port,
      user: env.root.user,
      password: env.root.password,
      database: env.database,
    },
    table,
    async rows() {
      const rows = await direct.query<{ name: string; score: number }>(
        `SELECT name, score FROM ${table} ORDER BY id`,
      );
      return rows.map((r) => ({ name: r.name, score: r.score }));
    },
    async close() {
      await direct.query(`DROP TABLE IF EXISTS ${table}`);
      await direct.close();
    },
  };
}

/** What the table holds after the common program: CRUD, a commit, a rollback, a savepoint. */
export const expectedRows = [
  { name: "ada", score: 11 },
  { name: "committed", score: 1 },
  { name: "outer", score: 2 },
];

/** Checks the table after the program. */
export async function checkFinal(env: OrmEnv): Promise<void> {
  assert.deepEqual(await env.rows(), expectedRows);
}

/**
 * The collation table against a real MariaDB: every collation the server lists has the id, name and
 * character set the server gives it (the table is stored compactly, by rule where MariaDB has one).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "../../mod.ts";
import { collationCharset, collationName } from "../../src/protocol/collations.ts";
import { testEnv } from "../support/env.ts";

test("every collation of the test server has its name and charset", async () => {
  const env = await testEnv();
  const conn = await connect({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
  });
  try {
    // FULL_COLLATION_NAME (MariaDB 10.10+) spells out the uca1400 names; older servers lack it.
    const [{ n }] = await conn.query<{ n: bigint | number }>(
      `SELECT COUNT(*) AS n FROM information_schema.columns
       WHERE table_schema = 'information_schema' AND table_name = 'COLLATION_CHARACTER_SET_APPLICABILITY'
         AND column_name = 'FULL_COLLATION_NAME'`,
    );
    const rows = await conn.query<{ id: number; name: string; charset: string }>(
      Number(n) > 0
        ? "SELECT id, full_collation_name AS name, character_set_name AS charset"
          + " FROM information_schema.collation_character_set_applicability"
        : "SELECT id, collation_name AS name, character_set_name AS charset FROM information_schema.collations",
    );
    assert.ok(rows.length > 200, `${rows.length} collations listed`);
    const wrong = rows.filter((r) =>
      collationName(Number(r.id)) !== r.name || collationCharset(Number(r.id)) !== r.charset
    )
      .map((r) =>
        `${r.id}: ${collationName(Number(r.id))} (${
          collationCharset(Number(r.id))
        }), server says ${r.name} (${r.charset})`
      );
    // a failure here on a newer server: run scripts/gen-collations.ts against it
    assert.deepEqual(wrong, []);
  } finally {
    await conn.close();
  }
});

/** The compressed protocol (zlib) against a real MariaDB, and its framing on its own. */
import fc from "fast-check";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection } from "../../mod.ts";
import { CompressedDecoder, encodeCompressed } from "../../src/protocol/compression.ts";
import { testEnv } from "../support/env.ts";

describe("compressed framing", () => {
  test("arbitrary data split at arbitrary boundaries comes back whole", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 500 }), (data, cut) => {
        const { bytes } = encodeCompressed(data, 0);
        const d = new CompressedDecoder();
        const out: number[] = [];
        for (let i = 0; i < bytes.length; i += cut) {
          d.push(bytes.slice(i, i + cut));
          for (let c = d.next(); c; c = d.next()) out.push(...c.data);
        }
        assert.deepEqual(Uint8Array.from(out), data);
      }),
      { numRuns: 100 },
    );
  });
  test("compressible data is compressed; tiny data is not", () => {
    const text = new TextEncoder().encode("SELECT ".repeat(200));
    assert.ok(encodeCompressed(text, 0).bytes.length < text.length / 4);
    assert.equal(encodeCompressed(new Uint8Array(10), 0).bytes.length, 17);
  });
});

describe("compress: true against MariaDB", () => {
  let conn: Connection;
  before(async () => {
    const env = await testEnv();
    conn = await connect({
      host: env.host,
      port: env.port,
      user: env.root.user,
      password: env.root.password,
      database: env.database,
      compress: true,
    });
  });
  after(async () => {
    await conn?.close();
  });

  test("the session is compressed and queries work", async () => {
    assert.equal(conn.compressed, true);
    const [row] = await conn.query<{ s: string }>("SHOW SESSION STATUS LIKE 'Compression'");
    assert.equal((row as unknown as { Value: string }).Value, "ON");
  });

  test("large results, prepared statements and streams through compression", async () => {
    const rows = await conn.query<{ seq: number; s: string }>(
      "SELECT seq, REPEAT('x', seq % 100) AS s FROM seq_1_to_30000",
    );
    assert.equal(rows.length, 30000);
    assert.equal(rows[29999].s.length, 0);
    const [big] = await conn.execute<{ s: string }>("SELECT REPEAT(?, 3000000) AS s", ["ab"]);
    assert.equal(big.s.length, 6_000_000);
    let n = 0;
    for await (const _ of conn.stream("SELECT seq FROM seq_1_to_20000", [], { prepared: true })) n++;
    assert.equal(n, 20000);
  });

  test("a value beyond 16 MiB through compression", async () => {
    const blob = new Uint8Array(17 * 1024 * 1024);
    for (let i = 0; i < blob.length; i += 4096) blob[i] = (i >> 12) & 0xff;
    await conn.query("CREATE OR REPLACE TABLE compressed_big (b LONGBLOB)");
    await conn.execute("INSERT INTO compressed_big VALUES (?)", [blob]);
    const [row] = await conn.query<{ b: Uint8Array }>("SELECT b FROM compressed_big");
    assert.deepEqual(row.b, blob);
  });
});

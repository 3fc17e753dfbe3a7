/**
 * Text-protocol values against a real MariaDB: every column type, checked against what the server
 * itself says the value is (`CAST(x AS CHAR)`, `HEX(x)`).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection } from "../../mod.ts";
import { testEnv } from "../support/env.ts";

let conn: Connection;
let utc: Connection;

before(async () => {
  const env = await testEnv();
  const base = {
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
  };
  conn = await connect(base);
  utc = await connect({ ...base, timezone: "Z" });
});

after(async () => {
  await conn?.close();
  await utc?.close();
});

/** Selects `expr` and the server's own text and hex of it. */
async function value(
  c: Connection,
  expr: string,
): Promise<{ v: unknown; text: string | null; hex: string | null }> {
  const [row] = await c.query<{ v: unknown; text: string | null; hex: string | null }>(
    `SELECT ${expr} AS v, CAST(${expr} AS CHAR) AS text, HEX(${expr}) AS hex`,
  );
  return row;
}

describe("integers", () => {
  test("every width and sign, at the limits", async () => {
    await conn.query(`CREATE OR REPLACE TABLE ints (
      ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED,
      i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED)`);
    await conn.query(`INSERT INTO ints VALUES
      (-128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615),
      (127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 9007199254740991)`);
    const rows = await conn.query("SELECT * FROM ints");
    assert.deepEqual({ ...rows[0] }, {
      ti: -128,
      tu: 255,
      si: -32768,
      su: 65535,
      mi: -8388608,
      mu: 16777215,
      i: -2147483648,
      iu: 4294967295,
      bi: -9223372036854775808n,
      bu: 18446744073709551615n,
    });
    assert.equal(rows[1].bi, 9223372036854775807n);
    assert.equal(rows[1].bu, 9007199254740991);
  });

  test("the bigint option", async () => {
    const env = await testEnv();
    const big = 5_000_000_000;
    for (
      const [mode, expected] of [["bigint", 5_000_000_000n], ["string", "5000000000"], ["number", big], [
        "auto",
        big,
      ]] as const
    ) {
      await using c = await connect({
        host: env.host,
        port: env.port,
        user: env.root.user,
        password: env.root.password,
        bigint: mode,
      });
      const [row] = await c.query("SELECT CAST(5000000000 AS SIGNED) AS v");
      assert.deepEqual(row.v, expected, mode);
    }
  });
});

describe("exact and approximate numbers", () => {
  test("DECIMAL is an exact string, also when computed", async () => {
    const r = await value(conn, "CAST('12345678901234567890.123456789' AS DECIMAL(30,9))");
    assert.equal(r.v, "12345678901234567890.123456789");
    assert.equal(r.v, r.text);
    const computed = await value(conn, "1.10 * 3");
    assert.equal(computed.v, computed.text);
    assert.equal(computed.v, "3.30");
  });
  test("FLOAT and DOUBLE", async () => {
    await conn.query("CREATE OR REPLACE TABLE floats (f FLOAT, d DOUBLE)");
    await conn.query("INSERT INTO floats VALUES (1.5, 0.1), (-3.25e10, 1.7976931348623157e308)");
    const rows = await conn.query("SELECT * FROM floats");
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ f: 1.5, d: 0.1 }, {
      f: -3.25e10,
      d: 1.7976931348623157e308,
    }]);
  });
});

describe("dates and times", () => {
  test("DATE, DATETIME, TIMESTAMP as Dates in the configured time zone", async () => {
    const [row] = await utc.query<{ d: Date; dt: Date; dt3: Date }>(
      "SELECT DATE'2024-02-29' AS d, TIMESTAMP'2024-02-29 13:14:15' AS dt, CAST('2024-02-29 13:14:15.123' AS DATETIME(3)) AS dt3",
    );
    assert.equal(row.d.toISOString(), "2024-02-29T00:00:00.000Z");
    assert.equal(row.dt.toISOString(), "2024-02-29T13:14:15.000Z");
    assert.equal(row.dt3.toISOString(), "2024-02-29T13:14:15.123Z");
    const [local] = await conn.query<{ dt: Date }>("SELECT TIMESTAMP'2024-02-29 13:14:15' AS dt");
    assert.equal(local.dt.getTime(), new Date(2024, 1, 29, 13, 14, 15).getTime());
  });

  test("dates outside 1000-9999 keep their year", async () => {
    const [row] = await utc.query<{ a: Date; b: Date; c: Date }>(
      "SELECT DATE'0001-01-01' AS a, DATE'0099-12-31' AS b, CAST('9999-12-31 23:59:59' AS DATETIME) AS c",
    );
    assert.equal(row.a.getUTCFullYear(), 1);
    assert.equal(row.a.toISOString(), "0001-01-01T00:00:00.000Z");
    assert.equal(row.b.getUTCFullYear(), 99);
    assert.equal(row.c.toISOString(), "9999-12-31T23:59:59.000Z");
  });

  test("zero dates come back as the server's text, never an Invalid Date", async () => {
    await conn.query("SET SESSION sql_mode = ''");
    await conn.query("CREATE OR REPLACE TABLE zero_dates (d DATE, dt DATETIME)");
    await conn.query(
      "INSERT INTO zero_dates VALUES ('0000-00-00', '0000-00-00 00:00:00'), ('2020-00-15', '2020-05-00 10:00:00')",
    );
    const rows = await conn.query("SELECT * FROM zero_dates");
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { d: "0000-00-00", dt: "0000-00-00 00:00:00" },
      { d: "2020-00-15", dt: "2020-05-00 10:00:00" },
    ]);
  });

  test("DATETIME(6) keeps its microseconds (as a string)", async () => {
    const r = await value(conn, "CAST('2024-01-02 03:04:05.123456' AS DATETIME(6))");
    assert.equal(r.v, "2024-01-02 03:04:05.123456");
  });

  test("TIME beyond 24 hours and negative", async () => {
    for (const t of ["838:59:59", "-838:59:59", "-00:00:01", "25:00:00"]) {
      const r = await value(conn, `CAST('${t}' AS TIME)`);
      assert.equal(r.v, r.text);
    }
    const r6 = await value(conn, "CAST('-12:34:56.789012' AS TIME(6))");
    assert.equal(r6.v, "-12:34:56.789012");
  });

  test("YEAR", async () => {
    await conn.query("CREATE OR REPLACE TABLE years (y YEAR)");
    await conn.query("INSERT INTO years VALUES (1901), (2155), (0)");
    const rows = await conn.query("SELECT y FROM years");
    assert.deepEqual(rows.map((r) => r.y), [1901, 2155, 0]);
  });

  test("dateStrings", async () => {
    const env = await testEnv();
    await using c = await connect({
      host: env.host,
      port: env.port,
      user: env.root.user,
      password: env.root.password,
      dateStrings: true,
    });
    const [row] = await c.query("SELECT DATE'2024-02-29' AS d, TIMESTAMP'2024-02-29 13:14:15' AS dt");
    assert.deepEqual({ ...row }, { d: "2024-02-29", dt: "2024-02-29 13:14:15" });
  });
});

describe("bits, strings, bytes", () => {
  test("BIT(1) and BIT(64)", async () => {
    await conn.query("CREATE OR REPLACE TABLE bits (b1 BIT(1), b64 BIT(64), b5 BIT(5))");
    await conn.query("INSERT INTO bits VALUES (1, 0xFFFFFFFFFFFFFFFF, 21), (0, 1, 0)");
    const rows = await conn.query("SELECT * FROM bits");
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { b1: true, b64: 18446744073709551615n, b5: 21n },
      { b1: false, b64: 1n, b5: 0n },
    ]);
  });

  test("text in any charset arrives as the same string", async () => {
    await conn.query(`CREATE OR REPLACE TABLE texts (
      u VARCHAR(50) CHARACTER SET utf8mb4, l VARCHAR(50) CHARACTER SET latin1, c CHAR(5), t TEXT,
      e ENUM('a','b','ç'), s SET('x','y','z'))`);
    const emoji = "héllo wörld 🎉 中文";
    await conn.query("INSERT INTO texts VALUES (?, ?, 'ab', ?, 'ç', 'x,z')", [emoji, "café", "long text"]);
    const [row] = await conn.query("SELECT * FROM texts");
    assert.deepEqual({ ...row }, { u: emoji, l: "café", c: "ab", t: "long text", e: "ç", s: "x,z" });
  });

  test("BINARY, VARBINARY, BLOB as bytes", async () => {
    await conn.query("CREATE OR REPLACE TABLE bins (b BINARY(4), vb VARBINARY(10), bl MEDIUMBLOB)");
    await conn.query("INSERT INTO bins VALUES (0x00FF10, ?, ?)", [
      new Uint8Array([1, 2, 0, 255]),
      new Uint8Array(70000).fill(7),
    ]);
    const [row] = await conn.query<{ b: Uint8Array; vb: Uint8Array; bl: Uint8Array }>("SELECT * FROM bins");
    assert.deepEqual(row.b, new Uint8Array([0, 255, 16, 0]));
    assert.deepEqual(row.vb, new Uint8Array([1, 2, 0, 255]));
    assert.equal(row.bl.length, 70000);
    assert.ok(row.bl.every((x) => x === 7));
  });

  test("JSON is parsed", async () => {
    await conn.query("CREATE OR REPLACE TABLE docs (j JSON)");
    await conn.query("INSERT INTO docs VALUES (?)", [
      JSON.stringify({ a: [1, "two", null], b: { c: true } }),
    ]);
    const [row] = await conn.query("SELECT j FROM docs");
    assert.deepEqual(row.j, { a: [1, "two", null], b: { c: true } });
  });

  test("GEOMETRY as raw bytes (SRID prefix, then WKB)", async () => {
    const [row] = await conn.query<{ v: Uint8Array; hex: string }>(
      "SELECT ST_GeomFromText('POINT(1 2)') AS v, HEX(ST_GeomFromText('POINT(1 2)')) AS hex",
    );
    assert.ok(row.v instanceof Uint8Array);
    const hex = Array.from(row.v, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
    assert.equal(hex, row.hex);
    assert.equal(row.v.length, 25);
  });

  test("NULL of every kind", async () => {
    const [row] = await conn.query("SELECT NULL AS a, CAST(NULL AS SIGNED) AS b, CAST(NULL AS DATE) AS c");
    assert.deepEqual({ ...row }, { a: null, b: null, c: null });
  });
});

/**
 * Prepared statements, identical values in both protocols, streaming, multiple results and large
 * values, against a real MariaDB.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection, type ConnectionOptions, MysqlError, ProtocolError } from "../../mod.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
let conn: Connection;
const extra: Connection[] = [];

async function open(options: ConnectionOptions = {}): Promise<Connection> {
  const c = await connect({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    ...options,
  });
  extra.push(c);
  return c;
}

before(async () => {
  env = await testEnv();
  conn = await open();
});

after(async () => {
  for (const c of extra) await c.close().catch(() => {});
});

describe("execute", () => {
  test("parameters are bound by their JS type", async () => {
    const [row] = await conn.execute<Record<string, unknown>>(
      "SELECT ? AS i, ? AS big, ? AS d, ? AS s, ? AS b, ? AS n, ? AS bytes, ? AS j, ? AS dt",
      [
        42,
        2n ** 63n + 5n,
        1.25,
        "héllo 🎉",
        true,
        null,
        new Uint8Array([0, 1, 255]),
        { a: [1, "x"] },
        new Date(2024, 0, 2, 3, 4, 5, 678),
      ],
    );
    assert.equal(row.i, 42);
    assert.equal(row.big, 2n ** 63n + 5n);
    assert.equal(row.d, 1.25);
    assert.equal(row.s, "héllo 🎉");
    assert.equal(row.b, 1);
    assert.equal(row.n, null);
    assert.deepEqual(row.bytes, new Uint8Array([0, 1, 255]));
    assert.equal(row.j, '{"a":[1,"x"]}');
    // The server types a DATETIME parameter as DATETIME(6): more digits than a Date holds, so a string.
    assert.equal(row.dt, "2024-01-02 03:04:05.678000");
  });

  test("integral numbers are sent as integers, so LIMIT ? works", async () => {
    const rows = await conn.execute("SELECT seq FROM seq_1_to_100 LIMIT ?", [3]);
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3]);
  });

  test("INSERT through execute reports insertId and affectedRows", async () => {
    await conn.query("CREATE OR REPLACE TABLE ps_ins (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))");
    const res = await conn.execute("INSERT INTO ps_ins (v) VALUES (?), (?)", ["a", "b"]);
    assert.equal(res.affectedRows, 2);
    assert.equal(res.insertId, 1);
    assert.equal(res.length, 0);
  });

  test("a parameter count mismatch or an unsendable value is a TypeError, and the connection goes on", async () => {
    await assert.rejects(conn.execute("SELECT ?, ?", [1]), TypeError);
    await assert.rejects(conn.execute("SELECT ?", [() => 1]), TypeError);
    await assert.rejects(conn.execute("SELECT ?", [Symbol("x")]), TypeError);
    await assert.rejects(conn.execute("SELECT ?", [NaN]), TypeError);
    await assert.rejects(conn.execute("SELECT ?", [new Date("nope")]), TypeError);
    const [row] = await conn.execute("SELECT ? AS ok", [1]);
    assert.equal(row.ok, 1);
  });

  test("a statement the server rejects is a MysqlError", async () => {
    await assert.rejects(conn.execute("SELEC 1"), (e) => e instanceof MysqlError && e.errno === 1064);
    const [row] = await conn.execute("SELECT 2 AS ok");
    assert.equal(row.ok, 2);
  });

  test("the statement cache is bounded and closes what it evicts on the server", async () => {
    const c = await open({ statementCacheSize: 3 });
    const status = async () => {
      const [row] = await c.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Com_stmt_close'");
      return Number(row.Value);
    };
    const before = await status();
    for (let i = 0; i < 10; i++) await c.execute(`SELECT ${i} AS n, ? AS p`, [i]);
    for (let i = 7; i < 10; i++) await c.execute(`SELECT ${i} AS n, ? AS p`, [i]); // still cached
    assert.equal(await status() - before, 7);
  });

  test("typeCast overrides values per column, in both protocols, never for NULL", async () => {
    const seen: string[] = [];
    const c = await open({
      typeCast: (column, value) => {
        seen.push(column.name);
        return column.name === "flag" ? value === 1 : value;
      },
    });
    const sql = "SELECT 1 AS flag, 0 + ? AS n, NULL AS z";
    for (const rows of [await c.query(sql, [5]), await c.execute(sql, [5])]) {
      assert.deepEqual({ ...rows[0] }, { flag: true, n: 5, z: null });
    }
    assert.deepEqual(seen, ["flag", "n", "flag", "n"]);
  });

  test("explicit prepare, execute several times, close", async () => {
    const stmt = await conn.prepare("SELECT ? * 2 AS twice");
    assert.equal(stmt.paramCount, 1);
    assert.deepEqual((await stmt.execute([21]))[0], { twice: 42 });
    assert.deepEqual((await stmt.execute([5]))[0], { twice: 10 });
    const resets = async () => {
      const [row] = await conn.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Com_stmt_reset'");
      return Number(row.Value);
    };
    const before = await resets();
    await stmt.reset();
    assert.equal(await resets() - before, 1, "COM_STMT_RESET reached the server");
    assert.deepEqual((await stmt.execute([7]))[0], { twice: 14 });
    await stmt.close();
    await assert.rejects(stmt.execute([1]), TypeError);
  });

  test("CALL of a procedure with several result sets through execute", async () => {
    await conn.query(
      "CREATE OR REPLACE PROCEDURE ps_two(IN x INT) BEGIN SELECT x AS a; SELECT x + 1 AS b; END",
    );
    const res = await conn.execute("CALL ps_two(?)", [7]);
    assert.equal(res.results.length, 3);
    assert.deepEqual({ ...res.results[0][0] }, { a: 7 });
    assert.deepEqual({ ...res.results[1][0] }, { b: 8 });
  });
});

describe("the same values in both protocols", () => {
  before(async () => {
    await conn.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
    await conn.query(`CREATE OR REPLACE TABLE both_protocols (
      ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED,
      i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(30,9), dec0 DECIMAL(5,0),
      dt0 DATE, dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP(2) NULL, t0 TIME, t6 TIME(6), y YEAR,
      b1 BIT(1), b64 BIT(64), b7 BIT(7), c CHAR(4), vc VARCHAR(40), l1 VARCHAR(10) CHARACTER SET latin1, tx TEXT,
      bn BINARY(3), vb VARBINARY(8), bl BLOB, e ENUM('x','y'), st SET('p','q','r'), j JSON, g GEOMETRY, u UUID,
      ip INET6)`);
    await conn.query(`INSERT INTO both_protocols VALUES
      (-128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
       0.1, 0.1, '-12345678901234567890.123456789', 99999, '0001-01-01', '9999-12-31 23:59:59', '2024-02-29 12:00:00.125',
       '2024-02-29 12:00:00.000001', '2024-02-29 12:00:00.50', '-838:59:59', '-00:00:00.000001', 2155,
       1, 0xFFFFFFFFFFFFFFFF, 85, 'ab', 'héllo 🎉', 'café', 'text', 0x00FF00, 0x0102, 0xDEADBEEF, 'y', 'p,r',
       '{"k": [1, 2.5, "s", null, true]}', ST_GeomFromText('POINT(1 2)'), '123e4567-e89b-12d3-a456-426614174000', '::1'),
      (127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9007199254740993, 9007199254740991,
       -3.25e10, 1.7976931348623157e308, '0.000000001', -1, '0000-00-00', '0000-00-00 00:00:00', '2020-00-15 00:00:00.000',
       '2021-02-31 10:00:00.999999', NULL, '838:59:59', '25:00:00.5', 0,
       0, 1, 0, '', '', '', '', 0x000000, '', '', 'x', '', '[]', NULL, NULL, NULL),
      (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 123456789, 1e-300, '1.5', 0, '1999-12-31', '0099-01-01 00:00:00', '1000-01-01 00:00:00.001',
       '2000-01-01 00:00:00', '1999-12-31 23:59:59.99', '00:00:00', '12:34:56.789012', 1901,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
  });

  const variants: Record<string, ConnectionOptions> = {
    defaults: {},
    "timezone Z": { timezone: "Z" },
    "timezone +05:30, dateStrings": { timezone: "+05:30", dateStrings: true },
    "bigint as bigint, decimal as number": { bigint: "bigint", decimal: "number" },
    "bigint as string, rows as arrays, JSON unparsed": {
      bigint: "string",
      rowsAsArray: true,
      jsonParse: false,
    },
    "typeCast": {
      typeCast: (column, value) => (typeof value === "number" ? [column.name, value * 2] : value),
    },
  };
  for (const [name, options] of Object.entries(variants)) {
    test(name, async () => {
      const c = await open(options);
      await c.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
      const sql = "SELECT * FROM both_protocols ORDER BY ti";
      const text = await c.query(sql);
      const binary = await c.execute(sql);
      assert.equal(text.length, 3);
      assert.deepEqual(binary.map((r) => r), text.map((r) => r));
      // And computed values, whose column definitions differ from stored ones.
      const expr =
        "SELECT 1.10 * 3 AS dec_expr, NOW(6) - INTERVAL 1 DAY AS now6, CAST(-1 AS UNSIGNED) AS neg, "
        + "SEC_TO_TIME(100000.5) AS t, 1e300 * 10 AS big_double, CAST(0.1 AS FLOAT) AS fl, YEAR('2024-01-01') AS y";
      const fixedNow = await c.query("SET TIMESTAMP = 1700000000.123456");
      void fixedNow;
      assert.deepEqual((await c.execute(expr)).map((r) => r), (await c.query(expr)).map((r) => r));
    });
  }
});

describe("streaming", () => {
  test("every row arrives, in order, text and prepared", async () => {
    for (const prepared of [false, true]) {
      let n = 0;
      for await (
        const row of conn.stream<{ seq: number }>("SELECT seq FROM seq_1_to_100000", [], { prepared })
      ) {
        n++;
        if (row.seq !== n) assert.fail(`row ${n} had seq ${row.seq}`);
      }
      assert.equal(n, 100000);
    }
  });

  test("leaving the loop early ends the result cleanly and the connection goes on", async () => {
    for (const prepared of [false, true]) {
      let n = 0;
      for await (const _ of conn.stream("SELECT seq FROM seq_1_to_200000", [], { prepared })) {
        if (++n === 10) break;
      }
      assert.equal(n, 10);
      const [row] = await conn.query<{ ok: number }>("SELECT 1 AS ok");
      assert.equal(row.ok, 1);
    }
  });

  test("an exception in the loop body ends the result and the connection goes on", async () => {
    await assert.rejects(async () => {
      for await (const row of conn.stream<{ seq: number }>("SELECT seq FROM seq_1_to_50000")) {
        if (row.seq === 3) throw new Error("consumer failed");
      }
    }, /consumer failed/);
    const [row] = await conn.execute<{ ok: number }>("SELECT 2 AS ok");
    assert.equal(row.ok, 2);
  });

  test("commands issued while a stream is open wait for it", async () => {
    const rows = conn.stream("SELECT seq FROM seq_1_to_1000")[Symbol.asyncIterator]();
    assert.equal((await rows.next()).done, false);
    let queryDone = false;
    const later = conn.query("SELECT 'after' AS x").then(() => {
      queryDone = true;
    });
    let n = 1;
    while (!(await rows.next()).done) {
      n++;
      assert.equal(queryDone, false);
    }
    await later;
    assert.equal(queryDone, true);
    assert.equal(n, 1000);
  });

  test("a server error inside a stream rejects the loop and the connection goes on", async () => {
    await assert.rejects(async () => {
      for await (const _ of conn.stream("SELECT * FROM no_such_table_for_stream")) {
        // never reached
      }
    }, (e) => e instanceof MysqlError && e.errno === 1146);
    const [row] = await conn.query<{ ok: number }>("SELECT 3 AS ok");
    assert.equal(row.ok, 3);
  });
});

describe("multiple statements", () => {
  test("multipleStatements gives every result", async () => {
    const c = await open({ multipleStatements: true });
    const res = await c.query("SELECT 1 AS a; SELECT 2 AS b, 3 AS c; DO 1");
    assert.equal(res.results.length, 3);
    assert.deepEqual(res.results.map((r) => r.map((x) => ({ ...x }))), [[{ a: 1 }], [{ b: 2, c: 3 }], []]);
    assert.deepEqual({ ...res[0] }, { a: 1 });
  });

  test("an error in a later statement rejects the query and the connection goes on", async () => {
    const c = await open({ multipleStatements: true });
    await assert.rejects(c.query("SELECT 1; SELECT * FROM nope_nope; SELECT 3"), MysqlError);
    const [row] = await c.query<{ ok: number }>("SELECT 4 AS ok");
    assert.equal(row.ok, 4);
  });
});

describe("large values", () => {
  const size = 20 * 1024 * 1024; // beyond one 16 MiB packet
  test("a 20 MiB parameter and result, both protocols", async () => {
    const big = new Uint8Array(size);
    for (let i = 0; i < size; i += 997) big[i] = i & 0xff;
    await conn.query("CREATE OR REPLACE TABLE large_values (id INT PRIMARY KEY, b LONGBLOB)");
    const longData = async () => {
      const [row] = await conn.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Com_stmt_send_long_data'");
      return Number(row.Value);
    };
    const before = await longData();
    await conn.execute("INSERT INTO large_values VALUES (1, ?)", [big]);
    assert.equal(await longData() - before, 5, "20 MiB went as five 4 MiB chunks of long data");
    const [viaText] = await conn.query<{ b: Uint8Array }>("SELECT b FROM large_values WHERE id = 1");
    assert.equal(viaText.b.length, size);
    assert.deepEqual(viaText.b, big);
    const [viaBinary] = await conn.execute<{ b: Uint8Array }>("SELECT b FROM large_values WHERE id = ?", [1]);
    assert.deepEqual(viaBinary.b, big);
    const [len] = await conn.query<{ n: number }>("SELECT LENGTH(b) AS n FROM large_values");
    assert.equal(len.n, size);
  });

  test("a text query of more than 16 MiB", async () => {
    const s = "x".repeat(17 * 1024 * 1024);
    const [row] = await conn.query<{ n: number }>("SELECT LENGTH(?) AS n", [s]);
    assert.equal(row.n, s.length);
  });

  test("a command over maxPacketSize is refused before anything is sent; the connection goes on", async () => {
    const c = await open({ maxPacketSize: 1024 * 1024 });
    const err = await c.query("SELECT LENGTH(?) AS n", ["x".repeat(2 * 1024 * 1024)]).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof RangeError, String(err));
    assert.match(err.message, /maxPacketSize/);
    const [row] = await c.query<{ ok: number }>("SELECT 1 AS ok");
    assert.equal(row.ok, 1);
  });

  test("maxPacketSize refuses a larger packet from the server and closes the connection", async () => {
    const c = await open({ maxPacketSize: 1024 * 1024 });
    const err = await c.query("SELECT REPEAT('a', 2000000) AS s").then(() => undefined, (e) => e);
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(c.closed, true);
  });
});

/**
 * The binlog stream against a real MariaDB (log_bin, binlog_format=ROW): every column type comes out
 * with the same JS values as a SELECT through the client, updates give before and after, row images
 * and metadata settings, filters, blocking mode with heartbeats, rotation, compressed events, exact
 * resume (by checkpoint, position and MariaDB GTID, and after the connection is killed mid-stream),
 * and the errors of bad input. Other test files write to the same binlog at the same time: every
 * test looks only at its own schema's transactions.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  binlog,
  BinlogError,
  type BinlogEvent,
  type BinlogOptions,
  connect,
  type Connection,
  type ConnectionOptions,
} from "../../mod.ts";
import { testEnv } from "../support/env.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const SCHEMA = `mywire_binlog_${runtime}_${Math.random().toString(36).slice(2, 8)}`;

let base: ConnectionOptions;
let conn: Connection;

before(async () => {
  const env = await testEnv();
  const root = { host: env.host, port: env.port, user: env.root.user, password: env.root.password };
  const admin = await connect(root);
  await admin.query(`CREATE DATABASE ${SCHEMA}`);
  await admin.close();
  base = { ...root, database: SCHEMA };
  conn = await connect(base);
});

after(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${SCHEMA}`).catch(() => {});
  await conn?.close();
});

/** The current end of the binlog. */
async function mark(): Promise<{ file: string; position: number }> {
  const [row] = await conn.query<{ File: string; Position: number }>("SHOW MASTER STATUS");
  return { file: row.File, position: Number(row.Position) };
}

/** Reads the binlog from `from` (a position, or where `options` say) to its current end (non-blocking). */
async function read(
  from: { file: string; position: number } | undefined,
  options: Partial<BinlogOptions> = {},
): Promise<BinlogEvent[]> {
  const events: BinlogEvent[] = [];
  for await (const e of binlog({ ...base, ...from, blocking: false, ...options })) events.push(e);
  return events;
}

/** The GTIDs of the transactions that touched this test's schema. */
function gtidsOf(events: readonly BinlogEvent[]): Set<string> {
  const mine = new Set<string>();
  for (const e of events) {
    if (e.gtid === undefined) continue;
    if (("schema" in e && e.schema === SCHEMA) || (e.type === "Query" && e.query.includes(SCHEMA))) {
      mine.add(e.gtid);
    }
  }
  return mine;
}

/**
 * The events of the transactions that touched this test's schema (others write to the binlog too),
 * or of the transactions `gtids` lists.
 */
function ours(events: readonly BinlogEvent[], gtids = gtidsOf(events)): BinlogEvent[] {
  return events.filter((e) => e.gtid !== undefined && gtids.has(e.gtid));
}

function rowsEvents<T extends "WriteRows" | "UpdateRows" | "DeleteRows">(
  events: readonly BinlogEvent[],
  type: T,
  table: string,
): Extract<BinlogEvent, { type: T }>[] {
  return events.filter((e) =>
    e.type === type && "table" in e && e.table === table && e.schema === SCHEMA
  ) as Extract<
    BinlogEvent,
    { type: T }
  >[];
}

/** Plain objects of rows as SELECT returns them. */
function plain(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => ({ ...r }));
}

/** Events without the fields that differ between two reads of the same binlog. */
function comparable(events: readonly BinlogEvent[]): unknown[] {
  return events.map((e) => ({ ...e }));
}

const ALL_TYPES = `(
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, dec1 DECIMAL(10,2), dec2 DECIMAL(65,30), dec3 DECIMAL(5,0), dec4 DECIMAL(18,9),
  b1 BIT(1), b5 BIT(5), b64 BIT(64), y YEAR,
  dt DATE, t0 TIME, t1 TIME(1), t3 TIME(3), t6 TIME(6),
  dt0 DATETIME, dt3 DATETIME(3), dt6 DATETIME(6), ts0 TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL, ts6 TIMESTAMP(6) NULL,
  c10 CHAR(10), c255 CHAR(255), vc VARCHAR(300), vcl VARCHAR(20) CHARACTER SET latin1, bin4 BINARY(4),
  vb VARBINARY(10), tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT, tb TINYBLOB, bl BLOB, mb MEDIUMBLOB,
  lb LONGBLOB, en ENUM('a','b','c d'), st SET('x','y','z'), js JSON, g GEOMETRY, pt POINT, uu UUID, i4 INET4,
  i6 INET6, gb VARCHAR(10) CHARACTER SET gbk, u32 VARCHAR(10) CHARACTER SET utf32
)`;

const ALL_ROWS = [
  `(1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808,
    18446744073709551615, 3.14159265, 2.718281828459045, -12345678.91,
    '-12345678901234567890123456789012345.123456789012345678901234567891', 12345, -0.000000001,
    1, 21, 18446744073709551615, 2155,
    '2024-02-29', '-838:59:59', '-00:00:00.5', '123:45:56.789', '-01:02:03.000004',
    '9999-12-31 23:59:59', '2024-01-02 03:04:05.678', '0001-01-01 00:00:00.000001', '2038-01-19 03:14:07',
    '2000-01-01 00:00:00.123', '2020-06-15 12:34:56.654321',
    'abc', REPEAT('é', 255), REPEAT('😀', 300), 'café', 'ab', 0x00FF00,
    'tiny', 'text', REPEAT('m', 70000), 'long', 0x01, 0x0203, 0x040506, 0x0708090a,
    'c d', 'x,z', '{"k": [1, 2.5, "s", null, true], "n": {"m": -1}}', ST_GeomFromText('LINESTRING(0 0,1 1)'),
    POINT(1.5, -2), '123e4567-e89b-12d3-a456-426614174000', '192.168.0.1', '2001:db8::ff00:42:8329', '中文', 'ä😀')`,
  `(2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
    -1.5e38, -1e308, 0.5, 0, -99999, 123456789.123456789,
    0, 0, 0, 1901,
    '0000-00-00', '838:59:59', '00:00:00.1', '-00:00:00.001', '00:00:00.999999',
    '0000-00-00 00:00:00', '1000-01-01 00:00:00.5', '2024-12-31 23:59:59.999999', '1970-01-01 00:00:01', NULL,
    '1999-12-31 23:59:59.999999',
    '', '', '', '', 'abcd', '',
    '', '', '', '', '', '', '', '',
    '', '', '[]', NULL, NULL, 'f81d4fae-7dec-41d0-a765-00a0c91e6bf6', '0.0.0.0', '::ffff:1.2.3.4', '', '')`,
  `(3${", NULL".repeat(55)})`,
];

describe("every column type: the rows equal what SELECT returns", () => {
  for (const metadata of ["NO_LOG", "FULL"] as const) {
    test(`binlog_row_metadata=${metadata}`, async () => {
      const table = `types_${metadata.toLowerCase()}`;
      await conn.query(`SET GLOBAL binlog_row_metadata = '${metadata}'`);
      try {
        await conn.query("SET SESSION sql_mode = ''");
        await conn.query(`CREATE TABLE ${table} ${ALL_TYPES}`);
        const from = await mark();
        await conn.query(`INSERT INTO ${table} VALUES ${ALL_ROWS.join(",")}`);
        const inserted = plain(await conn.query(`SELECT * FROM ${table} ORDER BY id`));
        await conn.query(`UPDATE ${table} SET vc = 'changed', i = i + 1 WHERE id = 1`);
        const updated = plain(await conn.query(`SELECT * FROM ${table} WHERE id = 1`));
        await conn.query(`DELETE FROM ${table} WHERE id = 2`);
        const events = ours(await read(from, { onlySchemas: [SCHEMA] }));
        const map = events.find((e) => e.type === "TableMap");
        assert.ok(map?.type === "TableMap");
        assert.equal(map.hasColumnNames, metadata === "FULL");
        // a large insert is split into several rows events
        const writes = rowsEvents(events, "WriteRows", table);
        assert.deepEqual(writes.flatMap((e) => e.rows), inserted);
        const write = writes[0];
        assert.deepEqual(write.columnNames, Object.keys(inserted[0]));
        const [update] = rowsEvents(events, "UpdateRows", table);
        assert.deepEqual(update.rows, [{ before: inserted[0], after: updated[0] }]);
        const [del] = rowsEvents(events, "DeleteRows", table);
        assert.deepEqual(del.rows, [inserted[1]]);
        for (const e of [write, update, del]) {
          assert.match(e.file, /^mysql-bin\.\d+$/);
          assert.ok(e.position >= from.position || e.file !== from.file);
          assert.equal(e.nextPosition, e.position + e.eventSize);
          assert.match(e.gtid!, /^\d+-\d+-\d+$/);
        }
      } finally {
        await conn.query("SET GLOBAL binlog_row_metadata = 'NO_LOG'");
        await conn.query("SET SESSION sql_mode = DEFAULT");
      }
    });
  }

  test("value options apply as they do for the client", async () => {
    await conn.query("SET SESSION sql_mode = ''");
    await conn.query(
      `CREATE TABLE opts (id INT PRIMARY KEY, bi BIGINT, dec1 DECIMAL(10,2), dt DATE, dt0 DATETIME, dt3 DATETIME(3),
       ts TIMESTAMP NULL, js JSON)`,
    );
    const from = await mark();
    await conn.query(
      `INSERT INTO opts VALUES (1, 9007199254740993, 12.5, '2024-03-01', '2024-03-01 10:20:30',
       '2024-03-01 10:20:30.123', '2024-03-01 10:20:30', '{"a": [1, {"b": null}]}')`,
    );
    await conn.query("SET SESSION sql_mode = DEFAULT");
    const variants: Partial<ConnectionOptions>[] = [
      { timezone: "Z" },
      { timezone: "+05:30" },
      { dateStrings: true },
      { dateStrings: ["DATE"] },
      { bigint: "string" },
      { bigint: "bigint" },
      { decimal: "number" },
      { jsonParse: false },
    ];
    for (const variant of variants) {
      await using c = await connect({ ...base, ...variant });
      // the binlog holds TIMESTAMPs as instants: read them in a session of the same zone
      if (variant.timezone) {
        await c.query(`SET time_zone = '${variant.timezone === "Z" ? "+00:00" : variant.timezone}'`);
      }
      const selected = plain(await c.query("SELECT * FROM opts"));
      const events = ours(await read(from, { ...variant, onlyTables: ["opts"], onlyEvents: ["WriteRows"] }));
      const rows = rowsEvents(events, "WriteRows", "opts")[0].rows;
      if (variant.jsonParse === false) {
        // MariaDB's JSON is text as written; the binlog has that same text
        assert.equal(rows[0].js, selected[0].js);
      }
      assert.deepEqual(rows, selected, JSON.stringify(variant));
    }
  });
});

describe("row images", () => {
  test("MINIMAL: the before image holds the key, the after image the changed columns; absent is not null", async () => {
    await conn.query("CREATE TABLE minimal (id INT PRIMARY KEY, a INT, b VARCHAR(10), c TEXT)");
    await conn.query("INSERT INTO minimal VALUES (1, 10, 'x', 'long text')");
    const from = await mark();
    await conn.query("SET SESSION binlog_row_image = 'MINIMAL'");
    try {
      await conn.query("UPDATE minimal SET a = 11 WHERE id = 1");
      await conn.query("INSERT INTO minimal (id, b) VALUES (2, 'y')");
      await conn.query("DELETE FROM minimal WHERE id = 1");
    } finally {
      await conn.query("SET SESSION binlog_row_image = DEFAULT");
    }
    const events = ours(await read(from));
    const [update] = rowsEvents(events, "UpdateRows", "minimal");
    assert.deepEqual(update.rows, [{ before: { id: 1 }, after: { a: 11 } }]);
    assert.equal("b" in update.rows[0].after, false);
    const [write] = rowsEvents(events, "WriteRows", "minimal");
    assert.deepEqual(write.rows, [{ id: 2, b: "y" }]);
    const [del] = rowsEvents(events, "DeleteRows", "minimal");
    assert.deepEqual(del.rows, [{ id: 1 }]);
  });

  test("NOBLOB: unchanged BLOB/TEXT columns are left out", async () => {
    await conn.query("CREATE TABLE noblob (id INT PRIMARY KEY, a INT, c TEXT, d BLOB)");
    await conn.query("INSERT INTO noblob VALUES (1, 10, 'text', 'blob')");
    const from = await mark();
    await conn.query("SET SESSION binlog_row_image = 'NOBLOB'");
    try {
      await conn.query("UPDATE noblob SET a = 11 WHERE id = 1");
    } finally {
      await conn.query("SET SESSION binlog_row_image = DEFAULT");
    }
    const [update] = rowsEvents(ours(await read(from)), "UpdateRows", "noblob");
    assert.deepEqual(update.rows, [{ before: { id: 1, a: 10 }, after: { id: 1, a: 11 } }]);
  });
});

describe("events", () => {
  test("DDL, transactions and annotations: Query, MariadbGtid, MariadbAnnotateRows, TableMap, Xid", async () => {
    const from = await mark();
    await conn.query("CREATE TABLE tx (id INT PRIMARY KEY, v VARCHAR(10))");
    await conn.query("BEGIN");
    await conn.query("INSERT INTO tx VALUES (1, 'a')");
    await conn.query("INSERT INTO tx VALUES (2, 'b')");
    await conn.query("COMMIT");
    const events = ours(await read(from));
    const types = events.map((e) => e.type);
    assert.deepEqual(types, [
      "MariadbGtid",
      "Query",
      "MariadbGtid",
      "MariadbAnnotateRows",
      "TableMap",
      "WriteRows",
      "MariadbAnnotateRows",
      "TableMap",
      "WriteRows",
      "Xid",
    ]);
    const ddl = events[1];
    assert.ok(ddl.type === "Query");
    assert.equal(ddl.schema, SCHEMA);
    assert.match(ddl.query, /^CREATE TABLE tx/);
    assert.ok(events[0].type === "MariadbGtid" && events[0].standalone);
    assert.ok(events[2].type === "MariadbGtid" && !events[2].standalone);
    const annotate = events[3];
    assert.ok(annotate.type === "MariadbAnnotateRows");
    assert.equal(annotate.query, "INSERT INTO tx VALUES (1, 'a')");
    // every event of the transaction carries its GTID
    assert.equal(new Set(events.slice(2).map((e) => e.gtid)).size, 1);
    assert.match(events[0].dump(), /^=== MariadbGtidEvent ===\n/);
  });

  test("the stream starts with the server's Rotate and FormatDescription; FLUSH BINARY LOGS rotates", async () => {
    await conn.query("CREATE TABLE rot (id INT PRIMARY KEY)");
    const from = await mark();
    await conn.query("INSERT INTO rot VALUES (1)");
    await conn.query("FLUSH BINARY LOGS");
    await conn.query("INSERT INTO rot VALUES (2)");
    const events = await read(from);
    assert.equal(events[0].type, "Rotate");
    assert.ok(events[0].type === "Rotate" && events[0].artificial);
    assert.equal(events[1].type, "FormatDescription");
    const rotate = events.find((e) => e.type === "Rotate" && !e.artificial);
    assert.ok(rotate?.type === "Rotate");
    assert.equal(rotate.file, from.file);
    const writes = events.filter((e) => e.type === "WriteRows" && e.table === "rot");
    assert.equal(writes.length, 2);
    assert.equal(writes[0].file, from.file);
    assert.equal(writes[1].file, rotate.nextFile);
    assert.notEqual(writes[1].file, writes[0].file);
  });

  test("MariaDB compressed events (log_bin_compress)", async () => {
    await conn.query("CREATE TABLE comp (id INT PRIMARY KEY, v TEXT)");
    const from = await mark();
    await conn.query("SET GLOBAL log_bin_compress = ON, GLOBAL log_bin_compress_min_len = 10");
    try {
      await using c = await connect(base); // a session started with compression on
      await c.query(`INSERT INTO comp VALUES (1, '${"compressible ".repeat(50)}')`);
      await c.query(`UPDATE comp SET v = '${"again ".repeat(40)}' WHERE id = 1`);
      await c.query(`ALTER TABLE comp COMMENT '${"long comment ".repeat(10)}'`);
    } finally {
      await conn.query("SET GLOBAL log_bin_compress = OFF, GLOBAL log_bin_compress_min_len = DEFAULT");
    }
    const events = ours(await read(from));
    const [write] = rowsEvents(events, "WriteRows", "comp");
    assert.equal(write.compressed, true);
    assert.deepEqual(write.rows, [{ id: 1, v: "compressible ".repeat(50) }]);
    const [update] = rowsEvents(events, "UpdateRows", "comp");
    assert.equal(update.compressed, true);
    assert.equal(update.rows[0].after.v, "again ".repeat(40));
    const alter = events.find((e) => e.type === "Query" && e.query.startsWith("ALTER TABLE comp"));
    assert.ok(alter?.type === "Query" && alter.compressed);
  });
});

describe("filters", () => {
  test("tables, schemas, event types and time", async () => {
    await conn.query("CREATE TABLE fa (id INT PRIMARY KEY)");
    await conn.query("CREATE TABLE fb (id INT PRIMARY KEY)");
    const from = await mark();
    await conn.query("INSERT INTO fa VALUES (1)");
    await conn.query("INSERT INTO fb VALUES (1)");
    const tables = (events: BinlogEvent[]) =>
      events.filter((e) => e.type === "WriteRows" && e.schema === SCHEMA).map((e) => "table" in e && e.table);
    assert.deepEqual(tables(await read(from, { onlyTables: ["fa"] })), ["fa"]);
    assert.deepEqual(tables(await read(from, { onlyTables: [`${SCHEMA}.fb`] })), ["fb"]);
    assert.deepEqual(tables(await read(from, { ignoredTables: ["fa"], onlySchemas: [SCHEMA] })), ["fb"]);
    assert.deepEqual(tables(await read(from, { ignoredSchemas: [SCHEMA] })), []);
    assert.deepEqual(tables(await read(from, { onlySchemas: [SCHEMA] })), ["fa", "fb"]);
    const only = await read(from, { onlyEvents: ["WriteRows", "Xid"] });
    assert.ok(only.length > 0 && only.every((e) => e.type === "WriteRows" || e.type === "Xid"));
    const ignored = await read(from, { ignoredEvents: ["TableMap", "Query"] });
    assert.ok(ignored.every((e) => e.type !== "TableMap" && e.type !== "Query"));
    assert.ok(ignored.some((e) => e.type === "WriteRows"));
    assert.deepEqual(tables(await read(from, { skipToTimestamp: new Date(Date.now() + 3_600_000) })), []);
    assert.deepEqual(tables(await read(from, { skipToTimestamp: 0 })), ["fa", "fb"]);
  });

  test("a filtered table's TABLE_MAP and rows are not yielded", async () => {
    await conn.query("CREATE TABLE fc (id INT PRIMARY KEY)");
    const from = await mark();
    await conn.query("INSERT INTO fc VALUES (1)");
    const events = await read(from, { ignoredTables: ["fc"] });
    assert.ok(!events.some((e) => "table" in e && e.table === "fc"));
    assert.ok(events.some((e) => e.type === "Xid"));
  });
});

describe("resume", () => {
  /** Writes five transactions of two rows each into `table`. */
  async function transactions(table: string): Promise<void> {
    for (let i = 1; i <= 5; i++) {
      await conn.query("BEGIN");
      await conn.query(`INSERT INTO ${table} VALUES (${i * 10}, 'a')`);
      await conn.query(`INSERT INTO ${table} VALUES (${i * 10 + 1}, 'b')`);
      await conn.query("COMMIT");
    }
  }

  test("from a checkpoint anywhere, a position at a transaction boundary, and a MariaDB GTID", async () => {
    await conn.query("CREATE TABLE res (id INT PRIMARY KEY, v VARCHAR(10))");
    const from = await mark();
    await transactions("res");
    const all = ours(await read(from));
    const gtids = gtidsOf(all);
    assert.equal(all.filter((e) => e.type === "WriteRows").length, 10);
    // a checkpoint after each event in turn: the rest, no more, no less
    const stream = binlog({ ...base, ...from, blocking: false });
    const seen: BinlogEvent[] = [];
    for await (const e of stream) {
      seen.push(e);
      const i = all.findIndex((x) => x.file === e.file && x.position === e.position && x.type === e.type);
      if (i < 0 || i % 3 !== 1) continue;
      const rest = ours(await read(undefined, { resume: stream.checkpoint }), gtids);
      assert.deepEqual(
        comparable(rest),
        comparable(all.slice(i + 1)),
        `resumed after ${e.type} at ${e.position}`,
      );
    }
    // by position after a transaction's Xid
    const xids = all.filter((e) => e.type === "Xid");
    const afterSecond = ours(await read({ file: xids[1].file, position: xids[1].nextPosition }), gtids);
    assert.deepEqual(comparable(afterSecond), comparable(all.slice(all.indexOf(xids[1]) + 1)));
    // by MariaDB GTID
    const gtid = xids[2].gtid!;
    const afterThird = ours(await read(undefined, { mariadbGtid: gtid }), gtids);
    assert.deepEqual(comparable(afterThird), comparable(all.slice(all.indexOf(xids[2]) + 1)));
    assert.ok(seen.length >= all.length);
  });

  test("the stream's MariaDB GTID position follows the transactions it handled", async () => {
    await conn.query("CREATE TABLE gpos (id INT PRIMARY KEY, v VARCHAR(10))");
    const from = await mark();
    await transactions("gpos");
    const stream = binlog({ ...base, ...from, blocking: false });
    let xids = 0;
    for await (const e of stream) {
      if (e.type !== "Xid") continue;
      xids++;
      assert.ok(
        stream.mariadbGtidPosition?.split(",").includes(e.gtid!),
        `${stream.mariadbGtidPosition} ${e.gtid}`,
      );
      // resuming from the position gives the transactions after this one
      const next = ours(
        await read(undefined, { mariadbGtid: stream.mariadbGtidPosition, onlyEvents: ["Xid"] }),
      );
      assert.ok(next.every((x) => x.position > e.position || x.file !== e.file));
    }
    assert.ok(xids >= 5);
  });

  test("a connection killed mid-stream: the stream reconnects and yields every event exactly once", async () => {
    // rows of 1 MB: the server cannot send the binlog ahead into the socket buffers, so the
    // connection dies with the rest of the transaction unsent
    await conn.query("CREATE TABLE kil (id INT PRIMARY KEY, v LONGTEXT)");
    const from = await mark();
    for (let i = 1; i <= 4; i++) {
      await conn.query("BEGIN");
      await conn.query(`INSERT INTO kil VALUES (${i * 10}, REPEAT('${i}', 1048576))`);
      await conn.query(`INSERT INTO kil VALUES (${i * 10 + 1}, REPEAT('${i}', 1048576))`);
      await conn.query(`INSERT INTO kil VALUES (${i * 10 + 2}, REPEAT('${i}', 1048576))`);
      await conn.query("COMMIT");
    }
    const all = ours(await read(from));
    const gtids = gtidsOf(all);
    const last = all.at(-1)!;
    // blocking: the dump connection stays up (a non-blocking dump ends it after the last event)
    const stream = binlog({ ...base, ...from, reconnect: { retries: 3, delay: 10 } });
    const seen: BinlogEvent[] = [];
    let kills = 0;
    for await (const e of stream) {
      seen.push(e);
      if (e.file === last.file && e.position === last.position) break;
      // kill the dump connection inside the first transaction, then inside the third or fourth
      if (e.type !== "WriteRows" || e.table !== "kil" || stream.reconnects !== kills) continue;
      const n = new Set(ours(seen, gtids).map((x) => x.gtid)).size;
      if ((kills === 0 && n === 1) || (kills === 1 && n >= 3)) {
        kills++;
        await conn.query(`KILL CONNECTION ${stream.threadId}`);
      }
    }
    await stream.close();
    assert.equal(kills, 2);
    // a kill after the server had sent everything costs no reconnect (runtimes buffer differently)
    assert.ok(stream.reconnects >= 1 && stream.reconnects <= 2);
    const got = ours(seen, gtids);
    assert.equal(got.length, all.length);
    assert.deepEqual(comparable(got), comparable(all));
  });
});

describe("blocking mode", () => {
  test("waits for new events, with heartbeats while the server is idle", async () => {
    await conn.query("CREATE TABLE blk (id INT PRIMARY KEY)");
    const stream = binlog({
      ...base,
      heartbeatInterval: 500,
      onlyEvents: ["Heartbeat", "WriteRows"],
      onlyTables: [`${SCHEMA}.blk`],
    });
    const it = stream[Symbol.asyncIterator]();
    const timeout = setTimeout(() => stream.close(), 60_000);
    try {
      let first = await it.next();
      assert.equal(first.done, false);
      assert.equal(first.value.type, "Heartbeat");
      assert.ok(first.value.type === "Heartbeat" && first.value.logFile.startsWith("mysql-bin."));
      await conn.query("INSERT INTO blk VALUES (7)");
      let e = await it.next();
      while (!e.done && e.value.type === "Heartbeat") e = await it.next();
      assert.ok(!e.done && e.value.type === "WriteRows");
      assert.deepEqual(e.value.rows, [{ id: 7 }]);
      first = e;
    } finally {
      clearTimeout(timeout);
      await stream.close();
    }
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });
});

describe("bad input", () => {
  async function failure(options: Partial<BinlogOptions>): Promise<unknown> {
    try {
      for await (const _ of binlog({ ...base, blocking: false, reconnect: false, ...options })) {
        // reading is what fails
      }
    } catch (error) {
      return error;
    }
    assert.fail("expected the stream to fail");
  }

  test("a file the server does not have", async () => {
    const error = await failure({ file: "mysql-bin.999999", position: 4 });
    assert.ok(error instanceof BinlogError);
    assert.equal(error.reason, "unknown-file");
    assert.match(error.message, /not on the server/);
  });

  test("a MariaDB GTID the server never wrote", async () => {
    const error = await failure({ mariadbGtid: "0-1-999999999" });
    assert.ok(error instanceof BinlogError);
    assert.equal(error.reason, "unknown-position");
  });

  test("a MySQL GTID set on MariaDB", async () => {
    const error = await failure({ gtidSet: "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5" });
    assert.ok(error instanceof BinlogError);
    assert.equal(error.reason, "unsupported");
  });

  test("a user without REPLICATION privileges", async () => {
    const user = `mywire_norepl_${runtime}`;
    await conn.query(`CREATE OR REPLACE USER '${user}'@'%' IDENTIFIED BY 'Pw-norepl-1'`);
    await conn.query(`GRANT SELECT ON *.* TO '${user}'@'%'`);
    try {
      for (const options of [{}, { file: (await mark()).file, position: 4 }]) {
        const error = await failure({ user, password: "Pw-norepl-1", ...options });
        assert.ok(error instanceof BinlogError, String(error));
        assert.equal(error.reason, "no-privilege");
        assert.match(error.message, /REPLICATION SLAVE/);
      }
    } finally {
      await conn.query(`DROP USER '${user}'@'%'`);
    }
  });

  test("binlog_format other than ROW", async () => {
    await conn.query("SET GLOBAL binlog_format = 'STATEMENT'");
    try {
      const error = await failure({});
      assert.ok(error instanceof BinlogError);
      assert.equal(error.reason, "not-row-format");
      assert.match(error.message, /binlog_format is STATEMENT/);
    } finally {
      await conn.query("SET GLOBAL binlog_format = 'ROW'");
    }
  });

  test("bad options are TypeErrors naming the option", () => {
    assert.throws(
      () => binlog({ ...base, onlyEvents: ["Nope" as "Query"] }),
      /onlyEvents: unknown event type "Nope"/,
    );
    assert.throws(() => binlog({ ...base, serverId: 0 }), /serverId/);
    assert.throws(() => binlog({ ...base, gtidSet: "nope" }), /gtidSet/);
    assert.throws(() => binlog({ ...base, mariadbGtid: "1-2" }), /mariadbGtid/);
    assert.throws(() => binlog({ ...base, file: "f", mariadbGtid: "0-1-2" }), /one place to start/);
    assert.throws(() => binlog({ ...base, position: 100 }), /file/);
    assert.throws(() => binlog({ ...base, reconnect: { delay: 5000, maxDelay: 10 } }), /reconnect\.maxDelay/);
    assert.throws(() => binlog({ ...base, reconnect: "yes" as never }), /reconnect: expected a boolean or/);
  });
});

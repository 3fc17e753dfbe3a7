/**
 * Binlog decoding speed: events/s, rows/s and MB/s of `readBinlogFile` on
 *   1. the Sakila binlog of ../shared/fixtures/binlog (MySQL 5.5, 1,462 events, 47,273 rows), and
 *   2. a generated binlog of 1,000,000 WRITE_ROWS events (one row each: INT, VARCHAR, DATETIME(0),
 *      DECIMAL(10,2), DOUBLE, a TABLE_MAP per ten rows events, CRC32 checksums verified).
 *   3. on Node only: mywire vs @vlasky/zongji (a dev dependency) in the same run, reading from a live
 *      server. A throwaway MariaDB (binlog on, ROW format) gets --live-events single-row INSERTs
 *      (default 1,000,000: one TABLE_MAP, ANNOTATE_ROWS and WRITE_ROWS event each, in transactions of
 *      1,000) from a stored procedure; then ZongJi (`nonBlock`, `requestAnnotateRows`) and
 *      `binlog({ blocking: false })` each read the binlog from the position before the inserts to
 *      its end, decoding every row (one run each: the ratio is of rows/s).
 *      MYWIRE_BENCH_URL (a root URL) uses an existing server instead; --no-live skips this part.
 * Runs on whichever runtime runs it (node, deno run -A, bun). Reports figures, asserts nothing.
 *
 *   node bench/binlog.ts [--events N] [--rounds N] [--live-events N] [--no-live]
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { binlog, connect, parseUrl } from "../mod.ts";
import { ChecksumAlgorithm, crc32 } from "../src/protocol/binlog/checksum.ts";
import { encodeXid } from "../src/protocol/binlog/control-events.ts";
import { encodeDecimalBinary } from "../src/protocol/binlog/decimal.ts";
import { EventType } from "../src/protocol/binlog/event-types.ts";
import { readBinlogFile } from "../src/protocol/binlog/file.ts";
import { encodeFormatDescription } from "../src/protocol/binlog/format-description.ts";
import { BINLOG_MAGIC, encodeEventHeader } from "../src/protocol/binlog/header.ts";
import { encodeTableMap } from "../src/protocol/binlog/table-map.ts";
import { Writer } from "../src/protocol/bytes.ts";
import { ColumnType } from "../src/protocol/constants.ts";

function argument(name: string, fallback: number): number {
  const args = typeof process !== "undefined" ? process.argv : [];
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const EVENTS = argument("events", 1_000_000);
const ROUNDS = argument("rounds", 3);
const LIVE_EVENTS = argument("live-events", 1_000_000);
const LIVE = typeof process === "undefined" || !process.argv.includes("--no-live");

/** An event with a CRC32 checksum. */
function event(type: number, body: Uint8Array, position: number): Uint8Array {
  const size = 19 + body.length + 4;
  const out = new Uint8Array(size);
  out.set(
    encodeEventHeader({
      timestamp: 1700000000,
      eventType: type,
      serverId: 1,
      eventSize: size,
      logPos: position + size,
      flags: 0,
    }),
  );
  out.set(body, 19);
  new DataView(out.buffer).setUint32(size - 4, crc32(out, 0, size - 4), true);
  return out;
}

/** A binlog file of `count` WRITE_ROWS events with one row each. */
function generate(count: number): Uint8Array {
  const parts: Uint8Array[] = [BINLOG_MAGIC];
  let position = 4;
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    position += bytes.length;
  };
  push(
    encodeFormatDescription({ serverVersion: "8.0.36-bench", checksumAlgorithm: ChecksumAlgorithm.CRC32 }, {
      logPos: 0,
    }),
  );
  const tableMap = encodeTableMap({
    tableId: 101,
    schema: "bench",
    table: "orders",
    columns: [
      { binlogType: ColumnType.LONG },
      { binlogType: ColumnType.VARCHAR, metadata: 255 },
      { binlogType: ColumnType.DATETIME2, metadata: 0 },
      { binlogType: ColumnType.NEWDECIMAL, metadata: 10 | (2 << 8) },
      { binlogType: ColumnType.DOUBLE, metadata: 8 },
    ],
  });
  const price = encodeDecimalBinary("1234.56", 10, 2);
  // DATETIME2 2024-05-06 07:08:09: 1 bit sign, year*13+month (17), day (5), hour (5), minute (6), second (6)
  const packed = BigInt(2024 * 13 + 5) * 2n ** 22n + 6n * 2n ** 17n + 7n * 2n ** 12n + 8n * 2n ** 6n + 9n
    + 2n ** 39n;
  const datetime = new Uint8Array(5);
  for (let i = 0; i < 5; i++) datetime[i] = Number((packed >> BigInt(8 * (4 - i))) & 0xffn);
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) push(event(EventType.TABLE_MAP, tableMap, position));
    const name = `customer ${i % 1000}`;
    const body = new Writer(64)
      .u48(101).u16(1).u16(2).lenenc(5).u8(0x1f).u8(0) // table id, flags, extra data, columns, present, NULLs
      .u32(i)
      .u8(name.length).string(name)
      .bytes(datetime)
      .bytes(price)
      .f64(i / 7)
      .finish();
    push(event(EventType.WRITE_ROWS, body, position));
    if (i % 10 === 9) push(event(EventType.XID, encodeXid(i), position));
  }
  const out = new Uint8Array(position);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** Decodes a file `ROUNDS` times; returns the best round's figures. */
function measure(name: string, bytes: Uint8Array): void {
  let best = Infinity, events = 0, rows = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    events = 0;
    rows = 0;
    for (
      const e of readBinlogFile(bytes, {
        values: { timezone: "Z", dateStrings: false, bigint: "auto", decimal: "string", jsonParse: true },
      })
    ) {
      events++;
      if (e.type === "WriteRows") rows += e.rows.length;
    }
    best = Math.min(best, performance.now() - start);
  }
  const seconds = best / 1000;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(
    `${name}: ${fmt(events)} events (${fmt(rows)} rows, ${(bytes.length / 1e6).toFixed(1)} MB) in ${
      best.toFixed(0)
    } ms: `
      + `${fmt(events / seconds)} events/s, ${fmt(rows / seconds)} rows/s, ${
        (bytes.length / 1e6 / seconds).toFixed(1)
      } MB/s`,
  );
}

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
console.log(`binlog decoding on ${runtime}, best of ${ROUNDS} rounds`);
const sakila = new Uint8Array(
  gunzipSync(readFileSync(new URL("../../shared/fixtures/binlog/mysql-bin.sakila.gz", import.meta.url))),
);
measure("sakila (MySQL 5.5)", sakila);
const generated = generate(EVENTS);
measure(`generated (${EVENTS.toLocaleString("en-US")} WRITE_ROWS)`, generated);

// ---- live: mywire vs @vlasky/zongji on the same server binlog ----

interface LiveFigures {
  events: number;
  rows: number;
  ms: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** One row per INSERT statement, so one WRITE_ROWS event (with its TABLE_MAP) per row. */
async function fillServer(
  url: string,
  count: number,
): Promise<{ file: string; position: number; end: number; bytes: number }> {
  await using conn = await connect(parseUrl(url));
  await conn.query("SET GLOBAL innodb_flush_log_at_trx_commit = 0");
  await conn.query("DROP DATABASE IF EXISTS bench");
  await conn.query("CREATE DATABASE bench");
  await conn.query(
    "CREATE TABLE bench.orders (id INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, created DATETIME NOT NULL,"
      + " price DECIMAL(10,2) NOT NULL, score DOUBLE NOT NULL) ENGINE=InnoDB",
  );
  await conn.query(
    `CREATE PROCEDURE bench.fill(n INT)
     BEGIN
       DECLARE i INT DEFAULT 0;
       START TRANSACTION;
       WHILE i < n DO
         INSERT INTO bench.orders VALUES (i, CONCAT('customer ', i % 1000), '2024-05-06 07:08:09', 1234.56, i / 7);
         SET i = i + 1;
         IF i % 1000 = 0 THEN COMMIT; START TRANSACTION; END IF;
       END WHILE;
       COMMIT;
     END`,
  );
  const [before] = await conn.query<{ File: string; Position: number | bigint }>("SHOW MASTER STATUS");
  const started = performance.now();
  await conn.query("CALL bench.fill(?)", [count]);
  const [after] = await conn.query<{ File: string; Position: number | bigint }>("SHOW MASTER STATUS");
  console.log(
    `  generated ${fmt(count)} single-row INSERTs in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const logs = await conn.query<{ Log_name: string; File_size: number | bigint }>("SHOW BINARY LOGS");
  let bytes = 0, counting = false;
  for (const log of logs) {
    if (log.Log_name === before.File) counting = true;
    if (!counting) continue;
    const size = log.Log_name === after.File ? Number(after.Position) : Number(log.File_size);
    bytes += size - (log.Log_name === before.File ? Number(before.Position) : 4);
    if (log.Log_name === after.File) break;
  }
  return { file: before.File, position: Number(before.Position), end: Number(after.Position), bytes };
}

async function readMywire(url: string, file: string, position: number): Promise<LiveFigures> {
  const start = performance.now();
  let events = 0, rows = 0;
  const stream = binlog({
    url,
    file,
    position,
    blocking: false,
    serverId: 4101,
  });
  for await (const e of stream) {
    events++;
    if (e.type === "WriteRows") rows += e.rows.length;
  }
  return { events, rows, ms: performance.now() - start };
}

async function readZongji(url: string, file: string, position: number, end: number): Promise<LiveFigures> {
  const { default: ZongJi } = await import("@vlasky/zongji");
  const u = parseUrl(url);
  const zongji = new ZongJi({ host: u.host, port: u.port, user: u.user, password: u.password });
  const start = performance.now();
  let events = 0, rows = 0;
  await new Promise<void>((resolve, reject) => {
    zongji.on("error", reject);
    zongji.on("binlog", (e: { getTypeName(): string; rows?: unknown[]; nextPosition: number }) => {
      events++;
      if (e.getTypeName() === "WriteRows") rows += e.rows!.length;
      // nonBlock: the dump ends at the end of the log, which zongji does not report: stop at the last event.
      if (e.nextPosition === end) resolve();
    });
    // requestAnnotateRows: the same events mywire asks for (MariaDB's ANNOTATE_ROWS before each statement).
    zongji.start({ filename: file, position, serverId: 4102, nonBlock: true, requestAnnotateRows: true });
  });
  const ms = performance.now() - start;
  await new Promise<void>((resolve) => {
    zongji.once("stopped", () => resolve());
    zongji.stop();
  });
  return { events, rows, ms };
}

async function live(): Promise<void> {
  let url = process.env.MYWIRE_BENCH_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    const { startThrowawayServer } = await import("../dev/throwaway-server.ts");
    const server = await startThrowawayServer({});
    url = `mysql://${server.rootUser}:${
      encodeURIComponent(server.rootPassword)
    }@${server.host}:${server.port}/`;
    stop = () => server.stop();
  }
  try {
    console.log(`live binlog, mywire vs @vlasky/zongji on node ${process.version}:`);
    const { file, position, end, bytes } = await fillServer(url, LIVE_EVENTS);
    const results: [string, LiveFigures][] = [];
    results.push(["zongji", await readZongji(url, file, position, end)]);
    results.push(["mywire", await readMywire(url, file, position)]);
    for (const [name, r] of results) {
      const seconds = r.ms / 1000;
      console.log(
        `  ${name}: ${fmt(r.events)} events (${fmt(r.rows)} rows, ${(bytes / 1e6).toFixed(1)} MB) in ${
          r.ms.toFixed(0)
        } ms: ${fmt(r.events / seconds)} events/s, ${fmt(r.rows / seconds)} rows/s, ${
          (bytes / 1e6 / seconds).toFixed(1)
        } MB/s`,
      );
    }
    const [z, m] = [results[0][1], results[1][1]];
    console.log(`  mywire / zongji: ${((m.rows / m.ms) / (z.rows / z.ms)).toFixed(2)}x (rows/s)`);
  } finally {
    await stop?.();
  }
}

if (LIVE && runtime === "node") await live();

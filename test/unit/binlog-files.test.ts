/**
 * The binlog decoder on real binlog files: every event of every complete file in
 * ../shared/fixtures/binlog (MySQL 5.5-8.0, MariaDB 10.5) and test/unit/binlog-fixtures (MySQL
 * 5.1-9.6) decodes, and the values are the ones written. Expected values were read with the
 * `mysqlbinlog -vv` of MariaDB 10.11 where it understands the file (292,199 values of the MySQL
 * 5.5/5.7 files compared), from the statements logged beside them, and from the tests of the
 * projects the files come from.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import type {
  BinlogEvent,
  DeleteRowsEvent,
  TableMapEvent,
  UpdateRowsEvent,
  WriteRowsEvent,
} from "../../src/protocol/binlog/events.ts";
import { readBinlogFile } from "../../src/protocol/binlog/file.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

const SHARED = new URL("../../../shared/fixtures/binlog/", import.meta.url);
const LOCAL = new URL("./binlog-fixtures/", import.meta.url);
const Z = { timezone: "Z", dateStrings: false, bigint: "auto", decimal: "string", jsonParse: true } as const;

function bytes(dir: URL, name: string): Uint8Array {
  const raw = new Uint8Array(readFileSync(new URL(name, dir)));
  return name.endsWith(".gz") ? new Uint8Array(gunzipSync(raw)) : raw;
}

function events(dir: URL, name: string, options = {}): BinlogEvent[] {
  return [...readBinlogFile(bytes(dir, name), { file: name, values: Z, ...options })];
}

function countTypes(list: readonly BinlogEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of list) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

function rowsOf<T extends BinlogEvent["type"]>(
  list: readonly BinlogEvent[],
  type: T,
): Extract<BinlogEvent, { type: T }>[] {
  return list.filter((e) => e.type === type) as Extract<BinlogEvent, { type: T }>[];
}

describe("every fixture file decodes", () => {
  // Event counts of each complete file, by walking the headers (the shared README lists them).
  const expected: Record<string, number> = {
    "binlog_transaction_with_GTID.000001": 11,
    "json.binlog.000001": 36,
    "mariadb-bin.000001": 13,
    "minimal_row_metadata.000001": 8,
    "mysql-bin.aurora-padding": 5,
    "mysql-bin.checksum-crc32": 303,
    "mysql-bin.checksum-none": 191,
    "mysql-bin.compressed": 5,
    "mysql-bin.sakila.gz": 1462,
    "mysql-enum-string-set.000001": 21,
    "mysql_type_bit.000001": 11,
    "time_issue.000001": 8,
  };

  for (
    const name of readdirSync(SHARED).filter((n) => n !== "README.md" && !n.includes("truncated")).sort()
  ) {
    test(`shared/${name}`, () => {
      const list = events(SHARED, name);
      // a TRANSACTION_PAYLOAD is followed by the events it holds, which share its position
      let inner = 0;
      let payload: BinlogEvent | undefined;
      let position = 4;
      for (const e of list) {
        if (inner > 0) {
          inner--;
          assert.equal(e.position, payload!.position);
          continue;
        }
        assert.equal(e.position, position, `${name}: ${e.type} at ${e.position}`);
        position += e.eventSize;
        if (e.type === "TransactionPayload") {
          inner = e.eventCount;
          payload = e;
        }
      }
      const own = list.length - rowsOf(list, "TransactionPayload").reduce((n, e) => n + e.eventCount, 0);
      assert.equal(own, expected[name], `${name}: events`);
    });
  }

  for (const name of readdirSync(LOCAL).filter((n) => n !== "README.md").sort()) {
    test(`binlog-fixtures/${name}`, () => {
      const list = events(LOCAL, name);
      assert.ok(list.length > 2);
      assert.equal(list[0].type, "FormatDescription");
    });
  }

  test("a truncated file ends with a clear error after the events before the cut", () => {
    const iterator = readBinlogFile(bytes(SHARED, "binlog_truncated_event.000001"), {
      file: "binlog_truncated_event.000001",
    })[Symbol.iterator]();
    assert.throws(() => iterator.next(), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.reason, "truncated");
      assert.match(error.message, /binlog_truncated_event\.000001:4/);
      return true;
    });
  });

  test("a file cut inside an event gives every event before it, then the error", () => {
    const whole = bytes(SHARED, "mysql-bin.checksum-crc32");
    const cut = whole.subarray(0, 1000);
    const seen: BinlogEvent[] = [];
    assert.throws(
      () => {
        for (const e of readBinlogFile(cut, { file: "cut" })) seen.push(e);
      },
      (error: unknown) =>
        error instanceof ProtocolError && error.reason === "truncated" && /cut:\d+/.test(error.message),
    );
    assert.ok(seen.length > 3);
    assert.ok(seen.at(-1)!.nextPosition <= 1000);
  });

  test("a file that is not a binlog is refused", () => {
    assert.throws(() => [...readBinlogFile(new Uint8Array([1, 2, 3, 4, 5]))], /not a binlog file/);
  });
});

describe("checksums", () => {
  test("CRC32 is verified: a flipped byte is an error naming the file and position", () => {
    const file = bytes(SHARED, "mysql-bin.checksum-crc32").slice();
    const list = events(SHARED, "mysql-bin.checksum-crc32");
    const target = list.find((e) => e.type === "WriteRows")!;
    file[target.position + 30] ^= 0x55;
    assert.throws(
      () => [...readBinlogFile(file, { file: "mysql-bin.checksum-crc32" })],
      (error: unknown) => {
        assert.ok(error instanceof ProtocolError);
        assert.equal(error.reason, "checksum");
        assert.match(error.message, new RegExp(`mysql-bin\\.checksum-crc32:${target.position}\\b`));
        assert.match(error.message, /WriteRows/);
        return true;
      },
    );
  });

  test("verifyChecksums: false reads past a bad checksum", () => {
    const file = bytes(SHARED, "mysql-bin.checksum-crc32").slice();
    const target = events(SHARED, "mysql-bin.checksum-crc32").find((e) => e.type === "Xid")!;
    file[target.position + target.eventSize - 1] ^= 0xff; // the checksum itself
    assert.equal([...readBinlogFile(file, { verifyChecksums: false })].length, 303);
  });

  test("the FORMAT_DESCRIPTION of a file still in use is checked without its in-use flag", () => {
    // mysql_type_bit.000001 was copied while the server had it open
    const list = events(SHARED, "mysql_type_bit.000001");
    assert.equal(list[0].flags & 1, 1);
    assert.equal(list[0].type === "FormatDescription" && list[0].checksumAlgorithm, 1);
  });
});

describe("MySQL 5.5: the Sakila database (WRITE_ROWS v1, old temporal types)", () => {
  const list = events(SHARED, "mysql-bin.sakila.gz");
  const writes = rowsOf(list, "WriteRows");

  test("47,273 rows in 16 tables", () => {
    assert.equal(writes.reduce((n, e) => n + e.rows.length, 0), 47273);
    const perTable: Record<string, number> = {};
    for (const e of writes) perTable[e.table] = (perTable[e.table] ?? 0) + e.rows.length;
    assert.equal(perTable.payment, 16049);
    assert.equal(perTable.rental, 16044);
    assert.equal(perTable.film_actor, 5462);
    assert.equal(perTable.actor, 200);
  });

  test("actor: SMALLINT, VARCHAR, TIMESTAMP", () => {
    const actor = writes.find((e) => e.table === "actor")!;
    assert.equal(actor.schema, "sakila");
    assert.deepEqual(actor.rows[0], {
      "@1": 1,
      "@2": "PENELOPE",
      "@3": "GUINESS",
      "@4": new Date(1139974473 * 1000),
    });
    assert.deepEqual(actor.columnNames, ["@1", "@2", "@3", "@4"]);
  });

  test("film: TEXT, YEAR, NULL, DECIMAL, ENUM and SET without names (index and bitmask)", () => {
    const film = writes.find((e) => e.table === "film")!.rows[0];
    assert.equal(film["@2"], "ACADEMY DINOSAUR");
    assert.ok(film["@3"] instanceof Uint8Array); // TEXT without a known charset: the bytes
    assert.equal(
      new TextDecoder().decode(film["@3"] as Uint8Array),
      "A Epic Drama of a Feminist And a Mad Scientist who must Battle a Teacher in The Canadian Rockies",
    );
    assert.equal(film["@4"], 2006);
    assert.equal(film["@6"], null);
    assert.equal(film["@8"], "0.99");
    assert.equal(film["@10"], "20.99");
    assert.equal(film["@11"], 2);
    assert.equal(film["@12"], 0b1100);
  });

  test("payment: DECIMAL, old DATETIME, TIMESTAMP", () => {
    const payment = writes.find((e) => e.table === "payment")!.rows[0];
    assert.deepEqual(payment, {
      "@1": 1,
      "@2": 1,
      "@3": 1,
      "@4": 76,
      "@5": "2.99",
      "@6": new Date(Date.UTC(2005, 4, 25, 11, 30, 37)),
      "@7": new Date(1140037950 * 1000),
    });
  });

  test("the decimal option", () => {
    const e = [
      ...readBinlogFile(bytes(SHARED, "mysql-bin.sakila.gz"), { values: { ...Z, decimal: "number" } }),
    ]
      .find((x): x is WriteRowsEvent => x.type === "WriteRows" && x.table === "payment")!;
    assert.equal(e.rows[0]["@5"], 2.99);
  });

  test("dateStrings", () => {
    const e = [
      ...readBinlogFile(bytes(SHARED, "mysql-bin.sakila.gz"), { values: { ...Z, dateStrings: true } }),
    ]
      .find((x): x is WriteRowsEvent => x.type === "WriteRows" && x.table === "payment")!;
    assert.equal(e.rows[0]["@6"], "2005-05-25 11:30:37");
    assert.equal(e.rows[0]["@7"], "2006-02-15 21:12:30");
  });
});

describe("MySQL 5.7: rows events v2 with CRC32 checksums", () => {
  const list = events(SHARED, "mysql-bin.checksum-crc32");

  test("inserts, updates and deletes", () => {
    const write = rowsOf(list, "WriteRows")[0];
    assert.equal(`${write.schema}.${write.table}`, "simu_file_dev.folder");
    assert.deepEqual(write.rows[0], {
      "@1": 12300113,
      "@2": "test2",
      "@3": "/",
      "@4": 116103,
      "@5": new Date(1525422719000),
      "@6": 906703,
      "@7": 0,
      "@8": 0,
      "@9": 0,
      "@10": new Date(1525422719000),
      "@11": 0,
      "@12": 12200009,
    });
    const update = rowsOf(list, "UpdateRows")[0];
    assert.equal(update.rows.length, 1);
    assert.ok(Object.keys(update.rows[0].before).length > 0);
    assert.equal(rowsOf(list, "DeleteRows").reduce((n, e) => n + e.rows.length, 0) > 0, true);
  });

  test("every event carries its file and position; ANONYMOUS_GTID transactions carry no GTID", () => {
    for (const e of list) {
      assert.equal(e.file, e.type === "Rotate" ? "mysql-bin.checksum-crc32" : e.file);
      assert.equal(e.gtid, undefined);
    }
    const rotate = rowsOf(list, "Rotate")[0];
    assert.equal(rotate.artificial, false);
    assert.match(rotate.nextFile, /^mysql-bin\.\d+$/);
  });
});

describe("MySQL 8.0 files", () => {
  test("ENUM, SET and strings with full metadata: names and values", () => {
    const list = events(SHARED, "mysql-enum-string-set.000001");
    const long = "0123456789".repeat(10);
    const chunk = "0123456789".repeat(12) + "012345678";
    const longer = chunk + chunk + "0123456789".repeat(4);
    const write = rowsOf(list, "WriteRows")[0];
    assert.deepEqual(write.rows, [{ f1: long, f2: longer, f3: "var1", f4: "one,three", f5: "0123456789" }]);
    const update = rowsOf(list, "UpdateRows")[0];
    assert.deepEqual(update.rows, [{
      before: { f1: long, f2: longer, f3: "var1", f4: "one,three", f5: "0123456789" },
      after: { f1: "field1", f2: "field_2", f3: "variant2", f4: "two,four", f5: longer },
    }]);
    const del = rowsOf(list, "DeleteRows")[0];
    assert.deepEqual(del.rows, [{ f1: "field1", f2: "field_2", f3: "variant2", f4: "two,four", f5: longer }]);
    const map = rowsOf(list, "TableMap")[0];
    assert.equal(map.hasColumnNames, true);
    assert.deepEqual(map.columns[2].enumValues, ["var1", "variant2", "foo"]);
    assert.deepEqual(map.columns[3].setValues, ["one", "two", "three", "four"]);
  });

  test("GTIDs: each event of a transaction carries its GTID", () => {
    const list = events(SHARED, "mysql-enum-string-set.000001");
    const gtids = rowsOf(list, "Gtid");
    assert.equal(gtids[0].gtid, "93e95066-a2f4-11ec-9b69-9657f0ae95e2:1");
    const write = rowsOf(list, "WriteRows")[0];
    assert.equal(write.gtid, "93e95066-a2f4-11ec-9b69-9657f0ae95e2:3");
    const xid = list[list.indexOf(write) + 1];
    assert.equal(xid.type, "Xid");
    assert.equal(xid.gtid, "93e95066-a2f4-11ec-9b69-9657f0ae95e2:3");
    // DDL is a transaction of its own: the GTID covers that one Query event
    const ddl = list.find((e) => e.type === "Query" && e.query.startsWith("CREATE TABLE"))!;
    assert.equal(ddl.gtid, "93e95066-a2f4-11ec-9b69-9657f0ae95e2:2");
    assert.equal(list[list.indexOf(ddl) + 1].type, "Gtid");
    assert.equal(list[list.indexOf(ddl) + 1].gtid, "93e95066-a2f4-11ec-9b69-9657f0ae95e2:3");
    assert.equal(list[0].gtid, undefined);
    assert.ok(Number(gtids[2].immediateCommitTimestamp) > 1.6e15);
  });

  test("BIT columns and TEXT with the MINIMAL metadata's charset", () => {
    const write = rowsOf(events(SHARED, "mysql_type_bit.000001"), "WriteRows")[0];
    assert.deepEqual(write.rows, [{ a: 4n, b: "foo", c: 32n }]);
  });

  test("TIME beyond 24 hours, negative", () => {
    const write = rowsOf(events(SHARED, "time_issue.000001"), "WriteRows")[0];
    assert.deepEqual(write.rows, [{ "@1": "-507:48:27" }]);
  });

  test("MINIMAL row metadata: signedness and charsets, no names", () => {
    const list = events(SHARED, "minimal_row_metadata.000001");
    const map = rowsOf(list, "TableMap")[0];
    assert.equal(map.hasColumnNames, false);
    assert.equal(map.columns[1].charset, 63); // a BLOB
    assert.equal(map.columns[2].charset, 255);
    assert.equal(map.columns[4].unsigned, true);
    const row = rowsOf(list, "WriteRows")[0].rows[0];
    assert.equal(row["@5"], 3230202323);
  });

  test("JSON documents, updates, and a partial update with its JSON diffs", () => {
    const list = events(SHARED, "json.binlog.000001");
    const writes = rowsOf(list, "WriteRows");
    assert.deepEqual(writes[0].rows[0], {
      "@1": 1,
      "@2": { age: 24, data: "xxxxxxxxxx", name: "Joe" },
      "@3": "Joe",
      "@4": 24,
    });
    assert.equal(writes[3].rows.length, 3);
    const update = rowsOf(list, "UpdateRows")[0];
    assert.deepEqual(update.rows[0].after["@2"], { age: 25, data: "xxxxxxxxxx", name: "Joe" });
    const partial = rowsOf(list, "PartialUpdateRows")[0];
    assert.equal(partial.rows.length, 6);
    // MINIMAL image: the before image holds the key only, so the document itself is not sent
    assert.deepEqual(partial.rows[0].before, { "@1": 1 });
    assert.deepEqual(partial.rows[0].after, { "@3": "Joe", "@4": 26 });
    assert.deepEqual(partial.rows[0].jsonDiffs, {
      "@2": [{ operation: "replace", path: "$.age", value: 26 }],
    });
  });

  test("jsonParse: false gives JSON as MySQL prints it", () => {
    const list = events(SHARED, "json.binlog.000001", { values: { ...Z, jsonParse: false } });
    assert.equal(
      rowsOf(list, "WriteRows")[0].rows[0]["@2"],
      '{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}',
    );
  });

  test("a TRANSACTION_PAYLOAD (zstd) is followed by the events it holds", () => {
    const list = events(SHARED, "mysql-bin.compressed");
    const i = list.findIndex((e) => e.type === "TransactionPayload");
    const payload = list[i];
    assert.ok(payload.type === "TransactionPayload");
    assert.equal(payload.compression, "zstd");
    assert.equal(payload.eventCount, 4);
    assert.deepEqual(list.slice(i + 1, i + 5).map((e) => e.type), ["Query", "TableMap", "UpdateRows", "Xid"]);
    const update = list[i + 3] as UpdateRowsEvent;
    assert.equal(`${update.schema}.${update.table}`, "demo.movies");
    assert.equal(update.rows[0].before["@2"], "Once Upon a Time in the West");
    assert.equal(update.rows[0].before["@3"], 1968);
    for (const e of list.slice(i + 1, i + 5)) assert.equal(e.position, payload.position);
  });

  test("an event of unknown type (Aurora padding, type 100) is yielded with its bytes", () => {
    const list = events(SHARED, "mysql-bin.aurora-padding");
    const unknown = list.find((e) => e.type === "Unknown")!;
    assert.ok(unknown.type === "Unknown");
    assert.equal(unknown.eventType, 100);
    assert.equal(unknown.position, 281);
    assert.equal(unknown.nextPosition, 1209);
    assert.equal(unknown.data.length, 1209 - 281 - 19 - 4);
    assert.equal(list.at(-1)!.type, "Query");
  });

  test("MySQL 5.6 GTIDs and STOP", () => {
    const list = events(SHARED, "binlog_transaction_with_GTID.000001");
    assert.equal(list.at(-1)!.type, "Stop");
    const gtid = rowsOf(list, "Gtid")[0];
    assert.match(gtid.gtid, /^[0-9a-f-]{36}:\d+$/);
    assert.equal(rowsOf(list, "PreviousGtids").length, 1);
  });
});

describe("MariaDB 10.5: GTIDs, annotations, full metadata", () => {
  const list = events(SHARED, "mariadb-bin.000001");

  test("GTID list, binlog checkpoint, GTID events", () => {
    const types = countTypes(list);
    assert.deepEqual(types, {
      FormatDescription: 1,
      MariadbGtidList: 1,
      MariadbBinlogCheckpoint: 1,
      MariadbGtid: 2,
      MariadbAnnotateRows: 2,
      TableMap: 2,
      WriteRows: 2,
      Xid: 2,
    });
    const checkpoint = rowsOf(list, "MariadbBinlogCheckpoint")[0];
    assert.equal(checkpoint.checkpointFile, "mariadb-bin.000001");
    const gtid = rowsOf(list, "MariadbGtid")[0];
    assert.equal(gtid.gtid, "0-1-1");
    assert.equal(gtid.domainId, 0);
    assert.equal(gtid.standalone, false);
  });

  test("rows keyed by the names in the TABLE_MAP, with the GTID of their transaction", () => {
    const write = rowsOf(list, "WriteRows")[0];
    assert.deepEqual(write.columnNames, ["id", "topic", "event_type", "event", "created"]);
    assert.equal(write.rows[0].id, 62);
    assert.equal(write.rows[0].topic, "foo");
    assert.equal(write.rows[0].event_type, "JSON");
    assert.deepEqual(write.rows[0].event, new TextEncoder().encode('{"foo":1}'));
    assert.deepEqual(write.rows[0].created, new Date(1650493084000));
    assert.equal(write.gtid, "0-1-1");
    assert.equal(rowsOf(list, "WriteRows")[1].gtid, "0-1-2");
    const annotate = rowsOf(list, "MariadbAnnotateRows")[0];
    assert.equal(
      annotate.query,
      `insert into outbox (topic, event_type, event) values ('foo', 'JSON', '{"foo":1}')`,
    );
    const map = rowsOf(list, "TableMap")[0] as TableMapEvent;
    assert.deepEqual(map.primaryKey, [0]);
  });
});

describe("more MySQL files", () => {
  test("JSON opaque values: what MySQL prints for them", () => {
    const docs = rowsOf(events(LOCAL, "json-opaque.binlog"), "WriteRows").map((e) => e.rows[0].a);
    assert.deepEqual(docs, [
      { a: "base64:type15:VQ==" },
      { b: "2012-03-18" },
      { c: "2012-03-18 11:30:45.000000" },
      { c: "87:31:46.654321" },
      { d: 123.456 },
      { e: 9 },
      { e: [0, 1, true, false] },
      { e: null },
    ]);
  });

  test("VECTOR: the float32 bytes and the dimensions from the metadata", () => {
    const list = events(LOCAL, "vector.binlog");
    const write = rowsOf(list, "WriteRows")[0];
    assert.deepEqual(write.rows[0], {
      id: 1,
      vector_column: new Uint8Array([205, 204, 140, 63, 205, 204, 12, 64, 51, 51, 83, 64]),
    });
    assert.deepEqual([...new Float32Array((write.rows[0].vector_column as Uint8Array).slice().buffer)], [
      Math.fround(1.1),
      Math.fround(2.2),
      Math.fround(3.3),
    ]);
    const bar = rowsOf(list, "TableMap").find((m) => m.table === "bar")!;
    assert.deepEqual(bar.columns.filter((c) => c.vectorDimensions).map((c) => c.vectorDimensions), [2, 4]);
  });

  test("GTID_TAGGED and a tagged PREVIOUS_GTIDS", () => {
    const list = events(LOCAL, "binlog_transaction_with_GTID_TAG.000001");
    const tagged = rowsOf(list, "GtidTagged")[0];
    assert.equal(tagged.uuid, "55778904-0299-11f1-b1b8-4ef0c4956feb");
    assert.equal(tagged.tag, "mytag");
    assert.equal(tagged.gno, 3);
    assert.equal(tagged.gtid, "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
    assert.equal(rowsOf(list, "WriteRows")[0].gtid, tagged.gtid);
    const previous = rowsOf(list, "PreviousGtids")[0];
    assert.deepEqual(previous.entries, [
      { uuid: "55778904-0299-11f1-b1b8-4ef0c4956feb", intervals: [[1, 13]] },
      { uuid: "55778904-0299-11f1-b1b8-4ef0c4956feb", tag: "mytag", intervals: [[1, 2]] },
    ]);
  });

  test("invisible columns", () => {
    const map = rowsOf(events(LOCAL, "binlog-invisible-columns.000001"), "TableMap")[0];
    assert.deepEqual(map.columns.map((c) => c.visible).slice(0, 3), [false, false, true]);
  });

  test("images holding only some columns: absent columns are absent, not null", () => {
    const update = rowsOf(events(LOCAL, "update-partial-row.binlog"), "UpdateRows")[0];
    assert.deepEqual(update.rows, [{ before: { "@1": 4, "@3": 4 }, after: { "@1": 4, "@3": 40 } }]);
    assert.ok(!("@2" in update.rows[0].before));
    const writes = rowsOf(events(LOCAL, "write-partial-row.binlog"), "WriteRows");
    assert.ok(writes.some((e) => e.rows.some((r) => Object.keys(r).length < e.columnNames.length)));
    const del = rowsOf(events(LOCAL, "write-partial-row.binlog"), "DeleteRows")[0] as DeleteRowsEvent;
    assert.ok(del.rows.length > 0);
  });

  test("a compressed transaction of MySQL 8.0.32", () => {
    const list = events(LOCAL, "transaction_compression.000001");
    const i = list.findIndex((e) => e.type === "TransactionPayload");
    assert.deepEqual(list.slice(i + 1).map((e) => e.type), [
      "Query",
      "TableMap",
      "WriteRows",
      "Xid",
      "Rotate",
    ]);
  });

  test("USER_VAR", () => {
    const vars = rowsOf(events(LOCAL, "bug11747887-bin.000003"), "UserVar");
    assert.equal(vars.length, 1);
    assert.equal(typeof vars[0].name, "string");
  });
});

describe("dump()", () => {
  test("the human format of python-mysql-replication", () => {
    const list = events(SHARED, "mysql-enum-string-set.000001");
    const text = rowsOf(list, "WriteRows")[0].dump();
    assert.match(text, /^=== WriteRowsEvent ===\nDate: 2022-03-\d\dT\d\d:\d\d:\d\d\nLog position: \d+\n/);
    assert.match(text, /\nTable: mysql\.t\n/);
    assert.match(text, /\nValues:\n--\n\* f1 : 0123456789/);
    assert.match(rowsOf(list, "UpdateRows")[0].dump(), /\n\*f3:var1=>variant2\n/);
    assert.match(list[0].dump(), /^=== FormatDescriptionEvent ===/);
    assert.equal(JSON.parse(JSON.stringify(list[0])).dump, undefined);
  });
});

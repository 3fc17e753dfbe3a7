/**
 * The binlog stream against a scripted server, for what the real MariaDB here will not do: a MySQL 8
 * server (COM_BINLOG_DUMP_GTID, HEARTBEAT_V2, TRANSACTION_PAYLOAD over the wire), a server without
 * a binlog, a corrupt event, an error in the middle of a dump, and a connection dropped inside a
 * transaction (the stream must ask again from the transaction's start). The events sent are those
 * of real MySQL binlog files.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { binlog, BinlogError, type BinlogEvent, type BinlogOptions, ProtocolError } from "../../mod.ts";
import { crc32 } from "../../src/protocol/binlog/checksum.ts";
import { encodeHeartbeatV2, encodeRotate } from "../../src/protocol/binlog/control-events.ts";
import { EventType } from "../../src/protocol/binlog/event-types.ts";
import { readBinlogFile } from "../../src/protocol/binlog/file.ts";
import { decodeEventHeader, encodeEventHeader } from "../../src/protocol/binlog/header.ts";
import {
  decodeBinlogDump,
  decodeBinlogDumpGtid,
  decodeRegisterReplica,
} from "../../src/protocol/binlog/replication.ts";
import { Writer } from "../../src/protocol/bytes.ts";
import { Capability, Command } from "../../src/protocol/constants.ts";
import {
  encodeColumnCount,
  encodeColumnDefinition,
  encodeErr,
  encodeOk,
  encodeTextRow,
} from "../../src/protocol/results.ts";
import { type FakeConnection, type FakeServer, startFakeServer } from "../support/fake-server.ts";

const SHARED = new URL("../../../shared/fixtures/binlog/", import.meta.url);
const enc = (s: string) => new TextEncoder().encode(s);
const ok = () =>
  encodeOk(
    { affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" },
    Capability.PROTOCOL_41,
  );
const endOfRows = () =>
  encodeOk(
    { affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" },
    Capability.PROTOCOL_41,
    0xfe,
  );

/** A file's events (bytes after the magic), with their positions. */
function fileEvents(name: string): { position: number; bytes: Uint8Array }[] {
  const file = new Uint8Array(readFileSync(new URL(name, SHARED)));
  const out: { position: number; bytes: Uint8Array }[] = [];
  for (let p = 4; p < file.length;) {
    const h = decodeEventHeader(file, p);
    out.push({ position: p, bytes: file.slice(p, p + h.eventSize) });
    p += h.eventSize;
  }
  return out;
}

/** An event made here: the server's artificial Rotate, heartbeats. */
function made(type: number, body: Uint8Array, logPos: number, flags: number): Uint8Array {
  const size = 19 + body.length + 4;
  const out = new Uint8Array(size);
  out.set(encodeEventHeader({ timestamp: 0, eventType: type, serverId: 1, eventSize: size, logPos, flags }));
  out.set(body, 19);
  new DataView(out.buffer).setUint32(size - 4, crc32(out, 0, size - 4), true);
  return out;
}

async function sendResult(conn: FakeConnection, names: string[], rows: (string | null)[][]): Promise<void> {
  await conn.send(encodeColumnCount(names.length));
  for (const name of names) {
    await conn.send(encodeColumnDefinition({
      catalog: "def",
      schema: "",
      table: "",
      orgTable: "",
      name,
      orgName: name,
      charset: 255,
      length: 80,
      type: 0xfd,
      flags: 0,
      decimals: 0,
    }));
  }
  for (const row of rows) await conn.send(encodeTextRow(row.map((v) => (v === null ? null : enc(v)))));
  await conn.send(endOfRows());
}

/** What the scripted server does: its settings and what it sends after the dump command. */
interface Scenario {
  logBin?: string;
  /** Sends the dump's packets; gets the decoded dump command. */
  dump(conn: FakeConnection, command: Uint8Array, connection: number): Promise<void>;
}

let server: FakeServer;
let scenario: Scenario;
let connections = 0;
const commands: Uint8Array[] = [];

/** Plays a MySQL 8.0 server: handshake, the queries the stream asks, then the scenario's dump. */
async function play(conn: FakeConnection): Promise<void> {
  const n = ++connections;
  await conn.greet({ authPluginName: "mysql_native_password", serverVersion: "8.0.36-fake" });
  await conn.read();
  await conn.send(ok());
  for (;;) {
    let packet: Uint8Array;
    try {
      packet = await conn.read();
    } catch {
      return;
    }
    const command = packet[0];
    if (command === Command.COM_QUIT) return;
    if (command === Command.COM_QUERY) {
      const sql = new TextDecoder().decode(packet.subarray(1));
      if (sql.startsWith("SELECT @@global.log_bin")) {
        await sendResult(conn, ["log_bin", "format", "checksum"], [[scenario.logBin ?? "1", "ROW", "CRC32"]]);
      } else if (sql.startsWith("SHOW BINARY LOG STATUS")) {
        await sendResult(conn, ["File", "Position"], [["binlog.000001", "4"]]);
      } else if (sql.startsWith("SELECT")) {
        await sendResult(conn, ["COLUMN_NAME"], []); // information_schema: no such table
      } else await conn.send(ok());
      continue;
    }
    commands.push(packet);
    if (command === Command.COM_REGISTER_SLAVE) {
      await conn.send(ok());
      continue;
    }
    await scenario.dump(conn, packet, n);
    return;
  }
}

before(async () => {
  server = await startFakeServer(play);
});

after(async () => {
  await server.close();
});

function options(extra: Partial<BinlogOptions> = {}): BinlogOptions {
  return { host: "127.0.0.1", port: server.port, user: "repl", password: "pw", reconnect: false, ...extra };
}

async function collect(stream: AsyncIterable<BinlogEvent>): Promise<BinlogEvent[]> {
  const out: BinlogEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

/** Sends the events of a file after an artificial Rotate, as a dump from position 4. */
async function sendFile(conn: FakeConnection, name: string, from = 4, upTo = Infinity): Promise<void> {
  await conn.send(
    new Writer().u8(0).bytes(made(EventType.ROTATE, encodeRotate(name, from), 0, 0x20)).finish(),
  );
  const events = fileEvents(name);
  await conn.send(new Writer().u8(0).bytes(events[0].bytes).finish()); // FORMAT_DESCRIPTION
  for (const e of events.slice(1)) {
    if (e.position < from) continue;
    if (e.position >= upTo) return;
    await conn.send(new Writer().u8(0).bytes(e.bytes).finish());
  }
}

describe("a MySQL 8 server", () => {
  test("COM_REGISTER_SLAVE, COM_BINLOG_DUMP_GTID with the GTID set, events, HEARTBEAT_V2, EOF", async () => {
    commands.length = 0;
    scenario = {
      async dump(conn) {
        await sendFile(conn, "mysql-enum-string-set.000001");
        await conn.send(
          new Writer().u8(0).bytes(
            made(EventType.HEARTBEAT_V2, encodeHeartbeatV2("mysql-enum-string-set.000001", 3331), 0, 0x20),
          ).finish(),
        );
        await conn.send(new Uint8Array([0xfe, 0, 0, 2, 0]));
      },
    };
    const gtidSet = "93e95066-a2f4-11ec-9b69-9657f0ae95e2:1-2";
    const stream = binlog(options({ gtidSet, blocking: false, serverId: 4242 }));
    const events = await collect(stream);
    const register = decodeRegisterReplica(commands[0]);
    assert.equal(register.serverId, 4242);
    const dump = decodeBinlogDumpGtid(commands[1]);
    assert.equal(dump.serverId, 4242);
    assert.equal(dump.flags & 1, 1, "non-blocking");
    assert.deepEqual(dump.gtids, [{ uuid: "93e95066-a2f4-11ec-9b69-9657f0ae95e2", intervals: [[1, 2]] }]);
    const fromFile = [
      ...readBinlogFile(new Uint8Array(readFileSync(new URL("mysql-enum-string-set.000001", SHARED))), {
        file: "mysql-enum-string-set.000001",
      }),
    ];
    assert.equal(events[0].type, "Rotate");
    assert.equal(events.at(-1)!.type, "Heartbeat");
    const middle = events.slice(1, -1).map((e) => ({ ...e }));
    assert.deepEqual(middle.slice(1), fromFile.slice(1).map((e) => ({ ...e })));
    const write = events.find((e) => e.type === "WriteRows");
    assert.ok(write?.type === "WriteRows");
    assert.equal(write.rows[0].f3, "var1");
    const heartbeat = events.at(-1)!;
    assert.ok(heartbeat.type === "Heartbeat" && heartbeat.version === 2 && heartbeat.logPosition === 3331);
    assert.deepEqual(stream.checkpoint, { file: "mysql-enum-string-set.000001", position: 3331 });
    // the transactions 1-5 of the file were handled: the set to resume from
    assert.equal(stream.gtidSet, "93e95066-a2f4-11ec-9b69-9657f0ae95e2:1-5");
  });

  test("a TRANSACTION_PAYLOAD over the wire: its events follow it", async () => {
    commands.length = 0;
    scenario = {
      async dump(conn) {
        await sendFile(conn, "mysql-bin.compressed");
        await conn.send(new Uint8Array([0xfe, 0, 0, 2, 0]));
      },
    };
    const events = await collect(
      binlog(options({ file: "mysql-bin.compressed", position: 4, blocking: false })),
    );
    const dump = decodeBinlogDump(commands[1]);
    assert.deepEqual({ file: dump.file, position: dump.position }, {
      file: "mysql-bin.compressed",
      position: 4,
    });
    const i = events.findIndex((e) => e.type === "TransactionPayload");
    assert.deepEqual(events.slice(i + 1, i + 5).map((e) => e.type), [
      "Query",
      "TableMap",
      "UpdateRows",
      "Xid",
    ]);
  });

  test("a server without a binlog", async () => {
    scenario = { logBin: "0", dump: async () => {} };
    await assert.rejects(collect(binlog(options({ blocking: false }))), (error: unknown) => {
      assert.ok(error instanceof BinlogError);
      assert.equal(error.reason, "binlog-disabled");
      assert.match(error.message, /does not write a binlog \(log_bin is OFF\)/);
      return true;
    });
    scenario = { dump: async () => {} };
  });

  test("a corrupt event ends the stream with a checksum error naming its position", async () => {
    const events = fileEvents("mysql-enum-string-set.000001");
    const bad = events.find((e) => e.bytes[4] === EventType.WRITE_ROWS)!;
    scenario = {
      async dump(conn) {
        await conn.send(
          new Writer().u8(0).bytes(made(EventType.ROTATE, encodeRotate("x.000001", 4), 0, 0x20)).finish(),
        );
        for (const e of events) {
          const bytes = e === bad ? e.bytes.map((b, i) => (i === 40 ? b ^ 1 : b)) : e.bytes;
          await conn.send(new Writer().u8(0).bytes(bytes).finish());
        }
      },
    };
    const seen: BinlogEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of binlog(options({ file: "x.000001", blocking: false, reconnect: true }))) {
          seen.push(e);
        }
      })(),
      (error: unknown) => {
        assert.ok(error instanceof ProtocolError);
        assert.equal(error.reason, "checksum");
        assert.match(error.message, new RegExp(`x\\.000001:${bad.position}`));
        return true;
      },
    );
    assert.ok(seen.some((e) => e.type === "TableMap"));
    assert.ok(!seen.some((e) => e.type === "WriteRows"));
  });

  test("an error in the middle of the dump", async () => {
    scenario = {
      async dump(conn) {
        await sendFile(conn, "mysql-enum-string-set.000001", 4, 600);
        await conn.send(
          encodeErr({ errno: 1236, sqlState: "HY000", message: "binlog truncated in the middle of event" }),
        );
      },
    };
    await assert.rejects(
      collect(binlog(options({ file: "f.000001", blocking: false }))),
      (error: unknown) => {
        assert.ok(error instanceof BinlogError);
        assert.equal(error.reason, "unknown-position");
        assert.match(error.message, /binlog truncated in the middle of event/);
        return true;
      },
    );
  });

  test("dropped inside a transaction: the stream asks again from the transaction's start", async () => {
    commands.length = 0;
    connections = 0;
    const name = "mysql-enum-string-set.000001";
    const events = fileEvents(name);
    const write = events.find((e) => e.bytes[4] === EventType.WRITE_ROWS)!;
    const gtid = events.filter((e) => e.position < write.position && e.bytes[4] === EventType.GTID).at(-1)!;
    scenario = {
      async dump(conn, command, n) {
        if (n === 1) {
          // the first dump connection dies after the WRITE_ROWS, before the XID
          await sendFile(conn, name, 4, write.position + write.bytes.length);
          conn.socket.close();
          return;
        }
        const dump = decodeBinlogDump(command);
        await sendFile(conn, name, dump.position);
        await conn.send(new Uint8Array([0xfe, 0, 0, 2, 0]));
      },
    };
    const stream = binlog(
      options({ file: name, position: 4, blocking: false, reconnect: { retries: 2, delay: 1 } }),
    );
    const got = await collect(stream);
    assert.equal(stream.reconnects, 1);
    const second = decodeBinlogDump(commands.filter((c) => c[0] === Command.COM_BINLOG_DUMP)[1]);
    assert.equal(second.position, gtid.position, "restarted at the transaction's GTID event");
    const expected = [...readBinlogFile(new Uint8Array(readFileSync(new URL(name, SHARED))), { file: name })];
    assert.deepEqual(
      got.filter((e) => e.type !== "Rotate" || !e.artificial).map((e) => `${e.type}@${e.position}`),
      expected.map((e) => `${e.type}@${e.position}`),
    );
  });
});

/**
 * The reconnect and resend rules of a client connection (src/client/reconnecting-queue.ts), each against a
 * scripted server that closes the connection exactly where the rule matters, so every case is
 * decided by the rule and not by timing: a read that was running is sent again on a new
 * connection, a write never is (unless its caller marked it retryable), commands not yet sent go to
 * the new connection in order, and inside a transaction begun with plain statements the queued
 * commands fail instead of running outside it. Each caller gets exactly one answer: its own.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { connect, ConnectionError } from "../../mod.ts";
import { ServerStatus } from "../../src/protocol/constants.ts";
import { encodeColumnCount, encodeTextRow } from "../../src/protocol/results.ts";
import { okPacket, varcharColumn } from "../support/fake-packets.ts";
import { type FakeConnection, type FakeServer, startFakeServer } from "../support/fake-server.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** What the script does with a statement on connection number `n` (1 for the first). */
type Rule = (sql: string, n: number) => "drop" | { value?: string; statusFlags?: number };

let server: FakeServer;
let rule: Rule;
/** Every statement the server received, as `n:sql`. */
let seen: string[];
let accepted: number;

const ok = (statusFlags: number, header = 0x00) => okPacket(header, statusFlags, 1);

async function answer(conn: FakeConnection, value: string | undefined, statusFlags: number): Promise<void> {
  if (value === undefined) return conn.send(ok(statusFlags));
  await conn.send(encodeColumnCount(1));
  await conn.send(varcharColumn("v"));
  await conn.send(encodeTextRow([enc(value)]));
  await conn.send(ok(statusFlags, 0xfe));
}

before(async () => {
  server = await startFakeServer(async (conn) => {
    const n = ++accepted;
    await conn.greet({ authPluginName: "mysql_native_password" });
    await conn.read();
    await conn.send(ok(ServerStatus.AUTOCOMMIT));
    for (;;) {
      let packet: Uint8Array;
      try {
        packet = await conn.read();
      } catch {
        return; // the client went away
      }
      if (packet[0] === 0x01) return; // COM_QUIT
      const sql = dec(packet.subarray(1));
      seen.push(`${n}:${sql}`);
      const what = rule(sql, n);
      if (what === "drop") {
        conn.socket.close();
        return;
      }
      await answer(conn, what.value, what.statusFlags ?? ServerStatus.AUTOCOMMIT);
    }
  });
});

after(() => server.close());

beforeEach(() => {
  seen = [];
  accepted = 0;
});

const options = { host: "127.0.0.1", port: 0, user: "u", password: "p", reconnect: { retries: 2, delay: 1 } };
const connectFake = () => connect({ ...options, port: server.port });

/** Answers reads with their own text and writes with an OK; drops connection 1 at `sql`. */
function dropFirstAt(drop: string, extra: Rule = () => ({})): Rule {
  return (sql, n) => {
    if (n === 1 && sql === drop) return "drop";
    const select = /^SELECT '(.*)'$/.exec(sql);
    return select ? { value: select[1] } : extra(sql, n);
  };
}

describe("a connection lost while a command runs", () => {
  test("a read is sent again on the new connection and answered once", async () => {
    rule = dropFirstAt("SELECT 'r'");
    const conn = await connectFake();
    const rows = await conn.query<{ v: string }>("SELECT 'r'");
    assert.deepEqual(rows.map((r) => r.v), ["r"]);
    assert.deepEqual(seen, ["1:SELECT 'r'", "2:SELECT 'r'"]);
    await conn.close();
  });

  test("a write is never sent again: its caller gets the ConnectionError, the next command a new connection", async () => {
    rule = dropFirstAt("INSERT INTO t VALUES (1)");
    const conn = await connectFake();
    await assert.rejects(conn.query("INSERT INTO t VALUES (1)"), ConnectionError);
    const rows = await conn.query<{ v: string }>("SELECT 'after'");
    assert.deepEqual(rows.map((r) => r.v), ["after"]);
    assert.deepEqual(seen, ["1:INSERT INTO t VALUES (1)", "2:SELECT 'after'"]);
    await conn.close();
  });

  test("a write its caller marked retryable is sent again", async () => {
    rule = dropFirstAt("UPDATE t SET a = 1");
    const conn = await connectFake();
    const result = await conn.query("UPDATE t SET a = 1", undefined, { retryable: true });
    assert.equal(result.affectedRows, 1);
    assert.deepEqual(seen, ["1:UPDATE t SET a = 1", "2:UPDATE t SET a = 1"]);
    await conn.close();
  });

  test("commands not yet sent go to the new connection, in order, each caller getting its own answer", async () => {
    rule = dropFirstAt("SELECT 'a'");
    const conn = await connectFake();
    const [a, b, c] = await Promise.all([
      conn.query<{ v: string }>("SELECT 'a'"),
      conn.query("INSERT INTO t VALUES (2)"),
      conn.query<{ v: string }>("SELECT 'c'"),
    ]);
    assert.equal(a[0].v, "a");
    assert.equal(b.affectedRows, 1);
    assert.equal(c[0].v, "c");
    assert.deepEqual(seen, ["1:SELECT 'a'", "2:SELECT 'a'", "2:INSERT INTO t VALUES (2)", "2:SELECT 'c'"]);
    await conn.close();
  });

  test("inside a transaction begun with plain statements, the queued commands fail instead of running outside it", async () => {
    const inTrans = ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS;
    rule = dropFirstAt(
      "SELECT 'in'",
      (sql) => ({ statusFlags: sql === "BEGIN" ? inTrans : ServerStatus.AUTOCOMMIT }),
    );
    const conn = await connectFake();
    await conn.query("BEGIN");
    const running = conn.query("SELECT 'in'");
    const queued = conn.query("UPDATE t SET a = 2");
    await assert.rejects(running, ConnectionError);
    await assert.rejects(queued, ConnectionError);
    const rows = await conn.query<{ v: string }>("SELECT 'later'");
    assert.equal(rows[0].v, "later");
    assert.deepEqual(seen, ["1:BEGIN", "1:SELECT 'in'", "2:SELECT 'later'"]);
    await conn.close();
  });
});

describe("without reconnect", () => {
  test("a lost connection fails the running and the queued commands, and stays closed", async () => {
    rule = dropFirstAt("SELECT 'x'");
    const conn = await connect({ ...options, port: server.port, reconnect: false });
    const running = conn.query("SELECT 'x'");
    const queued = conn.query("SELECT 'y'");
    await assert.rejects(running, ConnectionError);
    await assert.rejects(queued, ConnectionError);
    assert.deepEqual(seen, ["1:SELECT 'x'"]);
    assert.equal(accepted, 1);
    await conn.close();
  });
});

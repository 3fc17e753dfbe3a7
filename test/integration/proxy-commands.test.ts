/**
 * Every command a client sends, relayed by the proxy to the client's backend connection and
 * answered as the server answers it: COM_PING, COM_INIT_DB, COM_STATISTICS, COM_FIELD_LIST,
 * COM_SET_OPTION, COM_RESET_CONNECTION, COM_STMT_PREPARE / SEND_LONG_DATA / EXECUTE / RESET /
 * CLOSE, COM_QUIT; sent as raw payloads through a mywire session (its packet channel), read with
 * the protocol's response grammar.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "../../mod.ts";
import { resolveClientOptions } from "../../src/client/options.ts";
import { encodeUtf8, utf8 } from "../../src/protocol/bytes.ts";
import { encodeFieldList, encodeSetOption, SetOption } from "../../src/protocol/commands/utility.ts";
import { Command } from "../../src/protocol/constants.ts";
import { ResponseGrammar, responseShapeOf } from "../../src/protocol/response-grammar.ts";
import { decodeErr, decodeFieldListColumn, decodeTextRow } from "../../src/protocol/results.ts";
import { Session } from "../../src/session/session.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
let proxy: RunningProxy;
let session: Session;
const table = uniqueName("proxy_cmd");

/** Sends `payload` and returns the whole response's packets (copies). */
function roundTrip(payload: Uint8Array): Promise<Uint8Array[]> {
  return session.exclusive(async (ch) => {
    await ch.writeCommand(payload);
    const grammar = new ResponseGrammar(responseShapeOf(payload[0]), session.info.capabilities);
    const packets: Uint8Array[] = [];
    while (!grammar.done) {
      const p = (await ch.read()).slice();
      packets.push(p);
      grammar.push(p);
    }
    return packets;
  });
}

function command(code: number, body: string | Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = typeof body === "string" ? encodeUtf8(body) : body;
  const out = new Uint8Array(bytes.length + 1);
  out[0] = code;
  out.set(bytes, 1);
  return out;
}

/** The single value of a one-row, one-column text result. */
async function scalar(sql: string): Promise<string | null> {
  const packets = await roundTrip(command(Command.COM_QUERY, sql));
  const row = packets.find((p, i) => i >= 2 && p[0] !== 0xfe);
  const values = decodeTextRow(row!, 1);
  return values[0] === null ? null : utf8(values[0]);
}

before(async () => {
  env = await testEnv();
  const admin = await rootConnection();
  await admin.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, label VARCHAR(10), data LONGBLOB)`);
  await admin.close();
  proxy = await startProxy();
  session = await Session.open(
    resolveClientOptions({
      host: proxy.host,
      port: proxy.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      database: env.database,
    }).session,
  );
});

after(async () => {
  await session?.close();
  await proxy?.stop();
  const admin = await rootConnection();
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.close();
});

describe("commands relayed", () => {
  test("COM_PING and COM_INIT_DB", async () => {
    const ping = await roundTrip(command(Command.COM_PING));
    assert.equal(ping.length, 1);
    assert.equal(ping[0][0], 0x00);
    const init = await roundTrip(command(Command.COM_INIT_DB, "information_schema"));
    assert.equal(init[0][0], 0x00);
    assert.equal(await scalar("SELECT DATABASE()"), "information_schema");
    const bad = await roundTrip(command(Command.COM_INIT_DB, "no_such_db_here"));
    assert.equal(decodeErr(bad[0]).errno, 1049);
    await roundTrip(command(Command.COM_INIT_DB, env.database));
  });

  test("COM_STATISTICS", async () => {
    const [p] = await roundTrip(command(Command.COM_STATISTICS));
    assert.match(utf8(p), /^Uptime: \d+/);
  });

  test("COM_FIELD_LIST (the CLI's auto-rehash)", async () => {
    const packets = await roundTrip(encodeFieldList({ table, wildcard: "" }));
    const extended = session.info.mariadbCapabilities !== 0;
    const names = packets.slice(0, -1).map((p) => decodeFieldListColumn(p, extended).name);
    assert.deepEqual(names, ["id", "label", "data"]);
  });

  test("COM_SET_OPTION turns multi-statements on", async () => {
    const [eof] = await roundTrip(encodeSetOption(SetOption.MULTI_STATEMENTS_ON));
    assert.equal(eof[0], 0xfe);
    const packets = await roundTrip(command(Command.COM_QUERY, "SELECT 1; SELECT 2"));
    const rows = packets.filter((p) => p.length === 2 && p[0] === 1).map((p) => utf8(p, 1));
    assert.deepEqual(rows, ["1", "2"]);
  });

  test("COM_RESET_CONNECTION clears session state", async () => {
    await roundTrip(command(Command.COM_QUERY, "SET @proxy_var = 7"));
    assert.equal(await scalar("SELECT @proxy_var"), "7");
    const [ok] = await roundTrip(command(Command.COM_RESET_CONNECTION));
    assert.equal(ok[0], 0x00);
    assert.equal(await scalar("SELECT @proxy_var"), null);
  });

  test("prepared statements: prepare, long data, execute, reset, close", async () => {
    const c = await connect({
      host: proxy.host,
      port: proxy.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      database: env.database,
    });
    try {
      const blob = new Uint8Array(9 * 1024 * 1024).map((_, i) => i & 0xff);
      await c.execute(`INSERT INTO ${table} VALUES (?, ?, ?)`, [1, "long", blob]);
      const back = await c.execute(
        `SELECT LENGTH(data) AS n, MD5(data) = MD5(?) AS same FROM ${table} WHERE id = ?`,
        [
          blob,
          1,
        ],
      );
      assert.deepEqual([...back], [{ n: blob.length, same: 1 }]);
      const st = await c.prepare(`SELECT label FROM ${table} WHERE id = ?`);
      assert.deepEqual([...await st.execute([1])], [{ label: "long" }]);
      assert.deepEqual([...await st.execute([2])], []);
      await st.close();
    } finally {
      await c.close();
    }
  });

  test("an unknown command: ERR 1047, and the client goes on (COM_BINLOG_DUMP: proxy-binlog.test.ts)", async () => {
    const unknown = await roundTrip(command(0x60));
    assert.equal(decodeErr(unknown[0]).errno, 1047);
    const [ok] = await roundTrip(command(Command.COM_PING));
    assert.equal(ok[0], 0x00);
  });

  test("COM_QUIT ends the client and its backend connection (without multiplexing)", async () => {
    const proxy = await startProxy({ multiplex: false });
    const before = proxy.proxy.stats().backendConnections;
    assert.equal(before, 0);
    const s = await Session.open(
      resolveClientOptions({
        host: proxy.host,
        port: proxy.port,
        user: PROXY_USER.user,
        password: PROXY_USER.password,
      }).session,
    );
    assert.equal(proxy.proxy.stats().backendConnections, before + 1);
    await s.close();
    for (let i = 0; i < 100 && proxy.proxy.stats().backendConnections > before; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(proxy.proxy.stats().backendConnections, before);
    await proxy.stop();
  });
});

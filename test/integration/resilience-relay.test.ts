/**
 * The fault-injecting relay itself (test/support/fault-relay.ts), checked with a plain connection
 * (no reconnect) against the real server: it forwards faithfully, and each fault does what it says.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection, ConnectionError, ProtocolError } from "../../mod.ts";
import { rootConnection } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";

let env: TestEnv;
let relay: FaultRelay;
let direct: Connection;

before(async () => {
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  direct = await rootConnection();
  await direct.query("CREATE TABLE IF NOT EXISTS relay_marks (tag VARCHAR(64) PRIMARY KEY)");
});

after(async () => {
  await direct?.query("DROP TABLE IF EXISTS relay_marks").catch(() => {});
  await direct?.close();
  await relay?.close();
});

function viaRelay(): Promise<Connection> {
  return connect({
    host: relay.host,
    port: relay.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    connectTimeout: 5000,
  });
}

/** Tracks whether a promise has settled, without letting it reject unhandled. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  const done = promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error) => {
      state.settled = true;
      state.error = error;
    },
  );
  return { state, done };
}

async function marked(tag: string): Promise<boolean> {
  const rows = await direct.query("SELECT tag FROM relay_marks WHERE tag = ?", [tag]);
  return rows.length === 1;
}

describe("fault relay", () => {
  test("forwards a conversation faithfully and counts connections", async () => {
    const before = relay.accepted;
    const conn = await viaRelay();
    const [row] = await conn.query<{ tag: string; n: number }>("SELECT ? AS tag, 41 + 1 AS n", ["relayed"]);
    assert.deepEqual({ ...row }, { tag: "relayed", n: 42 });
    assert.equal(relay.accepted, before + 1);
    assert.equal(relay.open, 1);
    await conn.close();
    await eventually(() => relay.open === 0, "the relayed connection closes", 500);
  });

  test("reset: the next command fails with a ConnectionError and the connection is closed", async () => {
    const conn = await viaRelay();
    relay.inject({ action: "reset" });
    const err = await conn.query("SELECT 1").then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(conn.closed, true);
    assert.equal(relay.open, 0);
  });

  test("cutAll closes every open connection", async () => {
    const a = await viaRelay();
    const b = await viaRelay();
    assert.equal(relay.open, 2);
    relay.cutAll();
    assert.equal(relay.open, 0);
    for (const c of [a, b]) {
      await assert.rejects(c.query("SELECT 1"), ConnectionError);
    }
  });

  test("truncate mid-response: the client gets a connection or protocol error, never rows", async () => {
    const conn = await viaRelay();
    relay.inject({ action: "truncate", direction: "toClient", afterBytes: 30 });
    const err = await conn.query("SELECT REPEAT('x', 1000) AS big").then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectionError || err instanceof ProtocolError, String(err));
    assert.equal(conn.closed, true);
  });

  test("truncate during the handshake of the next connection: connect fails", async () => {
    relay.injectNext({ action: "truncate", direction: "toClient", afterBytes: 10 });
    await assert.rejects(viaRelay(), (e) => e instanceof ConnectionError || e instanceof ProtocolError);
    // Only that one: the next connection is fine.
    const conn = await viaRelay();
    await conn.query("SELECT 1");
    await conn.close();
  });

  test("stall toClient: the server ran the command but the answer waits until heal()", async () => {
    const conn = await viaRelay();
    relay.inject({ action: "stall", direction: "toClient" });
    const insert = track(conn.query("INSERT INTO relay_marks VALUES ('stalled')"));
    await eventually(() => marked("stalled"), "the server ran the INSERT", 500);
    assert.equal(insert.state.settled, false, "the answer is held back");
    relay.heal();
    await insert.done;
    assert.equal(insert.state.error, undefined);
    assert.equal((insert.state.value as { affectedRows: number }).affectedRows, 1);
    await conn.close();
  });

  test("drop toServer: the command never reaches the server; cutting the connection fails it", async () => {
    const conn = await viaRelay();
    relay.inject({ action: "drop", direction: "toServer" });
    const insert = track(conn.query("INSERT INTO relay_marks VALUES ('dropped')"));
    // A command sent after it on another connection is seen; the dropped one never is.
    await direct.query("INSERT INTO relay_marks VALUES ('after-drop')");
    assert.equal(await marked("dropped"), false);
    assert.equal(insert.state.settled, false);
    relay.cutAll();
    await insert.done;
    assert.ok(insert.state.error instanceof ConnectionError, String(insert.state.error));
    assert.equal(await marked("dropped"), false);
  });

  test("delay: every chunk is late but the results are intact and in order", async () => {
    const conn = await viaRelay();
    relay.inject({ action: "delay", direction: "toClient", ms: 5 });
    relay.inject({ action: "delay", direction: "toServer", ms: 5 });
    const tags = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const rows = await Promise.all(tags.map((t) => conn.query<{ tag: string }>("SELECT ? AS tag", [t])));
    assert.deepEqual(rows.map((r) => r[0].tag), tags);
    relay.heal();
    await conn.close();
  });

  test("a time-triggered reset cuts an idle connection", async () => {
    const conn = await viaRelay();
    relay.inject({ action: "reset", afterMs: 20 });
    await eventually(() => relay.open === 0, "the connection is cut", 500);
    await assert.rejects(conn.query("SELECT 1"), ConnectionError);
  });

  test("refuse: new connections fail while on, work again after", async () => {
    relay.refuse(true);
    await assert.rejects(viaRelay(), ConnectionError);
    relay.refuse(false);
    const conn = await viaRelay();
    await conn.ping();
    await conn.close();
  });
});

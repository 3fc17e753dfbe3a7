/**
 * Results that arrive a few bytes at a time (from a scripted server: a real one sends whole
 * buffers): column definitions and rows straddle socket reads at every offset, so the views the
 * client takes of its receive buffer must be copied or used before the buffer moves. The same
 * result is read whole, twice (the second time through the column cache), streamed, and with
 * column definitions several times larger than one read; every value must be the one sent.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "../../mod.ts";
import { encodePacket } from "../../src/protocol/framing.ts";
import { encodeColumnCount, encodeTextRow } from "../../src/protocol/results.ts";
import { okPacket as ok, varcharColumn } from "../support/fake-packets.ts";
import { type FakeConnection, type FakeServer, startFakeServer } from "../support/fake-server.ts";

let server: FakeServer;
let script: (conn: FakeConnection) => Promise<void>;

before(async () => {
  server = await startFakeServer((conn) => script(conn));
});
after(async () => {
  await server.close();
});

const enc = (s: string) => new TextEncoder().encode(s);
/** The framed response: column count, definitions, rows, the closing OK (DEPRECATE_EOF). */
function response(names: readonly string[], rows: readonly (readonly (string | null)[])[]): Uint8Array {
  const payloads = [
    encodeColumnCount(names.length),
    ...names.map((name) => varcharColumn(name, "t")),
    ...rows.map((r) => encodeTextRow(r.map((v) => (v === null ? null : enc(v))))),
    ok(0xfe),
  ];
  const framed = payloads.map((p, i) => encodePacket(p, i + 1));
  const out = new Uint8Array(framed.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of framed) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** Sends `bytes` in pieces of 1 to `max` bytes, letting the client read between some of them. */
async function trickle(conn: FakeConnection, bytes: Uint8Array, max: number): Promise<void> {
  let seed = 7;
  for (let at = 0; at < bytes.length;) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (seed % max);
    await conn.sendRaw(bytes.slice(at, at + n));
    at += n;
    if (seed % 3 === 0) await new Promise((r) => setTimeout(r, 0));
  }
}

/** Accepts the login, then answers each query with `answer` sent in small pieces. */
function serve(answer: Uint8Array, max: number): (conn: FakeConnection) => Promise<void> {
  return async (conn) => {
    await conn.greet({ authPluginName: "mysql_native_password" });
    await conn.read();
    await conn.send(ok());
    for (;;) {
      const command = await conn.read().catch(() => undefined);
      if (command === undefined || command[0] === 0x01) return;
      await trickle(conn, answer, max);
    }
  };
}

const options = () => ({
  host: "127.0.0.1",
  port: server.port,
  user: "u",
  password: "p",
  connectTimeout: 3000,
});

function table(columns: number, rows: number) {
  const names = Array.from({ length: columns }, (_, c) => `column_with_a_long_name_${c}`);
  const values = Array.from(
    { length: rows },
    (_, r) => names.map((_, c) => ((r + c) % 7 === 0 ? null : `r${r}c${c}-${"é".repeat((r * c) % 5)}`)),
  );
  const expected = values.map((row) => Object.fromEntries(names.map((n, c) => [n, row[c]])));
  return { names, values, expected };
}

describe("results arriving a few bytes at a time", () => {
  test("query(): definitions and rows across reads, twice (column cache), then stream()", async () => {
    const { names, values, expected } = table(12, 200);
    script = serve(response(names, values), 13);
    const conn = await connect(options());
    try {
      assert.deepEqual([...(await conn.query("SELECT 1"))], expected);
      assert.deepEqual([...(await conn.query("SELECT 1"))], expected);
      const streamed: unknown[] = [];
      for await (const row of conn.stream("SELECT 1")) streamed.push(row);
      assert.deepEqual(streamed, expected);
    } finally {
      await conn.close();
    }
  });

  test("40 columns in pieces of up to 300 bytes, and a stream left early", async () => {
    const { names, values, expected } = table(40, 50);
    script = serve(response(names, values), 300);
    const conn = await connect(options());
    try {
      assert.deepEqual([...(await conn.query("SELECT 1"))], expected);
      let n = 0;
      for await (const row of conn.stream("SELECT 1")) {
        assert.deepEqual(row, expected[n]);
        if (++n === 10) break;
      }
      assert.deepEqual([...(await conn.query("SELECT 1"))], expected);
    } finally {
      await conn.close();
    }
  });
});

/**
 * What a real server will not send: a peer that closes or stalls mid-handshake, malformed and
 * oversized packets, rows that do not match their columns, wrong sequence ids. Each must end in a
 * clear error, never a hang, a crash, or a wrong row; after a protocol error the connection is closed.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, ConnectionError, ProtocolError } from "../../mod.ts";
import { Writer } from "../../src/protocol/bytes.ts";
import { encodeColumnCount, encodeTextRow } from "../../src/protocol/results.ts";
import { encodePrepareOk } from "../../src/protocol/statements.ts";
import {
  acceptAnyLogin as accept,
  okPacket as ok,
  varcharColumn as column,
} from "../support/fake-packets.ts";
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
const options = (extra: Record<string, unknown> = {}) => ({
  host: "127.0.0.1",
  port: server.port,
  user: "u",
  password: "p",
  connectTimeout: 3000,
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => assert.fail("expected a failure"), (e) => e);
}

describe("during the handshake", () => {
  test("the server closes right after connecting", async () => {
    script = async () => {};
    const err = await failure(connect(options()));
    assert.ok(err instanceof ConnectionError, String(err));
  });

  test("the server closes after the greeting", async () => {
    script = async (conn) => {
      await conn.greet({ authPluginName: "mysql_native_password" });
      await conn.read();
    };
    const err = await failure(connect(options()));
    assert.ok(err instanceof ConnectionError, String(err));
    assert.match((err as Error).message, /closed/);
  });

  test("the server stalls: connectTimeout ends the wait", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => release = r);
    script = async () => {
      await released;
    };
    const err = await failure(connect(options({ connectTimeout: 300 })));
    release();
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal((err as ConnectionError).code, "ETIMEDOUT");
  });

  test("the server stops in the middle of a packet", async () => {
    script = async (conn) => {
      await conn.sendRaw(new Uint8Array([0x50, 0x00, 0x00, 0x00, 10, 0x35, 0x2e]));
    };
    const err = await failure(connect(options()));
    assert.ok(err instanceof ConnectionError, String(err));
  });

  test("a garbage greeting", async () => {
    script = async (conn) => {
      await conn.send(new Uint8Array([10, 0x41, 0x42]));
      await conn.read().catch(() => {});
    };
    const err = await failure(connect(options()));
    assert.ok(err instanceof ProtocolError, String(err));
  });

  test("an unsupported protocol version", async () => {
    script = async (conn) => {
      await conn.send(new Uint8Array([9, 0x35, 0, 1, 0, 0, 0]));
      await conn.read().catch(() => {});
    };
    const err = await failure(connect(options()));
    assert.ok(err instanceof ProtocolError, String(err));
    assert.match((err as Error).message, /protocol version 9/);
  });

  test("an ERR instead of a greeting (too many connections)", async () => {
    script = async (conn) => {
      await conn.send(new Writer().u8(0xff).u16(1040).string("Too many connections").finish());
    };
    const err = await failure(connect(options())) as { errno: number; message: string };
    assert.equal(err.errno, 1040);
    assert.match(err.message, /Too many connections/);
  });

  test("TLS required but not offered: refused before any credential is sent", async () => {
    let received: Uint8Array | undefined;
    script = async (conn) => {
      await conn.greet({ authPluginName: "mysql_native_password" });
      received = await conn.read().catch(() => undefined);
    };
    const err = await failure(connect(options({ ssl: "required" })));
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal((err as ConnectionError).code, "TLS");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received, undefined);
  });
});

describe("during a query", () => {
  test("a row with fewer values than columns: ProtocolError, connection closed", async () => {
    script = async (conn) => {
      await accept(conn);
      await conn.read();
      conn.seq = 1;
      await conn.send(encodeColumnCount(2));
      await conn.send(column("a"));
      await conn.send(column("b"));
      await conn.send(encodeTextRow([enc("only one")]));
      await conn.send(ok(0xfe));
      await conn.read().catch(() => {});
    };
    const c = await connect(options());
    const err = await failure(c.query("SELECT a, b"));
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(c.closed, true);
    await assert.rejects(c.query("SELECT 1"), ConnectionError);
  });

  test("a binary row with fewer values than its columns: ProtocolError", async () => {
    script = async (conn) => {
      await accept(conn);
      await conn.read(); // COM_STMT_PREPARE
      await conn.send(encodePrepareOk({ statementId: 1, columnCount: 2, paramCount: 0, warningCount: 0 }));
      await conn.send(column("a"));
      await conn.send(column("b"));
      await conn.read(); // COM_STMT_EXECUTE
      await conn.send(encodeColumnCount(2));
      await conn.send(column("a"));
      await conn.send(column("b"));
      // header, NULL bitmap (no NULLs), one length-prefixed value where two are due
      await conn.send(new Uint8Array([0x00, 0x00, 0x01, 0x41]));
      await conn.send(ok(0xfe));
      await conn.read().catch(() => {});
    };
    const c = await connect(options());
    const err = await failure(c.execute("SELECT a, b FROM t"));
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(c.closed, true);
  });

  test("a value longer than its packet: ProtocolError", async () => {
    script = async (conn) => {
      await accept(conn);
      await conn.read();
      conn.seq = 1;
      await conn.send(encodeColumnCount(1));
      await conn.send(column("a"));
      await conn.send(new Uint8Array([0xfc, 0xff, 0x7f, 0x41, 0x42]));
      await conn.read().catch(() => {});
    };
    const c = await connect(options());
    const err = await failure(c.query("SELECT a"));
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(c.closed, true);
  });

  test("a packet announced larger than maxPacketSize is refused before it is buffered", async () => {
    script = async (conn) => {
      await accept(conn);
      await conn.read();
      await conn.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0x01]));
      await conn.read().catch(() => {});
    };
    const c = await connect(options({ maxPacketSize: 65536 }));
    const err = await failure(c.query("SELECT 1"));
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal((err as ProtocolError).reason, "oversized");
  });

  test("a wrong sequence id", async () => {
    script = async (conn) => {
      await accept(conn);
      await conn.read();
      conn.seq = 7;
      await conn.send(ok());
      await conn.read().catch(() => {});
    };
    const c = await connect(options());
    const err = await failure(c.query("SELECT 1"));
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal((err as ProtocolError).reason, "sequence");
  });

  test("the server closes mid-result: the query and every queued one fail exactly once", async () => {
    script = async (conn) => {
      await accept(conn);
      await conn.read();
      conn.seq = 1;
      await conn.send(encodeColumnCount(1));
      await conn.send(column("a"));
    };
    const c = await connect(options());
    const settled: string[] = [];
    const all = [c.query("SELECT a"), c.query("SELECT 2"), c.ping()].map((p, i) =>
      p.then(() => settled.push(`${i}:ok`), (e) => settled.push(`${i}:${(e as Error).name}`))
    );
    await Promise.all(all);
    assert.deepEqual(settled.sort(), ["0:ConnectionError", "1:ConnectionError", "2:ConnectionError"]);
    assert.equal(c.closed, true);
  });

  test("LOCAL INFILE requests are refused with an empty reply and a clear error", async () => {
    let reply: Uint8Array | undefined;
    script = async (conn) => {
      await accept(conn);
      await conn.read();
      conn.seq = 1;
      await conn.send(new Writer().u8(0xfb).string("/etc/passwd").finish());
      reply = await conn.read();
      await conn.send(
        new Writer().u8(0xff).u16(1148).string("#42000The used command is not allowed").finish(),
      );
      await answerSelect(conn);
    };
    const c = await connect(options());
    const err = await failure(c.query("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t"));
    assert.match((err as Error).message, /LOCAL INFILE/);
    assert.deepEqual(reply, new Uint8Array(0));
    const [row] = await c.query("SELECT 'after'");
    assert.deepEqual({ ...row }, { a: "after" });
    await c.close();
  });
});

/** Answers one query with a one-row result. */
async function answerSelect(conn: FakeConnection): Promise<void> {
  await conn.read();
  conn.seq = 1;
  await conn.send(encodeColumnCount(1));
  await conn.send(column("a"));
  await conn.send(encodeTextRow([enc("after")]));
  await conn.send(ok(0xfe));
}

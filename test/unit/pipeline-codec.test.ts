/**
 * The pipeline's codec layer: commands decoded for readQuery and encoded from what plugins give,
 * local answers encoded (and checked) with the project's encoders, and whole responses collected
 * packet by packet for readQueryResult. Every encoded answer is read back with the codec's decoders.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ResultCollector } from "../../src/pipeline/collector.ts";
import { decodeCommand, toCommand } from "../../src/pipeline/command.ts";
import { encodeResponse, type EncodeTarget } from "../../src/pipeline/encode-response.ts";
import type { Injection } from "../../src/pipeline/queue.ts";
import { replayPackets } from "../../src/pipeline/replay.ts";
import { errorResponse, okResponse, rawResponse, resultSetResponse } from "../../src/pipeline/responses.ts";
import { Capability, ColumnType, Command, ServerStatus } from "../../src/protocol/constants.ts";
import {
  decodeColumnCount,
  decodeColumnDefinition,
  decodeEof,
  decodeErr,
  decodeOk,
  decodeTextRow,
  encodeColumnCount,
  encodeColumnDefinition,
  encodeEof,
  encodeErr,
  encodeOk,
  encodeTextRow,
} from "../../src/protocol/results.ts";
import { textRowParser } from "../../src/protocol/rows.ts";
import { encodeExecute, encodePrepare, encodePrepareOk } from "../../src/protocol/statements.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

const CAPS = Capability.PROTOCOL_41 | Capability.TRANSACTIONS | Capability.DEPRECATE_EOF;
const OLD_CAPS = Capability.PROTOCOL_41 | Capability.TRANSACTIONS;
const target: EncodeTarget = {
  capabilities: CAPS,
  extendedTypeInfo: false,
  statusFlags: ServerStatus.AUTOCOMMIT,
  timezone: 0,
};

function injection(payload: Uint8Array, expects = true): Injection {
  return {
    id: 0,
    command: decodeCommand(payload),
    original: true,
    resultsetIsNeeded: true,
    streamed: false,
    observed: false,
    expectsResponse: expects,
    injectedBy: undefined,
  };
}

function collect(payload: Uint8Array, packets: readonly Uint8Array[], caps = CAPS, keepRows = true) {
  let t = 0;
  const c = new ResultCollector(injection(payload), {
    capabilities: caps,
    extendedTypeInfo: false,
    keepRows,
    now: () => (t += 1),
  });
  c.start();
  const states = packets.map((p) => c.push(p));
  return { data: c.finish(), states };
}

const query = (sql: string) => toCommand(sql).raw;

describe("commands", () => {
  test("COM_QUERY and COM_STMT_PREPARE carry their SQL", () => {
    const q = decodeCommand(query("SELECT 'é'"));
    assert.equal(q.type, "COM_QUERY");
    assert.equal(q.code, Command.COM_QUERY);
    assert.equal(q.sql, "SELECT 'é'");
    const p = decodeCommand(encodePrepare("SELECT ?"));
    assert.equal(p.type, "COM_STMT_PREPARE");
    assert.equal(p.sql, "SELECT ?");
  });

  test("COM_INIT_DB carries its schema, COM_PING only its byte", () => {
    const c = decodeCommand(new Uint8Array([Command.COM_INIT_DB, ...enc("shop")]));
    assert.equal(c.type, "COM_INIT_DB");
    assert.equal(c.type === "COM_INIT_DB" && c.schema, "shop");
    const ping = decodeCommand(new Uint8Array([Command.COM_PING]));
    assert.equal(ping.type, "COM_PING");
    assert.equal(ping.sql, undefined);
    assert.equal(decodeCommand(new Uint8Array([0xee])).type, "COM_UNKNOWN");
  });

  test("COM_STMT_EXECUTE: statement id always, params and SQL once the statement is known", () => {
    const params = [{ type: ColumnType.LONGLONG, unsigned: false, value: new Uint8Array(8).fill(1) }, {
      type: ColumnType.VAR_STRING,
      unsigned: false,
      value: null,
    }];
    const raw = encodeExecute(9, params);
    const unknown = decodeCommand(raw);
    assert.equal(unknown.type === "COM_STMT_EXECUTE" && unknown.statementId, 9);
    assert.equal(unknown.type === "COM_STMT_EXECUTE" && unknown.params, undefined);
    const known = decodeCommand(raw, new Map([[9, { sql: "SELECT ?, ?", paramCount: 2 }]]));
    assert.equal(known.sql, "SELECT ?, ?");
    assert.ok(known.type === "COM_STMT_EXECUTE");
    assert.deepEqual(known.params, params);
  });

  test("toCommand: SQL text, payloads, and command objects (edited fields win over raw)", () => {
    assert.deepEqual(toCommand("SELECT 1").raw, query("SELECT 1"));
    const original = decodeCommand(query("SELECT 1"));
    const edited = toCommand({ ...original, sql: "SELECT 2" });
    assert.equal(edited.sql, "SELECT 2");
    assert.deepEqual(edited.raw, query("SELECT 2"));
    assert.deepEqual(toCommand({ type: "COM_INIT_DB", schema: "x" }).raw, new Uint8Array([2, 0x78]));
    assert.deepEqual(toCommand({ type: "COM_PING" }).raw, new Uint8Array([Command.COM_PING]));
    assert.deepEqual(
      toCommand({ type: "COM_STMT_CLOSE", statementId: 1 }).raw,
      new Uint8Array([0x19, 1, 0, 0, 0]),
    );
    assert.throws(() => toCommand({ type: "COM_NOPE" } as never), /unknown command type/);
    assert.throws(() => toCommand({ type: "COM_QUERY" } as never), /needs a string "sql"/);
    assert.throws(() => toCommand(42 as never), /expected SQL text/);
    assert.throws(() => toCommand(new Uint8Array(0)), /cannot be empty/);
  });
});

describe("local answers", () => {
  test("OK with affected rows, insert id, info; status flags default to the connection's", () => {
    const { packets, error } = encodeResponse(
      okResponse({ affectedRows: 3, insertId: 2n ** 60n, info: "hi" }),
      target,
    );
    assert.equal(error, undefined);
    assert.equal(packets.length, 1);
    const ok = decodeOk(packets[0], CAPS);
    assert.equal(ok.affectedRows, 3);
    assert.equal(ok.insertId, 2n ** 60n);
    assert.equal(ok.info, "hi");
    assert.equal(ok.statusFlags, ServerStatus.AUTOCOMMIT);
    const inTrans = encodeResponse(okResponse(), {
      ...target,
      statusFlags: ServerStatus.IN_TRANS | ServerStatus.MORE_RESULTS_EXISTS,
    });
    assert.equal(
      decodeOk(inTrans.packets[0], CAPS).statusFlags,
      ServerStatus.IN_TRANS,
      "IN_TRANS kept, MORE_RESULTS dropped",
    );
  });

  test("ERR with code, state and message (defaults 1105 / HY000)", () => {
    const { packets, error } = encodeResponse(
      errorResponse({ errno: 1142, sqlState: "42000", message: "denied" }),
      target,
    );
    assert.deepEqual(decodeErr(packets[0]), { errno: 1142, sqlState: "42000", message: "denied" });
    assert.deepEqual(error, { errno: 1142, sqlState: "42000", message: "denied" });
    assert.deepEqual(decodeErr(encodeResponse(errorResponse("nope"), target).packets[0]), {
      errno: 1105,
      sqlState: "HY000",
      message: "nope",
    });
  });

  test("a result set: types inferred from values, rows as text, DEPRECATE_EOF terminator", () => {
    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    const { packets } = encodeResponse(
      resultSetResponse(
        ["n", "f", "s", "b", "bytes", "d", "big", "nil", { name: "j", type: ColumnType.JSON }],
        [
          [1, 1.5, "é", true, new Uint8Array([0, 255]), when, 2n ** 64n - 1n, null, { a: [1] }],
          { n: 2, f: 2, s: "x", b: false, bytes: null, d: null, big: 5n, nil: null, j: null },
        ],
      ),
      target,
    );
    assert.equal(decodeColumnCount(packets[0]), 9);
    const fields = packets.slice(1, 10).map((p) => decodeColumnDefinition(p));
    assert.deepEqual(fields.map((f) => f.type), [
      ColumnType.LONGLONG,
      ColumnType.DOUBLE,
      ColumnType.VAR_STRING,
      ColumnType.TINY,
      ColumnType.BLOB,
      ColumnType.DATETIME,
      ColumnType.LONGLONG,
      ColumnType.NULL,
      ColumnType.JSON,
    ]);
    const rows = packets.slice(10, 12).map((p) => decodeTextRow(p, 9).map(dec));
    assert.deepEqual(rows[0], [
      "1",
      "1.5",
      "é",
      "1",
      "\u0000\ufffd",
      "2024-01-02 03:04:05.006",
      "18446744073709551615",
      null,
      '{"a":[1]}',
    ]);
    assert.deepEqual(rows[1], ["2", "2", "x", "0", null, null, "5", null, null]);
    assert.equal(packets.length, 13);
    assert.equal(decodeOk(packets[12], CAPS).statusFlags, ServerStatus.AUTOCOMMIT);
    // Decoded as a client would: the values come back as given.
    const parse = textRowParser(fields, {
      timezone: "Z",
      dateStrings: false,
      bigint: "auto",
      decimal: "string",
      jsonParse: true,
    }, false);
    const row = parse(packets[10]) as Record<string, unknown>;
    assert.equal(row.n, 1);
    assert.equal(row.f, 1.5);
    assert.equal(row.b, 1);
    assert.deepEqual(row.bytes, new Uint8Array([0, 255]));
    assert.deepEqual(row.d, when);
    assert.equal(row.big, 2n ** 64n - 1n);
    assert.deepEqual(row.j, { a: [1] });
  });

  test("without DEPRECATE_EOF: EOF after the columns and at the end", () => {
    const { packets } = encodeResponse(resultSetResponse(["a"], [["1"]]), {
      ...target,
      capabilities: OLD_CAPS,
    });
    assert.equal(packets.length, 5);
    assert.deepEqual(decodeEof(packets[2]), { warningCount: 0, statusFlags: ServerStatus.AUTOCOMMIT });
    assert.deepEqual(decodeEof(packets[4]), { warningCount: 0, statusFlags: ServerStatus.AUTOCOMMIT });
  });

  test("malformed answers are TypeErrors saying what is wrong", () => {
    const bad: [unknown, RegExp][] = [
      [undefined, /expected a response/],
      [{ _tag: "Nope" }, /tagged "Ok", "Err" or "Raw"/],
      [errorResponse({ message: "x", sqlState: "abc" }), /sqlState must be 5/],
      [errorResponse({ message: "x", errno: 70000 }), /errno must be an integer/],
      [{ _tag: "Err" }, /needs a message/],
      [okResponse({ affectedRows: -1 }), /affectedRows must be a non-negative integer/],
      [resultSetResponse([], []), /non-empty array of fields/],
      [resultSetResponse(["a", "b"], [[1]]), /row 0 has 1 values for 2 fields/],
      [resultSetResponse(["a"], [[() => 1]]), /row 0, field "a" is a function/],
      [
        resultSetResponse([{ name: "a", type: ColumnType.VAR_STRING }], [[{ x: 1 }]]),
        /only a JSON field can hold/,
      ],
      [resultSetResponse(["a"], [[{ x: 1 }], ["text"]]), /only a JSON field can hold/],
      [resultSetResponse(["a"], [{ b: 1 }]), /row 0 has no value for field "a"/],
      [resultSetResponse(["a"], [[NaN]]), /has no MySQL value/],
      [resultSetResponse([{ nom: "a" } as never], [[1]]), /field 0 needs a name/],
      [rawResponse([]), /non-empty array of Uint8Array/],
      [rawResponse(["x" as never]), /raw packet 0 is "x"/],
      [rawResponse([new Uint8Array([1, 2, 3])]), /incomplete|does not fit/],
      [
        rawResponse([
          encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 0, warningCount: 0, info: "" }, CAPS),
          encodeErr({ errno: 1, sqlState: "HY000", message: "" }),
        ]),
        /ends at packet 0, 1 more follow/,
      ],
    ];
    for (const [response, message] of bad) assert.throws(() => encodeResponse(response, target), message);
  });

  test("raw packets that make one complete response are accepted as they are", () => {
    const packets = [
      encodeColumnCount(1),
      encodeColumnDefinition({
        catalog: "def",
        schema: "",
        table: "",
        orgTable: "",
        name: "a",
        orgName: "a",
        charset: 45,
        length: 1,
        type: ColumnType.VAR_STRING,
        flags: 0,
        decimals: 0,
      }),
      encodeTextRow([enc("z")]),
      encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" }, CAPS, 0xfe),
    ];
    assert.deepEqual(encodeResponse(rawResponse(packets), target).packets, packets);
    const err = encodeErr({ errno: 1064, sqlState: "42000", message: "syntax" });
    assert.equal(encodeResponse(rawResponse([err]), target).error?.errno, 1064);
  });
});

describe("collecting a response", () => {
  const ok = (flags = 2, affected = 0) =>
    encodeOk({ affectedRows: affected, insertId: 0, statusFlags: flags, warningCount: 0, info: "" }, CAPS);
  const rs = (flags = 2) => {
    const packets = encodeResponse(resultSetResponse(["a"], [["x"], ["y"]]), target).packets.slice(0, -1);
    return [
      ...packets,
      encodeOk({ affectedRows: 0, insertId: 0, statusFlags: flags, warningCount: 0, info: "" }, CAPS, 0xfe),
    ];
  };

  test("an OK, an ERR", () => {
    const a = collect(query("DO 1"), [ok(2, 5)]);
    assert.deepEqual(a.states, ["done"]);
    assert.equal(a.data.kind, "ok");
    assert.equal(a.data.affectedRows, 5);
    assert.deepEqual(a.data.rows, []);
    const b = collect(query("x"), [encodeErr({ errno: 1064, sqlState: "42000", message: "syntax" })]);
    assert.equal(b.data.kind, "error");
    assert.equal(b.data.error?.errno, 1064);
  });

  test("a result set: fields, rows decoded only when read, packets kept for replay, timings in µs", () => {
    const packets = rs();
    const { data, states } = collect(query("SELECT a"), packets);
    assert.deepEqual(states, ["more", "more", "more", "more", "done"]);
    assert.equal(data.kind, "resultset");
    assert.equal(data.rowCount, 2);
    assert.deepEqual(data.fields.map((f) => f.name), ["a"]);
    assert.deepEqual(data.rows, [{ a: "x" }, { a: "y" }]);
    assert.deepEqual(data.packets, packets);
    assert.equal(data.queryTime, 1000, "first packet 1 ms after sending");
    assert.equal(data.responseTime, 5000, "last packet 5 ms after sending");
    assert.equal(data.query, "SELECT a");
  });

  test("rows nobody needs are counted and dropped", () => {
    const { data } = collect(query("SELECT a"), rs(), CAPS, false);
    assert.equal(data.rowCount, 2);
    assert.equal(data.packets, undefined);
    assert.equal(data.buffered, false);
    assert.throws(() => data.rows, /streamed through, not kept/);
  });

  test("several results (MORE_RESULTS_EXISTS), and the old EOF framing", () => {
    const more = ServerStatus.MORE_RESULTS_EXISTS | 2;
    const { data } = collect(query("CALL p()"), [...rs(more), ok(2, 1)]);
    assert.equal(data.results.length, 2);
    assert.equal(data.results[0].kind, "resultset");
    assert.equal(data.results[1].kind, "ok");
    assert.equal(data.statusFlags, 2);
    const old =
      encodeResponse(resultSetResponse(["a"], [["x"]]), { ...target, capabilities: OLD_CAPS }).packets;
    assert.equal(collect(query("SELECT"), old, OLD_CAPS).data.rows.length, 1);
  });

  test("an ERR in the middle of the rows ends the response", () => {
    const packets = rs();
    const { data } = collect(query("SELECT"), [
      ...packets.slice(0, 3),
      encodeErr({ errno: 1317, sqlState: "70100", message: "interrupted" }),
    ]);
    assert.equal(data.error?.errno, 1317);
  });

  test("COM_STMT_PREPARE's answer, with parameter and column definitions", () => {
    const def = encodeColumnDefinition({
      catalog: "def",
      schema: "",
      table: "",
      orgTable: "",
      name: "?",
      orgName: "",
      charset: 63,
      length: 0,
      type: 253,
      flags: 0,
      decimals: 0,
    });
    const packets = [
      encodePrepareOk({ statementId: 4, columnCount: 1, paramCount: 2, warningCount: 0 }),
      def,
      def,
      def,
    ];
    const { data } = collect(encodePrepare("SELECT ?, ?"), packets);
    assert.equal(data.kind, "prepared");
    assert.deepEqual(data.prepared, { statementId: 4, columnCount: 1, paramCount: 2, warningCount: 0 });
    assert.equal(data.fields.length, 1);
    const oldPackets = [
      packets[0],
      def,
      def,
      encodeEof({ warningCount: 0, statusFlags: 2 }),
      def,
      encodeEof({ warningCount: 0, statusFlags: 2 }),
    ];
    assert.equal(collect(encodePrepare("SELECT ?, ?"), oldPackets, OLD_CAPS).data.prepared?.statementId, 4);
  });

  test("LOCAL INFILE: the session answers, the request is not kept", () => {
    let t = 0;
    const c = new ResultCollector(injection(query("LOAD DATA LOCAL INFILE 'x' INTO TABLE t")), {
      capabilities: CAPS,
      extendedTypeInfo: false,
      keepRows: true,
      now: () => t++,
    });
    assert.equal(c.push(new Uint8Array([0xfb, 0x78])), "infile");
    assert.equal(c.push(ok()), "done");
    assert.equal(c.finish().packets?.length, 1);
  });

  test("commands without a response are complete at once; a packet too many is an error", () => {
    const c = new ResultCollector(injection(new Uint8Array([Command.COM_STMT_CLOSE, 1, 0, 0, 0]), false), {
      capabilities: CAPS,
      extendedTypeInfo: false,
      keepRows: false,
    });
    assert.equal(c.done, true);
    assert.equal(c.finish().kind, "none");
    assert.throws(() => c.push(ok()), /after the end/);
    const d = new ResultCollector(injection(query("x")), {
      capabilities: CAPS,
      extendedTypeInfo: false,
      keepRows: false,
    });
    assert.throws(() => d.finish(), /incomplete/);
  });
});

test("replayPackets reads an answer as a channel would, and refuses to read past it", async () => {
  const source = replayPackets([new Uint8Array([1]), new Uint8Array([2])]);
  assert.deepEqual(source.tryRead(), new Uint8Array([1]));
  await source.fill();
  assert.deepEqual(await source.read(), new Uint8Array([2]));
  assert.equal(source.tryRead(), undefined);
  assert.equal(source.remaining, 0);
  await assert.rejects(source.fill(), /ended after 2 packets/);
  await assert.rejects(source.read(), /ended after 2 packets/);
});

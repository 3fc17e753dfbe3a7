/**
 * Properties of the client command codec (src/protocol/commands.ts and what it re-exports): every
 * command round-trips through its encoder and decoder and through the one dispatch
 * (`decodeClientCommand`), with and without CLIENT_QUERY_ATTRIBUTES; every decoder fed arbitrary
 * bytes gives a value or a ProtocolError, never another exception. Golden bytes pin the layouts
 * the documentation gives.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeParam } from "../../src/protocol/binary-params.ts";
import {
  type BoundParam,
  type ClientCommand,
  decodeBareCommand,
  decodeBinlogDump,
  decodeBinlogDumpGtid,
  decodeChangeUser,
  decodeClientCommand,
  decodeExecute,
  decodeExecuteHead,
  decodeFetch,
  decodeFieldList,
  decodeInitDb,
  decodePrepare,
  decodeProcessKill,
  decodeQuery,
  decodeRegisterReplica,
  decodeSendLongData,
  decodeSetOption,
  decodeStatementCommand,
  DIRECT_EXECUTE_ID,
  encodeBareCommand,
  encodeBinlogDump,
  encodeBinlogDumpGtid,
  encodeChangeUser,
  encodeExecute,
  encodeFetch,
  encodeFieldList,
  encodeInitDb,
  encodePing,
  encodePrepare,
  encodeProcessKill,
  encodeQuery,
  encodeQuit,
  encodeRegisterReplica,
  encodeSendLongData,
  encodeSetOption,
  encodeStatementCommand,
  encodeStatistics,
  ExecuteFlag,
  type QueryAttribute,
  SetOption,
} from "../../src/protocol/commands.ts";
import { Capability, Command } from "../../src/protocol/constants.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

const runs = { numRuns: 300 };
const ATTRS = Capability.PROTOCOL_41 | Capability.QUERY_ATTRIBUTES;
const text = fc.string({ unit: "binary", maxLength: 40 });
const nulFree = text.filter((s) => !s.includes("\0"));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** A JS value that binary-params.ts can bind, as a bound parameter. */
const param: fc.Arbitrary<BoundParam> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.boolean(),
  text,
  fc.uint8Array({ maxLength: 300 }),
  fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 0, 1)), noInvalidDate: true }),
  fc.constant(null),
).map((v) => encodeParam(v, 0, 0));

const attribute: fc.Arbitrary<QueryAttribute> = fc.tuple(param, text).map(([p, name]) => ({ ...p, name }));

/** A bound parameter as a decoder gives it back (a copy of the value). */
function decoded(p: BoundParam, name?: string): BoundParam {
  return {
    type: p.type,
    unsigned: p.unsigned,
    value: p.value && p.value.slice(),
    ...(name === undefined ? {} : { name }),
  };
}

/** Asserts that decoding arbitrary bytes (with the command byte first, half the time) gives a value or a ProtocolError. */
function decodesOrProtocolError(command: number, decode: (b: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, prefix) => {
      const payload = prefix ? Uint8Array.of(command, ...b) : b;
      try {
        decode(payload);
      } catch (error) {
        assert.ok(
          error instanceof ProtocolError,
          `unexpected ${(error as Error)?.name}: ${(error as Error)?.message}`,
        );
      }
    }),
    { numRuns: 400 },
  );
}

describe("COM_QUERY", () => {
  test("without query attributes: the command byte and the SQL", () => {
    fc.assert(
      fc.property(text, (sql) => {
        assert.deepEqual(decodeQuery(encodeQuery(sql)), { sql, attributes: [] });
        assert.deepEqual(decodeClientCommand(encodeQuery(sql), { capabilities: 0 }), {
          type: "COM_QUERY",
          sql,
          attributes: [],
        });
      }),
      runs,
    );
    assert.deepEqual([...encodeQuery("SELECT 1")], [3, ...new TextEncoder().encode("SELECT 1")]);
  });
  test("with query attributes: count, set count, NULL bitmap, types with names, values", () => {
    fc.assert(
      fc.property(text, fc.array(attribute, { maxLength: 12 }), (sql, attrs) => {
        const payload = encodeQuery(sql, ATTRS, attrs);
        const got = decodeQuery(payload, ATTRS);
        assert.equal(got.sql, sql);
        assert.deepStrictEqual(got.attributes, attrs.map((a) => decoded(a, a.name)));
      }),
      runs,
    );
  });
  test("golden bytes with one attribute and one NULL", () => {
    const attrs: QueryAttribute[] = [
      { ...encodeParam(7, 0, 0), name: "a" },
      { ...encodeParam(null, 0, 0), name: "b" },
    ];
    assert.deepEqual([...encodeQuery("S", ATTRS, attrs)], [
      0x03, // COM_QUERY
      2, // parameter_count
      1, // parameter_set_count
      0b10, // NULL bitmap: the second is NULL
      1, // new_params_bind_flag
      0x08,
      0x00,
      1,
      0x61, // LONGLONG, signed, name "a"
      0x06,
      0x00,
      1,
      0x62, // NULL, name "b"
      7,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // the LONGLONG value
      0x53, // "S"
    ]);
    // With the capability and no attribute, the (empty) block is still there.
    assert.deepEqual([...encodeQuery("S", ATTRS)], [0x03, 0, 1, 0x53]);
    assert.throws(() => encodeQuery("S", 0, attrs), /CLIENT_QUERY_ATTRIBUTES/);
  });
  test("arbitrary bytes give a value or a ProtocolError", () => {
    decodesOrProtocolError(Command.COM_QUERY, (b) => decodeQuery(b, ATTRS));
    decodesOrProtocolError(Command.COM_QUERY, (b) => decodeQuery(b, 0));
  });
});

describe("prepared-statement commands", () => {
  test("COM_STMT_EXECUTE round-trips, with and without query attributes", () => {
    fc.assert(
      fc.property(
        u32,
        fc.constantFrom(0, 1, 2, 4),
        fc.array(attribute, { maxLength: 10 }),
        (id, flags, ps) => {
          const plain = ps.map(({ name: _, ...p }) => p);
          assert.deepStrictEqual(decodeExecute(encodeExecute(id, plain, flags), plain.length), {
            statementId: id,
            flags,
            params: plain.map((p) => decoded(p)),
          });
          // Under CLIENT_QUERY_ATTRIBUTES the count and names travel: the statement's own count is not needed.
          const withNames = decodeExecute(encodeExecute(id, ps, flags, { capabilities: ATTRS }), 0, [], {
            capabilities: ATTRS,
          });
          assert.deepStrictEqual(withNames, {
            statementId: id,
            flags,
            params: ps.map((p) => decoded(p, p.name)),
          });
          assert.deepEqual(decodeExecuteHead(encodeExecute(id, plain, flags)), { statementId: id, flags });
          // And back: the decoded parameters re-encode to the same bytes.
          const payload = encodeExecute(id, plain, flags);
          assert.deepEqual(encodeExecute(id, decodeExecute(payload, plain.length).params, flags), payload);
        },
      ),
      runs,
    );
  });
  test("COM_STMT_EXECUTE without types (new-params-bound 0) takes the types bound before", () => {
    const params = [encodeParam(5, 0, 0), encodeParam("x", 0, 0), encodeParam(null, 0, 0)];
    const full = encodeExecute(9, params);
    // Rebuild it as a later EXECUTE sends it: the same bitmap, flag 0, no types, the values.
    const head = full.subarray(0, 10 + 1); // command..iteration count, NULL bitmap
    const values = full.subarray(10 + 1 + 1 + 2 * params.length);
    const later = Uint8Array.of(...head, 0, ...values);
    const types = params.map((p) => ({ type: p.type, unsigned: p.unsigned }));
    assert.deepStrictEqual(decodeExecute(later, 3, types).params, params.map((p) => decoded(p)));
    assert.throws(() => decodeExecute(later, 3), /without parameter types and none known/);
  });
  test("COM_STMT_EXECUTE with parameters sent as long data: types only, and back", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(param, fc.boolean()), { minLength: 1, maxLength: 8 }), (spec) => {
        const params = spec.map(([p, long]) => (long && p.value !== null ? { ...p, longData: true } : p));
        const longData = new Set(params.flatMap((p, i) => (p.longData ? [i] : [])));
        const payload = encodeExecute(4, params);
        const got = decodeClientCommand(payload, {
          capabilities: 0,
          statement: () => ({ paramCount: params.length, longData }),
        });
        assert.ok(got.type === "COM_STMT_EXECUTE");
        assert.deepStrictEqual(
          got.params,
          params.map((
            p,
          ) => (p.longData
            ? { type: p.type, unsigned: p.unsigned, value: new Uint8Array(0), longData: true }
            : decoded(p))
          ),
        );
        // Re-encoded, the same bytes: long-data values are not in EXECUTE.
        assert.deepEqual(encodeExecute(4, got.params), payload);
      }),
      runs,
    );
  });
  test("MariaDB's direct execute id 0xFFFFFFFF decodes with the statement prepared last", () => {
    const params = [encodeParam(1, 0, 0), encodeParam("two", 0, 0)];
    const payload = encodeExecute(DIRECT_EXECUTE_ID, params);
    const lookups: number[] = [];
    const got = decodeClientCommand(payload, {
      capabilities: 0,
      statement: (id) => {
        lookups.push(id);
        return id === DIRECT_EXECUTE_ID ? { paramCount: 2 } : undefined;
      },
    });
    assert.deepEqual(lookups, [DIRECT_EXECUTE_ID]);
    assert.deepStrictEqual(got, {
      type: "COM_STMT_EXECUTE",
      statementId: DIRECT_EXECUTE_ID,
      flags: 0,
      params: params.map((p) => decoded(p)),
    });
    assert.throws(
      () => decodeClientCommand(payload, { capabilities: 0, statement: () => undefined }),
      /unknown statement 4294967295/,
    );
  });
  test("golden bytes of COM_STMT_EXECUTE under CLIENT_QUERY_ATTRIBUTES", () => {
    assert.deepEqual([
      ...encodeExecute(1, [{ ...encodeParam(true, 0, 0), name: "n" }], 0, { capabilities: ATTRS }),
    ], [
      0x17,
      1,
      0,
      0,
      0, // statement_id
      ExecuteFlag.PARAMETER_COUNT_AVAILABLE, // flags
      1,
      0,
      0,
      0, // iteration_count
      1, // parameter_count
      0, // NULL bitmap
      1, // new_params_bind_flag
      0x01,
      0x00,
      1,
      0x6e, // TINY, name "n"
      1, // the value
    ]);
    assert.deepEqual([...encodeExecute(1, [], 0, { capabilities: ATTRS })], [
      0x17,
      1,
      0,
      0,
      0,
      8,
      1,
      0,
      0,
      0,
      0,
    ]);
  });
  test("PREPARE, CLOSE, RESET, SEND_LONG_DATA and FETCH round-trip", () => {
    fc.assert(
      fc.property(text, u32, u16, fc.uint8Array({ maxLength: 100 }), u32, (sql, id, index, data, rows) => {
        assert.equal(decodePrepare(encodePrepare(sql)), sql);
        for (const c of [Command.COM_STMT_CLOSE, Command.COM_STMT_RESET]) {
          assert.equal(decodeStatementCommand(encodeStatementCommand(c, id), c), id);
        }
        const d = decodeSendLongData(encodeSendLongData(id, index, data));
        assert.deepEqual({ ...d, data: d.data.slice() }, { statementId: id, paramIndex: index, data });
        assert.deepEqual(decodeFetch(encodeFetch({ statementId: id, rows })), { statementId: id, rows });
      }),
      runs,
    );
  });
  test("arbitrary bytes give a value or a ProtocolError", () => {
    decodesOrProtocolError(Command.COM_STMT_EXECUTE, (b) => decodeExecute(b, 3));
    decodesOrProtocolError(Command.COM_STMT_EXECUTE, (b) => decodeExecute(b, 2, [], { capabilities: ATTRS }));
    decodesOrProtocolError(Command.COM_STMT_EXECUTE, (b) => decodeExecute(b, 0, [], { capabilities: ATTRS }));
    decodesOrProtocolError(Command.COM_STMT_PREPARE, decodePrepare);
    decodesOrProtocolError(Command.COM_STMT_CLOSE, (b) => decodeStatementCommand(b, Command.COM_STMT_CLOSE));
    decodesOrProtocolError(Command.COM_STMT_SEND_LONG_DATA, decodeSendLongData);
    decodesOrProtocolError(Command.COM_STMT_FETCH, decodeFetch);
  });
});

describe("utility commands", () => {
  test("INIT_DB, FIELD_LIST, PROCESS_KILL, SET_OPTION and the bare commands round-trip", () => {
    fc.assert(
      fc.property(text, nulFree, text, u32, u16, (schema, table, wildcard, id, option) => {
        assert.equal(decodeInitDb(encodeInitDb(schema)), schema);
        assert.deepEqual(decodeFieldList(encodeFieldList({ table, wildcard })), { table, wildcard });
        assert.equal(decodeProcessKill(encodeProcessKill(id)), id);
        assert.equal(decodeSetOption(encodeSetOption(option)), option);
      }),
      runs,
    );
    for (
      const c of [
        Command.COM_PING,
        Command.COM_QUIT,
        Command.COM_STATISTICS,
        Command.COM_RESET_CONNECTION,
      ] as const
    ) {
      decodeBareCommand(encodeBareCommand(c), c);
      assert.throws(() => decodeBareCommand(Uint8Array.of(0x7f), c), ProtocolError);
    }
  });
  test("golden bytes", () => {
    assert.deepEqual([...encodePing()], [0x0e]);
    assert.deepEqual([...encodeQuit()], [0x01]);
    assert.deepEqual([...encodeStatistics()], [0x09]);
    assert.deepEqual([...encodeInitDb("db")], [0x02, 0x64, 0x62]);
    assert.deepEqual([...encodeFieldList({ table: "t", wildcard: "%" })], [0x04, 0x74, 0, 0x25]);
    assert.deepEqual([...encodeProcessKill(0x01020304)], [0x0c, 4, 3, 2, 1]);
    assert.deepEqual([...encodeSetOption(SetOption.MULTI_STATEMENTS_OFF)], [0x1b, 1, 0]);
    assert.throws(() => encodeFieldList({ table: "a\0b", wildcard: "" }), RangeError);
  });
  test("arbitrary bytes give a value or a ProtocolError", () => {
    decodesOrProtocolError(Command.COM_INIT_DB, decodeInitDb);
    decodesOrProtocolError(Command.COM_FIELD_LIST, decodeFieldList);
    decodesOrProtocolError(Command.COM_PROCESS_KILL, decodeProcessKill);
    decodesOrProtocolError(Command.COM_SET_OPTION, decodeSetOption);
  });
});

describe("decodeClientCommand: one dispatch for every command", () => {
  const gtidEntry = fc.record({
    uuid: fc.uuid({ version: 4 }),
    intervals: fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })), {
      minLength: 1,
      maxLength: 3,
    }).map((xs) => {
      let at = 0;
      return xs.map(([a, b]): [number, number] => [at += a, at += b]);
    }),
  }).map((e) => ({ uuid: e.uuid, intervals: e.intervals }));
  test("each command's payload decodes to its type and fields", () => {
    const ctx = {
      capabilities: Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH,
    };
    const cases: [Uint8Array, ClientCommand][] = [
      [encodeInitDb("d"), { type: "COM_INIT_DB", schema: "d" }],
      [encodePrepare("SELECT ?"), { type: "COM_STMT_PREPARE", sql: "SELECT ?" }],
      [encodeFieldList({ table: "t", wildcard: "" }), { type: "COM_FIELD_LIST", table: "t", wildcard: "" }],
      [encodeProcessKill(12), { type: "COM_PROCESS_KILL", connectionId: 12 }],
      [encodeSetOption(0), { type: "COM_SET_OPTION", option: 0 }],
      [encodeStatementCommand(Command.COM_STMT_CLOSE, 3), { type: "COM_STMT_CLOSE", statementId: 3 }],
      [encodeStatementCommand(Command.COM_STMT_RESET, 3), { type: "COM_STMT_RESET", statementId: 3 }],
      [encodeFetch({ statementId: 3, rows: 10 }), { type: "COM_STMT_FETCH", statementId: 3, rows: 10 }],
      [encodePing(), { type: "COM_PING" }],
      [encodeQuit(), { type: "COM_QUIT" }],
      [encodeStatistics(), { type: "COM_STATISTICS" }],
      [Uint8Array.of(Command.COM_RESET_CONNECTION), { type: "COM_RESET_CONNECTION" }],
      [
        encodeRegisterReplica({ serverId: 5, hostname: "h", user: "u", password: "p", port: 1 }),
        { type: "COM_REGISTER_SLAVE", serverId: 5, hostname: "h", user: "u", password: "p", port: 1 },
      ],
      [
        encodeBinlogDump({ position: 4, flags: 1, serverId: 2, file: "b.000001" }),
        { type: "COM_BINLOG_DUMP", position: 4, flags: 1, serverId: 2, file: "b.000001" },
      ],
    ];
    for (const [payload, want] of cases) assert.deepStrictEqual(decodeClientCommand(payload, ctx), want);
    const change = {
      user: "u",
      authResponse: Uint8Array.of(1, 2),
      database: "d",
      charset: 45,
      authPluginName: "p",
      attributes: {},
    };
    assert.deepStrictEqual(decodeClientCommand(encodeChangeUser(change, ctx.capabilities), ctx), {
      type: "COM_CHANGE_USER",
      ...decodeChangeUser(encodeChangeUser(change, ctx.capabilities), ctx.capabilities),
    });
    assert.throws(() => decodeClientCommand(new Uint8Array(0), ctx), /empty command/);
    assert.throws(() => decodeClientCommand(Uint8Array.of(0x7f), ctx), /unknown command 0x7f/);
  });
  test("replication commands round-trip", () => {
    fc.assert(
      fc.property(
        u32,
        fc.string({ unit: "binary-ascii", maxLength: 30 }),
        fc.array(gtidEntry, { maxLength: 3 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (serverId, name, gtids, position) => {
          const register = { serverId, hostname: name, user: name, password: name, port: serverId & 0xffff };
          assert.deepEqual(decodeRegisterReplica(encodeRegisterReplica(register)), register);
          const dump = { position: serverId, flags: 1, serverId, file: name };
          assert.deepEqual(decodeBinlogDump(encodeBinlogDump(dump)), dump);
          const byGtid = { flags: 0x04, serverId, file: name, position, gtids };
          assert.deepEqual(decodeBinlogDumpGtid(encodeBinlogDumpGtid(byGtid)), byGtid);
        },
      ),
      runs,
    );
  });
  test("arbitrary bytes give a command or a ProtocolError", () => {
    const ctx = { capabilities: ATTRS | Capability.SECURE_CONNECTION, statement: () => ({ paramCount: 2 }) };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x20 }), fc.uint8Array({ maxLength: 64 }), (command, b) => {
        try {
          decodeClientCommand(Uint8Array.of(command, ...b), ctx);
        } catch (error) {
          assert.ok(error instanceof ProtocolError, `command ${command}: ${(error as Error)?.message}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/**
 * Properties of the response grammar (src/protocol/response-grammar.ts): a response built with the
 * codec's encoders, of any shape and with or without CLIENT_DEPRECATE_EOF, is followed to exactly its
 * last packet (multi-results, LOCAL INFILE and cursors included); translated to the other framing
 * it is a valid response there with the same rows; arbitrary bytes give a step or a ProtocolError.
 * (The golden bytes of real server replies go through it in test/golden/golden.test.ts.)
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Capability, ColumnType, Command, ServerStatus } from "../../src/protocol/constants.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import {
  type PacketRole,
  ResponseGrammar,
  type ResponseShape,
  responseShapeOf,
  translateResponsePacket,
} from "../../src/protocol/response-grammar.ts";
import {
  type ColumnDefinition,
  encodeColumnCount,
  encodeColumnDefinition,
  encodeEof,
  encodeErr,
  encodeLocalInfileRequest,
  encodeOk,
  encodeTextRow,
} from "../../src/protocol/results.ts";
import { encodePrepareOk } from "../../src/protocol/statements.ts";

const CLASSIC = Capability.PROTOCOL_41 | Capability.TRANSACTIONS;
const MODERN = CLASSIC | Capability.DEPRECATE_EOF | Capability.SESSION_TRACK;

const column = (name: string): ColumnDefinition => ({
  catalog: "def",
  schema: "s",
  table: "t",
  orgTable: "t",
  name,
  orgName: name,
  charset: 45,
  length: 10,
  type: ColumnType.VAR_STRING,
  flags: 0,
  decimals: 0,
});

/** The status a server sends with an opened cursor. */
const CURSOR_STATUS = ServerStatus.AUTOCOMMIT | ServerStatus.CURSOR_EXISTS;
/** What ends an execute response that opened a cursor: the EOF after the columns, or its 0xFE OK. */
const cursorOpen = (caps: number) =>
  caps & Capability.DEPRECATE_EOF
    ? encodeOk(
      { affectedRows: 0, insertId: 0, statusFlags: CURSOR_STATUS, warningCount: 0, info: "" },
      caps,
      0xfe,
    )
    : encodeEof({ warningCount: 0, statusFlags: CURSOR_STATUS });

const ok = (caps: number, status: number, header = 0x00) =>
  encodeOk({ affectedRows: 1, insertId: 0, statusFlags: status, warningCount: 0, info: "" }, caps, header);
const end = (caps: number, status: number) =>
  caps & Capability.DEPRECATE_EOF
    ? ok(caps, status, 0xfe)
    : encodeEof({ warningCount: 0, statusFlags: status });

/** One result of a query: its packets and roles. */
type Part = { packets: Uint8Array[]; roles: PacketRole[] };

/** A result set: `columns` columns, `rows` rows (some values long enough to need a 2-byte length). */
function resultSet(
  caps: number,
  columns: number,
  rows: (string | null)[][],
  status: number,
  binary: boolean,
): Part {
  const packets = [encodeColumnCount(columns)];
  const roles: PacketRole[] = ["column-count"];
  for (let i = 0; i < columns; i++) {
    packets.push(encodeColumnDefinition(column(`c${i}`)));
    roles.push("column");
  }
  if (!(caps & Capability.DEPRECATE_EOF)) {
    packets.push(encodeEof({ warningCount: 0, statusFlags: ServerStatus.AUTOCOMMIT }));
    roles.push("columns-eof");
  }
  for (const row of rows) {
    const values = row.slice(0, columns).map((v) => (v === null ? null : new TextEncoder().encode(v)));
    while (values.length < columns) values.push(null);
    // A binary row starts with 0x00; a text row with a value's length (never 0xFE for short values).
    packets.push(binary ? Uint8Array.of(0, ...new Uint8Array((columns + 9) >> 3)) : encodeTextRow(values));
    roles.push("row");
  }
  packets.push(end(caps, status));
  roles.push("rows-end");
  return { packets, roles };
}

const value = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 5 }),
  fc.string({ minLength: 251, maxLength: 300 }),
);
const part = (caps: number, binary: boolean) =>
  fc.oneof(
    fc.constant("ok" as const),
    fc.record({
      columns: fc.integer({ min: 1, max: 5 }),
      rows: fc.array(fc.array(value, { maxLength: 5 }), { maxLength: 6 }),
    }),
  ).map((spec) => (status: number): Part =>
    spec === "ok"
      ? { packets: [ok(caps, status)], roles: ["ok"] }
      : resultSet(caps, spec.columns, spec.rows, status, binary)
  );

/** A whole response of one or more results, optionally ending in an ERR. */
const response = (caps: number, binary: boolean) =>
  fc.tuple(fc.array(part(caps, binary), { minLength: 1, maxLength: 4 }), fc.boolean()).map(([parts, err]) => {
    const packets: Uint8Array[] = [];
    const roles: PacketRole[] = [];
    parts.forEach((make, i) => {
      const last = i === parts.length - 1 && !err;
      const p = make(ServerStatus.AUTOCOMMIT | (last ? 0 : ServerStatus.MORE_RESULTS_EXISTS));
      packets.push(...p.packets);
      roles.push(...p.roles);
    });
    if (err) {
      packets.push(encodeErr({ errno: 1064, sqlState: "42000", message: "x" }));
      roles.push("err");
    }
    return { packets, roles };
  });

/** Feeds a response to a grammar: its roles, and asserts it ends at the last packet and not before. */
function follow(shape: ResponseShape, caps: number, packets: readonly Uint8Array[]): PacketRole[] {
  const g = new ResponseGrammar(shape, caps);
  return packets.map((p, i) => {
    assert.equal(g.done, false, `done before packet ${i}`);
    const step = g.push(p);
    assert.equal(step.done, i === packets.length - 1, `done at packet ${i} of ${packets.length}`);
    return step.role;
  });
}

describe("response grammar", () => {
  for (const [name, caps] of [["classic EOF framing", CLASSIC], ["CLIENT_DEPRECATE_EOF", MODERN]] as const) {
    test(`query and execute responses, multi-results and errors (${name})`, () => {
      fc.assert(
        fc.property(response(caps, false), response(caps, true), (text, binary) => {
          assert.deepEqual(follow("query", caps, text.packets), text.roles);
          assert.deepEqual(follow("execute", caps, binary.packets), binary.roles);
        }),
        { numRuns: 300 },
      );
    });
    test(`prepare responses with any number of parameters and columns (${name})`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), (params, columns) => {
          const eof = !(caps & Capability.DEPRECATE_EOF);
          const packets = [
            encodePrepareOk({ statementId: 1, columnCount: columns, paramCount: params, warningCount: 0 }),
          ];
          const roles: PacketRole[] = ["prepare-ok"];
          for (
            const [n, role, eofRole] of [[params, "param", "params-eof"], [
              columns,
              "column",
              "columns-eof",
            ]] as const
          ) {
            for (let i = 0; i < n; i++) {
              packets.push(encodeColumnDefinition(column("?")));
              roles.push(role);
            }
            if (n > 0 && eof) {
              packets.push(encodeEof({ warningCount: 0, statusFlags: 2 }));
              roles.push(eofRole);
            }
          }
          assert.deepEqual(follow("prepare", caps, packets), roles);
        }),
      );
    });
    test(`LOCAL INFILE, field list, fetch, statistics, status and set option (${name})`, () => {
      const g = new ResponseGrammar("query", caps);
      assert.equal(g.push(encodeLocalInfileRequest("/tmp/x")).role, "infile-request");
      assert.ok(g.awaitingInfile);
      assert.deepEqual(g.push(ok(caps, 2)), { role: "ok", done: true, statusFlags: 2 });
      assert.deepEqual(follow("field-list", caps, [encodeColumnDefinition(column("a")), end(caps, 2)]), [
        "column",
        "rows-end",
      ]);
      assert.deepEqual(follow("fetch", caps, [Uint8Array.of(0, 0), Uint8Array.of(0, 0), end(caps, 2)]), [
        "row",
        "row",
        "rows-end",
      ]);
      assert.deepEqual(follow("statistics", caps, [new TextEncoder().encode("Uptime: 1")]), ["statistics"]);
      assert.deepEqual(follow("status", caps, [ok(caps, 2)]), ["ok"]);
      assert.deepEqual(follow("set-option", caps, [end(caps, 2)]), ["eof"]);
      assert.ok(new ResponseGrammar("none", caps).done);
      assert.throws(() => new ResponseGrammar("none", caps).push(ok(caps, 2)), /after the end/);
    });
  }
  test("a cursor opened by COM_STMT_EXECUTE ends the response after the columns' EOF", () => {
    const packets = [
      encodeColumnCount(1),
      encodeColumnDefinition(column("a")),
      encodeEof({ warningCount: 0, statusFlags: ServerStatus.AUTOCOMMIT | ServerStatus.CURSOR_EXISTS }),
    ];
    assert.deepEqual(follow("execute", CLASSIC, packets), ["column-count", "column", "columns-eof"]);
  });
  test("under DEPRECATE_EOF a cursor ends the response at the 0xFE OK after the columns (as MariaDB sends)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), (columns) => {
        const packets = [encodeColumnCount(columns)];
        for (let i = 0; i < columns; i++) packets.push(encodeColumnDefinition(column(`c${i}`)));
        packets.push(cursorOpen(MODERN));
        const g = new ResponseGrammar("execute", MODERN);
        const steps = packets.map((p) => g.push(p));
        assert.ok(steps[columns].eofDeferred);
        assert.deepEqual(steps[columns + 1], {
          role: "rows-end",
          done: true,
          statusFlags: CURSOR_STATUS,
          afterColumns: true,
          cursor: true,
        });
        // COM_QUERY has no cursor: the same packet just ends an empty result there.
        const q = new ResponseGrammar("query", MODERN);
        const last = packets.map((p) => q.push(p)).at(-1)!;
        assert.equal(last.cursor, undefined);
        assert.ok(last.done);
      }),
    );
  });
  test("command bytes map to their shapes", () => {
    assert.equal(responseShapeOf(Command.COM_QUERY), "query");
    assert.equal(responseShapeOf(Command.COM_STMT_EXECUTE), "execute");
    assert.equal(responseShapeOf(Command.COM_STMT_PREPARE), "prepare");
    assert.equal(responseShapeOf(Command.COM_STMT_FETCH), "fetch");
    assert.equal(responseShapeOf(Command.COM_FIELD_LIST), "field-list");
    assert.equal(responseShapeOf(Command.COM_STATISTICS), "statistics");
    assert.equal(responseShapeOf(Command.COM_SET_OPTION), "set-option");
    assert.equal(responseShapeOf(Command.COM_PING), "status");
    for (const c of [Command.COM_QUIT, Command.COM_STMT_CLOSE, Command.COM_STMT_SEND_LONG_DATA]) {
      assert.equal(responseShapeOf(c), "none");
    }
  });
  test("packets that cannot come are ProtocolErrors", () => {
    assert.throws(() => new ResponseGrammar("status", CLASSIC).push(encodeColumnCount(1)), ProtocolError);
    assert.throws(
      () => new ResponseGrammar("query", CLASSIC).push(encodeEof({ warningCount: 0, statusFlags: 2 })),
      ProtocolError,
    );
    const g = new ResponseGrammar("query", CLASSIC);
    g.push(encodeColumnCount(2));
    g.push(encodeColumnDefinition(column("a")));
    assert.throws(
      () => g.push(encodeEof({ warningCount: 0, statusFlags: 2 })),
      /expected a column definition/,
    );
    assert.throws(() => new ResponseGrammar("query", CLASSIC).push(new Uint8Array(0)), /empty packet/);
  });
  test("arbitrary packets give a step or a ProtocolError", () => {
    const shapes: ResponseShape[] = [
      "query",
      "execute",
      "fetch",
      "prepare",
      "field-list",
      "statistics",
      "status",
      "set-option",
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes),
        fc.constantFrom(CLASSIC, MODERN),
        fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 8 }),
        (shape, caps, packets) => {
          const g = new ResponseGrammar(shape, caps);
          try {
            for (const p of packets) if (!g.done) g.push(p);
          } catch (error) {
            assert.ok(error instanceof ProtocolError, String(error));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("translating between EOF framing and CLIENT_DEPRECATE_EOF", () => {
  /** Translates a whole response from `from` to `to`. */
  function translate(
    shape: ResponseShape,
    packets: readonly Uint8Array[],
    from: number,
    to: number,
  ): Uint8Array[] {
    const g = new ResponseGrammar(shape, from);
    return packets.flatMap((p) => translateResponsePacket(p, g.push(p), from, to));
  }
  for (const [from, to] of [[CLASSIC, MODERN], [MODERN, CLASSIC]]) {
    const label = from === CLASSIC ? "EOF to DEPRECATE_EOF" : "DEPRECATE_EOF to EOF";
    test(`${label}: a valid response on the other side, with the same rows`, () => {
      fc.assert(
        fc.property(response(from, false), (r) => {
          const out = translate("query", r.packets, from, to);
          const roles = follow("query", to, out);
          const rows = (ps: readonly Uint8Array[], rs: readonly PacketRole[]) =>
            ps.filter((_, i) => rs[i] === "row");
          assert.deepEqual(rows(out, roles), rows(r.packets, r.roles));
          assert.equal(
            roles.filter((x) => x === "column").length,
            r.roles.filter((x) => x === "column").length,
          );
        }),
        { numRuns: 300 },
      );
    });
    test(`${label}: a cursor's execute response and its fetches`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5 }),
          fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
          (columns, fetches) => {
            const opened = [encodeColumnCount(columns)];
            for (let i = 0; i < columns; i++) opened.push(encodeColumnDefinition(column(`c${i}`)));
            opened.push(cursorOpen(from));
            const out = translate("execute", opened, from, to);
            // On the other side: the columns, then exactly one packet that opens the cursor.
            assert.deepEqual(out, [...opened.slice(0, columns + 1), cursorOpen(to)]);
            const g = new ResponseGrammar("execute", to);
            const steps = out.map((p) => g.push(p));
            assert.ok(steps.at(-1)!.cursor && steps.at(-1)!.done);
            assert.equal(steps.at(-1)!.statusFlags, CURSOR_STATUS);
            fetches.forEach((n, i) => {
              const rows = Array.from({ length: n }, () => Uint8Array.of(0, 0));
              const status = i === fetches.length - 1
                ? ServerStatus.AUTOCOMMIT | ServerStatus.LAST_ROW_SENT
                : CURSOR_STATUS;
              const fetched = translate("fetch", [...rows, end(from, status)], from, to);
              assert.deepEqual(follow("fetch", to, fetched), [...rows.map(() => "row"), "rows-end"]);
              assert.deepEqual(fetched.slice(0, n), rows);
            });
          },
        ),
      );
    });
    test(`${label}: prepare responses`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), (params, columns) => {
          const packets = [
            encodePrepareOk({ statementId: 1, columnCount: columns, paramCount: params, warningCount: 0 }),
          ];
          for (const n of [params, columns]) {
            for (let i = 0; i < n; i++) packets.push(encodeColumnDefinition(column("?")));
            if (n > 0 && !(from & Capability.DEPRECATE_EOF)) {
              packets.push(encodeEof({ warningCount: 0, statusFlags: 2 }));
            }
          }
          follow("prepare", to, translate("prepare", packets, from, to));
        }),
      );
    });
  }
  test("an OK keeps its fields across CLIENT_SESSION_TRACK; an EOF becomes a 0xFE OK and back", () => {
    const withTrack = encodeOk(
      { affectedRows: 5, insertId: 7, statusFlags: 2, warningCount: 1, info: "hi" },
      MODERN,
    );
    const g = new ResponseGrammar("query", MODERN);
    assert.deepEqual(translateResponsePacket(withTrack, g.push(withTrack), MODERN, CLASSIC), [
      encodeOk({ affectedRows: 5, insertId: 7, statusFlags: 2, warningCount: 1, info: "hi" }, CLASSIC),
    ]);
    const eof = encodeEof({ warningCount: 3, statusFlags: 0x22 });
    const step = { role: "rows-end" as const, done: true, statusFlags: 0x22 };
    const fe = translateResponsePacket(eof, step, CLASSIC, MODERN);
    assert.deepEqual(fe, [
      encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 0x22, warningCount: 3, info: "" }, MODERN, 0xfe),
    ]);
    assert.deepEqual(translateResponsePacket(fe[0], step, MODERN, CLASSIC), [eof]);
  });
});

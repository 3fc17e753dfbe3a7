/**
 * The session-reset commands of src/protocol/commands.ts (COM_RESET_CONNECTION, COM_CHANGE_USER):
 * golden bytes, round trips under every capability combination that changes the layout, and
 * arbitrary bytes into the decoders (a value or a ProtocolError, nothing else).
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ChangeUser,
  decodeChangeUser,
  decodeResetConnection,
  encodeChangeUser,
  encodeResetConnection,
} from "../../src/protocol/commands.ts";
import { Capability } from "../../src/protocol/constants.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

const full = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH
  | Capability.CONNECT_ATTRS;

describe("COM_RESET_CONNECTION", () => {
  test("is the command byte alone, and decodes back", () => {
    assert.deepEqual([...encodeResetConnection()], [0x1f]);
    decodeResetConnection(encodeResetConnection());
    assert.throws(() => decodeResetConnection(new Uint8Array([0x1f, 0])), ProtocolError);
    assert.throws(() => decodeResetConnection(new Uint8Array([0x0e])), ProtocolError);
  });
});

describe("COM_CHANGE_USER", () => {
  test("golden bytes with every optional field", () => {
    const bytes = encodeChangeUser({
      user: "u",
      authResponse: new Uint8Array([1, 2, 3]),
      database: "db",
      charset: 45,
      authPluginName: "p",
      attributes: { k: "v" },
    }, full);
    assert.deepEqual(
      [...bytes],
      [0x11, 0x75, 0, 3, 1, 2, 3, 0x64, 0x62, 0, 45, 0, 0x70, 0, 4, 1, 0x6b, 1, 0x76],
    );
  });

  test("without SECURE_CONNECTION the auth response is NUL-terminated", () => {
    const bytes = encodeChangeUser({
      user: "u",
      authResponse: new Uint8Array([7, 8]),
      database: "",
      charset: 8,
      authPluginName: "",
      attributes: {},
    }, Capability.PROTOCOL_41);
    assert.deepEqual([...bytes], [0x11, 0x75, 0, 7, 8, 0, 0, 8, 0]);
    assert.throws(
      () =>
        encodeChangeUser({
          user: "u",
          authResponse: new Uint8Array([0]),
          database: "",
          charset: 8,
          authPluginName: "",
          attributes: {},
        }, Capability.PROTOCOL_41),
      RangeError,
    );
  });

  test("round-trips under every layout", () => {
    const layouts = [
      full,
      Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION,
      Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH,
      Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.CONNECT_ATTRS,
    ];
    const text = fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(
        fc.constantFrom(...layouts),
        fc.record({
          user: text,
          authResponse: fc.uint8Array({ maxLength: 255 }),
          database: text,
          charset: fc.integer({ min: 0, max: 0xffff }),
          authPluginName: text,
          attributes: fc.dictionary(text, fc.string({ maxLength: 20 }), { maxKeys: 5 }),
        }),
        (caps, c: ChangeUser) => {
          const back = decodeChangeUser(encodeChangeUser(c, caps), caps);
          assert.equal(back.user, c.user);
          assert.deepEqual([...back.authResponse], [...c.authResponse]);
          assert.equal(back.database, c.database);
          assert.equal(back.charset, c.charset);
          assert.equal(back.authPluginName, caps & Capability.PLUGIN_AUTH ? c.authPluginName : "");
          assert.deepEqual(back.attributes, caps & Capability.CONNECT_ATTRS ? { ...c.attributes } : {});
        },
      ),
      { numRuns: 300 },
    );
  });

  test("an auth response over 255 bytes cannot be sent with a one-byte length", () => {
    assert.throws(
      () =>
        encodeChangeUser({
          user: "u",
          authResponse: new Uint8Array(256),
          database: "",
          charset: 8,
          authPluginName: "",
          attributes: {},
        }, full),
      RangeError,
    );
  });

  test("arbitrary bytes decode to a value or a ProtocolError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, first) => {
        const payload = first ? Uint8Array.of(0x11, ...bytes) : bytes;
        try {
          decodeChangeUser(payload, full);
        } catch (error) {
          assert.ok(error instanceof ProtocolError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });
});

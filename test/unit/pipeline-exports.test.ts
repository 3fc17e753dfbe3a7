/**
 * The public plugin API as users import it: everything a plugin needs comes from mod.ts, and the
 * MySQL Proxy names are there with the values their typed counterparts have.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as mywire from "../../mod.ts";

test("mod.ts exports the plugin API", () => {
  for (
    const name of [
      "createPipeline",
      "definePlugin",
      "sendQuery",
      "sendResult",
      "ignoreResult",
      "useBackend",
      "proceed",
      "disconnect",
      "okResponse",
      "errorResponse",
      "resultSetResponse",
      "rawResponse",
      "PluginError",
      "tokenize",
      "fingerprint",
      "normalizeQuery",
      "digest",
      "queryDigest",
      "classifyQuery",
      "decodeCommand",
      "proxy",
    ]
  ) {
    assert.ok(name in mywire, `${name} is exported`);
  }
});

test("the MySQL Proxy names", () => {
  assert.deepEqual(mywire.PROXY_SEND_QUERY, { _tag: "SendQuery" });
  assert.deepEqual(mywire.PROXY_SEND_RESULT, { _tag: "SendResult" });
  assert.deepEqual(mywire.PROXY_IGNORE_RESULT, { _tag: "IgnoreResult" });
  assert.equal(mywire.MYSQLD_PACKET_OK, "Ok");
  assert.equal(mywire.MYSQLD_PACKET_ERR, "Err");
  assert.equal(mywire.MYSQLD_PACKET_RAW, "Raw");
  assert.deepEqual(
    [mywire.BACKEND_STATE_UNKNOWN, mywire.BACKEND_STATE_UP, mywire.BACKEND_STATE_DOWN],
    ["unknown", "up", "down"],
  );
  assert.deepEqual([mywire.BACKEND_TYPE_UNKNOWN, mywire.BACKEND_TYPE_RW, mywire.BACKEND_TYPE_RO], [
    "unknown",
    "rw",
    "ro",
  ]);
  for (const [name, code] of Object.entries(mywire.Command)) {
    assert.equal((mywire as unknown as Record<string, number>)[name], code, name);
    assert.equal((mywire.proxy as Record<string, unknown>)[name], code, `proxy.${name}`);
  }
  for (const [name, code] of Object.entries(mywire.ColumnType)) {
    assert.equal(
      (mywire as unknown as Record<string, number>)[`MYSQL_TYPE_${name}`],
      code,
      `MYSQL_TYPE_${name}`,
    );
    assert.equal((mywire.proxy as Record<string, unknown>)[`MYSQL_TYPE_${name}`], code);
  }
});

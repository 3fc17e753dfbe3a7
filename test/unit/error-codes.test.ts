/** Error numbers are named for the server's flavour: MySQL and MariaDB reuse some numbers differently. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { errorCodeName } from "../../src/protocol/error-codes.ts";

test("numbers both servers share have the same name", () => {
  for (const flavor of ["mysql", "mariadb"] as const) {
    assert.equal(errorCodeName(1045, flavor), "ER_ACCESS_DENIED_ERROR");
    assert.equal(errorCodeName(1062, flavor), "ER_DUP_ENTRY");
    assert.equal(errorCodeName(1213, flavor), "ER_LOCK_DEADLOCK");
  }
});

test("numbers the two servers use differently get each flavour's name", () => {
  assert.equal(errorCodeName(4025, "mariadb"), "ER_CONSTRAINT_FAILED");
  assert.equal(errorCodeName(4025, "mysql"), "ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE");
  assert.equal(errorCodeName(3024, "mysql"), "ER_QUERY_TIMEOUT");
  assert.equal(errorCodeName(1969, "mariadb"), "ER_STATEMENT_TIMEOUT");
  assert.equal(errorCodeName(1969, "mysql"), undefined);
});

test("unknown numbers have no name", () => {
  assert.equal(errorCodeName(0, "mysql"), undefined);
  assert.equal(errorCodeName(65535, "mariadb"), undefined);
});

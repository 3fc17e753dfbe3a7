/** Error numbers are named for the server's flavour: MySQL and MariaDB reuse some numbers differently. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

/** `exports[1045] = 'ER_...';` (mysql2) or `codes[1045] = 'ER_...';` (mariadb), read as text. */
function listed(path: string, pattern: RegExp): Map<number, string> {
  const text = readFileSync(new URL(`../../node_modules/${path}`, import.meta.url), "utf8");
  return new Map([...text.matchAll(pattern)].map((m) => [Number(m[1]), m[2]]));
}

test("every number mysql2 and mariadb name has that name for its flavour, and no other number has one", () => {
  const tables = {
    mysql: listed("mysql2/lib/constants/errors.js", /^exports\[(\d+)\] =\s*'([^']+)';/gm),
    mariadb: listed("mariadb/lib/const/error-code.js", /^codes\[(\d+)\] =\s*'([^']+)';/gm),
  };
  for (const [flavor, names] of Object.entries(tables) as ["mysql" | "mariadb", Map<number, string>][]) {
    assert.ok(names.size > 1000, `${flavor}: ${names.size} names read`);
    for (let errno = 0; errno < 70_000; errno++) {
      // a failure here after updating mysql2 or mariadb: run scripts/gen-error-codes.ts
      if (errorCodeName(errno, flavor) !== names.get(errno)) {
        assert.fail(`${flavor} ${errno}: ${errorCodeName(errno, flavor)}, listed as ${names.get(errno)}`);
      }
    }
  }
});

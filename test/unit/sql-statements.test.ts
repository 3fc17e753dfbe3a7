/**
 * The `USE` and `SET` parsers of src/sql/ (what the pipeline's default-database tracking, the
 * classifier and the client's replayed settings read): names quoted or not, comments anywhere,
 * scopes, several assignments, the special forms of SET; and what they refuse.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tokenize } from "../../src/protocol/sql/lexer.ts";
import { parseSet } from "../../src/sql/set.ts";
import { parseUse, useDatabase } from "../../src/sql/use.ts";

describe("USE", () => {
  test("the database of one USE statement, quoted or not, with comments and a trailing ;", () => {
    assert.equal(parseUse("USE shop"), "shop");
    assert.equal(parseUse("  use `my``db` ;"), "my`db");
    assert.equal(parseUse("/* pick */ USE shop -- now\n"), "shop");
    assert.equal(parseUse("USE shop;;"), "shop");
    assert.equal(parseUse("USE `a;b`"), "a;b");
  });

  test("anything else is not one", () => {
    for (
      const sql of [
        "USE a; DROP TABLE b",
        "USE",
        "USE ;",
        "USE `open",
        "USE 'shop'",
        "USE a b",
        "SELECT 1",
        "USES shop",
        "/* USE shop */ SELECT 1",
        "",
      ]
    ) assert.equal(parseUse(sql), undefined, sql);
  });

  test("useDatabase reads a USE inside a longer statement list", () => {
    assert.equal(useDatabase(tokenize("USE db1; SELECT 1"), 0), "db1");
    assert.equal(useDatabase(tokenize("SELECT 1"), 0), undefined);
  });
});

describe("SET", () => {
  const assignments = (sql: string) => {
    const set = parseSet(sql);
    assert.equal(set?.kind, "variables", sql);
    return set.kind === "variables"
      ? set.assignments.map(({ scope, name, value }) => ({ scope, name, value }))
      : [];
  };

  test("scopes: keywords, @@scope., and the carried-over keyword of the server's grammar", () => {
    assert.deepEqual(assignments("SET time_zone = '+03:00'"), [
      { scope: "session", name: "time_zone", value: "'+03:00'" },
    ]);
    assert.deepEqual(assignments("set LOCAL sql_mode = ''"), [{
      scope: "session",
      name: "sql_mode",
      value: "''",
    }]);
    assert.deepEqual(
      assignments("SET GLOBAL max_connections = 10, wait_timeout = 5, SESSION wait_timeout = 6"),
      [
        { scope: "global", name: "max_connections", value: "10" },
        { scope: "global", name: "wait_timeout", value: "5" },
        { scope: "session", name: "wait_timeout", value: "6" },
      ],
    );
    assert.deepEqual(assignments("SET @@global.a = 1, @@SESSION.B := 2, @@c = 3, @@local.d = 4"), [
      { scope: "global", name: "a", value: "1" },
      { scope: "session", name: "b", value: "2" },
      { scope: "session", name: "c", value: "3" },
      { scope: "session", name: "d", value: "4" },
    ]);
    assert.deepEqual(assignments("SET PERSIST x = 1"), [{ scope: "persist", name: "x", value: "1" }]);
  });

  test("user variables, quoted names, structured names, expressions with commas inside", () => {
    assert.deepEqual(assignments("SET @a = 1, @'b c' := CONCAT('x', 'y'), `autocommit` = 0"), [
      { scope: "user", name: "a", value: "1" },
      { scope: "user", name: "b c", value: "CONCAT('x', 'y')" },
      { scope: "session", name: "autocommit", value: "0" },
    ]);
    assert.deepEqual(assignments("SET GLOBAL hot_cache.key_buffer_size = 1024"), [
      { scope: "global", name: "hot_cache.key_buffer_size", value: "1024" },
    ]);
  });

  test("SET NAMES and SET CHARACTER SET are session assignments; comments do not matter", () => {
    assert.deepEqual(assignments("SET /* c */ NAMES utf8mb4 COLLATE utf8mb4_bin; -- done"), [
      { scope: "session", name: "names", value: "utf8mb4 COLLATE utf8mb4_bin" },
    ]);
    assert.deepEqual(assignments("SET CHARACTER SET latin1"), [
      { scope: "session", name: "character set", value: "latin1" },
    ]);
    assert.deepEqual(assignments("SET CHARSET DEFAULT"), [{
      scope: "session",
      name: "character set",
      value: "DEFAULT",
    }]);
    const set = parseSet("  SET NAMES utf8 ; ");
    assert.equal(set?.text, "SET NAMES utf8");
  });

  test("the special forms", () => {
    assert.equal(parseSet("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")?.kind, "transaction");
    assert.equal(parseSet("SET SESSION TRANSACTION READ ONLY")?.kind, "transaction");
    assert.equal(parseSet("SET PASSWORD = PASSWORD('x')")?.kind, "password");
    assert.equal(parseSet("SET ROLE admin")?.kind, "role");
    assert.equal(parseSet("SET DEFAULT ROLE admin FOR bob")?.kind, "default role");
    assert.equal(parseSet("SET STATEMENT max_statement_time = 1 FOR SELECT 1")?.kind, "statement");
  });

  test("what is not one SET statement", () => {
    for (
      const sql of [
        "SET",
        "SET x",
        "SET x = ",
        "SET x = 1,",
        "SET a = 1; SET b = 2",
        "SELECT 1",
        "SET = 1",
        "-- SET a = 1",
      ]
    ) assert.equal(parseSet(sql), undefined, sql);
  });
});

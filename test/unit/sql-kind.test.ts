/**
 * How the client reads a statement to decide what is safe (src/sql/read-only.ts, src/sql/set.ts):
 * which statements are plain reads that may be sent again after a lost connection, which leave a
 * pooled session clean, and which settings are replayed on a new session; and where the retry rule
 * and the classifier's replica rule differ on purpose. Quotes and comments never fool them.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { classifyQuery } from "../../src/sql/classify.ts";
import { isReadOnlySql, isSessionNeutral } from "../../src/sql/read-only.ts";
import { trackedSetting } from "../../src/sql/set.ts";

describe("plain reads", () => {
  test("reads are recognised, through comments, parentheses and quoted text", () => {
    for (
      const sql of [
        "SELECT 1",
        "  select * from t where a = 'x;y' -- ; DELETE\n",
        "(SELECT 1) UNION (SELECT 2)",
        "SHOW TABLES",
        "DESCRIBE t",
        "EXPLAIN SELECT 1",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "SELECT 'INTO', \"NEXTVAL\", `update` FROM t",
        "SELECT * FROM t FOR UPDATE",
        "/* hello */ SELECT 1 # trailing",
        "SELECT 5--3",
        "SELECT 1;",
      ]
    ) assert.equal(isReadOnlySql(sql), true, sql);
  });

  test("anything that may change something is not a read", () => {
    for (
      const sql of [
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 1",
        "CALL p()",
        "SET @a = 1",
        "SELECT 1; DELETE FROM t",
        "SELECT * INTO @x FROM t",
        "SELECT * FROM t INTO OUTFILE '/tmp/x'",
        "SELECT @a := 1",
        "SELECT NEXTVAL(s)",
        "SELECT NEXT VALUE FOR s",
        "SELECT GET_LOCK('x', 1)",
        "/*!50000 DELETE FROM t */",
        "/*M!100000 DELETE FROM t */ SELECT 1",
        "WITH x AS (SELECT 1) DELETE FROM t",
        "DO 1",
        "",
      ]
    ) assert.equal(isReadOnlySql(sql), false, sql);
  });

  test("keywords inside strings, quoted identifiers and comments are not read; executable comments are", () => {
    assert.equal(isReadOnlySql("SELECT 'a''b; DELETE', \"c\\\"; INTO\", `e``f; INTO` FROM t"), true);
    assert.equal(isReadOnlySql("SELECT 1 /* ; DELETE FROM t */ # ; DELETE"), true);
    assert.equal(isReadOnlySql("/*! DELETE */"), false);
    assert.equal(isReadOnlySql("SELECT 'unterminated ; DELETE"), true);
  });

  test("a dash comment starts where the server starts one, no sooner and no later", () => {
    // A NO-BREAK SPACE after -- is not whitespace to the server: the DELETE runs.
    assert.equal(isReadOnlySql("SELECT 1 --\u00a0; DELETE FROM t"), false);
    // A control character after -- starts a comment: nothing follows the SELECT.
    assert.equal(isReadOnlySql("SELECT 1 --\u0001; DELETE FROM t"), true);
    assert.equal(isReadOnlySql("SELECT 1 --\x7f; DELETE FROM t"), true);
    // The second and third dash of --- start the comment.
    assert.equal(isReadOnlySql("SELECT 1 --- ; DELETE FROM t"), true);
    assert.equal(isReadOnlySql("SELECT 1 --"), true);
    assert.equal(isReadOnlySql("SELECT 1 --x; DELETE FROM t"), false);
  });
});

describe("session-neutral statements", () => {
  test("reads and single DML statements leave the session clean", () => {
    for (const sql of ["SELECT 1", "INSERT INTO t VALUES (1)", "UPDATE t SET a = 'x;y'", "DELETE FROM t"]) {
      assert.equal(isSessionNeutral(sql), true, sql);
    }
  });

  test("settings, variables, temporary tables, transactions and several statements do not", () => {
    for (
      const sql of [
        "SET @a = 1",
        "SET NAMES latin1",
        "USE db",
        "BEGIN",
        "CREATE TEMPORARY TABLE x (a INT)",
        "INSERT INTO t VALUES (1); SET @a = 1",
        "UPDATE t SET a = (@x := @x + 1)",
        "LOCK TABLES t WRITE",
        "PREPARE s FROM 'SELECT 1'",
      ]
    ) assert.equal(isSessionNeutral(sql), false, sql);
  });
});

describe("replayed settings", () => {
  test("USE, SET NAMES and the time zone are recognised", () => {
    assert.deepEqual(trackedSetting("USE `my``db`"), { kind: "database", database: "my`db" });
    assert.deepEqual(trackedSetting(" use shop;"), { kind: "database", database: "shop" });
    assert.deepEqual(trackedSetting("SET NAMES utf8mb4 COLLATE utf8mb4_bin"), {
      kind: "names",
      sql: "SET NAMES utf8mb4 COLLATE utf8mb4_bin",
    });
    assert.deepEqual(trackedSetting("set @@session.time_zone = '+03:00';"), {
      kind: "time_zone",
      sql: "set @@session.time_zone = '+03:00'",
    });
  });

  test("anything else, or several statements, is not", () => {
    for (
      const sql of [
        "USE a; DROP TABLE b",
        "SET time_zone = '+00:00', autocommit = 0",
        "SELECT 1",
        "SET @x = 1",
      ]
    ) {
      assert.equal(trackedSetting(sql), undefined, sql);
    }
  });
});

describe("the retry rule and the replica rule", () => {
  // [sql, retry rule (isReadOnlySql), replica rule (classifyQuery().readOnly)]
  const table: [string, boolean, boolean][] = [
    ["SELECT * FROM t WHERE id = 1", true, true],
    // Sent again, a locking read locks again; on a replica it would lock the wrong server.
    ["SELECT * FROM t FOR UPDATE", true, false],
    ["SELECT * FROM t LOCK IN SHARE MODE", true, false],
    // User variables and session functions live in this session: resending reads them again, a replica has none.
    ["SELECT @a", true, false],
    ["SELECT LAST_INSERT_ID()", true, false],
    ["SELECT SQL_CALC_FOUND_ROWS * FROM t", true, false],
    // An executable comment's body depends on the server's version: not resent; the classifier reads it.
    ["/*!40101 SELECT 1 */", false, true],
    ["HELP 'SELECT'", false, true],
    // Both refuse: effects, assignments, INTO, several statements, writes hidden in executable comments.
    ["SELECT NEXT VALUE FOR s", false, false],
    ["SELECT NEXTVAL(s)", false, false],
    ["SELECT GET_LOCK('a', 1)", false, false],
    ["SELECT @a := 1", false, false],
    ["SELECT a INTO @v FROM t", false, false],
    ["SELECT 1; SELECT 2", false, false],
    ["SELECT 1 /*M!100000 ; DELETE FROM t */", false, false],
    ["SELECT 1 --\u00a0; DELETE FROM t", false, false],
    ["WITH x AS (SELECT 1) DELETE FROM t", false, false],
    ["INSERT INTO t VALUES (1)", false, false],
  ];
  for (const [sql, retry, replica] of table) {
    test(JSON.stringify(sql), () => {
      assert.equal(isReadOnlySql(sql), retry, "retry rule");
      assert.equal(classifyQuery(sql).readOnly, replica, "replica rule");
    });
  }
});

/**
 * How the client reads a statement to decide what is safe (src/client/sql-kind.ts): which
 * statements are plain reads that may be sent again after a lost connection, which leave a pooled
 * session clean, and which settings are replayed on a new session. Quotes and comments never fool it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isReadOnlySql, isSessionNeutral, skeleton, trackedSetting } from "../../src/client/sql-kind.ts";

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

  test("the skeleton blanks literals and comments but keeps executable comments visible", () => {
    assert.equal(skeleton("SELECT 'a''b', \"c\\\"d\", `e``f` FROM t"), "SELECT  '' ,  '' ,  x  FROM t");
    assert.match(skeleton("/*! DELETE */"), /\/\*!/);
    assert.equal(skeleton("SELECT 'unterminated"), "SELECT  '' ");
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

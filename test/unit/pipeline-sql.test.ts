/**
 * The SQL helpers exported for plugin authors: the tokenizer (quotes, comments, executable
 * comments, literals of every kind), fingerprints and digests (literals replaced, lists collapsed,
 * case and spacing normalized), and the classifier that routing, caching and firewalls rely on.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { classifyQuery, digest, fingerprint, normalizeQuery, queryDigest, tokenize } from "./pipeline-api.ts";

const kinds = (sql: string) => tokenize(sql).map((t) => `${t.kind}:${t.text}`);

describe("tokenize", () => {
  test("words, identifiers, strings, numbers, variables, placeholders, operators", () => {
    assert.deepEqual(
      kinds(
        "SELECT `a``b`, 'it''s', \"q\\\"\", 1.5e-3, .5, 0x1F, X'ab', b'01', @v, @@sql_mode, ? FROM t WHERE a<=>b",
      ),
      [
        "word:SELECT",
        "identifier:`a``b`",
        "punct:,",
        "string:'it''s'",
        "punct:,",
        'string:"q\\""',
        "punct:,",
        "number:1.5e-3",
        "punct:,",
        "number:.5",
        "punct:,",
        "number:0x1F",
        "punct:,",
        "number:X'ab'",
        "punct:,",
        "number:b'01'",
        "punct:,",
        "variable:@v",
        "punct:,",
        "variable:@@sql_mode",
        "punct:,",
        "placeholder:?",
        "word:FROM",
        "word:t",
        "word:WHERE",
        "word:a",
        "operator:<=>",
        "word:b",
      ],
    );
  });

  test("comments are dropped; executable comments keep their contents", () => {
    assert.deepEqual(kinds("SELECT 1 -- no\n# nor this\n/* nor */ + /*!40101 2 */"), [
      "word:SELECT",
      "number:1",
      "operator:+",
      "number:2",
    ]);
    assert.deepEqual(kinds("SELECT 1--2"), [
      "word:SELECT",
      "number:1",
      "operator:-",
      "operator:-",
      "number:2",
    ]);
  });

  test("never throws: unterminated strings and comments run to the end", () => {
    assert.deepEqual(kinds("SELECT 'open"), ["word:SELECT", "string:'open"]);
    assert.deepEqual(kinds("SELECT /* open"), ["word:SELECT"]);
    for (const junk of ["'", "`", "@", "/*!", "\\", "\u0000", "x'", "0x", "1e", "--"]) tokenize(junk);
  });

  test("identifiers that start with digits, and qualified names", () => {
    assert.deepEqual(kinds("SELECT 1abc, db.t.5c FROM 2t"), [
      "word:SELECT",
      "word:1abc",
      "punct:,",
      "word:db",
      "punct:.",
      "word:t",
      "punct:.",
      "word:5c",
      "word:FROM",
      "word:2t",
    ]);
  });
});

describe("fingerprint", () => {
  test("literals become ?, keywords and functions upper case, spacing canonical", () => {
    assert.equal(
      fingerprint("select  a,b from `T` where x=-5 and y = 3 - 2 and s='x' /* c */ -- x\n limit 10;"),
      "SELECT a, b FROM `T` WHERE x = ? AND y = ? - ? AND s = ? LIMIT ?",
    );
    assert.equal(
      fingerprint("select count(*) from t where d > now() - interval 1 day"),
      "SELECT COUNT(*) FROM t WHERE d > NOW() - INTERVAL ? DAY",
    );
  });

  test("lists collapse: IN (...) and multi-row VALUES", () => {
    assert.equal(fingerprint("SELECT * FROM t WHERE id IN (1, 2, 3)"), "SELECT * FROM t WHERE id IN (?,...)");
    assert.equal(fingerprint("SELECT * FROM t WHERE id IN (1)"), "SELECT * FROM t WHERE id IN (?)");
    assert.equal(
      fingerprint("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')"),
      "INSERT INTO t VALUES (?,...),...",
    );
    assert.equal(fingerprint("INSERT INTO t VALUES (1, 'a')"), fingerprint("insert into t values (2,'zz')"));
  });

  test("the same statement with other values, spacing, case or comments: the same fingerprint and digest", () => {
    const a = "SELECT name FROM users WHERE id = 1";
    const b = "select name\n  from users /* hint */ where id=42 ;";
    assert.equal(fingerprint(a), fingerprint(b));
    assert.equal(queryDigest(a), queryDigest(b));
    assert.match(queryDigest(a), /^[0-9a-f]{16}$/);
    assert.notEqual(queryDigest(a), queryDigest("SELECT name FROM users WHERE email = 'x'"));
    assert.equal(digest(""), "cbf29ce484222325", "FNV-1a 64 of nothing");
  });

  test("normalizeQuery keeps the literals", () => {
    assert.equal(normalizeQuery("select  *\nfrom t where id=1 -- x"), "SELECT * FROM t WHERE id = 1");
    assert.notEqual(normalizeQuery("SELECT 1"), normalizeQuery("SELECT 2"));
    assert.equal(normalizeQuery("SELECT 'a  b'"), "SELECT 'a  b'", "whitespace inside strings is kept");
  });
});

describe("classifyQuery", () => {
  const table: [string, Partial<ReturnType<typeof classifyQuery>>][] = [
    ["SELECT * FROM t WHERE id = 1", { verb: "SELECT", kind: "read", readOnly: true, tables: ["t"] }],
    ["select a.x from db1.a a join `b` as b on a.id = b.id", { readOnly: true, tables: ["db1.a", "b"] }],
    ["SELECT * FROM t FOR UPDATE", { kind: "read", readOnly: false, lockingRead: true }],
    ["SELECT * FROM t LOCK IN SHARE MODE", { readOnly: false, lockingRead: true }],
    ["SELECT * FROM t FOR SHARE", { lockingRead: true }],
    ["SELECT LAST_INSERT_ID()", { readOnly: false, sessionDependent: true }],
    ["SELECT FOUND_ROWS()", { readOnly: false, sessionDependent: true }],
    ["SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1", { readOnly: false, sessionDependent: true }],
    ["SELECT @x", { readOnly: false, sessionDependent: true }],
    ["SELECT @@version", { readOnly: true }],
    ["SELECT a INTO @v FROM t", { readOnly: false }],
    ["SELECT NOW(), RAND()", { readOnly: true, nondeterministic: true }],
    ["SELECT 1; SELECT 2", { readOnly: false, multiStatement: true }],
    ["SELECT 1;", { multiStatement: false, readOnly: true }],
    ["(SELECT 1) UNION (SELECT 2)", { verb: "SELECT", readOnly: true }],
    ["WITH c AS (SELECT 1) SELECT * FROM c", { kind: "read", readOnly: true }],
    ["SHOW TABLES", { kind: "read", readOnly: true }],
    ["INSERT INTO shop.orders (a) VALUES (1)", {
      kind: "write",
      writtenTables: ["shop.orders"],
      writesUnknown: false,
    }],
    ["INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2", { kind: "write", writtenTables: ["t"] }],
    ["REPLACE INTO t VALUES (1)", { writtenTables: ["t"] }],
    ["UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = 1", { writtenTables: ["t1", "t2"] }],
    ["UPDATE LOW_PRIORITY t SET a = 1", { writtenTables: ["t"] }],
    ["DELETE FROM t WHERE id = 2", { writtenTables: ["t"] }],
    ["TRUNCATE TABLE logs", { kind: "ddl", writtenTables: ["logs"] }],
    ["TRUNCATE logs", { writtenTables: ["logs"] }],
    ["CREATE TABLE IF NOT EXISTS x (id int)", { kind: "ddl", writtenTables: ["x"] }],
    ["ALTER TABLE t ADD COLUMN c int", { writtenTables: ["t"] }],
    ["DROP DATABASE foo", { kind: "ddl", writesUnknown: true }],
    ["CALL proc()", { kind: "write", writesUnknown: true }],
    ["BEGIN", { kind: "transaction", transaction: "begin" }],
    ["START TRANSACTION READ ONLY", { transaction: "begin" }],
    ["COMMIT", { transaction: "commit" }],
    ["ROLLBACK", { transaction: "rollback" }],
    ["ROLLBACK TO SAVEPOINT a", { transaction: undefined }],
    ["SET NAMES utf8mb4", { kind: "session", setsSessionState: true }],
    ["USE `shop`", { kind: "session", database: "shop" }],
    ["/*!40101 SET NAMES utf8 */", { kind: "session" }],
    ["", { verb: "", kind: "other", readOnly: false }],
  ];
  for (const [sql, expected] of table) {
    test(JSON.stringify(sql), () => {
      const info = classifyQuery(sql);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(info[key as keyof typeof info], value, `${key} of ${sql}`);
      }
    });
  }
});

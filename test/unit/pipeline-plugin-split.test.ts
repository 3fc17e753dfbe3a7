/**
 * Read/write splitting against the pipeline, with one primary and two replicas: plain reads spread
 * over the replicas; writes, transactions, autocommit off, locking reads, LAST_INSERT_ID(),
 * FOUND_ROWS(), user variables, LOCK TABLES and prepared statements on the primary; the default
 * database, SET NAMES and session variables replayed on each replica before it serves a read.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline, okResponse, resultSetResponse } from "../../mod.ts";
import { readWriteSplit } from "../../plugins/read-write-split.ts";
import { encodePrepare, encodePrepareOk } from "../../src/protocol/statements.ts";
import { driverFor, type Script, testGreeting } from "./pipeline-driver.ts";

const backends = [
  { host: "primary", type: "rw" as const },
  { host: "replica-a", type: "ro" as const },
  { host: "replica-b", type: "ro" as const },
];

async function setup(options: Parameters<typeof readWriteSplit>[0] = {}, failOn?: string) {
  const log: string[] = [];
  const script: Script = (cmd, backend) => {
    if (cmd.type === "COM_STMT_PREPARE") {
      return [encodePrepareOk({ statementId: 1, columnCount: 0, paramCount: 0, warningCount: 0 })];
    }
    if (failOn !== undefined && cmd.sql === failOn && backend !== 0) {
      return { _tag: "Err", errno: 1193, sqlState: "HY000", message: "Unknown system variable" };
    }
    return cmd.sql?.startsWith("SELECT") ? resultSetResponse(["backend"], [[backend]]) : okResponse();
  };
  const p = createPipeline([readWriteSplit(options)], { backends })!;
  const d = driverFor(p, script, { log });
  await d.connect(testGreeting(), { user: "app", database: "shop" });
  const where = async (sql: string) => (await d.query(sql)).backend;
  return { d, log, where, pipeline: p };
}

test("the connection starts on the primary; reads go round robin to the replicas, writes to the primary", async () => {
  const { where } = await setup();
  assert.equal(await where("SELECT * FROM t"), 1);
  assert.equal(await where("SELECT * FROM t"), 2);
  assert.equal(await where("INSERT INTO t VALUES (1)"), 0);
  assert.equal(await where("SELECT * FROM t"), 1);
  assert.equal(await where("UPDATE t SET a = 1"), 0);
  assert.equal(await where("CREATE TABLE x (a int)"), 0);
});

test("what must stay on the primary", async () => {
  const { where } = await setup();
  for (
    const sql of [
      "SELECT * FROM t FOR UPDATE",
      "SELECT * FROM t LOCK IN SHARE MODE",
      "SELECT LAST_INSERT_ID()",
      "SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1",
      "SELECT FOUND_ROWS()",
      "SELECT @counter",
      "SELECT GET_LOCK('x', 1)",
      "SELECT 1; SELECT 2",
    ]
  ) {
    assert.equal(await where(sql), 0, sql);
  }
});

test("transactions, autocommit off and LOCK TABLES keep everything on the primary until they end", async () => {
  const { where } = await setup();
  await where("BEGIN");
  assert.equal(await where("SELECT * FROM t"), 0);
  await where("COMMIT");
  assert.equal(await where("SELECT * FROM t"), 1);
  await where("START TRANSACTION READ ONLY");
  assert.equal(await where("SELECT * FROM t"), 0);
  await where("ROLLBACK");
  await where("SET autocommit = 0");
  assert.equal(await where("SELECT * FROM t"), 0);
  await where("SET autocommit = 1");
  assert.equal(await where("SELECT * FROM t"), 2);
  await where("LOCK TABLES t READ");
  assert.equal(await where("SELECT * FROM t"), 0);
  await where("UNLOCK TABLES");
  assert.equal(await where("SELECT * FROM t"), 1);
});

test("prepared statements and other commands stay on the primary", async () => {
  const { d, log } = await setup();
  await d.command(encodePrepare("SELECT ?"));
  await d.command(new Uint8Array([0x0e]));
  assert.deepEqual(log, ["0:SELECT ?", "0:COM_PING"]);
});

test("session state runs on the primary and is replayed on each replica before its next read", async () => {
  const { d, log, where } = await setup();
  await where("SELECT 1");
  await where("USE other");
  await d.command(new Uint8Array([0x02, ...new TextEncoder().encode("third")]));
  await where("SET NAMES latin1");
  await where("SET NAMES utf8mb4");
  await where("SET SESSION sql_mode = 'ANSI'");
  log.length = 0;
  assert.equal(await where("SELECT 2"), 2);
  assert.deepEqual(
    log,
    ["2:COM_INIT_DB third", "2:SET NAMES utf8mb4", "2:SET SESSION sql_mode = 'ANSI'", "2:SELECT 2"],
    "only the latest of each kind, in order",
  );
  log.length = 0;
  assert.equal(await where("SELECT 3"), 1);
  assert.deepEqual(log, [
    "1:COM_INIT_DB third",
    "1:SET NAMES utf8mb4",
    "1:SET SESSION sql_mode = 'ANSI'",
    "1:SELECT 3",
  ]);
  log.length = 0;
  await where("SELECT 4");
  await where("SELECT 5");
  assert.deepEqual(log, ["2:SELECT 4", "1:SELECT 5"], "already in step: nothing replayed");
  await where("SET @@session.time_zone = '+00:00'");
  log.length = 0;
  await where("SELECT 6");
  assert.deepEqual(log, ["2:SET @@session.time_zone = '+00:00'", "2:SELECT 6"]);
});

test("what is not session state of this connection is not replayed: globals, SET STATEMENT, autocommit anywhere", async () => {
  const { where, log } = await setup();
  await where("SELECT 1");
  await where("SET GLOBAL max_connections = 10");
  await where("SET @a = 1, GLOBAL wait_timeout = 5");
  await where("SET STATEMENT max_statement_time = 1 FOR SELECT 1");
  await where("SET /* c */ @x = 1");
  log.length = 0;
  assert.equal(await where("SELECT 2"), 2);
  assert.deepEqual(log, ["2:SET /* c */ @x = 1", "2:SELECT 2"]);
  await where("SET @b = 2, autocommit = 0");
  log.length = 0;
  assert.equal(
    await where("SELECT 3"),
    0,
    "autocommit off, found after a user variable: reads stay on the primary",
  );
  assert.deepEqual(log, ["0:SELECT 3"]);
});

test("a session statement the primary refused is not replayed; a replay a replica refuses fails the read clearly", async () => {
  const { where, log } = await setup({}, "SET SESSION bogus = 1");
  await where("SET SESSION bogus = 1");
  log.length = 0;
  const error = await where("SELECT 1").catch((e) => e);
  assert.match(
    String(error?.message),
    /plugin "read-write-split" injected a command that failed.*Unknown system variable/,
  );
  assert.deepEqual(log, ["1:SET SESSION bogus = 1"]);
});

test("replicas that are down are skipped; with none up, reads go to the primary", async () => {
  const { where, pipeline } = await setup();
  pipeline.setBackendState(1, "down");
  assert.equal(await where("SELECT 1"), 2);
  assert.equal(await where("SELECT 1"), 2);
  pipeline.setBackendState(2, "down");
  assert.equal(await where("SELECT 1"), 0);
});

test("read your writes: reads stay on the primary for a while after a write", async () => {
  let clock = 0;
  const { where } = await setup({ stickyAfterWriteMs: 100, now: () => clock });
  await where("INSERT INTO t VALUES (1)");
  assert.equal(await where("SELECT 1"), 0);
  clock += 100;
  assert.notEqual(await where("SELECT 1"), 0);
});

test("primaryOnly and a custom replica choice", async () => {
  const { where } = await setup({ primaryOnly: /\/\* primary \*\//, chooseReplica: (r) => r[r.length - 1] });
  assert.equal(await where("SELECT 1 /* primary */"), 0);
  assert.equal(await where("SELECT 1"), 2);
  assert.equal(await where("SELECT 1"), 2);
});

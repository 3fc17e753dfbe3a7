/**
 * The rewrite plugin against the pipeline: rules by RegExp (with groups), by fingerprint and by
 * function, in order, with `apply` stopping the list as ProxySQL's rules do; prepared statements
 * rewritten too; malformed rules refused when the plugin is made.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline, okResponse, resultSetResponse } from "../../mod.ts";
import { rewrite } from "../../plugins/rewrite.ts";
import { encodePrepare, encodePrepareOk } from "../../src/protocol/statements.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

const log: string[] = [];
const server: Script = (cmd) => {
  if (cmd.type === "COM_STMT_PREPARE") {
    return [encodePrepareOk({ statementId: 1, columnCount: 0, paramCount: 0, warningCount: 0 })];
  }
  return cmd.sql?.startsWith("SELECT") ? resultSetResponse(["sql"], [[cmd.sql]]) : okResponse();
};

test("RegExp rules with groups, fingerprint rules and function rules, in order", async () => {
  const events: string[] = [];
  const plugin = rewrite({
    rules: [
      {
        name: "index hint",
        match: /^SELECT \* FROM orders WHERE (.*)$/,
        replace: "SELECT * FROM orders FORCE INDEX (idx) WHERE $1",
      },
      {
        name: "by fingerprint",
        match: "SELECT COUNT(*) FROM big WHERE day = '2020-01-01'",
        replace: "SELECT 0",
      },
      {
        match: (sql) => sql.includes("/* replica */"),
        replace: (sql) => sql.replace("/* replica */", "").trim(),
      },
    ],
    onRewrite: (e) => events.push(e.rule),
  });
  const d = driverFor(createPipeline([plugin])!, server, { log });
  assert.deepEqual((await d.query("SELECT * FROM orders WHERE id = 1")).rows, [{
    sql: "SELECT * FROM orders FORCE INDEX (idx) WHERE id = 1",
  }]);
  assert.deepEqual((await d.query("select count(*) from big where day = '2024-05-05'")).rows, [{
    sql: "SELECT 0",
  }]);
  assert.deepEqual((await d.query("SELECT 1 /* replica */")).rows, [{ sql: "SELECT 1" }]);
  assert.deepEqual((await d.query("SELECT 2")).rows, [{ sql: "SELECT 2" }], "no rule: unchanged");
  assert.deepEqual(events, ["index hint", "by fingerprint", "rule 2"]);
});

test("apply: false lets later rules see the rewrite; apply (default) stops", async () => {
  const plugin = rewrite([
    { match: /foo/g, replace: "bar", apply: false },
    { match: /bar/, replace: "baz" },
    { match: /baz/, replace: "never" },
  ]);
  const d = driverFor(createPipeline([plugin])!, server);
  assert.deepEqual((await d.query("SELECT 'foo foo'")).rows, [{ sql: "SELECT 'baz bar'" }]);
});

test("prepared statements are rewritten too (unless prepared: false)", async () => {
  const seen: string[] = [];
  const d = driverFor(createPipeline([rewrite({ rules: [{ match: /t1/, replace: "t2" }] })])!, (cmd, b) => {
    seen.push(cmd.sql ?? "");
    return server(cmd, b);
  });
  await d.command(encodePrepare("SELECT * FROM t1 WHERE id = ?"));
  assert.deepEqual(seen, ["SELECT * FROM t2 WHERE id = ?"]);
  const e = driverFor(
    createPipeline([rewrite({ rules: [{ match: /t1/, replace: "t2" }], prepared: false })])!,
    (cmd, b) => {
      seen.push(cmd.sql ?? "");
      return server(cmd, b);
    },
  );
  await e.command(encodePrepare("SELECT * FROM t1"));
  assert.equal(seen[1], "SELECT * FROM t1");
});

test("malformed rules are refused at once", () => {
  assert.throws(() => rewrite([{ match: 42 as never, replace: "x" }]), /match must be/);
  assert.throws(() => rewrite([{ match: /x/, replace: 42 as never }]), /replace must be/);
  assert.throws(() => rewrite({} as never), /list of rules/);
});

/**
 * The firewall against the pipeline: deny and allow lists by fingerprint (literals do not matter)
 * or RegExp, each statement of a multi-statement query checked, and a refused query answered with
 * a clear ERR without reaching the server.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline, MysqlError, okResponse, resultSetResponse } from "../../mod.ts";
import { firewall } from "../../plugins/firewall.ts";
import { driverFor, type Script } from "./pipeline-driver.ts";

const server: Script = (
  cmd,
) => (cmd.sql?.startsWith("SELECT") ? resultSetResponse(["ok"], [[1]]) : okResponse());

async function refused(p: Promise<unknown>): Promise<MysqlError> {
  const e = await p.then(() => undefined, (x) => x);
  assert.ok(e instanceof MysqlError, `expected a refusal, got ${e}`);
  assert.equal(e.errno, 1148);
  assert.equal(e.sqlState, "42000");
  return e;
}

test("deny list: listed fingerprints are refused before reaching the server, others pass", async () => {
  const log: string[] = [];
  const events: string[] = [];
  const d = driverFor(
    createPipeline([
      firewall({
        mode: "deny",
        rules: ["DELETE FROM users WHERE id = 1", /^DROP /],
        onRefuse: (e) => events.push(e.fingerprint),
      }),
    ])!,
    server,
    { log },
  );
  const e = await refused(d.query("delete from users where id = 99"));
  assert.match(
    e.message,
    /mywire firewall refused the statement "DELETE FROM users WHERE id = \?": it is on the deny list/,
  );
  await refused(d.query("DROP TABLE users"));
  await d.query("SELECT * FROM users");
  await d.query("DELETE FROM orders WHERE id = 1");
  assert.deepEqual(log, ["-1:SELECT * FROM users", "-1:DELETE FROM orders WHERE id = 1"]);
  assert.deepEqual(events, ["DELETE FROM users WHERE id = ?", "DROP TABLE users"]);
});

test("allow list: only listed statements run; every statement of a multi-statement query is checked", async () => {
  const d = driverFor(
    createPipeline([firewall({ mode: "allow", rules: ["SELECT * FROM t WHERE id = 0", "SELECT 1"] })])!,
    server,
  );
  await d.query("SELECT * FROM t WHERE id = 42");
  await d.query("SELECT 7");
  const e = await refused(d.query("UPDATE t SET a = 1"));
  assert.match(e.message, /not on the allow list/);
  await refused(d.query("SELECT 1; DROP TABLE t"));
});

test("prepared statements are checked; other commands pass", async () => {
  const d = driverFor(createPipeline([firewall({ mode: "allow", rules: ["SELECT 1"] })])!, server);
  await refused(d.command(new Uint8Array([0x16, ...new TextEncoder().encode("DELETE FROM t")])));
  await d.command(new Uint8Array([0x0e]));
  assert.throws(() => firewall({ mode: "block" as never, rules: [] }), /"deny" or "allow"/);
  assert.throws(() => firewall({ mode: "deny", rules: [42 as never] }), /a query or a RegExp/);
});

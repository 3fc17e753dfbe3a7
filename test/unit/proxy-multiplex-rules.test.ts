/**
 * The multiplexing rules that read SQL text (src/proxy/pinning.ts, connection-ids.ts) and build the
 * replay (session-tracker.ts), on their own: what pins, what does not, CONNECTION_ID() rewriting,
 * KILL parsing, the replay SET's order and literals.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseProxyArgs, ProxyUsageError } from "../../src/cli/proxy.ts";
import { parseKill, rewriteConnectionId } from "../../src/proxy/connection-ids.ts";
import { resolveProxyOptions } from "../../src/proxy/options.ts";
import { statementEffects } from "../../src/proxy/pinning.ts";
import { replayStatement, SessionState } from "../../src/proxy/session-tracker.ts";

describe("statement effects", () => {
  test("user variables pin when assigned, not when read", () => {
    assert.equal(statementEffects("SET @x = 1").userVariables, true);
    assert.equal(statementEffects("SELECT @x := 2").userVariables, true);
    assert.equal(statementEffects("SELECT a INTO @x FROM t").userVariables, true);
    assert.equal(statementEffects("CALL p(@out)").userVariables, true);
    assert.equal(statementEffects("SELECT @x").userVariables, false);
    assert.equal(statementEffects("SET time_zone = @x").userVariables, false);
    assert.equal(statementEffects("SELECT '@x := 1'").userVariables, false);
  });

  test("temporary tables, locks, PREPARE, XA, found rows, trackers", () => {
    assert.deepEqual(
      statementEffects("CREATE TEMPORARY TABLE IF NOT EXISTS `tmp` (a INT)").createdTemporary,
      ["tmp"],
    );
    assert.deepEqual(statementEffects("DROP TEMPORARY TABLE IF EXISTS a, db.b").droppedTables, ["a", "b"]);
    assert.equal(statementEffects("SELECT GET_LOCK('l', 1), GET_LOCK('m', 1)").getLocks, 2);
    assert.equal(statementEffects("DO RELEASE_ALL_LOCKS()").releaseAllLocks, true);
    assert.equal(statementEffects("FLUSH TABLES WITH READ LOCK").globalReadLock, true);
    assert.equal(statementEffects("UNLOCK TABLES").unlockTables, true);
    assert.deepEqual(statementEffects("PREPARE s1 FROM 'SELECT 1'").prepared, ["s1"]);
    assert.deepEqual(statementEffects("DEALLOCATE PREPARE s1").deallocated, ["s1"]);
    assert.equal(statementEffects("XA START 'x'").xaStart, true);
    assert.equal(statementEffects("XA COMMIT 'x'").xaEnd, true);
    assert.equal(statementEffects("SELECT SQL_CALC_FOUND_ROWS * FROM t").calcFoundRows, true);
    assert.equal(statementEffects("SELECT FOUND_ROWS()").readsFoundRows, true);
    assert.equal(statementEffects("SET session_track_schema = OFF").sessionTracking, true);
    assert.equal(statementEffects("SELECT 'GET_LOCK(' -- GET_LOCK(\n").getLocks, 0);
  });

  test("each statement of a multi-statement counts", () => {
    const fx = statementEffects("SELECT 1; CREATE TEMPORARY TABLE a (x INT); SET @v = 3");
    assert.deepEqual(fx.createdTemporary, ["a"]);
    assert.equal(fx.userVariables, true);
  });
});

describe("connection ids", () => {
  test("CONNECTION_ID() becomes the proxy's id, named as the server names it", () => {
    assert.equal(rewriteConnectionId("SELECT CONNECTION_ID()", 7), "SELECT 7 AS `CONNECTION_ID()`");
    assert.equal(rewriteConnectionId("SELECT connection_id() AS id", 7), "SELECT 7 AS id");
    assert.equal(rewriteConnectionId("SELECT CONNECTION_ID() + 1", 7), "SELECT 7 + 1");
    assert.equal(rewriteConnectionId("SELECT 'CONNECTION_ID()'", 7), undefined);
    assert.equal(rewriteConnectionId("SELECT 1", 7), undefined);
  });

  test("KILL forms", () => {
    assert.deepEqual(parseKill("KILL 12"), { query: false, id: 12 });
    assert.deepEqual(parseKill("kill query 12;"), { query: true, id: 12 });
    assert.deepEqual(parseKill("KILL HARD CONNECTION 3"), { query: false, id: 3 });
    assert.equal(parseKill("KILL USER bob"), undefined);
    assert.equal(parseKill("KILL QUERY ID 5"), undefined);
    assert.equal(parseKill("SELECT 1"), undefined);
  });
});

describe("replay", () => {
  test("one SET: character sets before collations, DEFAULT for what the client never set, literals", () => {
    const want = new SessionState("db", [
      ["collation_connection", "latin1_bin"],
      ["character_set_connection", "latin1"],
      ["time_zone", "+05:00"],
      ["sort_buffer_size", "1048576"],
      ["character_set_results", ""],
      ["session_track_schema", "OFF"],
    ]);
    const have = new SessionState("db", [["sql_mode", "ANSI_QUOTES"], ["time_zone", "+05:00"]]);
    assert.equal(
      replayStatement(want, have, false),
      "SET @@session.character_set_connection = 'latin1', @@session.character_set_results = NULL, "
        + "@@session.collation_connection = 'latin1_bin', @@session.sort_buffer_size = 1048576, "
        + "@@session.sql_mode = DEFAULT",
    );
    assert.equal(replayStatement(have, have.clone(), false), undefined);
  });
});

describe("options", () => {
  test("multiplex on by default; the limits validated; the CLI flags", async () => {
    const base = { backends: ["mysql://u:p@127.0.0.1:3306"], users: { a: "pw" } };
    const resolved = resolveProxyOptions(base);
    assert.equal(resolved.multiplex, true);
    assert.equal(resolved.maxBackendConnections, 64);
    assert.throws(() => resolveProxyOptions({ ...base, maxBackendConnections: 0 }), /maxBackendConnections/);
    assert.throws(() => resolveProxyOptions({ ...base, maxWaiting: -1 }), /maxWaiting/);
    assert.throws(() => resolveProxyOptions({ ...base, multiplex: "yes" as never }), /multiplex/);
    const cli = await parseProxyArgs([
      "--backend",
      "mysql://u:p@h:1",
      "--user",
      "a:pw",
      "--no-multiplex",
      "--max-backend-connections",
      "5",
    ]);
    assert.equal(cli.multiplex, false);
    assert.equal(cli.maxBackendConnections, 5);
    await assert.rejects(
      parseProxyArgs(["--backend", "mysql://u:p@h:1", "--user", "a:pw", "--max-backend-connections", "x"]),
      ProxyUsageError,
    );
  });
});

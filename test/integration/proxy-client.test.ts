/**
 * mywire's own client through the mywire proxy, in front of the test server: queries, prepared
 * statements, streaming, transactions, multi-statements, the default database, and the plugins
 * running in the proxy (a readQuery rewrite, a local answer, the query log).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connect,
  type Connection,
  type ConnectionOptions,
  definePlugin,
  errorResponse,
  ignoreResult,
  MysqlError,
  resultSetResponse,
  sendQuery,
  sendResult,
  useBackend,
} from "../../mod.ts";
import { queryLog, type QueryLogEntry } from "../../plugins/query-log.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { connectThrough, PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
let proxy: RunningProxy;
const table = uniqueName("proxy_t");
const entries: QueryLogEntry[] = [];

function viaProxy(extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  return connectThrough(proxy, { database: env.database, ...extra });
}

before(async () => {
  env = await testEnv();
  const admin = await rootConnection();
  await admin.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(40))`);
  await admin.query(`INSERT INTO ${table} VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
  await admin.close();
  proxy = await startProxy({
    plugins: [
      queryLog({ sink: (e) => entries.push(e) }),
      definePlugin({
        name: "test-rewrites",
        readQuery(_ctx, command) {
          if (command.type !== "COM_QUERY") return;
          if (command.sql === "SELECT 'rewrite me'") return sendQuery("SELECT 'rewritten' AS r");
          if (command.sql === "SELECT proxy_answer()") {
            return sendResult(resultSetResponse(["answer"], [[42]]));
          }
        },
      }),
    ],
  });
});

after(async () => {
  await proxy?.stop();
  const admin = await rootConnection();
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.close();
});

describe("mywire client through the proxy", () => {
  test("query, parameters, default database", async () => {
    const c = await viaProxy();
    try {
      const r = await c.query(`SELECT id, name FROM ${table} WHERE id >= ? ORDER BY id`, [2]);
      assert.deepEqual([...r], [{ id: 2, name: "two" }, { id: 3, name: "three" }]);
      const db = await c.query("SELECT DATABASE() AS db");
      assert.equal(db[0].db, env.database);
      const ok = await c.query(`UPDATE ${table} SET name = 'uno' WHERE id = 1`);
      assert.equal(ok.affectedRows, 1);
      await c.query(`UPDATE ${table} SET name = 'one' WHERE id = 1`);
    } finally {
      await c.close();
    }
  });

  test("prepared statements: execute many times, binary rows", async () => {
    const c = await viaProxy();
    try {
      for (const id of [1, 2, 3]) {
        const r = await c.execute(`SELECT name, id * 2 AS d FROM ${table} WHERE id = ?`, [id]);
        assert.deepEqual([...r], [{ name: ["one", "two", "three"][id - 1], d: id * 2 }]);
      }
    } finally {
      await c.close();
    }
  });

  test("stream rows", async () => {
    const c = await viaProxy();
    try {
      const seen: unknown[] = [];
      for await (const row of c.stream(`SELECT seq FROM seq_1_to_500`)) seen.push(row);
      assert.equal(seen.length, 500);
      assert.deepEqual(seen[499], { seq: 500 });
    } finally {
      await c.close();
    }
  });

  test("transaction: rollback leaves the table as it was", async () => {
    const c = await viaProxy();
    try {
      await c.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} VALUES (10, 'ten')`);
        const inside = await tx.query(`SELECT COUNT(*) AS n FROM ${table}`);
        assert.equal(Number(inside[0].n), 4);
        throw new Error("roll back");
      }).catch((e) => assert.equal((e as Error).message, "roll back"));
      const after = await c.query(`SELECT COUNT(*) AS n FROM ${table}`);
      assert.equal(Number(after[0].n), 3);
    } finally {
      await c.close();
    }
  });

  test("multi-statements and a server error", async () => {
    const c = await viaProxy({ multipleStatements: true });
    try {
      const r = await c.query("SELECT 1 AS a; SELECT 2 AS b");
      assert.equal(r.results?.length, 2);
      await assert.rejects(c.query("SELECT * FROM no_such_table_here"), (e: unknown) => {
        assert.ok(e instanceof MysqlError);
        assert.equal(e.errno, 1146);
        return true;
      });
      const again = await c.query("SELECT 3 AS c");
      assert.deepEqual([...again], [{ c: 3 }]);
    } finally {
      await c.close();
    }
  });

  test("plugins in the proxy: rewrite, local answer, query log", async () => {
    const c = await viaProxy();
    try {
      const rewritten = await c.query("SELECT 'rewrite me'");
      assert.deepEqual([...rewritten], [{ r: "rewritten" }]);
      const local = await c.query("SELECT proxy_answer()");
      assert.deepEqual([...local], [{ answer: 42 }]);
      entries.length = 0;
      await c.query(`SELECT name FROM ${table} WHERE id = 2`);
      const logged = entries.find((e) => e.sql?.includes(table));
      assert.ok(logged, "the query log saw the statement");
      assert.equal(logged.fingerprint, `SELECT name FROM ${table} WHERE id = ?`);
    } finally {
      await c.close();
    }
  });

  test("close({ drain }): stops accepting, waits for a client, then closes it", async () => {
    const p = await startProxy();
    const c = await connect({
      host: p.host,
      port: p.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
    });
    assert.equal(p.proxy.stats().clients, 1);
    const closing = p.proxy.close({ drain: 300 });
    await assert.rejects(
      connect({ host: p.host, port: p.port, user: PROXY_USER.user, password: PROXY_USER.password }),
    );
    await closing;
    assert.deepEqual(p.proxy.stats().clients, 0);
    assert.equal(p.proxy.stats().backendConnections, 0);
    await assert.rejects(c.query("SELECT 1"));
  });

  test("stats without multiplexing: a backend connection per client, none left after they leave", async () => {
    const own = await startProxy({ multiplex: false });
    const options = { host: own.host, port: own.port, user: PROXY_USER.user, password: PROXY_USER.password };
    const a = await connect(options);
    const b = await connect(options);
    assert.equal(own.proxy.stats().backendConnections, 2);
    await a.close();
    await b.close();
    for (let i = 0; i < 50 && own.proxy.stats().clients > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(own.proxy.stats().clients, 0);
    assert.equal(own.proxy.stats().backendConnections, 0);
    await own.stop();
  });
});

describe("plugin decisions in the proxy", () => {
  let decisions: RunningProxy;

  before(async () => {
    decisions = await startProxy({
      users: { [PROXY_USER.user]: PROXY_USER.password, blocked: "blocked-pass" },
      plugins: [
        definePlugin({
          name: "gatekeeper",
          readAuth: (_ctx, auth) =>
            auth.user === "blocked"
              ? sendResult(errorResponse({ errno: 1045, sqlState: "28000", message: "blocked by a plugin" }))
              : undefined,
        }),
        definePlugin({
          name: "injector",
          readQuery(ctx, command) {
            if (command.type !== "COM_QUERY") return;
            if (command.sql === "SELECT @injected AS v") {
              ctx.queries.prepend("set", "SET @injected = 'before'");
            }
            if (command.sql.startsWith("LOAD DATA LOCAL")) ctx.queries.observe({ resultsetIsNeeded: true });
            if (command.sql === "SELECT 'original' AS v") {
              ctx.queries.observe({ resultsetIsNeeded: true });
              ctx.queries.append("real", "SELECT 'replacement' AS v", { resultsetIsNeeded: true });
            }
          },
          readQueryResult: (_ctx, r) => {
            if (r.query === "SELECT 'original' AS v") return r.original ? ignoreResult() : undefined;
            if (r.query === "SELECT 'replacement' AS v") return sendResult();
          },
        }),
      ],
    });
  });

  after(() => decisions?.stop());

  function client(user = PROXY_USER.user, password = PROXY_USER.password) {
    return connect({ host: decisions.host, port: decisions.port, user, password });
  }

  test("LOAD DATA LOCAL INFILE while a plugin collects the result: the client's file is sent", async () => {
    const t = uniqueName("proxy_infile");
    const admin = await rootConnection();
    await admin.query(`CREATE TABLE ${t} (id INT, name VARCHAR(10))`);
    const c = await connect({
      host: decisions.host,
      port: decisions.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
      database: env.database,
      infile: (name) => (name === "from-client.csv" ? "7,seven\n8,eight\n" : null),
    });
    try {
      const r = await c.query(
        `LOAD DATA LOCAL INFILE 'from-client.csv' INTO TABLE ${t} FIELDS TERMINATED BY ','`,
      );
      assert.equal(r.affectedRows, 2);
      const rows = await admin.query(`SELECT id, name FROM ${t} ORDER BY id`);
      assert.deepEqual([...rows], [{ id: 7, name: "seven" }, { id: 8, name: "eight" }]);
    } finally {
      await c.close();
      await admin.query(`DROP TABLE ${t}`);
      await admin.close();
    }
  });

  test("readAuth refuses a user with its own ERR", async () => {
    const before = decisions.proxy.stats().backendConnections;
    await assert.rejects(client("blocked", "blocked-pass"), (e: unknown) => {
      assert.ok(e instanceof MysqlError);
      assert.equal(e.errno, 1045);
      assert.match(e.message, /blocked by a plugin/);
      return true;
    });
    assert.equal(decisions.proxy.stats().backendConnections, before);
  });

  test("an injected query runs first; an injected result replaces the client's", async () => {
    const c = await client();
    try {
      assert.deepEqual([...await c.query("SELECT @injected AS v")], [{ v: "before" }]);
      assert.deepEqual([...await c.query("SELECT 'original' AS v")], [{ v: "replacement" }]);
      assert.deepEqual([...await c.query("SELECT 'untouched' AS v")], [{ v: "untouched" }]);
    } finally {
      await c.close();
    }
  });
});

describe("backends chosen by plugins", () => {
  let routed: RunningProxy;

  before(async () => {
    // Two backends on the same server, logged into as different users, so the answer tells which one ran.
    routed = await startProxy({
      // Counts one connection per client and backend: without the pool.
      multiplex: false,
      backends: [
        { host: env.host, port: env.port, user: env.root.user, password: env.root.password },
        { host: env.host, port: env.port, user: env.users.native.user, password: env.users.native.password },
      ],
      plugins: [
        definePlugin({
          name: "router",
          connectServer: (ctx) => (ctx.client.user === "second" ? useBackend(1) : undefined),
          readQuery: (_ctx, command) =>
            command.type === "COM_QUERY" && command.sql === "SELECT CURRENT_USER() AS u /* on 1 */"
              ? sendQuery(undefined, { backend: 1 })
              : undefined,
        }),
      ],
      users: { [PROXY_USER.user]: PROXY_USER.password, second: "second-pass" },
    });
  });

  after(() => routed?.stop());

  test("connectServer picks the backend a client's connection goes to", async () => {
    const c = await connect({
      host: routed.host,
      port: routed.port,
      user: "second",
      password: "second-pass",
    });
    try {
      assert.deepEqual([...await c.query("SELECT CURRENT_USER() AS u")], [{
        u: `${env.users.native.user}@%`,
      }]);
    } finally {
      await c.close();
    }
  });

  test("readQuery sends one statement to another backend (a second connection, closed with the client)", async () => {
    const c = await connect({
      host: routed.host,
      port: routed.port,
      user: PROXY_USER.user,
      password: PROXY_USER.password,
    });
    try {
      const own = await c.query("SELECT CURRENT_USER() AS u");
      assert.match(String(own[0].u), new RegExp(`^${env.root.user}@`));
      const other = await c.query("SELECT CURRENT_USER() AS u /* on 1 */");
      assert.deepEqual([...other], [{ u: `${env.users.native.user}@%` }]);
      assert.equal(routed.proxy.stats().backendConnections, 2);
    } finally {
      await c.close();
    }
    for (let i = 0; i < 100 && routed.proxy.stats().backendConnections > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(routed.proxy.stats().backendConnections, 0);
  });
});

/** The binlog as an Effect Stream (mywire/effect's binlogStream) against a real MariaDB. */
import { Effect, Stream } from "effect";
import assert from "node:assert/strict";
import { test } from "node:test";
import { binlogStream, MysqlBinlogError } from "../../effect.ts";
import { BinlogError, connect } from "../../mod.ts";
import { testEnv } from "../support/env.ts";

test("binlogStream yields the rows written, then ends (non-blocking), and closes its connection", async () => {
  const env = await testEnv();
  const base = { host: env.host, port: env.port, user: env.root.user, password: env.root.password };
  await using conn = await connect({ ...base, database: env.database });
  await conn.query("CREATE OR REPLACE TABLE effect_binlog (id INT PRIMARY KEY, name VARCHAR(20))");
  const [start] = await conn.query<{ File: string; Position: number }>("SHOW MASTER STATUS");
  await conn.query("INSERT INTO effect_binlog VALUES (1, 'one'), (2, 'two')");
  await conn.query("UPDATE effect_binlog SET name = 'uno' WHERE id = 1");

  const events = await Effect.runPromise(
    Stream.runCollect(
      binlogStream({
        ...base,
        serverId: 4242,
        file: start.File,
        position: start.Position,
        blocking: false,
        onlyTables: [`${env.database}.effect_binlog`],
        onlyEvents: ["WriteRows", "UpdateRows"],
      }),
    ),
  );
  const list = Array.from(events) as { type: string; rows: unknown[] }[];
  assert.deepEqual(list.map((e) => e.type), ["WriteRows", "UpdateRows"]);
  assert.deepEqual(list[0].rows.map((r) => ({ ...(r as object) })), [{ id: 1, name: "one" }, {
    id: 2,
    name: "two",
  }]);
  const update = list[1].rows[0] as { before: object; after: object };
  assert.deepEqual({ before: { ...update.before }, after: { ...update.after } }, {
    before: { id: 1, name: "one" },
    after: { id: 1, name: "uno" },
  });
});

test("a bad start position fails the stream with a typed error", async () => {
  const env = await testEnv();
  const result = await Effect.runPromise(
    Effect.result(Stream.runCollect(binlogStream({
      host: env.host,
      port: env.port,
      user: env.root.user,
      password: env.root.password,
      serverId: 4243,
      file: "no-such-binlog.000999",
      position: 4,
      blocking: false,
    }))),
  );
  assert.equal(result._tag, "Failure");
  const failure = (result as { failure: unknown }).failure;
  assert.ok(failure instanceof MysqlBinlogError, String(failure));
  assert.equal(failure._tag, "MysqlBinlogError");
  assert.equal(failure.code, "unknown-file");
  assert.ok(failure.cause instanceof BinlogError);
  assert.match(failure.message, /binlog file to start from is not on the server/);
});

/**
 * Option validation, the same for connect(), createPool() and binlog(): an option nobody knows is a
 * TypeError naming it and the nearest known option (or what mywire calls another driver's option),
 * never silently ignored; the families keep their own prefixes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { binlog, connect, createPool } from "../../mod.ts";
import { nearestName } from "../../src/session/validate.ts";

const base = { host: "127.0.0.1", port: 1, lazy: true };

test("connect(): an unknown option is a TypeError with the nearest known name", async () => {
  await assert.rejects(connect({ ...base, hots: "x" } as never), {
    name: "TypeError",
    message: 'unknown option "hots" for connect(): did you mean host?',
  });
  await assert.rejects(
    connect({ ...base, multipleStatement: true } as never),
    /did you mean multipleStatements\?/,
  );
  await assert.rejects(
    connect({ ...base, zzzzzzzz: 1 } as never),
    /^TypeError: unknown option "zzzzzzzz" for connect\(\)$/,
  );
});

test("another driver's option names point at mywire's", async () => {
  await assert.rejects(connect({ ...base, supportBigNumbers: true } as never), /mywire calls it bigint/);
  assert.throws(() => createPool({ ...base, connectionLimit: 5 } as never), {
    name: "TypeError",
    message:
      'unknown pool option "connectionLimit" for createPool(): mywire calls it max (mywire/mysql2 takes mysql2\'s option names)',
  });
});

test("createPool() knows its own options and the connection's, and refuses the rest", () => {
  assert.throws(
    () => createPool({ ...base, maxx: 3 } as never),
    /unknown pool option "maxx" for createPool\(\): did you mean max\?/,
  );
  assert.throws(() => createPool({ ...base, minIdle: 5, max: 2 }), /invalid pool option minIdle/);
  const pool = createPool({ ...base, max: 2, minIdle: 0, reconnect: false });
  return pool.close();
});

test("binlog() knows its own options and the connection's", () => {
  assert.throws(
    () => binlog({ ...base, serverID: 7 } as never),
    /unknown binlog option "serverID" for binlog\(\): did you mean serverId\?/,
  );
  assert.throws(() => binlog({ ...base, serverId: 0 }), /invalid binlog option serverId/);
});

test("an undefined value does not hide a misspelt name; URL parameters are checked too", async () => {
  await assert.rejects(connect({ ...base, passwrd: undefined } as never), /did you mean password\?/);
  await assert.rejects(
    connect("mysql://u@127.0.0.1:1/?compres=true"),
    /unknown connection URL parameter "compres": did you mean compress\?/,
  );
});

test("nearestName: close names only", () => {
  assert.equal(nearestName("tiemzone", ["timezone", "charset"]), "timezone");
  assert.equal(nearestName("abc", ["timezone", "charset"]), undefined);
});

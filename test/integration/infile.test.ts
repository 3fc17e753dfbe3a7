/** LOAD DATA LOCAL INFILE against a real MariaDB: off by default, and only what the handler offers. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type Connection, type ConnectionOptions, MysqlError } from "../../mod.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
const opened: Connection[] = [];

async function open(options: ConnectionOptions = {}): Promise<Connection> {
  const c = await connect({
    host: env.host,
    port: env.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    ...options,
  });
  opened.push(c);
  return c;
}

async function count(c: Connection): Promise<number> {
  const [row] = await c.query<{ n: number }>("SELECT COUNT(*) AS n FROM infile_t");
  return row.n;
}

const load = (name: string) =>
  `LOAD DATA LOCAL INFILE '${name}' INTO TABLE infile_t FIELDS TERMINATED BY ',' (id, v)`;

before(async () => {
  env = await testEnv();
});
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
});

describe("LOAD DATA LOCAL INFILE", () => {
  test("off by default: the statement fails and the connection goes on", async () => {
    const c = await open();
    await c.query("CREATE OR REPLACE TABLE infile_t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");
    const err = await c.query(load("/etc/passwd")).then(() => undefined, (e) => e);
    assert.ok(err instanceof Error);
    assert.equal(await count(c), 0);
  });

  test("the handler's bytes are loaded", async () => {
    const asked: string[] = [];
    const c = await open({
      infile: (name) => {
        asked.push(name);
        return name === "rows.csv" ? "1,one\n2,two\n3,three\n" : null;
      },
    });
    await c.query("DELETE FROM infile_t");
    const res = await c.query(load("rows.csv"));
    assert.equal(res.affectedRows, 3);
    assert.deepEqual(asked, ["rows.csv"]);
    const rows = await c.query("SELECT id, v FROM infile_t ORDER BY id");
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: 1, v: "one" }, { id: 2, v: "two" }, {
      id: 3,
      v: "three",
    }]);
  });

  test("a stream of chunks (several MB) is loaded whole", async () => {
    const total = 100_000;
    async function* chunks() {
      const enc = new TextEncoder();
      for (let i = 0; i < total; i += 1000) {
        let s = "";
        for (let j = i; j < i + 1000; j++) s += `${j + 100},row-${j}\n`;
        yield enc.encode(s);
      }
    }
    const c = await open({ infile: () => chunks() });
    await c.query("DELETE FROM infile_t");
    const res = await c.query(load("big.csv"));
    assert.equal(res.affectedRows, total);
    assert.equal(await count(c), total);
  });

  test("a name the handler refuses gets nothing, with a clear error", async () => {
    const c = await open({ infile: (name) => (name === "allowed.csv" ? "9,nine\n" : null) });
    await c.query("DELETE FROM infile_t");
    const err = await c.query(load("/etc/shadow")).then(() => undefined, (e) => e);
    assert.ok(err instanceof Error && !(err instanceof MysqlError), String(err));
    assert.match(err.message, /\/etc\/shadow/);
    assert.match(err.message, /refused/);
    assert.equal(await count(c), 0);
  });

  test("a handler that throws is a refusal; the connection goes on", async () => {
    const c = await open({
      infile: () => {
        throw new Error("disk on fire");
      },
    });
    const err = await c.query(load("x.csv")).then(() => undefined, (e) => e);
    assert.match(String(err), /disk on fire/);
    assert.equal(await count(c), 0);
  });

  test("a source that fails part-way closes the connection and nothing is loaded", async () => {
    async function* failing() {
      yield new TextEncoder().encode("1,a\n2,b\n");
      throw new Error("read error half-way");
    }
    const c = await open({ infile: () => failing() });
    await c.query("DELETE FROM infile_t");
    const err = await c.query(load("half.csv")).then(() => undefined, (e) => e);
    assert.match(String(err), /half-way/);
    assert.equal(c.closed, true);
    const check = await open();
    // The server aborts the statement when the connection drops; give it a moment to roll back.
    for (let i = 0; i < 50 && await count(check) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await count(check), 0);
  });
});

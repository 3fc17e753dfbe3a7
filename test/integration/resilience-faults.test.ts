/**
 * The client under injected faults (the fault relay, and the server killing connections): a mixed
 * workload of tagged reads, prepared reads, writes, streams and transactions runs through a pool
 * and through a single reconnecting connection while a fault strikes. Under every fault:
 *
 * - no unhandled rejection;
 * - every call settles exactly once, with its own result (each read returns its own tag), or with a
 *   connection, protocol or timeout error;
 * - no write runs twice (each write's row exists at most once; a successful write's exactly once);
 * - reads in flight when the connections were cut are sent again and succeed;
 * - afterwards the pool is back to full strength (max connections at once, each answering), and
 *   everything closes so the process exits by itself.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connect,
  type Connection,
  ConnectionError,
  createPool,
  MysqlError,
  type Pool,
  ProtocolError,
  TimeoutError,
} from "../../mod.ts";
import { rootConnection, uniqueName } from "../support/db.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { eventually } from "../support/eventually.ts";
import { type Fault, type FaultRelay, startFaultRelay } from "../support/fault-relay.ts";

let env: TestEnv;
let relay: FaultRelay;
let direct: Connection;
const table = uniqueName("fault_marks");
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const MAX = 4;

before(async () => {
  process.on("unhandledRejection", onUnhandled);
  env = await testEnv();
  relay = await startFaultRelay({ host: env.host, port: env.port });
  direct = await rootConnection();
  // No unique key on purpose: a write sent twice would show up as two rows.
  await direct.query(`CREATE TABLE ${table} (tag VARCHAR(64) NOT NULL, KEY (tag)) ENGINE=InnoDB`);
});

after(async () => {
  await direct?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await direct?.close();
  await relay?.close();
  process.off("unhandledRejection", onUnhandled);
  // Everything this file opened closes: no socket is left to keep the process alive (Node
  // reports its handles; sockets finish closing asynchronously, so this waits for them).
  const resources = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (resources !== undefined && g.Bun === undefined && g.Deno === undefined) {
    const tcp = () => resources().filter((r) => r.startsWith("TCP"));
    await eventually(() => tcp().length === 0, `every socket closes (open: ${tcp().join(", ")})`, 2000);
  }
});

interface Call {
  readonly kind: "read" | "prepared" | "write" | "stream" | "transaction";
  readonly tag: string;
  settled: number;
  ok: boolean;
  value?: unknown;
  error?: unknown;
}

/** What the workload runs on: a pool or a single connection. */
interface Target {
  query: Connection["query"];
  execute: Connection["execute"];
  stream: Connection["stream"];
  transaction: Connection["transaction"];
}

let round = 0;

/** Starts `n` tagged calls of every kind on `target`; each records how it settled. */
function launch(target: Target, n: number, timeout?: number): { calls: Call[]; done: Promise<unknown> } {
  const r = ++round;
  const calls: Call[] = [];
  const promises: Promise<unknown>[] = [];
  const kinds: Call["kind"][] = ["read", "prepared", "write", "stream", "transaction"];
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length];
    const tag = `r${r}-${kind}-${i}`;
    const call: Call = { kind, tag, settled: 0, ok: false };
    calls.push(call);
    const opts = timeout ? { timeout } : undefined;
    let p: Promise<unknown>;
    switch (kind) {
      case "read":
        p = target.query<{ tag: string }>("SELECT ? AS tag", [tag], opts).then((rows) => rows[0].tag);
        break;
      case "prepared":
        p = target.execute<{ tag: string }>("SELECT ? AS tag", [tag], opts).then((rows) => rows[0].tag);
        break;
      case "write":
        p = target.query(`INSERT INTO ${table} (tag) VALUES (?)`, [tag], opts).then(() => tag);
        break;
      case "stream":
        p = (async () => {
          const seen: string[] = [];
          for await (
            const row of target.stream<{ tag: string }>(
              "SELECT ? AS tag UNION ALL SELECT ?",
              [tag, tag],
              opts,
            )
          ) {
            seen.push(row.tag);
          }
          assert.deepEqual(seen, [tag, tag]);
          return tag;
        })();
        break;
      case "transaction":
        p = target.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} (tag) VALUES (?)`, [tag], opts);
          return (await tx.query<{ tag: string }>("SELECT ? AS tag", [tag], opts))[0].tag;
        }, opts);
        break;
    }
    promises.push(p.then(
      (value) => {
        call.settled++;
        call.ok = true;
        call.value = value;
      },
      (error) => {
        call.settled++;
        call.error = error;
      },
    ));
  }
  return { calls, done: Promise.all(promises) };
}

/** Checks every settled call against the rules in the header. */
async function verify(calls: Call[], readsMustSucceed: boolean): Promise<void> {
  const counts = new Map<string, number>();
  for (
    const row of await direct.query<{ tag: string; n: number }>(
      `SELECT tag, COUNT(*) AS n FROM ${table} GROUP BY tag`,
    )
  ) counts.set(row.tag, Number(row.n));
  for (const call of calls) {
    assert.equal(call.settled, 1, `${call.tag} settled ${call.settled} times`);
    if (call.ok) assert.equal(call.value, call.tag, `${call.tag} got another call's result`);
    else {
      const e = call.error;
      assert.ok(
        e instanceof ConnectionError || e instanceof ProtocolError || e instanceof TimeoutError
          || (e instanceof MysqlError && [1317, 1927, 1053].includes(e.errno)),
        `${call.tag} failed with an unexpected error: ${String(e)}`,
      );
    }
    const rows = counts.get(call.tag) ?? 0;
    if (call.kind === "write" || call.kind === "transaction") {
      assert.ok(rows <= 1, `${call.tag} ran ${rows} times`);
      if (call.ok) assert.equal(rows, 1, `${call.tag} succeeded but its row is missing`);
    }
    if (readsMustSucceed && (call.kind === "read" || call.kind === "prepared")) {
      assert.ok(call.ok, `${call.tag} (a read) failed: ${String(call.error)}`);
    }
  }
}

/** The pool is back to full strength: MAX borrowers at once, each on its own answering connection. */
async function fullStrength(pool: Pool): Promise<void> {
  const tags = Array.from({ length: MAX }, (_, i) => `strength-${i}`);
  let inside = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  const ids = await Promise.all(tags.map((tag) =>
    pool.connection(async (conn) => {
      const [row] = await conn.query<{ tag: string; id: number }>("SELECT ? AS tag, CONNECTION_ID() AS id", [
        tag,
      ]);
      assert.equal(row.tag, tag);
      if (++inside === MAX) release();
      await all;
      return Number(row.id);
    })
  ));
  assert.equal(new Set(ids).size, MAX, "MAX distinct connections");
  const stats = pool.stats();
  assert.equal(stats.total, MAX);
  assert.equal(stats.waiting, 0);
  assert.equal(stats.borrowed, 0);
}

/** Waits for every call; one still unsettled after a minute is a hang, and fails the test. */
async function settledWithin(all: Promise<unknown>, calls: Call[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const stuck = calls.filter((c) => c.settled === 0).map((c) => c.tag);
      reject(new Error(`calls never settled: ${stuck.join(", ")}`));
    }, 60_000);
  });
  try {
    await Promise.race([all, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function makePool(): Pool {
  return createPool({
    host: relay.host,
    port: relay.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    max: MAX,
    minIdle: 2,
    pingIdle: 0,
    connectTimeout: 2000,
    reconnect: { retries: 5, delay: 5, maxDelay: 50 },
  });
}

function makeConnection(): Promise<Connection> {
  return connect({
    host: relay.host,
    port: relay.port,
    user: env.root.user,
    password: env.root.password,
    database: env.database,
    lazy: true,
    connectTimeout: 2000,
    reconnect: { retries: 5, delay: 5, maxDelay: 50 },
  });
}

/** Runs the workload on a pool and on a connection while `strike` injects the fault; checks it all. */
async function underFault(
  strike: (progress: () => number) => Promise<void>,
  opts: { readsMustSucceed: boolean; timeout?: number; n?: number },
): Promise<void> {
  const pool = makePool();
  const conn = await makeConnection();
  try {
    await eventually(() => pool.stats().idle === 2, "the pool opened minIdle connections", 2000);
    const n = opts.n ?? 40;
    const a = launch(pool, n, opts.timeout);
    const b = launch(conn, n, opts.timeout);
    const calls = [...a.calls, ...b.calls];
    await strike(() => calls.filter((c) => c.settled > 0).length);
    await settledWithin(Promise.all([a.done, b.done]), calls);
    relay.heal();
    await verify(calls, opts.readsMustSucceed);
    await fullStrength(pool);
    // The single connection answers again too, with its own results.
    const [row] = await conn.query<{ tag: string }>("SELECT ? AS tag", ["conn-after"]);
    assert.equal(row.tag, "conn-after");
    assert.deepEqual(unhandled, []);
  } finally {
    relay.heal();
    relay.refuse(false);
    await pool.close(1000);
    await conn.close();
  }
}

describe("faults", () => {
  test("every connection cut while commands are in flight", async () => {
    await underFault(async (progress) => {
      await eventually(() => progress() >= 10, "some calls finished", 2000);
      relay.cutAll();
    }, { readsMustSucceed: true });
  });

  test("reset mid-response on every connection", async () => {
    await underFault(async (progress) => {
      await eventually(() => progress() >= 5, "some calls finished", 2000);
      relay.inject({ action: "reset", direction: "toClient", afterBytes: 37 });
    }, { readsMustSucceed: true });
  });

  test("truncated mid-command on the way to the server", async () => {
    await underFault(async (progress) => {
      await eventually(() => progress() >= 5, "some calls finished", 2000);
      relay.inject({ action: "truncate", direction: "toServer", afterBytes: 23 });
    }, { readsMustSucceed: true });
  });

  test("the server kills every client connection", async () => {
    await underFault(async (progress) => {
      await eventually(() => progress() >= 10, "some calls finished", 2000);
      const rows = await direct.query<{ id: number }>(
        "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND USER = ?",
        [env.database, env.root.user],
      );
      for (const { id } of rows) await direct.query(`KILL CONNECTION ${Number(id)}`).catch(() => {});
    }, { readsMustSucceed: false });
  });

  test("a stalled network: commands time out, then the connections recover", async () => {
    await underFault(async (progress) => {
      await eventually(() => progress() >= 5, "some calls finished", 2000);
      relay.inject({ action: "stall", direction: "toClient" });
    }, { readsMustSucceed: false, timeout: 300, n: 20 });
  });

  test("dropped bytes to the server: commands time out, then the connections recover", async () => {
    await underFault(async (progress) => {
      await eventually(() => progress() >= 5, "some calls finished", 2000);
      relay.inject({ action: "drop", direction: "toServer" });
    }, { readsMustSucceed: false, timeout: 300, n: 20 });
  });

  test("a slow network: everything succeeds, in order", async () => {
    await underFault(async () => {
      const delay: Fault = { action: "delay", ms: 3 };
      relay.inject({ ...delay, direction: "toClient" });
      relay.inject({ ...delay, direction: "toServer" });
      relay.injectNext({ ...delay, direction: "toClient" }, 100);
    }, { readsMustSucceed: true });
  });

  test("the server is unreachable for a while, then back", async () => {
    await underFault(async (progress) => {
      await eventually(() => progress() >= 5, "some calls finished", 2000);
      relay.refuse(true);
      relay.cutAll();
      setTimeout(() => relay.refuse(false), 30);
    }, { readsMustSucceed: false });
  });
});

/**
 * Prepared statements of many clients over a small pool: each pooled connection keeps at most
 * MAX_STATEMENTS_PER_CONNECTION of other clients' statements (the rest are closed there and
 * prepared again when needed), so clients spreading over the pool do not exhaust the server's
 * max_prepared_stmt_count; every execute still gets its own statement's result.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Connection } from "../../mod.ts";
import { MAX_STATEMENTS_PER_CONNECTION } from "../../src/proxy/statements.ts";
import { rootConnection } from "../support/db.ts";
import { connectThrough, type RunningProxy, startProxy } from "../support/proxy.ts";

const CLIENTS = 6;
const STATEMENTS = 40;
const CONNECTIONS = 2;

let proxy: RunningProxy;
let admin: Connection;

before(async () => {
  proxy = await startProxy({ maxBackendConnections: CONNECTIONS, healthCheck: false });
  admin = await rootConnection();
});

after(async () => {
  await admin?.close();
  await proxy?.stop();
});

async function preparedOnServer(): Promise<number> {
  const [row] = await admin.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'");
  return Number(row.Value);
}

test(`${CLIENTS} clients x ${STATEMENTS} statements over ${CONNECTIONS} pooled connections stay bounded`, async () => {
  const before = await preparedOnServer();
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectThrough(proxy)));
  try {
    for (let round = 0; round < 3; round++) {
      await Promise.all(clients.map(async (c, k) => {
        for (let n = 0; n < STATEMENTS; n++) {
          const [row] = await c.execute<{ v: number }>(`SELECT ? + ${k * 1000 + n} AS v`, [round]);
          assert.equal(Number(row.v), k * 1000 + n + round);
        }
      }));
    }
    const held = (await preparedOnServer()) - before;
    // Unbounded, each connection would end up with most of the 240 statements.
    const bound = CONNECTIONS * (MAX_STATEMENTS_PER_CONNECTION + STATEMENTS + 2);
    assert.ok(held <= bound, `${held} statements prepared on the server, over ${bound}`);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

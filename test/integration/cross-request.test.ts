/**
 * A connection used from the wrong request (Cloudflare Workers' rule, see docs/edge.md) is not a lost
 * connection: the command fails with ConnectionError CROSS_REQUEST, and neither `reconnect` nor a
 * pool hides it by resending on a new connection. workerd itself is in test/workers/; here the same
 * error comes from a socket wrapper around this runtime's real adapter, so the rule is checked on
 * Node, Deno and Bun against the real server.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  connect,
  type ConnectionError,
  type ConnectionOptions,
  createPool,
  detectRuntime,
} from "../../mod.ts";
import { crossRequestError, type Runtime, type Socket } from "../../src/runtime/socket.ts";
import { type TestEnv, testEnv } from "../support/env.ts";

let env: TestEnv;
let base: Runtime;

before(async () => {
  env = await testEnv();
  base = await detectRuntime();
});

/**
 * A runtime whose sockets start failing as workerd's do once `leave()` is called: every read and
 * write throws the cross-request error. Counts the connections it opens.
 */
function requestBound(): { runtime: Runtime; leave(): void; readonly connects: number } {
  let foreign = false;
  let connects = 0;
  const wrap = (socket: Socket): Socket => ({
    remote: socket.remote,
    read: () => foreign ? Promise.reject(crossRequestError(socket.remote, "wrong request")) : socket.read(),
    write: (data) =>
      foreign ? Promise.reject(crossRequestError(socket.remote, "wrong request")) : socket.write(data),
    startTls: async (options) => wrap(await socket.startTls(options)),
    close: () => socket.close(),
  });
  const runtime: Runtime = {
    name: `${base.name} (request-bound)`,
    async connect(options) {
      const socket = await base.connect(options);
      connects++;
      // A connection opened after leave() belongs to the new request.
      return foreign ? socket : wrap(socket);
    },
    listen: (options) => base.listen(options),
    tlsUnsupported: base.tlsUnsupported?.bind(base),
  };
  return {
    runtime,
    leave: () => (foreign = true),
    get connects() {
      return connects;
    },
  };
}

function options(runtime: Runtime, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    host: env.host,
    port: env.port,
    user: env.users.native.user,
    password: env.users.native.password,
    database: env.database,
    runtime,
    ...extra,
  };
}

async function crossRequest(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: ConnectionError) => {
    assert.equal(error.name, "ConnectionError");
    assert.equal(error.code, "CROSS_REQUEST");
    assert.match(error.message, /opened by another request/);
    return true;
  });
}

test("a retryable read with reconnect is not resent on a new connection", async () => {
  const bound = requestBound();
  const conn = await connect(options(bound.runtime, { reconnect: { retries: 3 } }));
  try {
    assert.equal((await conn.query<{ one: number }>("SELECT 1 AS one"))[0].one, 1);
    bound.leave();
    await crossRequest(conn.query("SELECT 1 AS one"));
    assert.equal(bound.connects, 1, "a new connection was opened to hide the error");
  } finally {
    conn.destroy();
  }
});

test("a pool does not replace the member silently: query and idle check both fail", async () => {
  for (const pingIdle of [60_000, 0]) {
    const bound = requestBound();
    const pool = createPool({ ...options(bound.runtime), max: 1, pingIdle });
    try {
      await pool.query("SELECT 1");
      bound.leave();
      await crossRequest(pool.query("SELECT 1"));
      assert.equal(bound.connects, 1, `pingIdle ${pingIdle}: a new connection was opened to hide the error`);
    } finally {
      await pool.close().catch(() => {});
    }
  }
});

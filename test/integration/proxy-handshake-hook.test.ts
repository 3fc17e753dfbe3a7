/**
 * readHandshake in the proxy: plugins see the proxy's greeting before a client gets it, may change
 * what the proxy can honour (the server version here, capabilities only withheld), and may refuse a
 * client with their own ERR instead of greeting it. The proxy's connection id stays its own.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { definePlugin, errorResponse, MysqlError, proceed, sendResult } from "../../mod.ts";
import { connectThrough, type RunningProxy, startProxy } from "../support/proxy.ts";

let proxy: RunningProxy;
const seen: string[] = [];
let refuse = false;

before(async () => {
  proxy = await startProxy({
    plugins: [
      definePlugin({
        name: "greeter",
        readHandshake(ctx, greeting) {
          seen.push(`${greeting.connectionId} ${ctx.client.user || "(no user yet)"}`);
          if (refuse) {
            return sendResult(errorResponse({ errno: 1129, sqlState: "HY000", message: "not greeting you" }));
          }
          return proceed({ serverVersion: `${greeting.serverVersion}-via-plugin`, connectionId: 99_999 });
        },
      }),
    ],
  });
});

after(() => proxy?.stop());

const client = () => connectThrough(proxy);

test("a plugin changes the greeting's server version; the proxy keeps its own connection id", async () => {
  const conn = await client();
  try {
    assert.match(conn.serverVersion, /-via-plugin$/);
    const [{ id }] = await conn.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
    assert.notEqual(Number(id), 99_999, "the plugin's connection id is not taken");
    assert.equal(
      seen.at(-1),
      `${id} (no user yet)`,
      "readHandshake ran before the login, with the proxy's id",
    );
  } finally {
    await conn.close();
  }
});

test("a plugin refuses a client in readHandshake: the client gets its ERR, no backend connection opens", async () => {
  const before = proxy.proxy.stats().backendConnections;
  refuse = true;
  try {
    await assert.rejects(client(), (e: unknown) => {
      assert.ok(e instanceof MysqlError, String(e));
      assert.equal(e.errno, 1129);
      assert.match(e.message, /not greeting you/);
      return true;
    });
  } finally {
    refuse = false;
  }
  assert.equal(proxy.proxy.stats().backendConnections, before);
  const conn = await client();
  await conn.close();
});

/**
 * readAuth in the proxy maps a client's login to another user: the backend connection logs in as
 * a user of the proxy's `users` (its backend login, or its name and password), or as a login the
 * plugin gives outright; a mapping the proxy cannot log in with is 1045 naming why. The client's
 * own password is checked first either way. With and without multiplexing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, definePlugin, MysqlError, proceed } from "../../mod.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;

before(async () => {
  env = await testEnv();
});

for (const multiplex of [true, false]) {
  describe(`readAuth maps users (multiplex: ${multiplex})`, () => {
    let proxy: RunningProxy;

    before(async () => {
      proxy = await startProxy({
        multiplex,
        // no backend login: without a mapping, clients log in as themselves
        backends: [{ host: env.host, port: env.port }],
        users: {
          alice: "alice-pw",
          bob: "bob-pw",
          carol: "carol-pw",
          dave: "dave-pw",
          [env.users.native.user]: env.users.native.password,
          reporting: {
            password: "reporting-pw",
            backend: { user: env.root.user, password: env.root.password },
          },
          nopassword: { nativeHash: "*0000000000000000000000000000000000000000" },
          erin: "erin-pw",
        },
        plugins: [
          definePlugin({
            name: "mapper",
            readAuth(_ctx, auth) {
              if (auth.user === "alice") return proceed({ user: env.users.native.user });
              if (auth.user === "bob") return proceed({ user: "ghost" });
              if (auth.user === "carol") return proceed({ user: env.root.user, password: env.root.password });
              if (auth.user === "dave") return proceed({ user: "reporting" });
              if (auth.user === "erin") return proceed({ user: "nopassword" });
            },
          }),
        ],
      });
    });

    after(() => proxy?.stop());

    async function currentUser(user: string, password: string): Promise<string> {
      const conn = await connect({ host: proxy.host, port: proxy.port, user, password });
      try {
        const [{ u }] = await conn.query<{ u: string }>("SELECT CURRENT_USER() AS u");
        return u.split("@")[0];
      } finally {
        await conn.close();
      }
    }

    test("a user of `users` with a password: the backend sees that user", async () => {
      assert.equal(await currentUser("alice", "alice-pw"), env.users.native.user);
    });

    test("a user of `users` with a backend login: the backend sees that login", async () => {
      assert.equal(await currentUser("dave", "dave-pw"), env.root.user);
    });

    test("a login the plugin gives outright", async () => {
      assert.equal(await currentUser("carol", "carol-pw"), env.root.user);
    });

    test("without a mapping a client logs in as itself", async () => {
      assert.equal(
        await currentUser(env.users.native.user, env.users.native.password),
        env.users.native.user,
      );
    });

    test("the client's own password is checked before any mapping", async () => {
      await assert.rejects(currentUser("alice", "wrong"), (e: unknown) => {
        assert.ok(e instanceof MysqlError);
        assert.equal(e.errno, 1045);
        assert.doesNotMatch(e.message, /readAuth/);
        return true;
      });
    });

    test("a mapping to an unknown user, or one without a known password: 1045 saying why", async () => {
      const before = proxy.proxy.stats().backendConnections;
      await assert.rejects(currentUser("bob", "bob-pw"), (e: unknown) => {
        assert.ok(e instanceof MysqlError);
        assert.equal(e.errno, 1045);
        assert.match(e.message, /mapped 'bob' to 'ghost', which is not one of the proxy's users/);
        return true;
      });
      await assert.rejects(currentUser("erin", "erin-pw"), /whose password the proxy does not know/);
      assert.equal(proxy.proxy.stats().backendConnections, before, "no backend connection for them");
    });
  });
}

/**
 * PHP's mysqlnd through the mywire proxy: mysqli (query, a server-side prepared statement, an
 * error), PDO with emulated prepares on and off, caching_sha2_password by RSA without TLS, and a
 * wrong password refused with 1045.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestEnv, testEnv } from "../support/env.ts";
import { runPhp } from "../support/php.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";

let env: TestEnv;
let proxy: RunningProxy;

before(async () => {
  env = await testEnv();
  proxy = await startProxy({
    users: {
      [PROXY_USER.user]: PROXY_USER.password,
      sha2php: { password: "php-pass", plugin: "caching_sha2_password" },
    },
  });
});

after(() => proxy?.stop());

describe("PHP mysqlnd", () => {
  test("mysqli, PDO with emulated prepares on and off, caching_sha2 by RSA, 1045", async () => {
    const script = `<?php
$port = ${proxy.port};
$db = ${JSON.stringify(env.database)};
$out = [];
$m = new mysqli("127.0.0.1", "${PROXY_USER.user}", "${PROXY_USER.password}", $db, $port);
$out["query"] = $m->query("SELECT 1 AS one, 'x' AS s")->fetch_assoc();
$st = $m->prepare("SELECT ? + 1 AS n");
$v = 41;
$st->bind_param("i", $v);
$st->execute();
$out["prepared"] = $st->get_result()->fetch_assoc();
try { $m->query("SELECT * FROM no_such_table_php"); } catch (mysqli_sql_exception $e) { $out["error"] = $e->getCode(); }
$out["after"] = $m->query("SELECT 'after' AS a")->fetch_assoc();
foreach ([true, false] as $emulate) {
  $pdo = new PDO("mysql:host=127.0.0.1;port=$port;dbname=$db", "${PROXY_USER.user}", "${PROXY_USER.password}",
    [PDO::ATTR_EMULATE_PREPARES => $emulate, PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
  $s = $pdo->prepare("SELECT ? AS v, ? * 2 AS w");
  $s->execute(["hello", 21]);
  $out[$emulate ? "pdo_emulated" : "pdo_native"] = $s->fetch(PDO::FETCH_ASSOC);
}
$sha2 = new mysqli("127.0.0.1", "sha2php", "php-pass", $db, $port);
$out["sha2"] = $sha2->query("SELECT 'sha2' AS p")->fetch_assoc();
try { new mysqli("127.0.0.1", "${PROXY_USER.user}", "wrong", $db, $port); } catch (mysqli_sql_exception $e) { $out["denied"] = $e->getCode(); }
echo json_encode($out);
`;
    const r = await runPhp(script);
    assert.equal(r.err.trim(), "");
    const out = JSON.parse(r.out);
    assert.deepEqual(out.query, { one: "1", s: "x" }); // text protocol: strings, as mysqli gives them
    assert.deepEqual(out.prepared, { n: 42 });
    assert.equal(out.error, 1146);
    assert.deepEqual(out.after, { a: "after" });
    assert.equal(out.pdo_emulated.v, "hello");
    assert.equal(Number(out.pdo_emulated.w), 42);
    assert.equal(out.pdo_native.v, "hello");
    assert.equal(Number(out.pdo_native.w), 42);
    assert.deepEqual(out.sha2, { p: "sha2" });
    assert.equal(out.denied, 1045);
  });
});

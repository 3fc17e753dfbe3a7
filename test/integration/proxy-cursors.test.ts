/**
 * Server-side cursors through the proxy (COM_STMT_EXECUTE with CURSOR_TYPE_READ_ONLY, then
 * COM_STMT_FETCH): the proxy's backend connections use CLIENT_DEPRECATE_EOF, under which MariaDB
 * opens a cursor with an OK headed 0xFE after the columns; PHP's mysqlnd (mysqli with
 * MYSQLI_CURSOR_TYPE_READ_ONLY, without DEPRECATE_EOF: the proxy turns that OK into the columns'
 * EOF with CURSOR_EXISTS) and mywire's session driven raw (with DEPRECATE_EOF, so unchanged) fetch
 * the rows a few at a time, with and without a plugin observing results, and the connection goes on.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { queryLog } from "../../plugins/query-log.ts";
import { ServerStatus } from "../../src/protocol/constants.ts";
import { okStatusFlags } from "../../src/protocol/results.ts";
import { decodePrepareOk, encodeExecute, encodeFetch, encodePrepare } from "../../src/protocol/statements.ts";
import { type TestEnv, testEnv } from "../support/env.ts";
import { runPhp } from "../support/php.ts";
import { PROXY_USER, type RunningProxy, startProxy } from "../support/proxy.ts";
import { openRawSession } from "../support/raw-session.ts";

let env: TestEnv;
let plain: RunningProxy;
let observed: RunningProxy;
const logged: string[] = [];

before(async () => {
  env = await testEnv();
  plain = await startProxy();
  observed = await startProxy({ plugins: [queryLog({ sink: (e) => logged.push(e.sql ?? "") })] });
});

after(async () => {
  await plain?.stop();
  await observed?.stop();
});

const CURSOR_TYPE_READ_ONLY = 1;

for (
  const [name, which] of [["no plugin", () => plain], ["a plugin observing results", () => observed]] as const
) {
  describe(`cursors through the proxy (${name})`, () => {
    test("PHP mysqli with a read-only cursor fetches its rows by COM_STMT_FETCH", async () => {
      const script = `<?php
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$m = new mysqli("127.0.0.1", "${PROXY_USER.user}", "${PROXY_USER.password}", ${
        JSON.stringify(env.database)
      }, ${which().port});
$st = $m->prepare("SELECT seq, CONCAT('row ', seq) FROM seq_1_to_7 WHERE seq > ?");
$st->attr_set(MYSQLI_STMT_ATTR_CURSOR_TYPE, MYSQLI_CURSOR_TYPE_READ_ONLY);
$min = 1;
$st->bind_param("i", $min);
$st->execute();
$st->bind_result($n, $label);
$rows = [];
while ($st->fetch()) $rows[] = [$n, $label];
$st->close();
$after = $m->query("SELECT 'after' AS a")->fetch_assoc();
echo json_encode(["rows" => $rows, "after" => $after]);
`;
      const r = await runPhp(script);
      assert.equal(r.err.trim(), "");
      const out = JSON.parse(r.out);
      assert.deepEqual(out.rows, [2, 3, 4, 5, 6, 7].map((n) => [n, `row ${n}`]));
      assert.deepEqual(out.after, { a: "after" });
    });

    test("mywire's session driven raw: execute with a cursor, fetch 2 rows at a time", async () => {
      const session = await openRawSession(which().port, PROXY_USER, { database: env.database });
      try {
        const fetched = await session.exclusive(async (ch) => {
          await ch.writeCommand(encodePrepare("SELECT seq FROM seq_1_to_5"));
          const prepared = decodePrepareOk((await ch.read()).slice());
          for (let i = 0; i < prepared.columnCount; i++) await ch.read();
          await ch.writeCommand(encodeExecute(prepared.statementId, [], CURSOR_TYPE_READ_ONLY));
          const opened: Uint8Array[] = [];
          for (let p = (await ch.read()).slice();; p = (await ch.read()).slice()) {
            opened.push(p);
            if (p[0] === 0xfe || p[0] === 0xff) break;
          }
          // Column count, one definition, the 0xFE OK that says a cursor is open.
          assert.equal(opened.length, 3);
          assert.ok(okStatusFlags(opened[2], session.info.capabilities) & ServerStatus.CURSOR_EXISTS);
          const batches: number[] = [];
          let status = 0;
          while (!(status & ServerStatus.LAST_ROW_SENT)) {
            await ch.writeCommand(encodeFetch({ statementId: prepared.statementId, rows: 2 }));
            let rows = 0;
            for (let p = (await ch.read()).slice();; p = (await ch.read()).slice()) {
              if (p[0] === 0xff) throw new Error("fetch failed");
              if (p[0] === 0xfe) {
                status = okStatusFlags(p, session.info.capabilities);
                break;
              }
              rows++;
            }
            batches.push(rows);
          }
          return batches;
        });
        assert.deepEqual(fetched, [2, 2, 1]);
        const [row] = await session.query("SELECT 'still in step' AS s");
        assert.deepEqual({ ...(row as object) }, { s: "still in step" });
      } finally {
        await session.close();
      }
    });
  });
}

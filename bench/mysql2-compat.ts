/**
 * What the mysql2 entry costs: mysql2, mywire/mysql2 and mywire's native API side by side on one
 * throwaway MariaDB, in one Node process, rounds interleaved (each round runs every driver once, in
 * a rotating order), reported as operations per second (median of the rounds) and as ratios to
 * mysql2. The entry has the native decoder make mysql2's values and rows directly (no second pass
 * unless a query has a typeCast function or nestTables), so it should run about as the native API.
 *
 *   node bench/mysql2-compat.ts [--rounds N]
 */
import realMysql from "mysql2/promise";
import { startThrowawayServer } from "../dev/throwaway-server.ts";
import { connect } from "../mod.ts";
import ours from "../mysql2-promise.ts";

const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 7;
const ROUND_MS = 1500;

interface Client {
  query(sql: string): Promise<unknown>;
  execute(sql: string, params: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

const workloads: { name: string; run: (c: Client, i: number) => Promise<unknown> }[] = [
  {
    name: "point select (execute, 1 row)",
    run: (c, i) => c.execute("SELECT * FROM t WHERE id = ?", [1 + (i % 1000)]),
  },
  { name: "1000 rows, 8 columns (query)", run: (c) => c.query("SELECT * FROM t") },
  { name: "1000 rows, 8 columns (execute)", run: (c) => c.execute("SELECT * FROM t WHERE id > ?", [0]) },
];

async function main(): Promise<void> {
  const server = await startThrowawayServer();
  try {
    const settings = {
      host: server.host,
      port: server.port,
      user: server.rootUser,
      password: server.rootPassword,
    };
    const setup = await connect(settings);
    await setup.query("CREATE DATABASE bench_m2c");
    await setup.useDatabase("bench_m2c");
    await setup.query(
      "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40), big BIGINT, price DECIMAL(10,2), at DATETIME, flag TINYINT, note TEXT, ratio DOUBLE)",
    );
    const values = Array.from(
      { length: 1000 },
      (_, i) =>
        `(${i + 1}, 'name ${i}', ${i * 1000003}, ${i}.25, '2024-01-02 03:04:05', ${
          i % 2
        }, 'a note of some length ${i}', ${i / 7})`,
    );
    await setup.query(`INSERT INTO t VALUES ${values.join(",")}`);
    await setup.close();
    const options = { ...settings, database: "bench_m2c" };
    const native = await connect(options);
    const clients: Record<string, Client> = {
      "mysql2": await realMysql.createConnection(options) as unknown as Client,
      "mywire/mysql2": await ours.createConnection(options) as unknown as Client,
      "mywire native": {
        query: (sql) => native.query(sql),
        execute: (sql, params) => native.execute(sql, params),
        close: () => native.close(),
      },
    };
    const names = Object.keys(clients);
    console.log(`Node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms per driver and workload\n`);
    console.log(
      `| workload | ${
        names.map((n) => `${n} (ops/s)`).join(" | ")
      } | mywire/mysql2 / mysql2 | native / mysql2 |`,
    );
    console.log(`| --- | ${names.map(() => "---:").join(" | ")} | ---: | ---: |`);
    for (const w of workloads) {
      const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
      for (const n of names) for (let i = 0; i < 50; i++) await w.run(clients[n], i); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < names.length; k++) {
          const n = names[(round + k) % names.length];
          const start = performance.now();
          let ops = 0;
          while (performance.now() - start < ROUND_MS) await w.run(clients[n], ops++);
          samples[n].push(ops / ((performance.now() - start) / 1000));
        }
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
      const m = Object.fromEntries(names.map((n) => [n, med(samples[n])]));
      console.log(
        `| ${w.name} | ${names.map((n) => Math.round(m[n]).toLocaleString("en")).join(" | ")} | ${
          (m["mywire/mysql2"] / m.mysql2).toFixed(2)
        }x | ${(m["mywire native"] / m.mysql2).toFixed(2)}x |`,
      );
    }
    for (const c of Object.values(clients)) await c.close();
  } finally {
    await server.stop();
  }
}

await main();

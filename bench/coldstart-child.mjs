/**
 * One cold start, run by bench/coldstart.ts in a fresh process: import the driver the way a user
 * does (`mywire` through the package's exports, `mysql2/promise`), connect, run `SELECT 1`, and
 * print one JSON line as soon as the first result is in; then close and exit.
 *
 *   node bench/coldstart-child.mjs mywire|mysql2 '{"host":...,"port":...,"user":...,"password":...}'
 *
 * Plain JavaScript on purpose: a .ts child would have Node load its TypeScript stripper first,
 * which is start-up time neither driver's users pay.
 */
import process from "node:process";

const t0 = performance.now();
const [driver, json] = process.argv.slice(2);
const settings = JSON.parse(json);

let imported;
let connected;
let rss;
let value;
let close;
if (driver === "mywire") {
  const { connect } = await import("mywire");
  imported = performance.now();
  const conn = await connect(settings);
  connected = performance.now();
  rss = process.memoryUsage().rss;
  const rows = await conn.query("SELECT 1 AS one");
  value = Number(rows[0].one);
  close = () => conn.close();
} else if (driver === "mysql2") {
  const mysql = (await import("mysql2/promise")).default;
  imported = performance.now();
  const conn = await mysql.createConnection(settings);
  connected = performance.now();
  rss = process.memoryUsage().rss;
  const [rows] = await conn.query("SELECT 1 AS one");
  value = Number(rows[0].one);
  close = () => conn.end();
} else {
  throw new Error(`unknown driver ${driver}`);
}
const done = performance.now();
if (value !== 1) throw new Error(`SELECT 1 gave ${value}`);
process.stdout.write(
  JSON.stringify({ importMs: imported - t0, connectMs: connected - imported, queryMs: done - connected, rss })
    + "\n",
);
await close();

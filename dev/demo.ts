/**
 * `npm start`: the demo. Starts a throwaway MariaDB, runs the example from the original txMySQL
 * README (create database `foo` and table `bar`, insert ten 'Hello world' rows, print the insert's
 * outcome and the rows), then stops the server. A query-log plugin prints every command the client
 * sends, with its timing, to show the plugin pipeline at work. Last it reads the binlog from where
 * it stood before the demo's statements and prints the demo's own changes as binlog events. Set
 * MYWIRE_DEMO_URL to use an existing server instead (its user then needs REPLICATION SLAVE and
 * REPLICATION CLIENT / BINLOG MONITOR for the binlog part). Then two clients through a mywire
 * proxy share one backend connection (dev/proxy-demo.ts).
 */
import { binlog, connect, parseUrl } from "../mod.ts";
import { queryLog } from "../plugins/query-log.ts";
import { runProxyDemo } from "./proxy-demo.ts";
import { startThrowawayServer, type ThrowawayServer } from "./throwaway-server.ts";

/** Runs the demo against `url` and prints what it does. */
export async function runDemo(url: string, print: (line: string) => void = console.log): Promise<void> {
  const log = queryLog({
    sink: (e) => print(`  [query-log] ${e.command} ${e.sql ?? ""} (${e.rows} rows, ${e.responseTimeUs} µs)`),
  });
  // Where the binlog stands before the demo's statements (on a connection of its own, so that the
  // query log shows the demo's statements only).
  let start: { file: string; position: number } | undefined;
  {
    await using admin = await connect(parseUrl(url));
    const [status] = await admin.query<{ File: string; Position: number | bigint }>("SHOW MASTER STATUS");
    if (status) start = { file: status.File, position: Number(status.Position) };
  }
  await using conn = await connect({ ...parseUrl(url), plugins: [log] });
  print(`connected to ${conn.serverVersion} (thread ${conn.threadId})`);
  await conn.query("CREATE DATABASE IF NOT EXISTS foo");
  await conn.useDatabase("foo");
  await conn.query("DROP TABLE IF EXISTS bar");
  await conn.query(
    "CREATE TABLE bar (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, message VARCHAR(255) NOT NULL)",
  );
  const rows = Array.from({ length: 10 }, () => ["Hello world"]);
  const insert = await conn.query("INSERT INTO bar (message) VALUES ?", [rows]);
  const { insertId, affectedRows, info, warningCount, serverStatus } = insert;
  print("insert: " + JSON.stringify({ insertId, affectedRows, info, warningCount, serverStatus }));
  const selected = await conn.query<{ id: number; message: string }>(
    "SELECT id, message FROM bar ORDER BY id",
  );
  print(`select: ${selected.length} rows`);
  for (const row of selected) print("  " + JSON.stringify(row));

  if (start === undefined) {
    print("binlog: the server writes no binlog (SHOW MASTER STATUS is empty)");
    return;
  }
  print(`binlog: the demo's changes, read from ${start.file}:${start.position}`);
  const events = binlog({ url, blocking: false, ...start, onlySchemas: ["foo"] });
  for await (const event of events) {
    if (event.type === "WriteRows" || event.type === "UpdateRows" || event.type === "DeleteRows") {
      print(event.dump());
    }
  }
}

async function main(): Promise<void> {
  const existing = process.env.MYWIRE_DEMO_URL;
  if (existing) {
    await runDemo(existing);
    return runProxyDemo(existing);
  }
  console.log("starting a throwaway MariaDB ...");
  const server: ThrowawayServer = await startThrowawayServer({});
  try {
    const url = `mysql://${server.rootUser}:${
      encodeURIComponent(server.rootPassword)
    }@${server.host}:${server.port}/`;
    console.log(`MariaDB is up on ${server.host}:${server.port}`);
    await runDemo(url);
    await runProxyDemo(url);
  } finally {
    await server.stop();
    console.log("server stopped");
  }
}

if (import.meta.main ?? process.argv[1]?.endsWith("demo.ts")) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/**
 * The proxy part of `npm start`: a mywire proxy in front of the server, two clients through it, and
 * `SHOW PROCESSLIST` showing that they share one backend connection (multiplexing), each client
 * keeping its own session (a time zone set by one is not seen by the other).
 */
import { connect, createProxy, parseUrl } from "../mod.ts";

/** Runs the proxy demo against the server at `url` (its user is the proxy's backend login). */
export async function runProxyDemo(url: string, print: (line: string) => void = console.log): Promise<void> {
  const server = parseUrl(url);
  const proxy = createProxy({
    backends: [{ host: server.host, port: server.port, user: server.user, password: server.password }],
    users: { demo: "demo-pw" },
  });
  const address = await proxy.listen({ host: "127.0.0.1", port: 0 });
  if ("path" in address) throw new Error("expected a TCP address");
  try {
    const login = { host: address.host, port: address.port, user: "demo", password: "demo-pw" };
    await using a = await connect(login);
    await using b = await connect(login);
    print(`proxy on ${address.host}:${address.port}: clients ${a.threadId} and ${b.threadId} connected`);
    await a.query("SET time_zone = '+05:00'");
    const [zoneA] = await a.query<{ tz: string }>("SELECT @@time_zone AS tz, CONNECTION_ID() AS id");
    const [zoneB] = await b.query<{ tz: string }>("SELECT @@time_zone AS tz, CONNECTION_ID() AS id");
    print(`  client ${a.threadId} sees time_zone ${zoneA.tz}, client ${b.threadId} sees ${zoneB.tz}`);
    const list = await b.query<{ Id: number; User: string; Command: string }>("SHOW PROCESSLIST");
    const backend = [...list].filter((r) => r.User === server.user && r.Command !== "Binlog Dump");
    print(
      `  SHOW PROCESSLIST through the proxy: ${backend.length} backend connection(s) for the proxy's user`
        + ` (thread ${backend.map((r) => r.Id).join(", ")})`,
    );
    const stats = proxy.stats();
    print(
      `  proxy.stats(): ${stats.authenticatedClients} clients, ${stats.pool.total} backend connection(s)`,
    );
  } finally {
    await proxy.close();
  }
}

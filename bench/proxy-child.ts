/**
 * A proxy in its own process for bench/proxy.ts (so it does not share the benchmark clients' event
 * loop): `node bench/proxy-child.ts BACKEND_URL plain|parsing|no-multiplex [CERT_PEM_FILE KEY_PEM_FILE]`
 * listens on a free port and prints it as the first line of stdout. Then each line on stdin is a
 * request answered by one JSON line: `cpu` (this process's CPU seconds so far), `stats` (the
 * proxy's `stats()`); it closes the proxy and exits when stdin ends.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createProxy } from "../mod.ts";
import { queryLog } from "../plugins/query-log.ts";

const [url, mode, certFile, keyFile] = process.argv.slice(2);
const proxy = createProxy({
  backends: [url],
  users: { bench: "bench-pass" },
  plugins: mode === "parsing" ? [queryLog({ sink: () => {} })] : undefined,
  tls: certFile === undefined
    ? undefined
    : { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") },
  healthCheck: false,
  multiplex: mode !== "no-multiplex",
});
const address = await proxy.listen({ host: "127.0.0.1", port: 0 });
if ("path" in address) throw new Error("expected TCP");
console.log(address.port);
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line === "cpu") {
    const { user, system } = process.cpuUsage();
    console.log(JSON.stringify({ seconds: (user + system) / 1e6 }));
  } else if (line === "stats") {
    const { backends: _, ...counts } = proxy.stats();
    console.log(JSON.stringify(counts));
  }
});
lines.on("close", () => void proxy.close().then(() => process.exit(0)));

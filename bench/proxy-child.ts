/**
 * A proxy in its own process for bench/proxy.ts (so it does not share the benchmark clients' event
 * loop): `node bench/proxy-child.ts BACKEND_URL [plain|parsing|no-multiplex]` listens on a free port,
 * prints it as the first line of stdout, and runs until stdin closes.
 */
import { createProxy } from "../mod.ts";
import { queryLog } from "../plugins/query-log.ts";

const [url, mode] = process.argv.slice(2);
const proxy = createProxy({
  backends: [url],
  users: { bench: "bench-pass" },
  plugins: mode === "parsing" ? [queryLog({ sink: () => {} })] : undefined,
  multiplex: mode !== "no-multiplex",
});
const address = await proxy.listen({ host: "127.0.0.1", port: 0 });
if ("path" in address) throw new Error("expected TCP");
console.log(address.port);
process.stdin.resume();
process.stdin.on("end", () => void proxy.close().then(() => process.exit(0)));

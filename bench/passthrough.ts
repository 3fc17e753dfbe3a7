/**
 * The floor of any Node proxy: a TCP pass-through (`node:net`, `data` straight to `write`, noDelay
 * on both sockets), no protocol at all. `node bench/passthrough.ts HOST PORT` listens on a free
 * port of 127.0.0.1, prints it, relays every connection to HOST:PORT, and exits when stdin ends.
 * Point a client (or sysbench) at it beside the proxy to see what two more hops cost by themselves
 * (docs/proxy.md, Figures).
 */
import * as net from "node:net";

const [host, port] = process.argv.slice(2);
const server = net.createServer({ noDelay: true }, (client) => {
  const backend = net.connect({ host, port: Number(port), noDelay: true });
  client.on("data", (chunk) => backend.write(chunk));
  backend.on("data", (chunk) => client.write(chunk));
  client.on("close", () => backend.destroy());
  backend.on("close", () => client.destroy());
  client.on("error", () => {});
  backend.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => console.log((server.address() as net.AddressInfo).port));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

/**
 * A mywire proxy in front of the test server, for the proxy tests: `startProxy()` listens on a free
 * port with the test server as its backend and the given users (default: `proxyuser` with password
 * `proxypass`, logging into the backend as the test server's root), and closes on `stop()`.
 */
import {
  connect,
  type Connection,
  type ConnectionOptions,
  createProxy,
  type ProxyOptions,
  type ProxyServer,
} from "../../mod.ts";
import { testEnv } from "./env.ts";

/** A running proxy. */
export interface RunningProxy {
  readonly proxy: ProxyServer;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The default frontend user. */
export const PROXY_USER = { user: "proxyuser", password: "proxypass" };

/** Starts a proxy before the test server; `options` override the defaults. */
export async function startProxy(options: Partial<ProxyOptions> = {}): Promise<RunningProxy> {
  const env = await testEnv();
  const proxy = createProxy({
    backends: [{ host: env.host, port: env.port, user: env.root.user, password: env.root.password }],
    users: { [PROXY_USER.user]: PROXY_USER.password },
    ...options,
  });
  const address = await proxy.listen({ host: "127.0.0.1", port: 0 });
  if ("path" in address) throw new Error("expected a TCP address");
  return { proxy, host: address.host, port: address.port, stop: () => proxy.close() };
}

/** A mywire connection through proxy `p` as the default frontend user, with `extra` options. */
export function connectThrough(
  p: { readonly host: string; readonly port: number },
  extra: Partial<ConnectionOptions> = {},
): Promise<Connection> {
  return connect({
    host: p.host,
    port: p.port,
    user: PROXY_USER.user,
    password: PROXY_USER.password,
    ...extra,
  });
}

/**
 * `createProxy`: a MySQL-protocol server that real clients connect to, in front of MariaDB/MySQL
 * backends, running the same plugins as the client. `listen()` asks the first backend for its
 * greeting (to offer clients what it offers: version, capabilities, MariaDB extended capabilities),
 * makes the RSA key pair for caching_sha2_password without TLS, binds and accepts clients, each
 * served by a `ProxyClient`. With `multiplex` (the default) the clients share a pool of backend
 * connections (backend-pool.ts, multiplex.ts); without, every client has its own.
 */
import { createPipeline, Pipeline } from "../pipeline/pipeline.ts";
import { generateRsaKeyPair } from "../protocol/auth/rsa-keys.ts";
import { Capability, Charset, MariadbCapability } from "../protocol/constants.ts";
import { decodeGreeting, isMariadb } from "../protocol/handshake.ts";
import { binaryRowParser, textRowParser } from "../protocol/rows.ts";
import { defaultValueOptions } from "../protocol/values.ts";
import { detectRuntime } from "../runtime/detect.ts";
import type { Listener, ListenOptions, Runtime, SocketAddress } from "../runtime/socket.ts";
import { BackendPool, type BackendPoolCounts } from "./backend-pool.ts";
import { readBackendGreeting } from "./backend.ts";
import type { AuthSettings, GreetingFacts } from "./client-auth.ts";
import { ProxyClient, type ProxyShared } from "./client-session.ts";
import { type BackendHealth, HealthChecker } from "./health.ts";
import { parseListen, type ProxyOptions, type ResolvedBackend, resolveProxyOptions } from "./options.ts";
import { PIN_REASONS, type PinReason } from "./pinning.ts";

/** The capabilities the proxy can relay between a client and a backend connection. */
export const RELAYED_CAPABILITIES: number = Capability.LONG_PASSWORD | Capability.FOUND_ROWS
  | Capability.LONG_FLAG | Capability.CONNECT_WITH_DB | Capability.LOCAL_FILES | Capability.PROTOCOL_41
  | Capability.TRANSACTIONS | Capability.SECURE_CONNECTION | Capability.MULTI_STATEMENTS
  | Capability.MULTI_RESULTS | Capability.PS_MULTI_RESULTS | Capability.PLUGIN_AUTH | Capability.CONNECT_ATTRS
  | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capability.DEPRECATE_EOF | Capability.QUERY_ATTRIBUTES;

/**
 * What the greeting offers of the backend's capabilities. CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23+;
 * MariaDB has none) only while no plugin reads commands: the client's COM_QUERY and
 * COM_STMT_EXECUTE bytes then go to a backend connection that negotiated it too, unchanged, whereas
 * the pipeline decodes and encodes commands without attributes.
 */
function offeredCapabilities(facts: GreetingFacts, pipeline: Pipeline<any, any>): GreetingFacts {
  const decodes = pipeline.handles.readQuery || pipeline.handles.readQueryResult;
  if (!decodes) return facts;
  return { ...facts, capabilities: facts.capabilities & ~Capability.QUERY_ATTRIBUTES };
}

/** What `stats()` reports. */
export interface ProxyStats {
  /** Clients connected now (logging in or logged in). */
  readonly clients: number;
  /** Clients logged in with a backend connection. */
  readonly authenticatedClients: number;
  /** Backend connections open now (pooled and per client). */
  readonly backendConnections: number;
  /** Clients accepted since `listen()`. */
  readonly acceptedClients: number;
  /** Each backend's type and state, and what its last health check found. */
  readonly backends: readonly BackendHealth[];
  /** The pool, when multiplexing: connections open (in use or idle) and clients waiting, per backend. */
  readonly pool: {
    readonly total: number;
    readonly idle: number;
    readonly inUse: number;
    readonly waiting: number;
    readonly backends: readonly BackendPoolCounts[];
  };
  /** Clients pinned to a backend connection now. */
  readonly pinnedClients: number;
  /** Pinned clients per reason (a client pinned for two reasons counts in both). */
  readonly pinned: Readonly<Record<PinReason, number>>;
}

/** A proxy made by `createProxy`. */
export interface ProxyServer {
  /** Binds (to `address`, else the `listen` option) and starts accepting; resolves to the bound address. */
  listen(address?: ListenOptions | string): Promise<SocketAddress>;
  /**
   * Stops accepting. With `drain`, waits for the connected clients to leave on their own (at most
   * `drain` milliseconds when a number); otherwise, or after that, closes them.
   */
  close(options?: { readonly drain?: boolean | number }): Promise<void>;
  /** Clients and backend connections now. */
  stats(): ProxyStats;
}

/** What the greeting offers when the backend cannot be asked. */
const FALLBACK_FACTS: GreetingFacts = {
  serverVersion: "8.0.0-mywire-proxy",
  capabilities: RELAYED_CAPABILITIES & ~Capability.QUERY_ATTRIBUTES,
  mariadbCapabilities: undefined,
  charset: Charset.UTF8MB4_GENERAL_CI,
};

/** Reads the backend's greeting (and closes the connection): what the proxy offers its clients. */
async function probeBackend(
  runtime: Runtime,
  backend: ResolvedBackend,
  timeout: number,
): Promise<GreetingFacts> {
  const first = await readBackendGreeting(runtime, backend, timeout);
  if (first[0] === 0xff) return FALLBACK_FACTS;
  const g = decodeGreeting(first);
  const mariadb = isMariadb(g) && (g.capabilities & Capability.MYSQL) === 0;
  return {
    serverVersion: g.serverVersion,
    capabilities: g.capabilities & RELAYED_CAPABILITIES,
    mariadbCapabilities: mariadb ? g.mariadbCapabilities & MariadbCapability.EXTENDED_TYPE_INFO : undefined,
    charset: g.charset || Charset.UTF8MB4_GENERAL_CI,
  };
}

/**
 * Makes a proxy (not yet listening: call `listen()`). Throws TypeError for bad options.
 *
 * ```ts
 * const proxy = createProxy({
 *   backends: ["mysql://app:secret@127.0.0.1:3306"],
 *   users: { alice: "alice-password" },
 *   plugins: [queryLog()],
 * });
 * const address = await proxy.listen({ host: "127.0.0.1", port: 6033 });
 * ```
 */
export function createProxy(options: ProxyOptions): ProxyServer {
  const resolved = resolveProxyOptions(options);
  const rowParser = (fields: never, binary: boolean) =>
    binary
      ? binaryRowParser(fields, defaultValueOptions, false)
      : textRowParser(fields, defaultValueOptions, false);
  const pipelineOptions = {
    layer: options.pluginLayer,
    backends: resolved.backends.map((b) => ({
      host: b.socketPath === undefined ? b.host : undefined,
      port: b.socketPath === undefined ? b.port : undefined,
      socketPath: b.socketPath,
      type: b.type,
    })),
    rowParser: rowParser as never,
  };
  const pipeline = createPipeline(options.plugins as never, pipelineOptions)
    ?? new Pipeline([], pipelineOptions);
  const clients = new Set<ProxyClient>();
  const running = new Set<Promise<void>>();
  let listener: Listener | undefined;
  let shared: ProxyShared | undefined;
  const health = new HealthChecker(resolved, resolved.healthCheck, pipeline);
  let accepted = 0;
  let ids = 0;

  async function acceptLoop(l: Listener, s: ProxyShared): Promise<void> {
    for (;;) {
      let socket;
      try {
        socket = await l.accept();
      } catch {
        continue;
      }
      if (socket === null) return;
      accepted++;
      const client = new ProxyClient(socket, s, ++ids);
      clients.add(client);
      const run = client.run().finally(() => {
        clients.delete(client);
        running.delete(run);
      });
      running.add(run);
    }
  }

  return {
    async listen(address) {
      if (listener !== undefined) throw new Error("the proxy is already listening");
      const runtime = options.runtime ?? await detectRuntime();
      const probed = await probeBackend(runtime, resolved.backends[0], resolved.connectTimeout)
        .catch(() => FALLBACK_FACTS);
      const facts = offeredCapabilities(probed, pipeline);
      const auth: AuthSettings = {
        users: resolved.users,
        defaultAuthPlugin: resolved.defaultAuthPlugin,
        tls: options.tls,
        keyPair: options.rsaKeyPair ?? await generateRsaKeyPair(),
        sha2Cache: new Map(),
        learnedPasswords: new Map(),
      };
      const pool = resolved.multiplex
        ? new BackendPool(resolved, resolved.backends.map((b) => b.address))
        : undefined;
      shared = {
        options: resolved,
        auth,
        facts,
        pipeline,
        runtime,
        backendConnections: 0,
        pool,
        clients: new Map(),
      };
      const where = typeof address === "string" ? parseListen(address) : address ?? resolved.listen;
      listener = await runtime.listen(where);
      health.start(runtime);
      void acceptLoop(listener, shared);
      return listener.address;
    },

    async close(closeOptions = {}) {
      await listener?.close();
      await health.stop();
      const drain = closeOptions.drain;
      if (drain !== undefined && drain !== false && running.size > 0) {
        const all = Promise.all(running);
        if (typeof drain === "number") {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, drain)))]);
          clearTimeout(timer);
        } else await all;
      }
      for (const c of clients) c.destroy();
      // Clients waiting for a pooled connection are refused now rather than after their wait.
      shared?.pool?.close();
      await Promise.all(running);
      await pipeline.dispose();
    },

    stats() {
      let authenticated = 0;
      let pinnedClients = 0;
      const pinned = Object.fromEntries(PIN_REASONS.map((r) => [r, 0])) as Record<PinReason, number>;
      for (const c of clients) {
        if (c.authenticated) authenticated++;
        const reasons = c.pinReasons();
        if (reasons.length > 0) pinnedClients++;
        for (const r of reasons) pinned[r]++;
      }
      const backends = shared?.pool?.counts() ?? [];
      const sum = (k: "total" | "idle" | "inUse" | "waiting") => backends.reduce((n, b) => n + b[k], 0);
      return {
        clients: clients.size,
        authenticatedClients: authenticated,
        backendConnections: (shared?.backendConnections ?? 0) + sum("total"),
        acceptedClients: accepted,
        backends: health.snapshot(),
        pool: {
          total: sum("total"),
          idle: sum("idle"),
          inUse: sum("inUse"),
          waiting: sum("waiting"),
          backends,
        },
        pinnedClients,
        pinned,
      };
    },
  };
}

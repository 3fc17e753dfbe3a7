/**
 * The Worker that test/workers/workers.node.test.ts bundles with esbuild and runs in workerd (miniflare).
 * Each request path is one case: it connects to the test server named by the `MYWIRE_TEST` binding
 * (JSON: host, port, users, database), does the case's work, and answers JSON: `{ ok: true, value }`,
 * or `{ ok: false, error: { name, code, message } }` when the case threw. The test decides what is
 * right; the Worker only reports what happened.
 *
 * Module-level state (`kept`) holds a connection or pool from one request for the next: that is the
 * cross-request misuse the tests check is reported clearly.
 */
import {
  connect,
  type Connection,
  ConnectionError,
  type ConnectionOptions,
  createPool,
  type Pool,
  TimeoutError,
} from "../../cloudflare.ts";

interface WorkerEnv {
  /** JSON of `WorkerConfig`. */
  readonly MYWIRE_TEST: string;
}

interface User {
  readonly user: string;
  readonly password: string;
}

/** The part of the test environment the Worker needs. */
export interface WorkerConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly root: User;
  readonly native: User;
  readonly ed25519: User;
  readonly ssl: User;
  readonly x509?: User;
  /** PEM texts, for the cases that hand them to the connection (and must be refused). */
  readonly caCert?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  /** The name on the server's certificate. */
  readonly serverName?: string;
}

type Case = (config: WorkerConfig, url: URL) => Promise<unknown>;

let kept: { conn?: Connection; pool?: Pool } = {};

function options(config: WorkerConfig, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    host: config.host,
    port: config.port,
    user: config.native.user,
    password: config.native.password,
    database: config.database,
    connectTimeout: 10_000,
    ...extra,
  };
}

/** Runs `fn` on a new connection, closed afterwards. */
async function withConnection<T>(
  config: WorkerConfig,
  extra: Partial<ConnectionOptions>,
  fn: (conn: Connection) => Promise<T>,
): Promise<T> {
  const conn = await connect(options(config, extra));
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

/** What a TLS case reports: whether the session is encrypted, and the server's view of it. */
async function tlsFacts(conn: Connection): Promise<{ tls: boolean; cipher: string; one: number }> {
  const rows = await conn.query<{ Variable_name: string; Value: string }>(
    "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
  );
  const one = await conn.query<{ one: number }>("SELECT 1 AS one");
  return { tls: conn.tls, cipher: rows[0]?.Value ?? "", one: Number(one[0].one) };
}

const cases: Record<string, Case> = {
  async query(config) {
    return withConnection(config, {}, async (conn) => {
      const rows = await conn.query<{ sum: number; text: string }>("SELECT 1 + 1 AS sum, 'héllo' AS text");
      return { rows, userAgent: navigator.userAgent };
    });
  },

  async execute(config) {
    return withConnection(config, {}, async (conn) => {
      const rows = await conn.execute<{ total: number; label: string }>(
        "SELECT ? + ? AS total, CONCAT('n=', ?) AS label",
        [40, 2, 7],
      );
      return { rows };
    });
  },

  async stream(config) {
    return withConnection(config, {}, async (conn) => {
      const seen: number[] = [];
      for await (const row of conn.stream<{ seq: number }>("SELECT seq FROM seq_1_to_100000")) {
        seen.push(Number(row.seq));
        if (seen.length === 3) break;
      }
      // The connection is usable again after the early exit.
      const after = await conn.query<{ one: number }>("SELECT 1 AS one");
      return { seen, after: Number(after[0].one) };
    });
  },

  async transaction(config) {
    return withConnection(config, {}, async (conn) => {
      const table = `wk_tx_${Math.random().toString(36).slice(2, 8)}`;
      await conn.query(`CREATE TABLE ${table} (v INT NOT NULL) ENGINE=InnoDB`);
      try {
        await conn.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} VALUES (1), (2)`);
        });
        let rolledBack = "";
        try {
          await conn.transaction(async (tx) => {
            await tx.query(`INSERT INTO ${table} VALUES (3)`);
            throw new Error("roll back");
          });
        } catch (error) {
          rolledBack = (error as Error).message;
        }
        const rows = await conn.query<{ v: number }>(`SELECT v FROM ${table} ORDER BY v`);
        return { values: rows.map((r) => Number(r.v)), rolledBack };
      } finally {
        await conn.query(`DROP TABLE ${table}`);
      }
    });
  },

  async pool(config) {
    const pool = createPool({ ...options(config), max: 3 });
    try {
      const results = await Promise.all(
        Array.from(
          { length: 6 },
          (_, i) => pool.query<{ n: number; id: number }>("SELECT ? AS n, CONNECTION_ID() AS id", [i]),
        ),
      );
      const tx = await pool.transaction(async (conn) =>
        (await conn.query<{ two: number }>("SELECT 2 AS two"))[0]
      );
      return {
        values: results.map((rows) => Number(rows[0].n)),
        connections: new Set(results.map((rows) => Number(rows[0].id))).size,
        two: Number(tx.two),
        total: pool.stats().total,
      };
    } finally {
      await pool.close();
    }
  },

  async ed25519(config) {
    return withConnection(config, config.ed25519, async (conn) => {
      const rows = await conn.query<{ who: string }>("SELECT CURRENT_USER() AS who");
      return { who: rows[0].who };
    });
  },

  async compression(config) {
    return withConnection(config, { compress: true }, async (conn) => {
      const rows = await conn.query<{ s: string }>("SELECT REPEAT('abc', 100000) AS s");
      const status = await conn.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Compression'");
      return { compressed: conn.compressed, length: rows[0].s.length, server: status[0]?.Value };
    });
  },

  async timeout(config) {
    return withConnection(config, {}, async (conn) => {
      const id = conn.threadId;
      let error: unknown;
      try {
        await conn.query("SELECT SLEEP(600) AS slept", undefined, { timeout: 300 });
      } catch (e) {
        error = e;
      }
      // Sent only once the KILL QUERY is done: without it this would wait for the sleep.
      const after = await conn.query<{ one: number }>("SELECT 1 AS one");
      return {
        error: describe(error),
        timeoutError: error instanceof TimeoutError,
        after: Number(after[0].one),
        sameThread: conn.threadId === id,
        threadId: id,
      };
    });
  },

  async tls(config, url) {
    const mode = url.searchParams.get("mode") ?? "verify-identity";
    const host = url.searchParams.get("host") ?? config.host;
    const extra: Partial<ConnectionOptions> = { host, user: config.ssl.user, password: config.ssl.password };
    const ssl: Record<string, unknown> = { mode };
    if (mode === "true") extra.ssl = true;
    if (url.searchParams.has("servername")) ssl.servername = url.searchParams.get("servername");
    if (url.searchParams.has("ca")) ssl.ca = config.caCert;
    if (url.searchParams.has("cert")) {
      ssl.cert = config.clientCert;
      ssl.key = config.clientKey;
      extra.user = config.x509?.user;
      extra.password = config.x509?.password;
    }
    if (mode === "disabled" || mode === "preferred") {
      // The REQUIRE SSL user cannot log in over plain text.
      extra.user = config.native.user;
      extra.password = config.native.password;
    }
    extra.ssl ??= ssl as ConnectionOptions["ssl"];
    return withConnection(config, extra, tlsFacts);
  },

  /** Opens a connection and keeps it for the next request (do not do this). */
  async "keep-connection"(config) {
    const conn = await connect(options(config));
    kept.conn = conn;
    const rows = await conn.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
    return { id: Number(rows[0].id) };
  },

  /** Uses the connection a previous request opened. */
  async "use-kept-connection"() {
    const conn = kept.conn;
    if (conn === undefined) throw new Error("no kept connection: run keep-connection first");
    kept = {};
    try {
      const rows = await conn.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
      return { id: Number(rows[0].id) };
    } finally {
      conn.destroy();
    }
  },

  /** Creates a pool and keeps it (with its open connection) for the next request (do not do this). */
  async "keep-pool"(config, url) {
    const pingIdle = url.searchParams.get("pingIdle");
    const pool = createPool({
      ...options(config),
      max: 1,
      ...(pingIdle === null ? {} : { pingIdle: Number(pingIdle) }),
    });
    kept.pool = pool;
    const rows = await pool.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
    return { id: Number(rows[0].id) };
  },

  /** Uses the pool a previous request created: its idle connection belongs to that request. */
  async "use-kept-pool"() {
    const pool = kept.pool;
    if (pool === undefined) throw new Error("no kept pool: run keep-pool first");
    kept = {};
    try {
      const rows = await pool.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
      return { id: Number(rows[0].id) };
    } finally {
      void pool.close().catch(() => {});
    }
  },
};

function describe(
  error: unknown,
): { name: string; code?: string; message: string; stack?: string } | undefined {
  if (error === undefined) return undefined;
  const e = error as { name?: string; code?: unknown; message?: string };
  return {
    name: e?.name ?? typeof error,
    code: typeof e?.code === "string" ? e.code : undefined,
    message: e?.message ?? String(error),
    stack: (error as Error)?.stack,
    ...(error instanceof ConnectionError ? { connectionError: true } : {}),
  };
}

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    const url = new URL(request.url);
    const name = url.pathname.slice(1);
    const run = cases[name];
    if (run === undefined) {
      return Response.json({ ok: false, error: { name: "NotFound", message: name } }, { status: 404 });
    }
    try {
      const config = JSON.parse(env.MYWIRE_TEST) as WorkerConfig;
      return Response.json({ ok: true, value: await run(config, url) });
    } catch (error) {
      return Response.json({ ok: false, error: describe(error) });
    }
  },
};

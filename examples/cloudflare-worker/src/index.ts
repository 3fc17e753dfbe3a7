/**
 * A Cloudflare Worker that answers each request with one query. The connection is opened and
 * closed inside the request: a Workers socket belongs to the request that opened it, so a
 * connection (or pool) kept in a global for the next request fails there with CROSS_REQUEST.
 */
import { connect } from "mywire";

interface Env {
  /** mysql://user:password@host:3306/database?ssl-mode=verify-identity (`wrangler secret put`). */
  readonly DATABASE_URL: string;
}

/** The part of the Workers ExecutionContext used here. */
interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  async fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    const name = new URL(request.url).searchParams.get("name") ?? "world";
    const conn = await connect(env.DATABASE_URL);
    try {
      const [row] = await conn.query<{ greeting: string; version: string }>(
        "SELECT CONCAT('hello, ', ?) AS greeting, VERSION() AS version",
        [name],
      );
      return Response.json({ ...row, tls: conn.tls });
    } finally {
      // Close after the response is sent, still within this request.
      ctx.waitUntil(conn.close());
    }
  },
};

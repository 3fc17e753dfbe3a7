/**
 * A Deno Deploy (or plain `deno serve`) handler: one pool for the whole isolate, shared by all
 * requests. Unlike on Cloudflare Workers, a Deno socket may be used by any request.
 *
 *   DATABASE_URL=mysql://user:pw@host:3306/db deno run --allow-net --allow-env main.ts
 */
import { createPool, parseUrl } from "npm:mywire";

const url = Deno.env.get("DATABASE_URL");
if (!url) throw new Error("set DATABASE_URL to mysql://user:password@host:3306/database");
const pool = createPool({ ...parseUrl(url), max: 4 });

Deno.serve({ port: Number(Deno.env.get("PORT") ?? 8000) }, async (request) => {
  const name = new URL(request.url).searchParams.get("name") ?? "world";
  const [row] = await pool.query<{ greeting: string; version: string }>(
    "SELECT CONCAT('hello, ', ?) AS greeting, VERSION() AS version",
    [name],
  );
  return Response.json(row);
});

/**
 * mywire: the MySQL and MariaDB wire protocol in pure TypeScript, for Node, Deno, Bun and
 * Cloudflare Workers. This module re-exports everything public (src/api.ts) with every runtime
 * adapter available; the package's `exports` conditions point bundlers at each runtime's own entry.
 */
export * from "./src/entry/auto.ts";

/**
 * The entry point for Cloudflare Workers (the `workerd` and `worker` export conditions, and
 * `mywire/cloudflare`): the public API with only the Workers adapter (`cloudflare:sockets`), so a
 * Worker bundle holds no Node code and needs no `nodejs_compat`. Effect is not loaded here: a Worker
 * whose plugins return Effects imports `mywire/effect`, which brings Effect and registers it.
 */
import "./adapters-cloudflare.ts";

export * from "../api.ts";

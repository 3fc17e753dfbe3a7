/**
 * mywire for Cloudflare Workers (`mywire/cloudflare`, also what `mywire` resolves to under the
 * `workerd` and `worker` conditions): everything public, with only the Workers socket adapter.
 */
export * from "./src/entry/cloudflare.ts";

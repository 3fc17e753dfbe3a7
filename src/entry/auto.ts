/**
 * The entry point for any runtime (`mod.ts`, the `default` export condition): the public API with
 * every adapter registered and each loaded on first use (adapters.ts). Bundlers should use the
 * runtime's own entry (`node`, `deno`, `bun`, `workerd` conditions) instead, which holds no other
 * runtime's adapter.
 */
import "./adapters.ts";

export * from "../api.ts";

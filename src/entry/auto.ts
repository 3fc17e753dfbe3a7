/**
 * The entry point for any runtime (`mod.ts`, the `default` export condition): the public API with
 * every adapter registered and each loaded on first use, so only the one in use is loaded.
 * Bundlers should use the runtime's own entry (`node`, `deno`, `bun`, `workerd` conditions) instead,
 * which holds no other runtime's adapter.
 */
import { registerEffectSupport } from "../pipeline/effect-bridge.ts";
import { registerRuntime } from "../runtime/detect.ts";

registerRuntime("node", () => import("../runtime/node.ts").then((m) => m.nodeRuntime));
registerRuntime("deno", () => import("../runtime/deno.ts").then((m) => m.denoRuntime));
registerRuntime("bun", () => import("../runtime/bun.ts").then((m) => m.bunRuntime));
registerRuntime("cloudflare", () => import("../runtime/cloudflare.ts").then((m) => m.cloudflareRuntime));
registerEffectSupport(() => import("../pipeline/effect-support.ts").then((m) => m.effectSupport));

export * from "../api.ts";

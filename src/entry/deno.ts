/**
 * The entry point for Deno (the `deno` export condition): the public API with Deno's own adapter,
 * and the Node adapter (Deno's `node:tls`), loaded on demand, for the TLS settings Deno's
 * `startTls` cannot honour (a client certificate, a private CA, no verification).
 */
import { registerEffectSupport } from "../pipeline/effect-bridge.ts";
import { denoRuntime } from "../runtime/deno.ts";
import { registerRuntime } from "../runtime/detect.ts";

registerRuntime("deno", () => denoRuntime);
registerRuntime("node", () => import("../runtime/node.ts").then((m) => m.nodeRuntime));
registerEffectSupport(() => import("../pipeline/effect-support.ts").then((m) => m.effectSupport));

export * from "../api.ts";

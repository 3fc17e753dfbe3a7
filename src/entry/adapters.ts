/**
 * Registers every runtime adapter, each loaded on first use (so only the one in use is loaded), and
 * Effect support, loaded when a plugin hook first returns an Effect. Imported by the entries that
 * serve any runtime: `mod.ts`, `mywire/effect`, `mywire/mysql2`, `mywire/mysql2/promise`,
 * `mywire/prisma`. In the built package those import `#mywire/adapters` instead (scripts/build.ts),
 * which package.json's `imports` resolves to this file, or under the `workerd`/`worker` conditions
 * to adapters-cloudflare.ts: a Worker bundle never holds another runtime's adapter.
 */
import { registerEffectSupport } from "../pipeline/effect-bridge.ts";
import { registerRuntime } from "../runtime/detect.ts";

registerRuntime("node", () => import("../runtime/node.ts").then((m) => m.nodeRuntime));
registerRuntime("deno", () => import("../runtime/deno.ts").then((m) => m.denoRuntime));
registerRuntime("bun", () => import("../runtime/bun.ts").then((m) => m.bunRuntime));
registerRuntime("cloudflare", () => import("../runtime/cloudflare.ts").then((m) => m.cloudflareRuntime));
registerEffectSupport(() => import("../pipeline/effect-support.ts").then((m) => m.effectSupport));

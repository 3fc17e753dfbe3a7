/**
 * The entry point for Bun (the `bun` export condition): the public API with Bun's own adapter,
 * and the Node adapter (Bun's `node:net`) loaded on demand for `runtimeByName("node")`.
 */
import { registerEffectSupport } from "../pipeline/effect-bridge.ts";
import { bunRuntime } from "../runtime/bun.ts";
import { registerRuntime } from "../runtime/detect.ts";

registerRuntime("bun", () => bunRuntime);
registerRuntime("node", () => import("../runtime/node.ts").then((m) => m.nodeRuntime));
registerEffectSupport(() => import("../pipeline/effect-support.ts").then((m) => m.effectSupport));

export * from "../api.ts";

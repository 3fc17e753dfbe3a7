/**
 * The entry point for Node (the `node` export condition): the public API with the Node adapter
 * (`node:net`, `node:tls`) registered, loaded statically.
 */
import { registerEffectSupport } from "../pipeline/effect-bridge.ts";
import { registerRuntime } from "../runtime/detect.ts";
import { nodeRuntime } from "../runtime/node.ts";

registerRuntime("node", () => nodeRuntime);
registerEffectSupport(() => import("../pipeline/effect-support.ts").then((m) => m.effectSupport));

export * from "../api.ts";

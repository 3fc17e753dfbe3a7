/**
 * Importing `mywire/effect` makes Effect support part of the program, statically: plugins whose
 * hooks return Effects then work under every entry point, the Workers one included.
 */
import { registerEffectSupport } from "../pipeline/effect-bridge.ts";
import { effectSupport } from "../pipeline/effect-support.ts";

registerEffectSupport(effectSupport);

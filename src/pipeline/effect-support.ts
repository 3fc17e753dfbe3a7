/**
 * The half of the pipeline that needs Effect: runs hooks' Effects with the pipeline's Layer (one
 * ManagedRuntime per pipeline, made on first use) and maps their failure causes to `PluginError`.
 * Loaded only when a hook returns an Effect (see effect-bridge.ts), or by `mywire/effect`.
 */
import { Cause, Effect, Exit, type Layer, ManagedRuntime } from "effect";
import type { EffectOutcome, EffectRunner, EffectSupport } from "./effect-bridge.ts";
import { type HookName, PluginError } from "./errors.ts";
import { hookFailure } from "./plugin.ts";

/** The `PluginError` for an Effect's failure cause (an error, a defect or an interruption). */
export function causeFailure(plugin: string, hook: HookName, cause: Cause.Cause<unknown>): PluginError {
  if (Cause.hasInterruptsOnly(cause)) {
    return new PluginError(plugin, hook, "failed", "the hook's Effect was interrupted");
  }
  return hookFailure(plugin, hook, Cause.squash(cause));
}

class LayerRunner implements EffectRunner {
  private readonly layer: Layer.Layer<unknown, unknown, never> | undefined;
  private runtime: ManagedRuntime.ManagedRuntime<unknown, unknown> | undefined;

  constructor(layer: Layer.Layer<unknown, unknown, never> | undefined) {
    this.layer = layer;
  }

  async run(effect: unknown, plugin: string, hook: HookName): Promise<EffectOutcome> {
    const e = effect as Effect.Effect<unknown, unknown, unknown>;
    let exit: Exit.Exit<unknown, unknown>;
    if (this.layer === undefined) {
      exit = await Effect.runPromiseExit(e as Effect.Effect<unknown, unknown>);
    } else {
      this.runtime ??= ManagedRuntime.make(this.layer);
      exit = await this.runtime.runPromiseExit(e);
    }
    if (Exit.isFailure(exit)) return { ok: false, error: causeFailure(plugin, hook, exit.cause) };
    return { ok: true, value: exit.value };
  }

  async dispose(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = undefined;
    if (runtime !== undefined) await runtime.dispose();
  }
}

/** Effect support for the pipeline (registered by the entry points and by `mywire/effect`). */
export const effectSupport: EffectSupport = {
  makeRunner: (layer) => new LayerRunner(layer as Layer.Layer<unknown, unknown, never> | undefined),
};

/**
 * The pipeline's door to Effect, without loading it: a hook's result is recognised as an Effect by
 * its type marker, and only then is Effect support loaded (registered by the entry point, or by
 * `mywire/effect`). A client whose plugins are plain functions, or that has none, never loads Effect.
 */
import type { HookName, PluginError } from "./errors.ts";

/** The key every Effect value carries (effect 4's `EffectTypeId`). */
const EFFECT_TYPE_ID = "~effect/Effect";

/** True for an Effect value (what `Effect.isEffect` says), checked without importing effect. */
export function isEffectValue(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null
    && EFFECT_TYPE_ID in value;
}

/** The outcome of running an Effect: its value, or the `PluginError` its failure cause maps to. */
export type EffectOutcome = { readonly ok: true; readonly value: unknown } | {
  readonly ok: false;
  readonly error: PluginError;
};

/** Runs a pipeline's Effects with the services of its Layer; made once per pipeline. */
export interface EffectRunner {
  /** Runs `effect` (a hook's result) and maps a failure to a `PluginError` naming `plugin` and `hook`. */
  run(effect: unknown, plugin: string, hook: HookName): Promise<EffectOutcome>;
  /** Releases the Layer's resources. */
  dispose(): Promise<void>;
}

/** What the effect-based half offers (src/pipeline/effect-support.ts). */
export interface EffectSupport {
  /** A runner for a pipeline whose Layer is `layer` (`undefined`: no services). */
  makeRunner(layer: unknown): EffectRunner;
}

let load: (() => Promise<EffectSupport>) | undefined;
let support: Promise<EffectSupport> | undefined;

/** Tells the pipeline how to load Effect support (entry points and `mywire/effect` call this). */
export function registerEffectSupport(loader: EffectSupport | (() => Promise<EffectSupport>)): void {
  if (typeof loader === "function") {
    load = loader;
    support = undefined;
  } else {
    load = () => Promise.resolve(loader);
    support = Promise.resolve(loader);
  }
}

/** Effect support, loaded on first use; rejects with a `TypeError` saying what to import when none is registered. */
export function effectSupport(): Promise<EffectSupport> {
  if (support !== undefined) return support;
  if (load === undefined) {
    return Promise.reject(
      new TypeError(
        'mywire: a plugin hook returned an Effect, but Effect support is not part of this build: import "mywire/effect" once (the Cloudflare Workers entry leaves Effect out)',
      ),
    );
  }
  const loading = load();
  loading.catch(() => {
    if (support === loading) support = undefined;
  });
  support = loading;
  return loading;
}

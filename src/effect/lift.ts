/**
 * Every hook of a plugin lifted to an Effect, whatever way it was written (plain value, Promise or
 * Effect), with any failure a `PluginError`: for code that composes plugins inside Effect.
 */
import { Effect } from "effect";
import type { PluginContext } from "../pipeline/context.ts";
import { causeFailure } from "../pipeline/effect-support.ts";
import type { HookName, PluginError } from "../pipeline/errors.ts";
import { HOOK_NAMES, hookFailure, isThenable, type Plugin } from "../pipeline/plugin.ts";

/** A hook lifted to an Effect: plain values and Promises wrapped, any failure a `PluginError`. */
export type LiftedHook<R> = (
  ctx: PluginContext<any, any>,
  arg?: any,
) => Effect.Effect<unknown, PluginError, R>;

function lift<R>(plugin: string, hook: HookName, fn: (ctx: any, arg?: any) => unknown): LiftedHook<R> {
  return (ctx, arg) =>
    Effect.suspend(() => {
      let out: unknown;
      try {
        out = fn(ctx, arg);
      } catch (error) {
        return Effect.fail(hookFailure(plugin, hook, error));
      }
      if (Effect.isEffect(out)) {
        return (out as Effect.Effect<unknown, unknown, R>).pipe(
          Effect.catchCause((cause) => Effect.fail(causeFailure(plugin, hook, cause))),
        );
      }
      if (isThenable(out)) {
        return Effect.tryPromise({
          try: () => Promise.resolve(out),
          catch: (e) => hookFailure(plugin, hook, e),
        });
      }
      return Effect.succeed(out);
    });
}

/** Each hook `plugin` has, lifted to an `Effect<Decision | undefined, PluginError, R>`. */
export function liftHooks<R>(plugin: Plugin<R>): Partial<Record<HookName, LiftedHook<R>>> {
  const lifted: Partial<Record<HookName, LiftedHook<R>>> = {};
  for (const hook of HOOK_NAMES) {
    const fn = plugin.spec[hook];
    if (fn !== undefined) lifted[hook] = lift<R>(plugin.name, hook, fn as (ctx: any, arg?: any) => unknown);
  }
  return lifted;
}

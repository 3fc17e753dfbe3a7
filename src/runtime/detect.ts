/**
 * The runtime adapters this program can use, and the one it runs on. Adapters are registered by the
 * entry point that was imported (`src/entry/*.ts`, chosen by the package's `exports` conditions), so
 * a bundle for one runtime never contains another runtime's adapter: the Workers entry registers
 * only `cloudflare:sockets`, and nothing here imports `node:net`.
 */
import type { Runtime } from "./socket.ts";

/** The names `runtimeByName` knows. */
export type RuntimeName = "node" | "deno" | "bun" | "cloudflare";

const RUNTIME_NAMES: readonly RuntimeName[] = ["node", "deno", "bun", "cloudflare"];

/** The name of the runtime this code runs on. */
export function detectRuntimeName(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: string } };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "cloudflare";
  return "node";
}

const loaders = new Map<RuntimeName, () => Promise<Runtime>>();
const loaded = new Map<RuntimeName, Promise<Runtime>>();

/**
 * Makes the adapter of runtime `name` available, loaded by `load` on first use. An entry point
 * calls this once per adapter it offers; a later registration of the same name replaces it.
 */
export function registerRuntime(name: RuntimeName, load: () => Runtime | Promise<Runtime>): void {
  if (!RUNTIME_NAMES.includes(name)) throw new TypeError(`mywire: unknown runtime ${JSON.stringify(name)}`);
  loaders.set(name, async () => await load());
  loaded.delete(name);
}

/**
 * The adapter for a runtime by name. Any registered adapter can be asked for, not just the current
 * runtime's: e.g. `runtimeByName("node")` under Deno or Bun goes through their Node compatibility layer.
 */
export function runtimeByName(name: RuntimeName): Promise<Runtime> {
  let runtime = loaded.get(name);
  if (runtime === undefined) {
    const load = loaders.get(name);
    if (load === undefined) {
      if (!RUNTIME_NAMES.includes(name)) {
        return Promise.reject(new TypeError(`mywire: unknown runtime ${JSON.stringify(name)}`));
      }
      const offered = [...loaders.keys()].join(", ") || "none";
      return Promise.reject(
        new TypeError(
          `mywire: no ${name} adapter in this build (it has: ${offered}); import "mywire" itself, or pass a Runtime as the runtime option`,
        ),
      );
    }
    runtime = load();
    // A failed load is not cached, so a later call can try again.
    runtime.catch(() => loaded.delete(name));
    loaded.set(name, runtime);
  }
  return runtime;
}

/** The adapter for the runtime this code runs on (loaded once, then cached). */
export function detectRuntime(): Promise<Runtime> {
  return runtimeByName(detectRuntimeName());
}

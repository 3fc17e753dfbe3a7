/**
 * Finds the runtime we are running on and loads its adapter. Each adapter is imported dynamically, so
 * only the one in use is loaded: `node:net` is never imported on Cloudflare Workers, nor
 * `cloudflare:sockets` anywhere else.
 */
import type { Runtime } from "./socket.ts";

/** The names `runtimeByName` knows. */
export type RuntimeName = "node" | "deno" | "bun" | "cloudflare";

/** The name of the runtime this code runs on. */
export function detectRuntimeName(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: string } };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "cloudflare";
  return "node";
}

const loaded = new Map<RuntimeName, Promise<Runtime>>();

/**
 * The adapter for a runtime by name. Any adapter can be asked for, not just the current runtime's:
 * e.g. `runtimeByName("node")` under Deno or Bun goes through their Node compatibility layer.
 */
export function runtimeByName(name: RuntimeName): Promise<Runtime> {
  let runtime = loaded.get(name);
  if (runtime === undefined) {
    switch (name) {
      case "node":
        runtime = import("./node.ts").then((m) => m.nodeRuntime);
        break;
      case "deno":
        runtime = import("./deno.ts").then((m) => m.denoRuntime);
        break;
      case "bun":
        runtime = import("./bun.ts").then((m) => m.bunRuntime);
        break;
      case "cloudflare":
        runtime = import("./cloudflare.ts").then((m) => m.cloudflareRuntime);
        break;
      default:
        return Promise.reject(new TypeError(`mywire: unknown runtime ${JSON.stringify(name)}`));
    }
    // A failed import is not cached, so a later call can try again.
    runtime.catch(() => loaded.delete(name));
    loaded.set(name, runtime);
  }
  return runtime;
}

/** The adapter for the runtime this code runs on (loaded once, then cached). */
export function detectRuntime(): Promise<Runtime> {
  return runtimeByName(detectRuntimeName());
}

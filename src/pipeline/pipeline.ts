/**
 * The pipeline: plugins composed in order, with the Layer their Effects run with and the backends
 * connectServer chooses among; one per client, pool or proxy. `open()` gives the per-connection
 * runner (`PipelineSession`) a session calls at each point of a conversation.
 *
 * `createPipeline` returns `undefined` for no plugins: a session without a pipeline runs no Effect
 * and allocates nothing for it.
 */
import type { Layer } from "effect";
import { parseTimezone } from "../protocol/values.ts";
import {
  type Backend,
  type BackendSpec,
  type BackendState,
  type BackendType,
  makeBackends,
  type MutableBackend,
} from "./backends.ts";
import { describe } from "./command.ts";
import { type EffectOutcome, type EffectRunner, effectSupport } from "./effect-bridge.ts";
import type { HookName } from "./errors.ts";
import { PipelineSession } from "./pipeline-session.ts";
import type { SessionInit } from "./plans.ts";
import { definePlugin, HOOK_NAMES, isPlugin, type Plugin, type PluginSpec } from "./plugin.ts";
import type { RowParserFactory } from "./result.ts";

/** Options of a pipeline (given once per client, pool or proxy). */
export interface PipelineOptions<R = never, E = never> {
  /** Provides the services the plugins' Effects need. */
  readonly layer?: Layer.Layer<R, E, never>;
  /** The servers connectServer chooses among (`ctx.backends`). */
  readonly backends?: readonly BackendSpec[];
  /** Zone for Dates in local result sets (the client's `timezone` option). Default "local". */
  readonly timezone?: string;
  /** Decodes rows for `QueryResultData.rows` (the client's value options). Default: text rows, default options. */
  readonly rowParser?: RowParserFactory;
}

/** A plugin installed in a pipeline, with its position. */
export interface Installed {
  readonly plugin: Plugin<unknown>;
  readonly index: number;
}

const globals = new WeakMap<Plugin<unknown>, unknown>();

/**
 * Makes a pipeline of `plugins` (in order), or returns `undefined` when there are none. Plugins may
 * be `definePlugin` values or plain specs. Throws `TypeError` for a bad plugin or option.
 */
export function createPipeline<R = never, E = never>(
  plugins: readonly (Plugin<R> | PluginSpec<any, any, R>)[] | undefined,
  options: PipelineOptions<R, E> = {},
): Pipeline<R, E> | undefined {
  if (plugins === undefined) return undefined;
  if (!Array.isArray(plugins)) throw new TypeError("plugins must be an array");
  if (plugins.length === 0) return undefined;
  const made = plugins.map((p, i) => {
    if (isPlugin(p)) return p as Plugin<R>;
    if (typeof p === "object" && p !== null) return definePlugin(p as PluginSpec<any, any, R>);
    throw new TypeError(`plugin ${i} is ${describe(p)}, not a plugin`);
  });
  return new Pipeline(made, options);
}

/** Plugins composed in order, with their Layer and backends; open one `PipelineSession` per connection. */
export class Pipeline<R = never, E = never> {
  readonly plugins: readonly Plugin<R>[];
  /** Shared by every session of this pipeline. */
  readonly backends: readonly Backend[];
  /** Which hooks some plugin has: a session may skip a point nobody hooks. */
  readonly handles: Readonly<Record<HookName, boolean>>;
  readonly timezone: number | "local";
  readonly rowParser: RowParserFactory | undefined;
  private readonly layer: Layer.Layer<R, E, never> | undefined;
  private runner: Promise<EffectRunner> | undefined;
  private readonly mutableBackends: MutableBackend[];
  /** For each hook, the plugins that have it, in order. */
  readonly byHook: Readonly<Record<HookName, readonly Installed[]>>;

  constructor(plugins: readonly Plugin<R>[], options: PipelineOptions<R, E>) {
    this.plugins = plugins;
    this.layer = options.layer;
    this.mutableBackends = makeBackends(options.backends);
    this.backends = this.mutableBackends;
    this.timezone = parseTimezone(options.timezone ?? "local");
    this.rowParser = options.rowParser;
    const byHook = {} as Record<HookName, Installed[]>;
    const handles = {} as Record<HookName, boolean>;
    for (const hook of HOOK_NAMES) {
      byHook[hook] = [];
      plugins.forEach((plugin, index) => {
        if (plugin.spec[hook] !== undefined) byHook[hook].push({ plugin: plugin as Plugin<unknown>, index });
      });
      handles[hook] = byHook[hook].length > 0;
    }
    this.byHook = byHook;
    this.handles = handles;
  }

  /** Opens the pipeline for one connection: makes each plugin's per-connection state. */
  open(init: SessionInit = {}): PipelineSession {
    return new PipelineSession(this as Pipeline<any, any>, init, this.mutableBackends);
  }

  /** Records a backend's state (a session that failed to connect marks it "down"). */
  setBackendState(index: number, state: BackendState): void {
    const b = this.mutableBackends[index];
    if (b === undefined) throw new RangeError(`no backend ${index}`);
    b.state = state;
  }

  /** Records what a backend accepts now (a health check found a read-write server read-only). */
  setBackendType(index: number, type: BackendType): void {
    const b = this.mutableBackends[index];
    if (b === undefined) throw new RangeError(`no backend ${index}`);
    b.type = type;
  }

  /**
   * Runs a hook's Effect with the pipeline's Layer (loading Effect on first use); a failure is
   * mapped to a `PluginError` naming `plugin` and `hook`.
   */
  async run(effect: unknown, plugin: string, hook: HookName): Promise<EffectOutcome> {
    if (this.runner === undefined) {
      const making = effectSupport().then((s) => s.makeRunner(this.layer));
      making.catch(() => {
        if (this.runner === making) this.runner = undefined;
      });
      this.runner = making;
    }
    return (await this.runner).run(effect, plugin, hook);
  }

  /** Releases the Layer's resources (call when the client, pool or proxy closes). */
  async dispose(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    if (runner !== undefined) await (await runner).dispose();
  }

  /** The state a plugin shares across connections, made on first use. */
  globalOf(plugin: Plugin<unknown>): unknown {
    if (!globals.has(plugin)) globals.set(plugin, plugin.spec.global?.());
    return globals.get(plugin);
  }
}

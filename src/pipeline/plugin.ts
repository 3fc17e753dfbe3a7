/**
 * Plugins: a name, optional state factories, and any of the seven hooks. A hook may return its
 * decision directly, as a Promise, or as an Effect (which may need services, provided by the Layer
 * given to the pipeline); `definePlugin` accepts all three. Effect is only a type here: it is loaded
 * when a hook returns one (effect-bridge.ts). `liftHooks` in `mywire/effect` lifts every hook to an
 * Effect, for code that composes plugins inside Effect.
 */
import type { Effect } from "effect";
import type { Greeting } from "../protocol/handshake.ts";
import type { ErrPacket, OkPacket } from "../protocol/results.ts";
import type { QueryCommand } from "./command.ts";
import type { PluginContext } from "./context.ts";
import type {
  AuthDecision,
  AuthResultDecision,
  ConnectServerDecision,
  HandshakeDecision,
  QueryDecision,
  ResultDecision,
} from "./decisions.ts";
import { describeError, type HookName, PluginError } from "./errors.ts";
import type { QueryResultData } from "./result.ts";

/** What a hook may return: a decision, nothing (go on as decided so far), or either through a Promise or an Effect. */
export type HookReturn<D, R> =
  | D
  | undefined
  | void
  | PromiseLike<D | undefined | void>
  | Effect.Effect<D | undefined | void, unknown, R>;

/** The credentials about to be sent (readAuth). */
export interface AuthInfo {
  readonly user: string;
  readonly database: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  /** The capabilities the client asks for. */
  readonly capabilities: number;
  /** The connection's collation id. */
  readonly charset: number;
  /** The authentication plugin the response is for. */
  readonly authPluginName: string;
}

/** The server's answer to authentication (readAuthResult). */
export interface AuthResult {
  /** True for an OK. */
  readonly ok: boolean;
  /** The packet's payload as received. */
  readonly packet: Uint8Array;
  readonly okPacket: OkPacket | undefined;
  readonly error: ErrPacket | undefined;
}

/** A plugin as written: a name, optional state factories, and hooks. */
export interface PluginSpec<State = undefined, Global = undefined, R = never> {
  /** Names the plugin in errors and logs. */
  readonly name: string;
  /** Makes this plugin's state for a new connection (`ctx.state`). */
  readonly state?: () => State;
  /** Makes the state this plugin shares across connections (`ctx.global`), once per plugin object. */
  readonly global?: () => Global;
  /** Before a backend connection is opened: choose the backend, or answer without one. */
  readonly connectServer?: (ctx: PluginContext<State, Global>) => HookReturn<ConnectServerDecision, R>;
  /** The server's greeting arrived: inspect it, change it, or refuse. */
  readonly readHandshake?: (
    ctx: PluginContext<State, Global>,
    greeting: Greeting,
  ) => HookReturn<HandshakeDecision, R>;
  /** Before the credentials are sent: change user, database, attributes, or refuse. */
  readonly readAuth?: (ctx: PluginContext<State, Global>, auth: AuthInfo) => HookReturn<AuthDecision, R>;
  /** The server accepted or refused the credentials: observe, or replace its answer. */
  readonly readAuthResult?: (
    ctx: PluginContext<State, Global>,
    result: AuthResult,
  ) => HookReturn<AuthResultDecision, R>;
  /** Every command: send it (maybe rewritten), answer it, or queue commands around it. */
  readonly readQuery?: (
    ctx: PluginContext<State, Global>,
    command: QueryCommand,
  ) => HookReturn<QueryDecision, R>;
  /** Each injected command's result, and the client's own when observed: pass it on, replace it, or ignore it. */
  readonly readQueryResult?: (
    ctx: PluginContext<State, Global>,
    result: QueryResultData,
  ) => HookReturn<ResultDecision, R>;
  /** The connection ends: clean up. */
  readonly disconnectClient?: (ctx: PluginContext<State, Global>) => HookReturn<never, R>;
}

/** The names of the seven hooks, in the order a connection meets them. */
export const HOOK_NAMES: readonly HookName[] = [
  "connectServer",
  "readHandshake",
  "readAuth",
  "readAuthResult",
  "readQuery",
  "readQueryResult",
  "disconnectClient",
];

/** A plugin ready for a pipeline (made by `definePlugin`). */
export interface Plugin<R = never> {
  readonly _tag: "MywirePlugin";
  readonly name: string;
  /** The plugin as written. */
  readonly spec: PluginSpec<any, any, R>;
}

/** True for a value made by `definePlugin`. */
export function isPlugin(value: unknown): value is Plugin<unknown> {
  return typeof value === "object" && value !== null && (value as Plugin)._tag === "MywirePlugin";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null
    && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Wraps a failure of a hook as a `PluginError`. */
export function hookFailure(plugin: string, hook: HookName, error: unknown): PluginError {
  if (error instanceof PluginError) return error;
  return new PluginError(plugin, hook, "failed", describeError(error), { cause: error });
}

/**
 * Makes a plugin. Hooks may be plain functions (sync or async) or return Effects; `State` and
 * `Global` are inferred from `state` and `global`, and `R` (the services the Effects need) from
 * the hooks. Throws `TypeError` for a missing name or a hook that is not a function.
 */
export function definePlugin<State = undefined, Global = undefined, R = never>(
  spec: PluginSpec<State, Global, R>,
): Plugin<R> {
  if (typeof spec !== "object" || spec === null) throw new TypeError("definePlugin expects an object");
  if (typeof spec.name !== "string" || spec.name === "") throw new TypeError("a plugin needs a name");
  for (const key of ["state", "global", ...HOOK_NAMES] as const) {
    const v = spec[key];
    if (v !== undefined && typeof v !== "function") {
      throw new TypeError(`plugin "${spec.name}": ${key} must be a function, got ${typeof v}`);
    }
  }
  return Object.freeze({ _tag: "MywirePlugin", name: spec.name, spec });
}

export { isThenable };

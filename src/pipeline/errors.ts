/**
 * The error a plugin causes: a hook that threw or failed, answered with something malformed, used a
 * decision where it has no meaning, or injected a command the server refused while nobody handled
 * that result. It names the plugin and the hook, and it never leaves the conversation out of step:
 * the pipeline raises it before the command is sent or after every packet of its response was read.
 */
import { SESSION_USABLE } from "../protocol/errors.ts";
import type { ErrPacket } from "../protocol/results.ts";

/** The hook points, named as in mywire (MySQL Proxy's `read_query` is `readQuery`, and so on). */
export type HookName =
  | "connectServer"
  | "readHandshake"
  | "readAuth"
  | "readAuthResult"
  | "readQuery"
  | "readQueryResult"
  | "disconnectClient";

/** Why a plugin error happened. */
export type PluginErrorReason =
  /** The hook threw, rejected or its Effect failed. */
  | "failed"
  /** The hook returned something that is not a decision, or a response that cannot be encoded. */
  | "malformed"
  /** A decision that this hook or this result cannot take (e.g. replacing a result that was not buffered). */
  | "misuse"
  /** A command the plugin injected came back with an ERR and no readQueryResult hook handled it. */
  | "injected-command-failed"
  /** Every result of the command was ignored, so the caller would get no answer. */
  | "no-result";

/** ER_UNKNOWN_ERROR: what a proxy sends its client for a plugin error (as MySQL Proxy does). */
const ER_UNKNOWN_ERROR = 1105;

/** A plugin failed or misbehaved; `plugin` and `hook` say which. The connection stays usable. */
export class PluginError extends Error {
  override readonly name = "PluginError";
  readonly _tag = "PluginError";
  /** The plugin's name. */
  readonly plugin: string;
  readonly hook: HookName;
  /** What went wrong: the plugin failed, returned something malformed, or misused a decision. */
  readonly code: PluginErrorReason;
  /** The session stays in step after a plugin error: the command fails, not the connection. */
  readonly [SESSION_USABLE] = true;

  constructor(
    plugin: string,
    hook: HookName,
    code: PluginErrorReason,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`plugin "${plugin}" ${verb(code)} in ${hook}: ${detail}`, options);
    this.plugin = plugin;
    this.hook = hook;
    this.code = code;
  }

  /** The same as `code` (its name before every error class used `code`). */
  get reason(): PluginErrorReason {
    return this.code;
  }

  /** The ERR packet a server-side proxy sends its client for this error (errno 1105, SQLSTATE HY000). */
  toErrPacket(): ErrPacket {
    return { errno: ER_UNKNOWN_ERROR, sqlState: "HY000", message: this.message };
  }
}

function verb(reason: PluginErrorReason): string {
  switch (reason) {
    case "failed":
      return "failed";
    case "malformed":
      return "returned a malformed answer";
    case "misuse":
      return "made a decision it cannot make";
    case "injected-command-failed":
      return "injected a command that failed";
    case "no-result":
      return "left the command without a result";
  }
}

/** The message of anything thrown: an Error's message, else its string form. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  try {
    return typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

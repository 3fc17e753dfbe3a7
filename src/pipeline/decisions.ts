/**
 * Decisions: what a hook returns, as values of a tagged union (MySQL Proxy returned numbers:
 * `PROXY_SEND_QUERY`, `PROXY_SEND_RESULT`, `PROXY_IGNORE_RESULT`; those names are aliases of the
 * values here). Returning nothing (undefined) always means "go on as decided so far".
 */
import type { CommandInput } from "./command.ts";
import type { Response } from "./responses.ts";

/** readQuery: send the queued commands (the client's own possibly rewritten), on a backend if chosen. */
export interface SendQuery {
  readonly _tag: "SendQuery";
  /** A rewrite of the client's command: SQL text, a payload or a command object. */
  readonly command?: CommandInput;
  /** Index into `ctx.backends` to run the commands on (read/write splitting). */
  readonly backend?: number;
}

/**
 * Answer with `response` instead of (readQuery) or in place of (readQueryResult, readAuthResult)
 * the server's answer; without `response`, `ctx.response` is used, as MySQL Proxy's
 * `proxy.response`. In readQueryResult without any response: pass the result on unchanged.
 */
export interface SendResult {
  readonly _tag: "SendResult";
  readonly response?: Response;
}

/** readQueryResult: drop this result; the caller does not get it. */
export interface IgnoreResult {
  readonly _tag: "IgnoreResult";
}

/** connectServer: connect to `ctx.backends[backend]`. */
export interface UseBackend {
  readonly _tag: "UseBackend";
  readonly backend: number;
}

/** readHandshake, readAuth: go on, with these fields changed. */
export interface Proceed<Changes> {
  readonly _tag: "Proceed";
  readonly changes?: Changes;
}

/** readQuery: close the connection instead of sending anything (fault injection: a dropped connection). */
export interface Disconnect {
  readonly _tag: "Disconnect";
  readonly reason?: string;
}

/** What the greeting's fields may become (in the client: what the handshake negotiates with). */
export interface GreetingChanges {
  readonly serverVersion?: string;
  readonly connectionId?: number;
  readonly capabilities?: number;
  readonly mariadbCapabilities?: number;
  readonly charset?: number;
  readonly statusFlags?: number;
  readonly authPluginName?: string;
}

/** What the credentials may become before they are sent. */
export interface AuthChanges {
  readonly user?: string;
  readonly database?: string;
  /** Client side only: the password to authenticate with (e.g. a token fetched by the plugin). */
  readonly password?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly capabilities?: number;
}

/** connectServer's decisions. */
export type ConnectServerDecision = UseBackend | SendResult;
/** readHandshake's decisions: go on (maybe with changes), or refuse with an answer (an ERR). */
export type HandshakeDecision = Proceed<GreetingChanges> | SendResult;
/** readAuth's decisions: go on (maybe with changes), or refuse with an answer (an ERR). */
export type AuthDecision = Proceed<AuthChanges> | SendResult;
/** readAuthResult's decision: replace the server's answer. */
export type AuthResultDecision = SendResult;
/** readQuery's decisions. */
export type QueryDecision = SendQuery | SendResult | Disconnect;
/** readQueryResult's decisions. */
export type ResultDecision = SendResult | IgnoreResult;
/** Every decision. */
export type Decision =
  | SendQuery
  | SendResult
  | IgnoreResult
  | UseBackend
  | Proceed<GreetingChanges | AuthChanges>
  | Disconnect;

/** Send the command (MySQL Proxy: `return proxy.PROXY_SEND_QUERY`), rewritten to `command` if given. */
export function sendQuery(command?: CommandInput, options?: { readonly backend?: number }): SendQuery {
  if (command === undefined && options?.backend === undefined) return PROXY_SEND_QUERY;
  return { _tag: "SendQuery", command, backend: options?.backend };
}

/** Answer with `response` (MySQL Proxy: set `proxy.response`, `return proxy.PROXY_SEND_RESULT`). */
export function sendResult(response?: Response): SendResult {
  return response === undefined ? PROXY_SEND_RESULT : { _tag: "SendResult", response };
}

/** Drop the result (MySQL Proxy: `return proxy.PROXY_IGNORE_RESULT`). */
export function ignoreResult(): IgnoreResult {
  return PROXY_IGNORE_RESULT;
}

/** Connect to backend `index` (MySQL Proxy: `proxy.connection.backend_ndx = index`). */
export function useBackend(index: number): UseBackend {
  return { _tag: "UseBackend", backend: index };
}

/** Go on with the handshake or authentication, with `changes` applied. */
export function proceed<Changes extends GreetingChanges | AuthChanges>(changes?: Changes): Proceed<Changes> {
  return { _tag: "Proceed", changes };
}

/** Close the connection instead of sending the command. */
export function disconnect(reason?: string): Disconnect {
  return { _tag: "Disconnect", reason };
}

/** MySQL Proxy's `PROXY_SEND_QUERY`. */
export const PROXY_SEND_QUERY: SendQuery = Object.freeze({ _tag: "SendQuery" });
/** MySQL Proxy's `PROXY_SEND_RESULT`: answer with `ctx.response` (readQuery), or pass the result on (readQueryResult). */
export const PROXY_SEND_RESULT: SendResult = Object.freeze({ _tag: "SendResult" });
/** MySQL Proxy's `PROXY_IGNORE_RESULT`. */
export const PROXY_IGNORE_RESULT: IgnoreResult = Object.freeze({ _tag: "IgnoreResult" });

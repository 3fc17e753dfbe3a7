/**
 * The contract between a session (client or proxy) and its pipeline: what the session tells the
 * pipeline when it opens (`SessionInit`), what it reports after authentication (`Negotiated`), and
 * the plans the pipeline hands back at each point, in terms of payloads the session sends or reads.
 */
import type { Greeting } from "../protocol/handshake.ts";
import type { ErrPacket } from "../protocol/results.ts";
import type { Backend } from "./backends.ts";
import type { AuthInfo } from "./plugin.ts";
import type { Injection } from "./queue.ts";
import type { Response } from "./responses.ts";

/** What a session tells the pipeline when it opens. */
export interface SessionInit {
  /** The user the session will authenticate as. */
  readonly user?: string;
  readonly database?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  /** The client's address (a proxy's client); default "in-process". */
  readonly address?: string;
  /** Reads the session's current server status flags (otherwise the pipeline follows the results it sees). */
  readonly statusFlags?: () => number;
  /**
   * What the session already knows of the server, for a session that connected before opening the
   * pipeline (the connection-phase hooks are then not run).
   */
  readonly server?: {
    readonly version?: string;
    readonly flavor?: "mysql" | "mariadb";
    readonly threadId?: number;
    readonly capabilities?: number;
    readonly mariadbCapabilities?: number;
    readonly scramble?: Uint8Array;
    readonly address?: string;
    readonly tls?: boolean;
    readonly authPlugin?: string;
  };
}

/** A local answer for the session to treat as the server's response. */
export interface AnswerPlan {
  readonly _tag: "SendResult";
  /** The response's payloads, to be read as if the server had sent them. */
  readonly packets: readonly Uint8Array[];
  readonly response: Response;
  /** The error, when the answer is an ERR. */
  readonly error: ErrPacket | undefined;
  /** The plugin that answered. */
  readonly plugin: string;
}

/** onConnect's plan: connect to `backend` (none configured: the session's own address), or an answer. */
export type ConnectPlan =
  | {
    readonly _tag: "Connect";
    readonly backendIndex: number;
    readonly backend: Backend | undefined;
    /** A connectServer hook chose the backend (else: the default choice, `defaultBackend`). */
    readonly chosenByPlugin: boolean;
  }
  | AnswerPlan;

/** onHandshake's plan: go on with this greeting (possibly changed), or an answer (a refusal). */
export type HandshakePlan = { readonly _tag: "Proceed"; readonly greeting: Greeting } | AnswerPlan;

/** The credentials to send, after readAuth. */
export interface AuthPlanInfo extends AuthInfo {
  /** A password a plugin supplied (client side); undefined: the session's own. */
  readonly password: string | undefined;
}

/** onAuth's plan: send these credentials, or an answer (a refusal). */
export type AuthPlan = { readonly _tag: "Proceed"; readonly auth: AuthPlanInfo } | AnswerPlan;

/** onQuery's plan: send the queue (in order, on `backend` when chosen), answer locally, or close the connection. */
export type QueryPlan =
  | {
    readonly _tag: "SendQuery";
    /** The commands to send. Live: iterate by index, as readQueryResult hooks may append. */
    readonly queue: readonly Injection[];
    /** The backend to run them on (-1: the session's own connection). */
    readonly backendIndex: number;
    readonly backend: Backend | undefined;
  }
  | AnswerPlan
  | { readonly _tag: "Disconnect"; readonly reason: string; readonly plugin: string };

/** onResult's plan: deliver these packets to the caller (the result, or its replacement), or nothing. */
export type ResultPlan =
  | { readonly _tag: "SendResult"; readonly packets: readonly Uint8Array[]; readonly replaced: boolean }
  | { readonly _tag: "IgnoreResult" };

/** What the negotiation settled, given to onAuthResult. */
export interface Negotiated {
  readonly capabilities: number;
  readonly mariadbCapabilities: number;
  readonly tls?: boolean;
  readonly authPlugin?: string;
}

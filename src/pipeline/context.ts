/**
 * The context a hook gets (MySQL Proxy's `proxy` table): the connection seen from the client side
 * (user, database, address) and the server side (version, thread id, capabilities, scramble, status),
 * the backends, this plugin's state for this connection, the state this plugin shares across all
 * connections (MySQL Proxy's `proxy.global`), the injection queue, and what earlier plugins decided.
 */
import { ServerStatus } from "../protocol/constants.ts";
import type { ServerFlavor } from "../protocol/errors.ts";
import type { Backend, MutableBackend } from "./backends.ts";
import type { Decision } from "./decisions.ts";
import type { InjectionQueue } from "./queue.ts";
import type { Response } from "./responses.ts";

/** The client side of the connection (MySQL Proxy's `proxy.connection.client`). */
export interface ClientSide {
  /** The user the connection authenticates (or authenticated) as. */
  readonly user: string;
  /** The default database, as last set (connect, COM_INIT_DB, USE) and confirmed by the server. */
  readonly database: string | undefined;
  /** Where the client is: its address in a proxy, "in-process" inside the client. */
  readonly address: string;
  /** Connection attributes sent in the handshake. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** The server side of the connection (MySQL Proxy's `proxy.connection.server`). */
export interface ServerSide {
  /** The server's version string (empty until the greeting). */
  readonly version: string;
  readonly flavor: ServerFlavor | undefined;
  /** The server's thread id for this connection (for KILL); 0 until the greeting. */
  readonly threadId: number;
  /** The capabilities in use: the server's until authentication, then the ones both sides agreed on. */
  readonly capabilities: number;
  readonly mariadbCapabilities: number;
  /** The authentication nonce of the greeting. */
  readonly scramble: Uint8Array;
  /** The server's status flags after the last command (SERVER_STATUS_IN_TRANS, ...). */
  readonly statusFlags: number;
  /** The address of the server this connection talks to. */
  readonly address: string | undefined;
  /** Whether the connection to the server is encrypted. */
  readonly tls: boolean;
  /** The authentication plugin used. */
  readonly authPlugin: string;
}

/** What a hook gets as `ctx`. `State` is this plugin's per-connection state, `Global` its shared one. */
export interface PluginContext<State = unknown, Global = unknown> {
  /** The plugin's name. */
  readonly plugin: string;
  /** A number for this connection, unique within the pipeline (for logs). */
  readonly connectionId: number;
  readonly client: ClientSide;
  readonly server: ServerSide;
  /** Every configured backend (MySQL Proxy's `proxy.global.backends`). */
  readonly backends: readonly Backend[];
  /** Index of the backend in use (MySQL Proxy's `proxy.connection.backend_ndx`, 0-based), -1 for none. */
  readonly backendIndex: number;
  /** The backend in use, if any. */
  readonly backend: Backend | undefined;
  /** This plugin's state for this connection (from the plugin's `state()`). */
  state: State;
  /** This plugin's state shared by every connection that uses the plugin (from its `global()`). */
  readonly global: Global;
  /** The commands queued for the client's command (readQuery and readQueryResult; MySQL Proxy's `proxy.queries`). */
  readonly queries: InjectionQueue;
  /** The answer `PROXY_SEND_RESULT` sends (MySQL Proxy's `proxy.response`). */
  response: Response | undefined;
  /** What the plugins before this one decided in this hook, if anything. */
  readonly previous: Decision | undefined;
  /** Whether a transaction is open (SERVER_STATUS_IN_TRANS after the last command). */
  readonly inTransaction: boolean;
}

/** The mutable client side, kept by the pipeline. */
export interface MutableClientSide extends ClientSide {
  user: string;
  database: string | undefined;
  address: string;
  attributes: Readonly<Record<string, string>>;
}

/** The mutable server side, kept by the pipeline. */
export interface MutableServerSide extends ServerSide {
  version: string;
  flavor: ServerFlavor | undefined;
  threadId: number;
  capabilities: number;
  mariadbCapabilities: number;
  scramble: Uint8Array;
  address: string | undefined;
  tls: boolean;
  authPlugin: string;
  statusFlags: number;
}

/** One connection's shared facts, behind every plugin's context. */
export class ConnectionState {
  readonly id: number;
  readonly client: MutableClientSide;
  readonly server: MutableServerSide;
  readonly backends: readonly MutableBackend[];
  backendIndex = -1;
  /** The queue of the command being handled. */
  queue: InjectionQueue | undefined;

  constructor(
    id: number,
    client: MutableClientSide,
    backends: readonly MutableBackend[],
    statusFlags: (() => number) | undefined,
  ) {
    this.id = id;
    this.client = client;
    this.backends = backends;
    let flags = 0;
    this.server = {
      version: "",
      flavor: undefined,
      threadId: 0,
      capabilities: 0,
      mariadbCapabilities: 0,
      scramble: new Uint8Array(0),
      address: undefined,
      tls: false,
      authPlugin: "",
      get statusFlags() {
        return statusFlags ? statusFlags() : flags;
      },
      set statusFlags(v: number) {
        flags = v;
      },
    } as MutableServerSide;
  }
}

/** A plugin's view of a connection: its own state, the shared facts, and per-call fields. */
export class HookContext<State = unknown, Global = unknown> implements PluginContext<State, Global> {
  readonly plugin: string;
  state: State;
  readonly global: Global;
  response: Response | undefined = undefined;
  previous: Decision | undefined = undefined;
  private readonly connection: ConnectionState;

  constructor(plugin: string, connection: ConnectionState, state: State, global: Global) {
    this.plugin = plugin;
    this.connection = connection;
    this.state = state;
    this.global = global;
  }

  get connectionId(): number {
    return this.connection.id;
  }

  get client(): ClientSide {
    return this.connection.client;
  }

  get server(): ServerSide {
    return this.connection.server;
  }

  get backends(): readonly Backend[] {
    return this.connection.backends;
  }

  get backendIndex(): number {
    return this.connection.backendIndex;
  }

  get backend(): Backend | undefined {
    return this.connection.backends[this.connection.backendIndex];
  }

  get queries(): InjectionQueue {
    const q = this.connection.queue;
    if (q === undefined) throw new TypeError("ctx.queries exists only in readQuery and readQueryResult");
    return q;
  }

  get inTransaction(): boolean {
    return (this.connection.server.statusFlags & ServerStatus.IN_TRANS) !== 0;
  }
}

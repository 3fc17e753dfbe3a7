/**
 * Backends (MySQL Proxy's `proxy.global.backends`): the servers a pipeline may connect to, each with
 * an address, a type (read-write or read-only), a state (up, down, unknown) and how many clients are
 * connected to it. Shared by every connection of a pipeline; plugins read them, sessions update them.
 */

/** `BACKEND_TYPE_*`: what a backend accepts. */
export type BackendType = "rw" | "ro" | "unknown";
/** `BACKEND_STATE_*`: whether a backend is reachable, as last seen. */
export type BackendState = "up" | "down" | "unknown";

/** MySQL Proxy's `BACKEND_TYPE_UNKNOWN`. */
export const BACKEND_TYPE_UNKNOWN: BackendType = "unknown";
/** MySQL Proxy's `BACKEND_TYPE_RW`: a primary. */
export const BACKEND_TYPE_RW: BackendType = "rw";
/** MySQL Proxy's `BACKEND_TYPE_RO`: a read-only replica. */
export const BACKEND_TYPE_RO: BackendType = "ro";
/** MySQL Proxy's `BACKEND_STATE_UNKNOWN`. */
export const BACKEND_STATE_UNKNOWN: BackendState = "unknown";
/** MySQL Proxy's `BACKEND_STATE_UP`. */
export const BACKEND_STATE_UP: BackendState = "up";
/** MySQL Proxy's `BACKEND_STATE_DOWN`. */
export const BACKEND_STATE_DOWN: BackendState = "down";

/** How a backend is configured. */
export interface BackendSpec {
  readonly host?: string;
  /** Default 3306. */
  readonly port?: number;
  readonly socketPath?: string;
  /** Default "rw". */
  readonly type?: BackendType;
  /** Default "unknown". */
  readonly state?: BackendState;
}

/** A backend as plugins see it. */
export interface Backend {
  /** Position in `ctx.backends`. */
  readonly index: number;
  /** "host:port" or the socket path. */
  readonly address: string;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly socketPath: string | undefined;
  readonly type: BackendType;
  readonly state: BackendState;
  /** Connections of this pipeline currently using it. */
  readonly connectedClients: number;
}

/** A backend as the pipeline keeps it. */
export interface MutableBackend extends Backend {
  state: BackendState;
  type: BackendType;
  connectedClients: number;
}

const TYPES: readonly string[] = ["rw", "ro", "unknown"];
const STATES: readonly string[] = ["up", "down", "unknown"];

/** Checks backend specs and makes the shared backend list. Throws `TypeError` for a bad spec. */
export function makeBackends(specs: readonly BackendSpec[] | undefined): MutableBackend[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw new TypeError("backends must be an array");
  return specs.map((spec, index) => {
    if (typeof spec !== "object" || spec === null) throw new TypeError(`backend ${index} is not an object`);
    const type = spec.type ?? "rw";
    const state = spec.state ?? "unknown";
    if (!TYPES.includes(type)) throw new TypeError(`backend ${index}: type must be "rw", "ro" or "unknown"`);
    if (!STATES.includes(state)) {
      throw new TypeError(`backend ${index}: state must be "up", "down" or "unknown"`);
    }
    if (spec.socketPath === undefined && typeof spec.host !== "string") {
      throw new TypeError(`backend ${index} needs a host or a socketPath`);
    }
    const port = spec.socketPath === undefined ? spec.port ?? 3306 : undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new TypeError(`backend ${index}: port must be an integer from 1 to 65535`);
    }
    return {
      index,
      address: spec.socketPath ?? `${spec.host}:${port}`,
      host: spec.socketPath === undefined ? spec.host : undefined,
      port,
      socketPath: spec.socketPath,
      type,
      state,
      connectedClients: 0,
    };
  });
}

/** The backend used when no plugin chooses: the first read-write one not down, else the first not down. */
export function defaultBackend(backends: readonly Backend[]): number {
  const usable = backends.filter((b) => b.state !== "down");
  const rw = usable.find((b) => b.type === "rw");
  return (rw ?? usable[0])?.index ?? -1;
}

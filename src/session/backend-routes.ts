/**
 * Routing a session's commands to other backends: when a plugin sends a command to a backend other
 * than the one this session is connected to, the command runs on a connection to that backend,
 * opened on first use with the session's settings (and no plugins of its own: it runs what this
 * session's plugins decided) and kept until the session closes. A backend that cannot be reached is
 * marked "down" for every session of the pipeline. Plugins keep the session state of the backends in
 * step (read-write-split sends USE and SET where needed).
 */
import type { Backend, BackendState } from "../pipeline/backends.ts";
import type { ResponseContext } from "./response.ts";
import { inSyncError } from "./response.ts";

/** A connection to one backend, as routing needs it. */
export interface RoutedConnection {
  readonly closed: boolean;
  readonly responseContext: ResponseContext;
  close(): void;
}

/** What the routes need of their session. */
export interface RouteHost<C extends RoutedConnection> {
  /** The pipeline's backends (`ctx.backends`). */
  readonly backends: readonly Backend[];
  /** Opens a connection to `backend` with the session's settings. */
  open(backend: Backend): Promise<C>;
  /** Records a backend's state for the whole pipeline. */
  mark(index: number, state: BackendState): void;
}

/** The connections a session opened to other backends, by backend index. */
export class BackendRoutes<C extends RoutedConnection> {
  private readonly host: RouteHost<C>;
  private readonly open = new Map<number, Promise<C>>();

  constructor(host: RouteHost<C>) {
    this.host = host;
  }

  /** The response context of the connection to backend `index`, opened on first use. */
  async to(index: number): Promise<ResponseContext> {
    const backend = this.host.backends[index];
    if (backend === undefined) throw inSyncError(`a plugin chose backend ${index}, which is not configured`);
    let conn = this.open.get(index);
    if (conn === undefined) {
      conn = this.host.open(backend);
      this.open.set(index, conn);
      conn.catch(() => {
        this.open.delete(index);
        this.host.mark(index, "down");
      });
    }
    const session = await conn;
    if (session.closed) {
      this.open.delete(index);
      throw inSyncError(`the connection to backend ${index} (${backend.address}) is closed`);
    }
    return session.responseContext;
  }

  /** Closes every routed connection (the session ends). */
  closeAll(): void {
    for (const conn of this.open.values()) conn.then((s) => s.close(), () => {});
    this.open.clear();
  }
}

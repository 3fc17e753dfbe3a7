/**
 * The runtime boundary: a pull-based byte stream (Socket), a server that accepts them (Listener),
 * and the Runtime that makes both. Everything above `runtime/` talks only to these interfaces, so
 * the same session code runs on Node, Deno, Bun and Cloudflare Workers.
 */

/** Where to connect: a TCP host and port, or a Unix socket path. */
export type SocketAddress =
  | { readonly host: string; readonly port: number }
  | { readonly path: string };

/** How to check the peer's certificate during a TLS upgrade. */
export type TlsVerify = "none" | "ca" | "identity";

/** TLS settings for `Socket.startTls`. Certificates and keys are PEM text. */
export interface TlsOptions {
  /** What to verify: nothing, the chain against `ca`, or the chain and the host name. */
  readonly verify: TlsVerify;
  /** Trusted CA certificates (PEM); without them the runtime's default trust store is used. */
  readonly ca?: string | readonly string[];
  /** Client certificate (PEM), for servers that require one. */
  readonly cert?: string;
  /** Client private key (PEM). */
  readonly key?: string;
  /** Name for SNI and for the identity check (defaults to the host connected to). */
  readonly servername?: string;
}

/** A server's TLS identity, PEM text: its certificate (chain) and private key. */
export interface ServerTlsOptions {
  readonly cert: string;
  readonly key: string;
}

/**
 * A connected, pull-based byte stream. Nothing is read from the network unless `read()` is called,
 * so a consumer that stops reading applies backpressure to the peer.
 */
export interface Socket {
  /**
   * The next chunk of bytes, or `null` once the peer has closed the stream. Only one read may be
   * pending at a time. Rejects with `ConnectionError` when the connection fails.
   */
  read(): Promise<Uint8Array | null>;
  /**
   * Queues bytes to send. The promise resolves once the runtime has accepted them without exceeding
   * its buffer (await it to respect backpressure). The caller must not modify `data` afterwards.
   * When the runtime took them at once, adapters return `WRITTEN` itself, so a caller may skip
   * the await (`written === WRITTEN`).
   */
  write(data: Uint8Array): Promise<void>;
  /**
   * Upgrades the connection to TLS in place (MySQL's SSLRequest then handshake). Must be called while
   * no read is pending. Resolves to the encrypted socket, which replaces this one.
   */
  startTls(options: TlsOptions): Promise<Socket>;
  /**
   * The server's side of a TLS upgrade on an accepted connection (a proxy after the client's
   * SSLRequest): presents `cert` with `key`. `initialData` are bytes of the client's TLS handshake
   * already read from this socket (a client may send its ClientHello right behind the SSLRequest).
   * Must be called while no read is pending. Resolves to the encrypted socket, which replaces this
   * one. Absent where the runtime's adapter cannot do it (Node, Deno and Bun have it; Workers do not).
   */
  acceptTls?(options: ServerTlsOptions, initialData?: Uint8Array): Promise<Socket>;
  /** Closes the connection; a pending read resolves with `null`. Safe to call more than once. */
  close(): void;
  /** Where this socket is connected to, for messages. */
  readonly remote: string;
}

/**
 * What `Socket.write` returns when the runtime took the bytes at once: one resolved promise, shared,
 * so that a caller can tell (`written === WRITTEN`) and go on without a promise hop.
 */
export const WRITTEN: Promise<void> = Promise.resolve();

/** A server socket that accepts connections one at a time, on demand. */
export interface Listener {
  /** The next incoming connection, or `null` once the listener is closed. */
  accept(): Promise<Socket | null>;
  /** Stops listening; pending `accept()` calls resolve with `null`. */
  close(): Promise<void>;
  /** The bound address (the port is the real one when 0 was asked for). */
  readonly address: SocketAddress;
}

/** Options for connecting. */
export type ConnectOptions = SocketAddress & {
  /** Give up after this many milliseconds (0: no limit). */
  readonly timeout?: number;
};

/** Options for listening: a TCP host and port (0 picks a free port), or a Unix socket path. */
export type ListenOptions = SocketAddress;

/** One JavaScript runtime's way to open sockets. */
export interface Runtime {
  /** `"node"`, `"deno"`, `"bun"` or `"cloudflare"`. */
  readonly name: string;
  /** Opens a TCP or Unix socket connection. Rejects with `ConnectionError` naming the address. */
  connect(options: ConnectOptions): Promise<Socket>;
  /** Starts a server (not available on Cloudflare Workers). */
  listen(options: ListenOptions): Promise<Listener>;
  /**
   * Why `startTls(options)` cannot work on this runtime (e.g. Deno cannot skip verification), or
   * `undefined` when it can. Lets a session decide before it asks the server for TLS, since
   * `startTls` itself can only fail once the upgrade has been requested. Absent: everything works.
   */
  tlsUnsupported?(options: TlsOptions): string | undefined;
}

/**
 * The client error numbers (libmysql's and MariaDB Connector/C's `CR_*`) for connection codes:
 * 2002 CR_CONNECTION_ERROR (a local socket), 2003 CR_CONN_HOST_ERROR (cannot reach the server),
 * 2005 CR_UNKNOWN_HOST, 2013 CR_SERVER_LOST (lost during a command), 2026 CR_SSL_CONNECTION_ERROR.
 */
const clientErrno: Readonly<Record<string, number>> = {
  ECONNREFUSED: 2003,
  ETIMEDOUT: 2003,
  EHOSTUNREACH: 2003,
  ENETUNREACH: 2003,
  EADDRNOTAVAIL: 2003,
  ENOTSUP: 2003,
  ENOENT: 2002,
  EACCES: 2002,
  ENOTFOUND: 2005,
  EAI_AGAIN: 2005,
  ECONNRESET: 2013,
  EPIPE: 2013,
  CLOSED: 2013,
  TLS: 2026,
};

/** CR_SERVER_GONE_ERROR: a command on a connection that is already closed ("server has gone away"). */
export const CR_SERVER_GONE_ERROR = 2006;

/** The connection could not be made, or broke: refused, unreachable, reset, timed out, TLS failure. */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  /**
   * A short machine-readable code: `"ECONNREFUSED"`, `"ETIMEDOUT"`, `"ECONNRESET"`, `"TLS"`, `"CLOSED"`,
   * `"ENOTSUP"`, `"CROSS_REQUEST"` (Cloudflare Workers: used from another request).
   */
  readonly code: string;
  /** The address involved, as `host:port` or a path. */
  readonly address: string | undefined;
  /**
   * The client error number, as libmysql and MariaDB Connector/C number them: 2003 (cannot
   * connect), 2002 (a Unix socket), 2005 (unknown host), 2013 (lost during a command), 2006 (used
   * after it closed), 2026 (TLS); 2000 (CR_UNKNOWN_ERROR) for anything else.
   */
  readonly errno: number;
  /**
   * Always true: the server session this error happened on is gone. (A connection with
   * `reconnect` opens a new one for its next command; without, the connection is closed.)
   */
  readonly fatal = true;

  constructor(
    code: string,
    message: string,
    address?: string,
    options?: ErrorOptions & { readonly errno?: number },
  ) {
    super(message, options);
    this.code = code;
    this.address = address;
    this.errno = options?.errno ?? clientErrno[code] ?? 2000;
  }
}

/** Formats an address for messages: `host:port` or the socket path. */
export function formatAddress(address: SocketAddress): string {
  return "path" in address ? address.path : `${address.host}:${address.port}`;
}

/** The error of a socket used after `close()` (or after the peer closed it). */
export function closedSocketError(remote: string): ConnectionError {
  return new ConnectionError("CLOSED", `connection to ${remote} is closed`, remote);
}

/** Misuse: the socket was replaced by the TLS socket `startTls` returned. */
export function upgradedSocketError(): Error {
  return new Error("mywire: socket was upgraded to TLS; use the new one");
}

/** Misuse: `read()` while another read is pending (the Socket interface allows one at a time). */
export function pendingReadError(): Error {
  return new Error("mywire: a read is already pending on this socket");
}

/**
 * A socket used from a request other than the one that opened it (Cloudflare Workers allow I/O on
 * a socket only from the request that opened it). Code `"CROSS_REQUEST"`.
 */
export function crossRequestError(remote: string, detail: string, cause?: unknown): ConnectionError {
  return new ConnectionError(
    "CROSS_REQUEST",
    `connection to ${remote} was opened by another request: Cloudflare Workers let only the request that `
      + `opened a connection use it; open connections (and pools) inside the request that uses them and close `
      + `them before it ends (the runtime says: ${detail})`,
    remote,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Whether `error` (or an error it wraps) is a `crossRequestError`. Such a connection is not broken
 * but unusable from here: retrying on a new connection would hide the misuse, so nothing does.
 */
export function isCrossRequestError(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof ConnectionError && e.code === "CROSS_REQUEST") return true;
  }
  return false;
}

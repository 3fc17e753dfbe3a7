/**
 * The Deno adapter: `Deno.connect`, `Deno.startTls` and `Deno.listen` behind the pull-based Socket
 * interface. Reading is naturally pull-based: `conn.read()` is called only from `read()`, so nothing
 * is read while nobody asks (and no read is pending when `Deno.startTls` needs the connection).
 * Writes go out one at a time, in order, each resolving once Deno has handed every byte to the kernel.
 *
 * TLS limits (Deno 2.x `Deno.startTls`, checked against Deno 2.9):
 * - It always verifies the certificate chain. There is no per-connection way to skip that
 *   (only the process-wide `--unsafely-ignore-certificate-errors` flag), so verify "none" throws.
 * - It takes no client certificate or key (only `Deno.connectTls` does, which cannot upgrade an open
 *   connection), so `cert` / `key` throw.
 * - `caCerts` are added to Deno's default root store (Mozilla's, or the system's with
 *   `DENO_TLS_CA_STORE=system`); they do not replace it as Node's `ca` does. With the name check off
 *   (`unsafelyDisableHostnameVerification`, which is what verify "ca" needs), that would accept any
 *   publicly trusted certificate for any name, so verify "ca" with a `ca` throws. Verify "ca" without
 *   `ca` (default roots, no name check) means the same as on Node and works.
 * - Verify "identity" works; with a `ca`, Deno also accepts a publicly trusted certificate for the
 *   right name (the web's trust model), which Node would not.
 * Every refusal is a `ConnectionError` with code "TLS" that says what to do instead: Deno's own
 * `node:tls` does all of these exactly as Node does, so `runtimeByName("node")` under Deno works
 * (but, as of Deno 2.9, a `node:tls` socket keeps reading from the network while paused, so a slow
 * consumer of a TLS connection no longer holds the server back: memory grows with what it sends).
 *
 * (Tried and dropped for the client's side: feeding a `Deno.Conn` to `node:tls` through a
 * `node:stream` Duplex. Deno 2.9 read the whole stream regardless of backpressure and lost data.)
 *
 * Server's side (`acceptTls`, for the proxy): Deno has no native upgrade of an accepted connection
 * (`Deno.startTls` is the client's side; denoland/deno#18451), so `node:tls` does it, over a duplex
 * that reads the connection only when the TLS layer asks and the reader is not behind
 * (`acceptTlsOver` in node.ts: Deno's node:tls reads on while paused, so the duplex stops pulling
 * while the socket's queue is full); checked on Deno 2.9 by test/runtime/socket.test.ts
 * (8 MiB each way, a sender held back) and the proxy's TLS tests (the mariadb CLI, mysql2, mywire).
 */
import { SocketState } from "./socket-state.ts";
import {
  ConnectionError,
  type ConnectOptions,
  formatAddress,
  type Listener,
  type ListenOptions,
  type Runtime,
  type ServerTlsOptions,
  type Socket,
  type SocketAddress,
  type TlsOptions,
  upgradedSocketError,
} from "./socket.ts";

// The few parts of the Deno namespace used here (the project type-checks with @types/node only).
interface DenoAddr {
  readonly transport: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly path?: string;
}
interface DenoConn {
  readonly remoteAddr: DenoAddr;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
}
interface DenoTlsConn extends DenoConn {
  handshake(): Promise<unknown>;
}
interface DenoListener {
  readonly addr: DenoAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}
interface DenoNamespace {
  connect(
    options:
      | { transport?: "tcp"; hostname: string; port: number; signal?: AbortSignal }
      | { transport: "unix"; path: string; signal?: AbortSignal },
  ): Promise<DenoConn>;
  startTls(
    conn: DenoConn,
    options: { hostname: string; caCerts?: string[]; unsafelyDisableHostnameVerification?: boolean },
  ): Promise<DenoTlsConn>;
  listen(
    options: { transport?: "tcp"; hostname: string; port: number } | { transport: "unix"; path: string },
  ): DenoListener;
  remove(path: string): Promise<void>;
}

function deno(): DenoNamespace {
  const d = (globalThis as { Deno?: DenoNamespace }).Deno;
  if (d === undefined) throw new Error("mywire: the Deno runtime adapter needs Deno");
  return d;
}

/** Deno error class names, for errors that carry no `code`. */
const codeByName: Record<string, string> = {
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNABORTED",
  TimedOut: "ETIMEDOUT",
  BrokenPipe: "EPIPE",
  NotFound: "ENOENT",
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  PermissionDenied: "EACCES",
  NotCapable: "EACCES",
  NetworkUnreachable: "ENETUNREACH",
  HostUnreachable: "EHOSTUNREACH",
};

function errorCode(err: unknown, fallback: string): string {
  const e = err as { code?: unknown; name?: string } | undefined;
  if (typeof e?.code === "string" && e.code !== "") return e.code;
  return codeByName[e?.name ?? ""] ?? fallback;
}

/** An error Deno reports when the resource was closed under a pending operation. */
function isClosedError(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === "BadResource" || name === "Interrupted";
}

/** What Deno.startTls cannot do (see the top of this file). */
function tlsUnsupported(options: TlsOptions): string | undefined {
  const node = `runtimeByName("node") (Deno's node:tls can)`;
  if (options.verify === "none") {
    return `Deno.startTls cannot skip certificate verification (verify "none"); use verify "identity" with the `
      + `server's CA, or ${node}`;
  }
  if (options.cert !== undefined || options.key !== undefined) {
    return `Deno.startTls cannot present a client certificate; use ${node}`;
  }
  if (options.verify === "ca" && options.ca !== undefined) {
    return `Deno.startTls cannot verify "ca" against a given CA: it adds the CA to its default roots, and `
      + `without the host name check any publicly trusted certificate would pass; use verify "identity" `
      + `with servername set to a name in the server certificate, or ${node}`;
  }
  return undefined;
}

const SCRATCH = 64 * 1024;

/** A Deno connection, read only on demand. */
class DenoSocket extends SocketState implements Socket {
  private readonly host: string | undefined;
  private readonly conn: DenoConn;
  private readonly isTls: boolean;
  private scratch: Uint8Array | null = null;
  /** Resolves the caller's pending read when `close()` comes first. */
  private abortRead: ((value: null) => void) | null = null;
  /** The tail of the write queue: writes go out one after the other. */
  private writing: Promise<void> = Promise.resolve();
  private pendingWrites = 0;

  constructor(conn: DenoConn, remote: string, host: string | undefined, isTls: boolean) {
    super(remote);
    this.conn = conn;
    this.host = host;
    this.isTls = isTls;
  }

  private fail(err: unknown): ConnectionError {
    if (!this.failure) {
      const code = this.isTls && !errorCode(err, "").startsWith("E") ? "TLS" : errorCode(err, "ECONNRESET");
      this.failure = new ConnectionError(
        code,
        `connection to ${this.remote} failed: ${(err as Error)?.message ?? err}`,
        this.remote,
        { cause: err },
      );
    }
    return this.failure;
  }

  async read(): Promise<Uint8Array | null> {
    if (!this.beginRead()) return null;
    try {
      // A fresh 64 KiB buffer is handed out whole when mostly filled; a short read is copied out so the
      // scratch buffer can be reused (and small chunks do not pin 64 KiB each).
      const buf = this.scratch ?? new Uint8Array(SCRATCH);
      this.scratch = null;
      const closedFirst = new Promise<null>((resolve) => (this.abortRead = resolve));
      let n: number | null;
      try {
        n = await Promise.race([this.conn.read(buf), closedFirst]);
      } catch (err) {
        if (this.closed || isClosedError(err)) return null;
        throw this.fail(err);
      }
      if (this.closed) return null;
      if (n === null) {
        this.ended = true;
        return null;
      }
      if (n >= SCRATCH / 2) return buf.subarray(0, n);
      this.scratch = buf;
      return buf.slice(0, n);
    } finally {
      this.endRead();
      this.abortRead = null;
    }
  }

  private async writeAll(data: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw this.closedError();
    try {
      let offset = 0;
      while (offset < data.length) offset += await this.conn.write(data.subarray(offset));
    } catch (err) {
      throw this.closed ? this.closedError() : this.fail(err);
    }
  }

  write(data: Uint8Array): Promise<void> {
    if (this.upgraded) {
      return Promise.reject(upgradedSocketError());
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(this.closedError());
    this.pendingWrites++;
    const done = this.writing.then(() => this.writeAll(data)).finally(() => this.pendingWrites--);
    this.writing = done.catch(() => {});
    return done;
  }

  async startTls(options: TlsOptions): Promise<Socket> {
    this.checkUpgrade();
    if (this.isTls) {
      throw new ConnectionError("TLS", `connection to ${this.remote} already uses TLS`, this.remote);
    }
    const unsupported = tlsUnsupported(options);
    if (unsupported !== undefined) {
      throw new ConnectionError("TLS", `${unsupported} (connecting to ${this.remote})`, this.remote);
    }
    const ca = options.ca === undefined
      ? undefined
      : typeof options.ca === "string"
      ? [options.ca]
      : [...options.ca];
    await this.writing;
    if (this.failure) throw this.failure;
    this.upgraded = true;
    const hostname = options.servername ?? this.host ?? "localhost";
    let secure: DenoTlsConn | undefined;
    try {
      secure = await deno().startTls(this.conn, {
        hostname,
        caCerts: ca,
        unsafelyDisableHostnameVerification: options.verify === "ca",
      });
      await secure.handshake();
    } catch (err) {
      try {
        (secure ?? this.conn).close();
      } catch {
        // already closed
      }
      throw new ConnectionError(
        "TLS",
        `TLS handshake with ${this.remote} failed: ${(err as Error)?.message ?? err}`,
        this.remote,
        { cause: err },
      );
    }
    return new DenoSocket(secure, this.remote, this.host, true);
  }

  /**
   * The server's side of a TLS upgrade (Deno has none for an open connection: `Deno.startTls` is
   * the client's side only): Deno's `node:tls` over this connection, through the Node adapter's
   * `acceptTlsOver`, loaded on first use.
   */
  async acceptTls(options: ServerTlsOptions, initialData?: Uint8Array): Promise<Socket> {
    this.checkUpgrade();
    if (this.isTls) {
      throw new ConnectionError("TLS", `connection to ${this.remote} already uses TLS`, this.remote);
    }
    await this.writing;
    if (this.failure) throw this.failure;
    this.upgraded = true;
    // The plain connection goes on under a fresh socket that the TLS layer reads on demand.
    const transport = new DenoSocket(this.conn, this.remote, this.host, false);
    const { acceptTlsOver } = await import("./node.ts");
    return acceptTlsOver(transport, options, initialData);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortRead?.(null);
    if (this.upgraded) return;
    const closeConn = () => {
      try {
        this.conn.close();
      } catch {
        // already closed
      }
    };
    if (this.pendingWrites === 0) {
      closeConn();
      return;
    }
    // Let queued writes reach the kernel first, but not forever (a peer that does not read).
    const timer = setTimeout(closeConn, 2000);
    (timer as { unref?: () => void }).unref?.();
    this.writing.then(() => {
      clearTimeout(timer);
      closeConn();
    });
  }
}

function addressOf(addr: DenoAddr, fallback: string): string {
  if (addr.transport === "unix" || addr.transport === "unixpacket") return addr.path || fallback;
  const host = addr.hostname ?? "";
  return `${host.includes(":") ? `[${host}]` : host}:${addr.port}`;
}

async function connect(options: ConnectOptions): Promise<Socket> {
  const address = formatAddress(options);
  const controller = options.timeout ? new AbortController() : undefined;
  const timer = controller ? setTimeout(() => controller.abort(), options.timeout) : undefined;
  let conn: DenoConn;
  try {
    conn = await deno().connect(
      "path" in options
        ? { transport: "unix", path: options.path, signal: controller?.signal }
        : { transport: "tcp", hostname: options.host, port: options.port, signal: controller?.signal },
    );
  } catch (err) {
    if (controller?.signal.aborted) {
      throw new ConnectionError(
        "ETIMEDOUT",
        `could not connect to ${address}: timed out after ${options.timeout} ms`,
        address,
        { cause: err },
      );
    }
    const code = errorCode(err, "ECONNERROR");
    throw new ConnectionError(
      code,
      `could not connect to ${address}: ${(err as Error)?.message ?? err}`,
      address,
      {
        cause: err,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  if (!("path" in options)) conn.setNoDelay?.(true);
  return new DenoSocket(conn, address, "path" in options ? undefined : options.host, false);
}

class DenoSocketListener implements Listener {
  readonly address: SocketAddress;
  private readonly listener: DenoListener;
  private closed = false;

  constructor(listener: DenoListener, address: SocketAddress) {
    this.listener = listener;
    this.address = address;
  }

  async accept(): Promise<Socket | null> {
    if (this.closed) return null;
    let conn: DenoConn;
    try {
      conn = await this.listener.accept();
    } catch (err) {
      if (this.closed || isClosedError(err)) return null;
      throw new ConnectionError(
        errorCode(err, "EACCEPT"),
        `accepting on ${formatAddress(this.address)} failed: ${(err as Error)?.message ?? err}`,
        formatAddress(this.address),
        { cause: err },
      );
    }
    if (this.closed) {
      conn.close();
      return null;
    }
    const isPath = "path" in this.address;
    if (!isPath) conn.setNoDelay?.(true);
    return new DenoSocket(
      conn,
      addressOf(conn.remoteAddr, isPath ? formatAddress(this.address) : "?"),
      undefined,
      false,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.listener.close();
    } catch {
      // already closed
    }
    // Like Node, remove the socket file, so the path can be listened on again.
    if ("path" in this.address) await deno().remove(this.address.path).catch(() => {});
  }
}

async function listen(options: ListenOptions): Promise<Listener> {
  const address = formatAddress(options);
  let listener: DenoListener;
  try {
    listener = deno().listen(
      "path" in options
        ? { transport: "unix", path: options.path }
        : { transport: "tcp", hostname: options.host, port: options.port },
    );
  } catch (err) {
    throw new ConnectionError(
      errorCode(err, "ELISTEN"),
      `could not listen on ${address}: ${(err as Error)?.message ?? err}`,
      address,
      { cause: err },
    );
  }
  const bound: SocketAddress = "path" in options
    ? { path: options.path }
    : { host: listener.addr.hostname ?? options.host, port: listener.addr.port ?? options.port };
  return new DenoSocketListener(listener, bound);
}

/** The Deno runtime: `Deno.connect`, `Deno.startTls`, `Deno.listen`. */
export const denoRuntime: Runtime = { name: "deno", connect, listen, tlsUnsupported };

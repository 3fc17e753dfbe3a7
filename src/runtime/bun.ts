/**
 * The Bun adapter: `Bun.connect`, `socket.upgradeTLS` and `Bun.listen` behind the pull-based Socket
 * interface (checked against Bun 1.4).
 *
 * Bun's sockets are callback-based. Reading: each `data` callback hands its chunk to a pending read
 * or queues it, and once `QUEUE_LIMIT` bytes are queued the socket is paused (`socket.pause()`), so
 * Bun stops reading from the kernel and TCP flow control holds the peer back; `read()` takes a chunk
 * and resumes it below the limit. (Pausing after every chunk cost a trip through the event loop per
 * chunk on large results.) The queue thus holds at most the limit plus the chunks that arrived
 * before the pause took effect. Writing: `socket.write()` returns how many
 * bytes the kernel took and buffers nothing; the rest waits here and goes out on `drain`, and
 * `write()` resolves once every byte of it has been taken.
 *
 * TLS: `socket.upgradeTLS({ tls, socket: handlers })` returns `[raw, tls]`; the raw socket's handlers
 * keep seeing the encrypted bytes, so the old Socket object ignores them from then on. Bun checks the
 * host name itself and ignores `checkServerIdentity`, so verify "ca" runs with
 * `rejectUnauthorized: false` and accepts in the `handshake` callback only a host-name mismatch
 * (`ERR_TLS_CERT_ALTNAME_INVALID`; Bun reports a chain error in preference to it). `ca` replaces the
 * default roots, as in Node.
 *
 * The server's side (`acceptTls`, for the proxy) is Bun's `node:tls` over the accepted socket
 * (`acceptTlsOver` in node.ts): `upgradeTLS` documents only the client's side.
 *
 * Limit: a pending `Bun.connect` cannot be cancelled; on timeout the caller gets ETIMEDOUT at once and
 * the late connection, if it ever comes, is closed.
 */
import { SocketState } from "./socket-state.ts";
import {
  ConnectionError,
  type ConnectOptions,
  formatAddress,
  type Listener,
  type ListenOptions,
  pendingReadError,
  type Runtime,
  type ServerTlsOptions,
  type Socket,
  type SocketAddress,
  type TlsOptions,
  upgradedSocketError,
  WRITTEN,
} from "./socket.ts";

// The parts of Bun's socket API used here (the project type-checks with @types/node only).
interface BunError extends Error {
  code?: string;
}
interface BunTcpSocket {
  data: unknown;
  readonly remoteAddress: string;
  readonly remotePort?: number;
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay?(noDelay?: boolean): boolean;
  upgradeTLS(options: { tls: BunTlsOptions; socket: BunHandlers }): [BunTcpSocket, BunTcpSocket];
}
interface BunTlsOptions {
  ca?: string | string[];
  cert?: string;
  key?: string;
  serverName?: string;
  rejectUnauthorized: boolean;
}
interface BunHandlers {
  /** What `data` gets: a plain Uint8Array (the default is a Buffer). */
  binaryType?: "uint8array";
  open?(socket: BunTcpSocket): void;
  data(socket: BunTcpSocket, chunk: Uint8Array): void;
  drain?(socket: BunTcpSocket): void;
  end?(socket: BunTcpSocket): void;
  close?(socket: BunTcpSocket, error?: BunError): void;
  error?(socket: BunTcpSocket, error: BunError): void;
  handshake?(socket: BunTcpSocket, success: boolean, authorizationError: BunError | null): void;
}
interface BunServer {
  readonly hostname?: string;
  readonly port?: number;
  stop(closeActiveConnections?: boolean): void;
}
interface BunNamespace {
  connect(
    options: { hostname: string; port: number; socket: BunHandlers } | { unix: string; socket: BunHandlers },
  ): Promise<BunTcpSocket>;
  listen(
    options: { hostname: string; port: number; socket: BunHandlers } | { unix: string; socket: BunHandlers },
  ): BunServer;
}

function bun(): BunNamespace {
  const b = (globalThis as { Bun?: BunNamespace }).Bun;
  if (b === undefined) throw new Error("mywire: the Bun runtime adapter needs Bun");
  return b;
}

interface PendingWrite {
  data: Uint8Array;
  resolve(): void;
  reject(err: Error): void;
}

/** Bytes queued (no read pending) before the socket is paused. */
const QUEUE_LIMIT = 64 * 1024;

/** One Bun socket (plain or TLS), read on demand. */
class BunSocket extends SocketState implements Socket {
  private readonly host: string | undefined;
  private readonly isTls: boolean;
  private handle: BunTcpSocket | undefined;
  private readonly chunks: Uint8Array[] = [];
  /** Bytes in `chunks`. */
  private queued = 0;
  private pendingRead: { resolve(v: Uint8Array | null): void; reject(e: Error): void } | null = null;
  private readonly writes: PendingWrite[] = [];
  private paused = false;
  /** close() was called while writes were queued: end the socket once they are out. */
  private closing = false;

  /** The socket that took this connection over in `acceptTls` (the TLS layer's transport). */
  private successor: BunSocket | undefined;

  /** Callbacks for Bun.connect / upgradeTLS (Bun.listen shares one set and dispatches by `data`). */
  readonly handlers: BunHandlers = {
    binaryType: "uint8array",
    open: (s) => this.attach(s),
    data: (_s, chunk) => this.current().onData(chunk),
    drain: () => this.current().flush(),
    end: () => this.current().onEnd(),
    close: (_s, err) => this.current().onClose(err),
    error: (_s, err) => this.current().onError(err),
  };

  /** The socket that owns the connection now: this one, or the one that took it over. */
  current(): BunSocket {
    let s: BunSocket = this;
    while (s.successor !== undefined) s = s.successor;
    return s;
  }

  constructor(remote: string, host: string | undefined, isTls: boolean) {
    super(remote);
    this.host = host;
    this.isTls = isTls;
  }

  attach(handle: BunTcpSocket): void {
    if (this.handle === handle) return;
    this.handle = handle;
    if (this.pendingRead === null) this.pause();
  }

  private pause(): void {
    if (!this.paused && this.handle) {
      this.paused = true;
      this.handle.pause();
    }
  }

  private resume(): void {
    if (this.paused && this.handle) {
      this.paused = false;
      this.handle.resume();
    }
  }

  private wrapError(err: BunError | undefined): ConnectionError {
    let code = err?.code ?? "ECONNRESET";
    if (this.isTls && !code.startsWith("E")) code = "TLS";
    return new ConnectionError(
      code,
      `connection to ${this.remote} failed: ${err?.message ?? "unknown error"}`,
      this.remote,
      { cause: err },
    );
  }

  onData(chunk: Uint8Array): void {
    if (this.upgraded || this.closed) return; // after upgradeTLS the raw socket still sees TLS records
    // Bun hands out a fresh buffer per callback, so it may be kept without copying. The handlers
    // ask for plain Uint8Arrays (`binaryType`); a Buffer (an older Bun) becomes a view of its bytes
    // (reading `.buffer` costs JSC a conversion of the array, so only then).
    const view = Object.getPrototypeOf(chunk) === Uint8Array.prototype
      ? chunk
      : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const waiter = this.pendingRead;
    if (waiter) {
      this.pendingRead = null;
      waiter.resolve(view);
    } else {
      this.chunks.push(view);
      this.queued += view.length;
      // Paused only once the queue is full: pausing after every chunk stops Bun reading between
      // each chunk and the next read(), a round through the event loop per chunk.
      if (this.queued >= QUEUE_LIMIT) this.pause();
    }
  }

  onEnd(): void {
    if (this.upgraded) return;
    this.ended = true;
    this.settleRead();
  }

  onClose(err?: BunError): void {
    if (this.upgraded) return;
    if (err && !this.failure && !this.closed) this.failure = this.wrapError(err);
    this.ended = true;
    this.settleRead();
    this.failWrites(this.failure ?? this.closedError());
  }

  onError(err: BunError): void {
    if (this.upgraded) return;
    this.failure ??= this.wrapError(err);
    this.settleRead();
    this.failWrites(this.failure);
  }

  /** Gives the pending read EOF or the error, once there is no data left for it. */
  private settleRead(): void {
    const waiter = this.pendingRead;
    if (waiter === null || this.chunks.length > 0) return;
    if (this.closed) {
      this.pendingRead = null;
      waiter.resolve(null);
    } else if (this.failure) {
      this.pendingRead = null;
      waiter.reject(this.failure);
    } else if (this.ended) {
      this.pendingRead = null;
      waiter.resolve(null);
    }
  }

  read(): Promise<Uint8Array | null> {
    if (this.upgraded) {
      return Promise.reject(upgradedSocketError());
    }
    if (this.pendingRead) {
      return Promise.reject(pendingReadError());
    }
    const chunk = this.chunks.shift();
    if (chunk) {
      this.queued -= chunk.length;
      if (this.queued < QUEUE_LIMIT) this.resume();
      return Promise.resolve(chunk);
    }
    if (this.closed) return Promise.resolve(null);
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.pendingRead = { resolve, reject };
      this.resume();
    });
  }

  /** Writes queued data for as long as the kernel takes it. */
  private flush(): void {
    const handle = this.handle;
    if (handle === undefined || this.upgraded) return;
    while (this.writes.length > 0) {
      const head = this.writes[0];
      const n = handle.write(head.data);
      if (n < 0) {
        this.failWrites(this.failure ?? this.closedError());
        return;
      }
      if (n < head.data.length) {
        head.data = head.data.subarray(n);
        return;
      }
      this.writes.shift();
      head.resolve();
    }
    if (this.closing) {
      this.closing = false;
      handle.end();
    }
  }

  private failWrites(err: ConnectionError): void {
    for (const w of this.writes.splice(0)) w.reject(err);
    if (this.closing) {
      this.closing = false;
      this.handle?.terminate();
    }
  }

  write(data: Uint8Array): Promise<void> {
    if (this.upgraded) {
      return Promise.reject(upgradedSocketError());
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed || this.ended || this.handle === undefined) return Promise.reject(this.closedError());
    if (this.writes.length === 0) {
      const n = this.handle.write(data);
      if (n === data.length) return WRITTEN;
      if (n < 0) return Promise.reject(this.closedError());
      data = data.subarray(n);
    }
    return new Promise((resolve, reject) => this.writes.push({ data, resolve, reject }));
  }

  /** Resolves once every queued write has gone out. */
  private async drained(): Promise<void> {
    const last = this.writes[this.writes.length - 1];
    if (last) {
      await new Promise<void>((resolve, reject) => {
        const { resolve: res, reject: rej } = last;
        last.resolve = () => (res(), resolve());
        last.reject = (e) => (rej(e), reject(e));
      });
    }
  }

  /** Before a TLS upgrade (`what` names it): the raw handle, once every queued write went out. */
  private async readyForTls(what: string): Promise<BunTcpSocket> {
    const raw = this.handle;
    if (this.upgraded || this.closed || raw === undefined) throw this.closedError();
    if (this.isTls) {
      throw new ConnectionError("TLS", `connection to ${this.remote} already uses TLS`, this.remote);
    }
    if (this.pendingRead) throw new Error(`mywire: ${what} called while a read is pending`);
    if (this.failure) throw this.failure;
    await this.drained();
    return raw;
  }

  async startTls(options: TlsOptions): Promise<Socket> {
    const raw = await this.readyForTls("startTls");
    if (this.chunks.length > 0) {
      // Bytes between the upgrade request and the handshake would be taken as if they had come through
      // TLS (STARTTLS injection).
      this.close();
      throw new ConnectionError(
        "TLS",
        `${this.remote} sent unencrypted data before the TLS handshake`,
        this.remote,
      );
    }
    this.upgraded = true;

    const name = options.servername ?? this.host ?? "localhost";
    const secure = new BunSocket(this.remote, this.host, true);
    const tlsOptions: BunTlsOptions = {
      serverName: name,
      ca: typeof options.ca === "string" ? options.ca : options.ca ? [...options.ca] : undefined,
      cert: options.cert,
      key: options.key,
      // Bun checks the host name whenever it rejects unauthorized peers: for "ca" the check is done
      // below instead.
      rejectUnauthorized: options.verify === "identity",
    };
    const fail = (why: string, cause?: unknown) =>
      new ConnectionError("TLS", `TLS handshake with ${this.remote} failed: ${why}`, this.remote, { cause });
    let handle: BunTcpSocket | undefined;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: ConnectionError) => {
        if (settled) return;
        settled = true;
        if (err) {
          handle?.terminate();
          reject(err);
        } else {
          resolve();
        }
      };
      const handlers: BunHandlers = {
        ...secure.handlers,
        open: undefined,
        handshake: (s, success, authError) => {
          secure.attach(s);
          if (options.verify === "identity" && (!success || authError)) {
            settle(fail(authError?.message ?? "certificate rejected", authError));
          } else if (
            options.verify === "ca" && authError && authError.code !== "ERR_TLS_CERT_ALTNAME_INVALID"
          ) {
            settle(fail(authError.message, authError));
          } else {
            settle();
          }
        },
        error: (s, err) => {
          secure.handlers.error?.(s, err);
          settle(fail(err?.message ?? "error", err));
        },
        close: (s, err) => {
          secure.handlers.close?.(s, err);
          settle(fail(err?.message ?? "connection closed during the handshake", err));
        },
      };
      try {
        // (The TLS socket is attached, and so paused, only once the handshake is done.)
        [, handle] = raw.upgradeTLS({ tls: tlsOptions, socket: handlers });
      } catch (err) {
        settle(fail((err as Error)?.message ?? String(err), err));
      }
    });
    return secure;
  }

  /**
   * The server's side of a TLS upgrade: Bun's `node:tls` (`new TLSSocket(duplex, { isServer: true })`)
   * over this connection, through the Node adapter's `acceptTlsOver`, loaded on first use. (Bun's
   * own `upgradeTLS` documents the client's side only.) The plain connection goes on under a fresh
   * socket that receives this one's callbacks and that the TLS layer reads on demand.
   */
  async acceptTls(options: ServerTlsOptions, initialData?: Uint8Array): Promise<Socket> {
    const raw = await this.readyForTls("acceptTls");
    const transport = new BunSocket(this.remote, this.host, false);
    transport.chunks.push(...this.chunks.splice(0));
    transport.queued = this.queued;
    this.queued = 0;
    transport.ended = this.ended;
    transport.handle = raw;
    transport.paused = this.paused;
    this.upgraded = true;
    this.successor = transport;
    raw.data = transport;
    const { acceptTlsOver } = await import("./node.ts");
    return acceptTlsOver(transport, options, initialData);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks.length = 0;
    this.settleRead();
    if (this.upgraded || this.handle === undefined) return;
    if (this.writes.length === 0) {
      this.handle.end();
      return;
    }
    // Let queued writes go out first, but not forever (a peer that does not read).
    this.closing = true;
    const handle = this.handle;
    const timer = setTimeout(() => {
      if (this.closing) this.failWrites(this.closedError());
      handle.terminate();
    }, 2000);
    (timer as { unref?: () => void }).unref?.();
  }
}

async function connect(options: ConnectOptions): Promise<Socket> {
  const address = formatAddress(options);
  const host = "path" in options ? undefined : options.host;
  const socket = new BunSocket(address, host, false);
  const connecting = bun().connect(
    "path" in options
      ? { unix: options.path, socket: socket.handlers }
      : { hostname: options.host, port: options.port, socket: socket.handlers },
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  try {
    const handle = await (options.timeout
      ? Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(
              new ConnectionError(
                "ETIMEDOUT",
                `could not connect to ${address}: timed out after ${options.timeout} ms`,
                address,
              ),
            );
          }, options.timeout);
        }),
      ])
      : connecting);
    socket.attach(handle);
    if (host !== undefined) handle.setNoDelay?.(true);
    return socket;
  } catch (err) {
    if (timedOut) {
      connecting.then((late) => late.terminate(), () => {});
      throw err;
    }
    const e = err as BunError;
    const code = e?.code ?? "ECONNERROR";
    throw new ConnectionError(
      code,
      `could not connect to ${address}: ${e?.message ?? e} (${code})`,
      address,
      {
        cause: err,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Bun.listen with one shared set of handlers; each accepted socket's `data` is its BunSocket. */
class BunListener implements Listener {
  address: SocketAddress;
  private server: BunServer | undefined;
  private readonly queue: BunSocket[] = [];
  private readonly waiters: Array<(s: Socket | null) => void> = [];
  private closed = false;

  constructor(address: SocketAddress) {
    this.address = address;
  }

  start(options: ListenOptions): void {
    const of = (s: BunTcpSocket) => s.data as BunSocket | undefined;
    const handlers: BunHandlers = {
      binaryType: "uint8array",
      open: (s) => {
        const isPath = "path" in options;
        const remote = isPath ? options.path : `${s.remoteAddress}:${s.remotePort}`;
        const socket = new BunSocket(remote, undefined, false);
        s.data = socket;
        socket.attach(s);
        if (!isPath) s.setNoDelay?.(true);
        if (this.closed) {
          socket.close();
          return;
        }
        const waiter = this.waiters.shift();
        if (waiter) waiter(socket);
        else this.queue.push(socket);
      },
      data: (s, chunk) => of(s)?.onData(chunk),
      drain: (s) => of(s)?.handlers.drain?.(s),
      end: (s) => of(s)?.onEnd(),
      close: (s, err) => of(s)?.onClose(err),
      error: (s, err) => of(s)?.onError(err),
    };
    this.server = bun().listen(
      "path" in options
        ? { unix: options.path, socket: handlers }
        : { hostname: options.host, port: options.port, socket: handlers },
    );
    if (!("path" in options)) {
      this.address = { host: this.server.hostname ?? options.host, port: this.server.port ?? options.port };
    }
  }

  accept(): Promise<Socket | null> {
    const socket = this.queue.shift();
    if (socket) return Promise.resolve(socket);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server?.stop(false);
    for (const socket of this.queue.splice(0)) socket.close();
    for (const waiter of this.waiters.splice(0)) waiter(null);
  }
}

async function listen(options: ListenOptions): Promise<Listener> {
  const listener = new BunListener("path" in options ? { path: options.path } : options);
  try {
    listener.start(options);
  } catch (err) {
    const e = err as BunError;
    const address = formatAddress(options);
    throw new ConnectionError(
      e?.code ?? "ELISTEN",
      `could not listen on ${address}: ${e?.message ?? e}`,
      address,
      {
        cause: err,
      },
    );
  }
  return listener;
}

/** The Bun runtime: `Bun.connect`, `upgradeTLS`, `Bun.listen`. */
export const bunRuntime: Runtime = { name: "bun", connect, listen, tlsUnsupported: () => undefined };

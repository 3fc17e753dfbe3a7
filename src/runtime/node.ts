/**
 * The Node adapter: `node:net` and `node:tls` behind the pull-based Socket interface.
 *
 * Reading: the stream flows (`data` events: the shortest path through Node's streams, with no
 * `readable` tick and no joined copy of buffered chunks); a chunk goes straight to a pending `read()`,
 * else into a queue, and once the queue holds `QUEUE_LIMIT` bytes the socket is paused, so Node stops
 * reading from the kernel and a consumer that does not call `read()` leaves the rest in the kernel
 * and, through TCP flow control, in the peer. `read()` takes the whole queue and resumes the socket. Writing: `write()` resolves at once while Node's write buffer is
 * under its high-water mark, else on `drain`. TLS: `tls.connect({ socket })` on the open socket.
 *
 * This is the only file in the project that may use `Buffer`; chunks are handed out as plain
 * `Uint8Array` views (no copy) so that no caller comes to depend on `Buffer` semantics (`slice`!).
 *
 * Deno and Bun run this adapter through their Node compatibility layers too (`runtimeByName("node")`),
 * which is how to get TLS features their native APIs lack (see deno.ts).
 */
import * as net from "node:net";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
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

/** A Node error as thrown by `node:net` (an `AggregateError` when several addresses were tried). */
interface NodeError extends Error {
  code?: string;
  errors?: NodeError[];
}

function errorCode(err: unknown): string | undefined {
  const e = err as NodeError | undefined;
  return e?.code ?? e?.errors?.find((x) => x.code)?.code;
}

/** Wraps an error from a connected socket: the code is the Node code (`ECONNRESET` ...) or `TLS`. */
function connectionError(err: unknown, remote: string, tlsSocket: boolean): ConnectionError {
  if (err instanceof ConnectionError) return err;
  let code = errorCode(err) ?? "ECONNRESET";
  if (/^ERR_(SSL|TLS)_/.test(code) || (tlsSocket && !code.startsWith("E"))) code = "TLS";
  const message = (err as Error | undefined)?.message ?? String(err);
  return new ConnectionError(code, `connection to ${remote} failed: ${message}`, remote, { cause: err });
}

/** A plain Uint8Array over the Buffer's bytes (no copy; no encoding is ever set, so no strings). */
function toView(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Bytes queued (no read pending) before the socket is paused: Node's default socket high-water mark. */
const QUEUE_LIMIT = 64 * 1024;

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * Runs a TLS handshake over `raw` with the socket `make` builds (client or server side), resolving
 * on `ready`; any failure, or the connection closing first, destroys both and is a `ConnectionError`
 * "TLS" naming `peer`.
 */
function tlsHandshake(
  raw: { destroy(): void },
  peer: string,
  remote: string,
  ready: "secure" | "secureConnect",
  make: () => tls.TLSSocket,
): Promise<tls.TLSSocket> {
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    let tlsSocket: tls.TLSSocket | undefined;
    const fail = (err: unknown) => {
      tlsSocket?.destroy();
      raw.destroy();
      reject(
        new ConnectionError(
          "TLS",
          `TLS handshake with ${peer} failed: ${(err as Error)?.message ?? err}`,
          remote,
          {
            cause: err,
          },
        ),
      );
    };
    try {
      tlsSocket = make();
    } catch (err) {
      fail(err);
      return;
    }
    const made = tlsSocket;
    const onClose = () => fail(new Error("connection closed during the handshake"));
    made.once("error", fail);
    made.once("close", onClose);
    made.once(ready, () => {
      made.off("error", fail);
      made.off("close", onClose);
      resolve(made);
    });
  });
}

/** A `net.Socket` or `tls.TLSSocket` in paused mode, read on demand. */
class NodeSocket extends SocketState implements Socket {
  /** The host name or IP connected to (for TLS), undefined for a Unix socket. */
  private readonly host: string | undefined;
  private readonly sock: net.Socket;
  private readonly isTls: boolean;
  private pendingRead: Waiter<Uint8Array | null> | null = null;
  /** Chunks received while no read was pending, and their size. */
  private queue: Buffer[] = [];
  private queued = 0;
  /** Paused because the queue is full. */
  private paused = false;
  private drainWaiters: Waiter<void>[] = [];

  private readonly onData = (chunk: Buffer) => {
    const waiter = this.pendingRead;
    if (waiter !== null && this.queue.length === 0) {
      this.pendingRead = null;
      waiter.resolve(toView(chunk));
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= QUEUE_LIMIT && !this.paused) {
      this.paused = true;
      this.sock.pause();
      this.onFlow?.(false);
    }
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.fulfil();
  };
  private readonly onError = (err: Error) => {
    this.failure ??= connectionError(err, this.remote, this.isTls);
    this.fulfil();
    this.failWriters(this.failure);
  };
  private readonly onClose = () => {
    this.ended = true;
    this.fulfil();
    this.failWriters(this.failure ?? this.closedError());
  };
  private readonly onDrain = () => {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.resolve();
  };

  /** Told when the queue fills (false) and is taken (true): `acceptTlsOver` stops pulling then. */
  private readonly onFlow: ((flowing: boolean) => void) | undefined;

  constructor(
    sock: net.Socket,
    remote: string,
    host: string | undefined,
    isTls: boolean,
    onFlow?: (flowing: boolean) => void,
  ) {
    super(remote);
    this.onFlow = onFlow;
    this.sock = sock;
    this.host = host;
    this.isTls = isTls;
    // A `data` listener and resume() (an accepted socket starts paused) make the stream flow;
    // `onData` pauses it while the queue is full.
    sock.on("data", this.onData);
    sock.on("end", this.onEnd);
    sock.on("error", this.onError);
    sock.on("close", this.onClose);
    sock.on("drain", this.onDrain);
    sock.resume();
  }

  /** Everything queued, as one chunk; resumes the socket if the full queue had paused it. */
  private takeQueue(): Buffer {
    const queue = this.queue;
    const chunk = queue.length === 1 ? queue[0] : Buffer.concat(queue, this.queued);
    this.queue = [];
    this.queued = 0;
    if (this.paused) {
      this.paused = false;
      this.sock.resume();
      this.onFlow?.(true);
    }
    return chunk;
  }

  /** Resolves the pending read if there is anything to give it: data, EOF or an error. */
  private fulfil(): void {
    const waiter = this.pendingRead;
    if (waiter === null) return;
    if (!this.closed && this.queue.length > 0) {
      this.pendingRead = null;
      waiter.resolve(toView(this.takeQueue()));
    } else if (this.closed) {
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

  private failWriters(err: ConnectionError): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.reject(err);
  }

  read(): Promise<Uint8Array | null> {
    if (this.upgraded) {
      return Promise.reject(upgradedSocketError());
    }
    if (this.pendingRead) {
      return Promise.reject(pendingReadError());
    }
    return new Promise((resolve, reject) => {
      this.pendingRead = { resolve, reject };
      this.fulfil();
    });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.upgraded) {
      return Promise.reject(upgradedSocketError());
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed || this.sock.destroyed || !this.sock.writable) return Promise.reject(this.closedError());
    if (this.sock.write(data)) return WRITTEN;
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Hands the raw socket over to a TLS upgrade: this object is dead afterwards. */
  private detachForTls(buffered: "refuse" | "keep" = "refuse"): net.Socket {
    if (this.upgraded || this.closed) throw this.closedError();
    if (this.isTls) {
      throw new ConnectionError("TLS", `connection to ${this.remote} already uses TLS`, this.remote);
    }
    if (this.pendingRead) throw new Error("mywire: startTls called while a read is pending");
    if (this.failure) throw this.failure;
    const raw = this.sock;
    // The peer must not send anything between the upgrade request and the handshake: bytes already
    // received here would be taken as if they had come through TLS (STARTTLS injection).
    if (buffered === "refuse" && (raw.readableLength > 0 || this.queue.length > 0)) {
      this.close();
      throw new ConnectionError(
        "TLS",
        `${this.remote} sent unencrypted data before the TLS handshake`,
        this.remote,
      );
    }
    this.upgraded = true;
    raw.pause();
    raw.off("data", this.onData);
    raw.off("end", this.onEnd);
    raw.off("close", this.onClose);
    raw.off("drain", this.onDrain);
    raw.off("error", this.onError);
    raw.on("error", () => {}); // the TLS socket reports errors of the underlying socket
    return raw;
  }

  async acceptTls(options: ServerTlsOptions, initialData?: Uint8Array): Promise<Socket> {
    const raw = this.detachForTls("keep");
    // The client's handshake may have begun already: bytes the caller read, bytes this socket
    // queued, and bytes Node buffered.
    const queued = this.queue;
    this.queue = [];
    this.queued = 0;
    const buffered = raw.read() as Buffer | null;
    const head = Buffer.concat([initialData ?? new Uint8Array(0), ...queued, buffered ?? new Uint8Array(0)]);
    const transport = head.length === 0 ? raw : replayingDuplex(raw, head);
    const secure = await tlsHandshake(raw, `client ${this.remote}`, this.remote, "secure", () => {
      const context = tls.createSecureContext({ cert: options.cert, key: options.key });
      return new tls.TLSSocket(transport as net.Socket, { isServer: true, secureContext: context });
    });
    return new NodeSocket(secure, this.remote, this.host, true);
  }

  async startTls(options: TlsOptions): Promise<Socket> {
    const raw = this.detachForTls();
    const name = options.servername ?? this.host ?? "localhost";
    const ip = net.isIP(name) !== 0;
    const tlsOptions: tls.ConnectionOptions = {
      socket: raw,
      // The identity check uses `servername`, else `host`: an IP address goes only into `host`
      // (RFC 6066 forbids an IP address as SNI server name).
      host: name,
      ...(ip ? {} : { servername: name }),
      ca: typeof options.ca === "string" ? options.ca : options.ca ? [...options.ca] : undefined,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: options.verify !== "none",
      ...(options.verify === "ca" ? { checkServerIdentity: () => undefined } : {}),
    };
    const secure = await tlsHandshake(
      raw,
      this.remote,
      this.remote,
      "secureConnect",
      () => tls.connect(tlsOptions),
    );
    return new NodeSocket(secure, this.remote, this.host, true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.upgraded) closeGracefully(this.sock);
    this.fulfil();
    this.failWriters(this.closedError());
  }
}

/**
 * A duplex over `raw` that first yields `head` (bytes already read from it), for a TLS layer to
 * take over a socket whose peer's handshake has begun (a TLSSocket on the raw handle would not
 * see bytes already in JavaScript).
 */
function replayingDuplex(raw: net.Socket, head: Buffer): Duplex {
  const duplex: Duplex = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk, _encoding, callback) {
      raw.write(chunk, callback);
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(error, callback) {
      raw.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(head);
  raw.on("data", (data: Buffer) => {
    if (!duplex.push(data)) raw.pause();
  });
  raw.on("end", () => duplex.push(null));
  raw.on("close", () => duplex.destroy());
  return duplex;
}

/**
 * A duplex over a pull-based `transport` that reads from it only when the stream wants more and
 * `flow(false)` has not stopped it (a TLS layer that keeps reading while paused, as Deno's `node:tls`
 * does, is held back so), first yielding `head` (bytes already read from it); closing either side
 * closes the transport.
 */
function pullingDuplex(
  transport: Socket,
  head: Uint8Array | undefined,
): { duplex: Duplex; flow(flowing: boolean): void } {
  let reading = false;
  let flowing = true;
  /** The stream asked for more while stopped. */
  let asked = false;
  const pull = () => {
    if (reading) return;
    if (!flowing) {
      asked = true;
      return;
    }
    asked = false;
    reading = true;
    transport.read().then(
      (chunk) => {
        reading = false;
        duplex.push(chunk);
      },
      (error: Error) => {
        reading = false;
        duplex.destroy(error);
      },
    );
  };
  const duplex: Duplex = new Duplex({
    read: pull,
    write(chunk: Uint8Array, _encoding, callback) {
      transport.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      transport.close();
      callback();
    },
    destroy(error, callback) {
      transport.close();
      callback(error);
    },
  });
  if (head !== undefined && head.length > 0) duplex.push(head);
  return {
    duplex,
    flow(on) {
      flowing = on;
      if (on && asked) pull();
    },
  };
}

/**
 * The server's side of a TLS upgrade over another adapter's accepted socket (Deno's and Bun's
 * adapters use it: their native APIs have no server-side upgrade of an open connection), with the
 * runtime's `node:tls` (`new TLSSocket(duplex, { isServer: true })`, which both implement) over a
 * duplex that pulls from `transport` on demand. `initialData`: bytes of the client's handshake
 * already read from it. Resolves to the encrypted socket; a failed handshake closes `transport`.
 */
export async function acceptTlsOver(
  transport: Socket,
  options: ServerTlsOptions,
  initialData?: Uint8Array,
): Promise<Socket> {
  const { duplex, flow } = pullingDuplex(transport, initialData);
  const remote = transport.remote;
  const secure = await tlsHandshake(duplex, `client ${remote}`, remote, "secure", () => {
    const context = tls.createSecureContext({ cert: options.cert, key: options.key });
    return new tls.TLSSocket(duplex as net.Socket, { isServer: true, secureContext: context });
  });
  return new NodeSocket(secure, remote, undefined, true, flow);
}

/**
 * Ends the socket (TLS: with close_notify) so that data still in Node's write buffer reaches the
 * kernel, then destroys it; destroys it anyway if the peer does not take the data within 2 s.
 */
function closeGracefully(sock: net.Socket): void {
  if (sock.destroyed) return;
  if (sock.writableFinished || !sock.writable) {
    sock.destroy();
    return;
  }
  const timer = setTimeout(() => sock.destroy(), 2000);
  timer.unref?.();
  sock.once("finish", () => {
    clearTimeout(timer);
    sock.destroy();
  });
  sock.end();
}

/** `host:port` of an accepted TCP connection, or the listener's path for a Unix socket. */
function remoteOf(sock: net.Socket, listening: SocketAddress): string {
  const host = sock.remoteAddress;
  if (host === undefined || "path" in listening) return formatAddress(listening);
  return `${host.includes(":") ? `[${host}]` : host}:${sock.remotePort}`;
}

/** Opens a TCP or Unix socket connection with `node:net`. */
function connect(options: ConnectOptions): Promise<Socket> {
  const address = formatAddress(options);
  const host = "path" in options ? undefined : options.host;
  return new Promise((resolve, reject) => {
    const sock = "path" in options
      ? net.connect({ path: options.path })
      : net.connect({ host: options.host, port: options.port });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      sock.off("error", onError);
      sock.off("connect", onConnect);
    };
    const onError = (err: NodeError) => {
      cleanup();
      sock.destroy();
      const code = errorCode(err) ?? "ECONNERROR";
      reject(
        new ConnectionError(code, `could not connect to ${address}: ${err.message || code}`, address, {
          cause: err,
        }),
      );
    };
    const onConnect = () => {
      cleanup();
      if ("host" in options) sock.setNoDelay(true);
      resolve(new NodeSocket(sock, address, host, false));
    };
    sock.once("error", onError);
    sock.once("connect", onConnect);
    if (options.timeout) {
      timer = setTimeout(() => {
        cleanup();
        sock.on("error", () => {});
        sock.destroy();
        reject(
          new ConnectionError(
            "ETIMEDOUT",
            `could not connect to ${address}: timed out after ${options.timeout} ms`,
            address,
          ),
        );
      }, options.timeout);
    }
  });
}

/** A `net.Server` whose connections are queued until `accept()` takes them, paused until read. */
class NodeListener implements Listener {
  readonly address: SocketAddress;
  private readonly server: net.Server;
  private readonly queue: net.Socket[] = [];
  private readonly waiters: Array<(s: Socket | null) => void> = [];
  private closed = false;

  constructor(server: net.Server, address: SocketAddress) {
    this.server = server;
    this.address = address;
    server.on("connection", (sock) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(this.wrap(sock));
      else this.queue.push(sock);
    });
  }

  private wrap(sock: net.Socket): Socket {
    if (!("path" in this.address)) sock.setNoDelay(true);
    return new NodeSocket(sock, remoteOf(sock, this.address), undefined, false);
  }

  accept(): Promise<Socket | null> {
    const sock = this.queue.shift();
    if (sock) return Promise.resolve(this.wrap(sock));
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const sock of this.queue.splice(0)) sock.destroy();
    for (const waiter of this.waiters.splice(0)) waiter(null);
    // The listening socket closes at once; server.close() would call back only once every accepted
    // connection is gone too, so that is not waited for.
    this.server.close();
    return Promise.resolve();
  }
}

/** Starts a `net.Server` on a TCP host and port or a Unix socket path. */
function listen(options: ListenOptions): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: true, noDelay: true });
    const onError = (err: NodeError) => {
      reject(
        new ConnectionError(
          err.code ?? "ELISTEN",
          `could not listen on ${formatAddress(options)}: ${err.message}`,
          formatAddress(options),
          { cause: err },
        ),
      );
    };
    server.once("error", onError);
    const listening = () => {
      server.off("error", onError);
      server.on("error", () => {}); // accept errors (EMFILE ...) are not fatal to the listener
      const bound = server.address() as net.AddressInfo;
      const address: SocketAddress = "path" in options
        ? { path: options.path }
        : { host: bound.address, port: bound.port };
      resolve(new NodeListener(server, address));
    };
    if ("path" in options) server.listen({ path: options.path }, listening);
    else server.listen({ host: options.host, port: options.port }, listening);
  });
}

/** The Node runtime: `node:net` and `node:tls`. */
export const nodeRuntime: Runtime = { name: "node", connect, listen, tlsUnsupported: () => undefined };

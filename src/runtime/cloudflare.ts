/**
 * The Cloudflare Workers adapter: `connect()` from `cloudflare:sockets`, opened with
 * `secureTransport: "starttls"` so that `socket.startTls()` can upgrade it in place later.
 *
 * `cloudflare:sockets` is imported on first connect by a literal `import()` with a `.catch()`:
 * loading this module never fails elsewhere, and esbuild (which cannot resolve `cloudflare:`)
 * leaves such an import to the runtime instead of failing the bundle. Reading goes through the
 * socket's ReadableStream reader: Workers read from the network only as the stream is pulled, so a
 * consumer that stops calling `read()` applies backpressure. Writing goes through its writer; each
 * `write()` resolves when the stream has taken the bytes.
 *
 * Limits (Workers' TLS is done by the runtime and always verifies the chain against the public
 * roots and the host name; `connect()` takes no CA, no client certificate, no way to skip that):
 * - only verify "identity" works; "none" and "ca" throw a `ConnectionError` "TLS";
 * - a `ca` cannot be given (a server certificate from a private CA cannot be verified at all), nor a
 *   client certificate: both throw;
 * - the runtime reports a failed verification only as a broken stream (`startTls().opened` resolves
 *   before the handshake): the first read or write of the TLS socket fails or ends, and that is
 *   reported as a `ConnectionError` "TLS" naming the host name checked, during `connect()`;
 * - a socket belongs to the request that opened it: used from another request, workerd throws
 *   "Cannot perform I/O on behalf of a different request", reported as a `ConnectionError`
 *   "CROSS_REQUEST" (never retried on a new connection, see `isCrossRequestError`);
 * - no Unix sockets, no listening (Workers cannot accept connections);
 * - Workers do not say why a connection failed: every failure to connect is reported as
 *   ECONNREFUSED, with the runtime's message.
 */
import { SocketState } from "./socket-state.ts";
import {
  ConnectionError,
  type ConnectOptions,
  crossRequestError,
  formatAddress,
  type Listener,
  type Runtime,
  type Socket,
  type TlsOptions,
} from "./socket.ts";

// The parts of `cloudflare:sockets` used here (see @cloudflare/workers-types).
interface CfSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
  startTls(options?: { expectedServerHostname?: string }): CfSocket;
}
interface CfSocketsModule {
  connect(
    address: { hostname: string; port: number },
    options?: { secureTransport?: "off" | "on" | "starttls"; allowHalfOpen?: boolean },
  ): CfSocket;
}

/** What Workers' TLS cannot do (see the top of this file). */
function tlsUnsupported(options: TlsOptions): string | undefined {
  const only = `: Workers always verify the server's certificate against the public roots and its host name `
    + `(verify "identity", without ca)`;
  if (options.verify !== "identity") {
    return `Cloudflare Workers cannot use TLS with verify "${options.verify}"${only}`;
  }
  if (options.ca !== undefined) return `Cloudflare Workers cannot verify against a given CA${only}`;
  if (options.cert !== undefined || options.key !== undefined) {
    return `Cloudflare Workers cannot present a client certificate${only}`;
  }
  return undefined;
}

let socketsModule: Promise<CfSocketsModule> | undefined;

function sockets(): Promise<CfSocketsModule> {
  socketsModule ??= import("cloudflare:sockets").catch((error: unknown) => {
    socketsModule = undefined;
    throw new ConnectionError(
      "ECONNREFUSED",
      `cloudflare:sockets is not available: ${messageOf(error)}`,
      undefined,
      {
        cause: error,
      },
    );
  }) as Promise<CfSocketsModule>;
  return socketsModule;
}

function messageOf(err: unknown): string {
  return (err as Error | undefined)?.message ?? String(err);
}

/** The first sentence of workerd's long message (the whole error stays the `cause`). */
function firstSentence(text: string): string {
  const end = text.indexOf(". ");
  return end === -1 ? text : text.slice(0, end);
}

/** workerd's error for an I/O object (a socket, its streams) touched by another request. */
function isWrongRequest(err: unknown): boolean {
  return /on behalf of a different request/.test(messageOf(err));
}

/** Closes a Workers socket, ignoring every failure (also the synchronous one from another request). */
function closeQuietly(socket: CfSocket | undefined): void {
  try {
    socket?.close().catch(() => {});
  } catch {
    // already closed, or owned by another request: nothing more can be done with it
  }
}

/** A Workers socket, read through its stream reader on demand. */
class CloudflareSocket extends SocketState implements Socket {
  private readonly host: string;
  private readonly socket: CfSocket;
  /** The name the TLS handshake checks the certificate against (TLS sockets only). */
  private readonly tlsName: string | undefined;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  /** A TLS socket that has not received a byte yet: its handshake may still fail. */
  private handshakePending: boolean;
  private abortRead: ((value: null) => void) | null = null;

  constructor(socket: CfSocket, remote: string, host: string, tlsName: string | undefined) {
    super(remote);
    this.socket = socket;
    this.host = host;
    this.tlsName = tlsName;
    this.handshakePending = tlsName !== undefined;
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
    socket.closed.catch(() => {}); // failures surface through read() and write()
  }

  private fail(err: unknown): ConnectionError {
    if (this.failure) return this.failure;
    if (isWrongRequest(err)) {
      this.failure = crossRequestError(this.remote, firstSentence(messageOf(err)), err);
    } else if (this.handshakePending) this.failure = this.handshakeError(messageOf(err), err);
    else {
      this.failure = new ConnectionError(
        this.tlsName !== undefined ? "TLS" : "ECONNRESET",
        `connection to ${this.remote} failed: ${messageOf(err)}`,
        this.remote,
        { cause: err },
      );
    }
    return this.failure;
  }

  /**
   * The TLS handshake failed. workerd resolves `opened` before the handshake and, when it fails
   * (most often: the certificate does not chain to a public root, or is not valid for the name),
   * only breaks the stream, with "internal error; reference = ...", "Network connection lost." or
   * a bare end of stream; its reason goes to its own log. So the reason given is what was checked.
   */
  private handshakeError(detail: string, cause?: unknown): ConnectionError {
    return new ConnectionError(
      "TLS",
      `TLS handshake with ${this.remote} failed: Cloudflare Workers did not accept the server's certificate `
        + `for "${this.tlsName}" (it must chain to a public root CA and name that host), or the server broke `
        + `off the handshake; the runtime gives no more detail than: ${detail}`,
      this.remote,
      cause === undefined ? undefined : { cause },
    );
  }

  async read(): Promise<Uint8Array | null> {
    if (!this.beginRead()) return null;
    try {
      const closedFirst = new Promise<null>((resolve) => (this.abortRead = resolve));
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array> | null;
        try {
          result = await Promise.race([this.reader.read(), closedFirst]);
        } catch (err) {
          if (this.closed) return null;
          throw this.fail(err);
        }
        if (result === null || this.closed) return null;
        if (result.done) {
          // An end before the first byte of a TLS socket is the handshake failing.
          if (this.handshakePending) throw (this.failure ??= this.handshakeError("the stream ended"));
          this.ended = true;
          return null;
        }
        if (result.value.length > 0) {
          this.handshakePending = false;
          return result.value;
        }
      }
    } finally {
      this.endRead();
      this.abortRead = null;
    }
  }

  async write(data: Uint8Array): Promise<void> {
    const refusal = this.writeRefusal();
    if (refusal) throw refusal;
    try {
      await this.writer.write(data);
    } catch (err) {
      throw this.closed ? this.closedError() : this.fail(err);
    }
  }

  async startTls(options: TlsOptions): Promise<Socket> {
    this.checkUpgrade();
    if (this.tlsName !== undefined) {
      throw new ConnectionError("TLS", `connection to ${this.remote} already uses TLS`, this.remote);
    }
    const unsupported = tlsUnsupported(options);
    if (unsupported !== undefined) {
      throw new ConnectionError("TLS", `${unsupported} (connecting to ${this.remote})`, this.remote);
    }
    this.upgraded = true;
    const name = options.servername ?? this.host;
    let secure: CfSocket | undefined;
    try {
      // startTls flushes pending writes itself, then detaches these streams: let go of them first.
      this.reader.releaseLock();
      this.writer.releaseLock();
      // workerd checks the host connected to by default, and logs expectedServerHostname as
      // unsupported: pass it only for another name.
      secure = this.socket.startTls(name === this.host ? undefined : { expectedServerHostname: name });
      await secure.opened; // settles when the upgrade starts, not when the handshake is done
    } catch (err) {
      closeQuietly(secure);
      closeQuietly(this.socket);
      if (isWrongRequest(err)) throw crossRequestError(this.remote, firstSentence(messageOf(err)), err);
      throw new ConnectionError(
        "TLS",
        `TLS handshake with ${this.remote} failed: ${messageOf(err)}`,
        this.remote,
        {
          cause: err,
        },
      );
    }
    return new CloudflareSocket(secure, this.remote, this.host, name);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortRead?.(null);
    if (this.upgraded) return;
    // Socket.close() flushes what was written, then closes both directions.
    closeQuietly(this.socket);
  }
}

async function connect(options: ConnectOptions): Promise<Socket> {
  const address = formatAddress(options);
  if ("path" in options) {
    throw new ConnectionError(
      "ENOTSUP",
      `Cloudflare Workers cannot connect to a Unix socket (${address})`,
      address,
    );
  }
  const { connect: cfConnect } = await sockets();
  let socket: CfSocket;
  try {
    socket = cfConnect({ hostname: options.host, port: options.port }, { secureTransport: "starttls" });
  } catch (err) {
    // Thrown synchronously for an address Workers refuse outright (malformed, or not allowed).
    throw new ConnectionError("ECONNREFUSED", `could not connect to ${address}: ${messageOf(err)}`, address, {
      cause: err,
    });
  }
  socket.closed.catch(() => {}); // a failed connection also rejects `closed`: reported below instead
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await (options.timeout
      ? Promise.race([
        socket.opened,
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ConnectionError(
                  "ETIMEDOUT",
                  `could not connect to ${address}: timed out after ${options.timeout} ms`,
                  address,
                ),
              ),
            options.timeout,
          );
        }),
      ])
      : socket.opened);
  } catch (err) {
    closeQuietly(socket);
    if (err instanceof ConnectionError) throw err;
    throw new ConnectionError("ECONNREFUSED", `could not connect to ${address}: ${messageOf(err)}`, address, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
  return new CloudflareSocket(socket, address, options.host, undefined);
}

function listen(): Promise<Listener> {
  return Promise.reject(
    new ConnectionError(
      "ENOTSUP",
      "Cloudflare Workers cannot listen for connections (outbound sockets only)",
      undefined,
    ),
  );
}

/** The Cloudflare Workers runtime: outbound TCP through `cloudflare:sockets`. */
export const cloudflareRuntime: Runtime = { name: "cloudflare", connect, listen, tlsUnsupported };

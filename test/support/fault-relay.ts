/**
 * A fault-injecting TCP relay for the resilience tests: it sits between a client and the test
 * server, forwards bytes both ways, and on request resets, stalls, truncates, delays or drops them
 * at a chosen byte offset or after a chosen time, refuses new connections, or cuts every open one.
 *
 * It uses the runtime's own pull-based sockets (src/runtime), so it runs unchanged on Node, Deno
 * and Bun, and a stalled direction is really stalled: the relay stops reading, and TCP flow control
 * holds the sender back. The Socket interface has no way to send a TCP RST, so a "reset" closes both
 * sides at once (the client sees the connection end mid-conversation, as it would after a RST);
 * "truncate" does the same after delivering exactly `afterBytes` bytes, so a packet is cut in two.
 *
 * Every timer and socket the relay makes is released by `close()`.
 */
import "../../src/entry/auto.ts"; // registers every runtime adapter
import { detectRuntime } from "../../src/runtime/detect.ts";
import type { Listener, Socket } from "../../src/runtime/socket.ts";

/** Which way bytes flow: from the client to the server, or back. */
export type Direction = "toServer" | "toClient";

/** What to do to the bytes of one direction once the fault is triggered. */
export interface Fault {
  /**
   * - `reset`: close both sides at once;
   * - `truncate`: deliver exactly `afterBytes` bytes, then close both sides;
   * - `stall`: stop forwarding (and reading) until `heal()`;
   * - `delay`: hold each chunk `ms` milliseconds before forwarding it;
   * - `drop`: discard the bytes; the connection stays open.
   */
  readonly action: "reset" | "truncate" | "stall" | "delay" | "drop";
  /** The direction affected. Default `"toClient"`. */
  readonly direction?: Direction;
  /** Bytes let through (counted from when the fault is applied) before it triggers. Default 0. */
  readonly afterBytes?: number;
  /** Trigger after this many milliseconds instead of (or as well as) a byte count. */
  readonly afterMs?: number;
  /** For `delay`: milliseconds per chunk. Default 20. */
  readonly ms?: number;
}

/** A relay between clients and one upstream server. */
export interface FaultRelay {
  readonly host: string;
  readonly port: number;
  /** Connections open through the relay right now. */
  readonly open: number;
  /** Connections accepted since the relay started. */
  readonly accepted: number;
  /** Bytes forwarded (all connections) in each direction since the relay started. */
  readonly bytes: Readonly<Record<Direction, number>>;
  /** Applies `fault` to every open connection; byte offsets count from now. */
  inject(fault: Fault): void;
  /** Applies `fault` to the next `count` (default 1) connections; offsets count from their first byte. */
  injectNext(fault: Fault, count?: number): void;
  /** Removes every fault (also pending `injectNext` ones); stalled connections go on. */
  heal(): void;
  /** Cuts every open connection at once. */
  cutAll(): void;
  /** While on, a new connection is accepted and closed at once (a server that is down). */
  refuse(on: boolean): void;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** One direction of one relayed connection, with its fault (if any). */
class Pipe {
  readonly direction: Direction;
  private readonly from: Socket;
  private readonly to: Socket;
  private readonly link: Link;
  private readonly count: (n: number) => void;
  private fault: Fault | undefined;
  /** Bytes still to let through before the fault triggers; 0: triggered. */
  private remaining = 0;
  /** Waiting for `afterMs`: the fault is armed but not yet triggered. */
  private waitingForTime = false;
  private wake: (() => void) | undefined;

  constructor(direction: Direction, from: Socket, to: Socket, link: Link, count: (n: number) => void) {
    this.direction = direction;
    this.from = from;
    this.to = to;
    this.link = link;
    this.count = count;
  }

  private async forward(bytes: Uint8Array): Promise<void> {
    await this.to.write(bytes.slice());
    this.count(bytes.length);
  }

  /** Arms a fault on this direction. */
  arm(fault: Fault): void {
    this.fault = fault;
    this.remaining = fault.afterBytes ?? 0;
    this.waitingForTime = fault.afterMs !== undefined;
    if (fault.afterMs !== undefined) {
      this.link.timer(fault.afterMs, () => {
        if (this.fault !== fault) return;
        this.waitingForTime = false;
        this.remaining = 0;
        if (fault.action === "reset" || fault.action === "truncate") this.link.close();
      });
    } else if (this.remaining === 0 && (fault.action === "reset" || fault.action === "truncate")) {
      this.link.close();
    }
  }

  /** Removes the fault; a stalled pump goes on. */
  disarm(): void {
    this.fault = undefined;
    this.wakeUp();
  }

  /** Lets a pump waiting in a stall or a delay go on (it checks whether the link is closed). */
  wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private pause(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) this.link.timer(ms, () => this.wakeUp());
    });
  }

  /** Forwards bytes until either side closes. */
  async run(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.from.read();
        if (chunk === null || this.link.closed) return;
        let rest: Uint8Array = chunk;
        while (rest.length > 0 && !this.link.closed) {
          const fault = this.fault;
          if (fault === undefined || this.waitingForTime) {
            await this.forward(rest);
            break;
          }
          if (this.remaining > 0) {
            const n = Math.min(this.remaining, rest.length);
            await this.forward(rest.subarray(0, n));
            this.remaining -= n;
            rest = rest.subarray(n);
            continue;
          }
          if (fault.action === "reset" || fault.action === "truncate") {
            this.link.close();
            return;
          }
          if (fault.action === "drop") break;
          if (fault.action === "stall") {
            await this.pause();
            continue;
          }
          // delay
          await this.pause(fault.ms ?? 20);
          if (this.link.closed) return;
          await this.forward(rest);
          break;
        }
      }
    } catch {
      // A side failed: the connection is over.
    } finally {
      this.link.close();
    }
  }
}

/** One client connection and its upstream connection. */
class Link {
  readonly client: Socket;
  readonly server: Socket;
  readonly pipes: Record<Direction, Pipe>;
  closed = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly onClose: (link: Link) => void;

  constructor(
    client: Socket,
    server: Socket,
    onClose: (link: Link) => void,
    bytes: Record<Direction, number>,
  ) {
    this.client = client;
    this.server = server;
    this.onClose = onClose;
    this.pipes = {
      toServer: new Pipe("toServer", client, server, this, (n) => bytes.toServer += n),
      toClient: new Pipe("toClient", server, client, this, (n) => bytes.toClient += n),
    };
  }

  /** A timer that is cleared when the link closes. */
  timer(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  apply(fault: Fault): void {
    this.pipes[fault.direction ?? "toClient"].arm(fault);
  }

  heal(): void {
    this.pipes.toServer.disarm();
    this.pipes.toClient.disarm();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.client.close();
    this.server.close();
    this.pipes.toServer.wakeUp();
    this.pipes.toClient.wakeUp();
    this.onClose(this);
  }
}

/** Starts a relay on 127.0.0.1 (a free port) to `upstream`. */
export async function startFaultRelay(upstream: { host: string; port: number }): Promise<FaultRelay> {
  const runtime = await detectRuntime();
  const listener: Listener = await runtime.listen({ host: "127.0.0.1", port: 0 });
  const address = listener.address;
  if (!("port" in address)) throw new Error("the relay did not get a TCP port");
  const links = new Set<Link>();
  const running = new Set<Promise<void>>();
  let next: { fault: Fault; count: number }[] = [];
  let refusing = false;
  let accepted = 0;
  let closing = false;
  const bytes: Record<Direction, number> = { toServer: 0, toClient: 0 };

  const serve = async (client: Socket) => {
    if (refusing) {
      client.close();
      return;
    }
    let server: Socket;
    try {
      server = await runtime.connect({ host: upstream.host, port: upstream.port });
    } catch {
      client.close();
      return;
    }
    if (closing) {
      client.close();
      server.close();
      return;
    }
    const link = new Link(client, server, (l) => links.delete(l), bytes);
    links.add(link);
    for (const entry of next) {
      if (entry.count > 0) {
        entry.count--;
        link.apply(entry.fault);
      }
    }
    next = next.filter((e) => e.count > 0);
    await Promise.all([link.pipes.toServer.run(), link.pipes.toClient.run()]);
  };

  const acceptLoop = (async () => {
    for (;;) {
      const client = await listener.accept();
      if (client === null) return;
      accepted++;
      const task = serve(client).catch(() => {});
      running.add(task);
      task.finally(() => running.delete(task));
    }
  })();

  return {
    host: "127.0.0.1",
    port: address.port,
    get open() {
      return links.size;
    },
    get accepted() {
      return accepted;
    },
    bytes,
    inject(fault) {
      for (const link of [...links]) link.apply(fault);
    },
    injectNext(fault, count = 1) {
      next.push({ fault, count });
    },
    heal() {
      next = [];
      for (const link of links) link.heal();
    },
    cutAll() {
      for (const link of [...links]) link.close();
    },
    refuse(on) {
      refusing = on;
    },
    async close() {
      closing = true;
      await listener.close();
      await acceptLoop;
      for (const link of [...links]) link.close();
      await Promise.allSettled([...running]);
    },
  };
}

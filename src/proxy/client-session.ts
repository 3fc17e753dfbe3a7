/**
 * One client of the proxy, from accept to close: the connection phase (client-auth.ts), its
 * backend connection (with multiplexing, one borrowed from the pool per statement, or kept while
 * the client is pinned, see multiplex.ts; without, its own, backend.ts), then each command
 * through the plan runner with the client's relay as target (relay.ts), so plugins decide in the
 * proxy exactly as in the client (without plugins that hook commands, straight to the relay, as
 * the client session skips the pipeline then). With multiplexing the proxy answers KILL,
 * COM_PROCESS_KILL, COM_RESET_CONNECTION and COM_STMT_CLOSE itself. COM_QUIT ends the client;
 * COM_CHANGE_USER re-authenticates it against the proxy's users and gives it a fresh backend
 * session as the new user. A client that breaks the protocol gets an ERR where the protocol
 * allows and is closed; nothing it sends before it is authenticated reaches a backend; a backend
 * that fails mid-command gets the client an ERR naming the backend.
 */
import { commandName, type QueryCommand } from "../pipeline/command.ts";
import type { PipelineSession } from "../pipeline/pipeline-session.ts";
import type { Pipeline } from "../pipeline/pipeline.ts";
import type { Injection } from "../pipeline/queue.ts";
import { PlanDisconnect, runPlan } from "../pipeline/run-plan.ts";
import { utf8 } from "../protocol/bytes.ts";
import { decodeChangeUser } from "../protocol/commands/change-user.ts";
import { decodeProcessKill } from "../protocol/commands/utility.ts";
import { Command } from "../protocol/constants.ts";
import { MysqlError, ProtocolError } from "../protocol/errors.ts";
import { encodeOk, type ErrPacket } from "../protocol/results.ts";
import type { Runtime, Socket } from "../runtime/socket.ts";
import type { PacketChannel } from "../session/channel.ts";
import type { SessionOptions } from "../session/options.ts";
import type { Session } from "../session/session.ts";
import { type BackendPool, PoolFull } from "./backend-pool.ts";
import { backendSessionOptions, openBackend } from "./backend.ts";
import { isBinlogDump, relayBinlogDump } from "./binlog-relay.ts";
import {
  acceptClient,
  type AuthSettings,
  type ClientLogin,
  type ClientSecret,
  type GreetingFacts,
  LoginRefused,
  verifyClient,
} from "./client-auth.ts";
import { ClientOutput } from "./client-output.ts";
import { compressClient, startCommand } from "./compression.ts";
import { type KillStatement, parseKill } from "./connection-ids.ts";
import {
  accessDenied,
  backendLost,
  backendUnavailable,
  badHandshake,
  errPayload,
  packetsOutOfOrder,
  packetTooLarge,
  poolFull,
  proxyFailure,
  unknownCommand,
} from "./errors.ts";
import { BackendUnavailable, Multiplexed, type MuxQuery } from "./multiplex.ts";
import type { ResolvedProxyOptions, ResolvedUser } from "./options.ts";
import type { PinReason } from "./pinning.ts";
import {
  type BackendConnection,
  backendConnection,
  BackendFailure,
  ClientFailure,
  ClientRelay,
} from "./relay.ts";
import { mapLogin } from "./user-mapping.ts";

/** What every client of one proxy shares. */
export interface ProxyShared {
  readonly options: ResolvedProxyOptions;
  readonly auth: AuthSettings;
  readonly facts: GreetingFacts;
  readonly pipeline: Pipeline<any, any>;
  readonly runtime: Runtime | undefined;
  /** Open backend connections outside the pool, over all clients. */
  backendConnections: number;
  /** The pool of backend connections, when multiplexing. */
  readonly pool: BackendPool | undefined;
  /** The logged-in clients by their connection id (for KILL). */
  readonly clients: Map<number, ProxyClient>;
}

/** The host part of "host:port", for "Access denied for user 'u'@'host'". */
function hostOf(remote: string): string {
  const i = remote.lastIndexOf(":");
  return (i > 0 ? remote.slice(0, i) : remote).replace(/^\[(.*)\]$/, "$1").replace(/^::ffff:/, "");
}

/** What a client's protocol error is answered with. */
function protocolErr(error: ProtocolError): ErrPacket {
  if (error.reason === "oversized") return packetTooLarge();
  if (error.reason === "sequence") return packetsOutOfOrder();
  return badHandshake(error.message);
}

/** Who a backend connection logs in for: the client's user, secret, database and attributes. */
type BackendLogin = {
  readonly user: ResolvedUser;
  readonly secret: ClientSecret;
  readonly database: string;
  readonly attributes: Readonly<Record<string, string>>;
};

/** An open backend connection of a client. */
interface OpenBackend {
  readonly session: Session;
  readonly conn: BackendConnection;
}

/** One client connection of the proxy. */
export class ProxyClient {
  readonly id: number;
  private readonly shared: ProxyShared;
  private readonly socket: Socket;
  private channel!: PacketChannel;
  private output!: ClientOutput;
  private readonly host: string;
  private login: ClientLogin | undefined;
  private ps: PipelineSession | undefined;
  private relay: ClientRelay | undefined;
  private backend: OpenBackend | undefined;
  /** The multiplexing part of this client (when the proxy multiplexes). */
  private mux: Multiplexed | undefined;
  private loggedIn = false;
  private readonly others = new Map<number, OpenBackend>();
  private ownIndex = -1;
  private ended = false;

  constructor(socket: Socket, shared: ProxyShared, id: number) {
    this.id = id;
    this.shared = shared;
    this.socket = socket;
    this.host = hostOf(socket.remote);
  }

  /** True once the client authenticated and has its backend connection. */
  get authenticated(): boolean {
    return this.loggedIn;
  }

  /** The proxy user this client is logged in as. */
  get userName(): string | undefined {
    return this.login?.user.name;
  }

  /** Why the client is pinned to its backend connection now (empty: it is not). */
  pinReasons(): PinReason[] {
    return this.mux?.pins.reasons() ?? [];
  }

  /** The backend thread serving this client now (while a statement runs, or pinned), if any. */
  get servingThread(): { readonly threadId: number; readonly busy: boolean } | undefined {
    return this.mux?.serving;
  }

  /** Serves the client until it leaves or fails; always resolves, having closed everything. */
  async run(): Promise<void> {
    try {
      if (await this.connect()) await this.commands();
    } catch {
      // The client or its backend failed; the cleanup below is all that is left to do.
    } finally {
      await this.cleanup();
    }
  }

  /** Closes the client now (and its backend connections): `run()` then ends. */
  destroy(): void {
    this.ended = true;
    this.socket.close();
    this.channel?.socket.close();
    this.backend?.session.destroy();
    this.mux?.destroy();
    for (const b of this.others.values()) b.session.destroy();
  }

  private async sendErr(err: ErrPacket): Promise<void> {
    await this.output.push(errPayload(err));
    await this.output.flush();
  }

  private async trySendErr(err: ErrPacket): Promise<void> {
    try {
      await this.sendErr(err);
    } catch {
      // the client is gone
    }
  }

  /** The connection phase: true when the client is logged in with a backend connection. */
  private async connect(): Promise<boolean> {
    const limit = this.shared.options.loginTimeout;
    // A client that does not finish logging in is dropped: it holds no backend connection meanwhile.
    const timer = limit > 0 ? setTimeout(() => this.destroy(), limit) : undefined;
    try {
      return await this.logIn();
    } finally {
      clearTimeout(timer);
    }
  }

  private async logIn(): Promise<boolean> {
    let login: ClientLogin;
    // The client's pipeline session opens at accept: readHandshake sees the proxy's greeting first.
    const ps = this.openPipeline({});
    try {
      const accepted = await acceptClient(
        this.socket,
        this.shared.auth,
        this.shared.facts,
        this.id,
        this.host,
        this.shared.options.maxPacketSize,
        async (greeting) => {
          const plan = await ps.onHandshake(greeting);
          return plan._tag === "SendResult" ? plan.packets : plan.greeting;
        },
      );
      login = accepted.login;
      this.channel = accepted.channel;
      this.output = new ClientOutput(this.channel);
    } catch {
      return false;
    }
    this.login = login;
    return this.startSession(login.user, login.secret, login.response.database, login.response.attributes);
  }

  /** Opens the client's pipeline session (its plugins' per-connection state) as `this.ps`. */
  private openPipeline(init: {
    user?: string;
    database?: string;
    attributes?: Readonly<Record<string, string>>;
  }): PipelineSession {
    this.ps = this.shared.pipeline.open({
      ...init,
      address: this.socket.remote,
      statusFlags: () => this.relay?.statusFlags ?? 0,
    });
    return this.ps;
  }

  /**
   * Opens the pipeline (readAuth, connectServer) and the backend connection for `user`, then sends
   * the final OK (after readAuthResult), or the ERR that refuses the client.
   */
  private async startSession(
    user: ResolvedUser,
    secret: ClientSecret,
    database: string,
    attributes: Readonly<Record<string, string>>,
  ): Promise<boolean> {
    const login = this.login!;
    // The first login's session opened at accept; after COM_CHANGE_USER a new one opens.
    const ps = this.ps ?? this.openPipeline({ user: user.name, database: database || undefined, attributes });
    const auth = await ps.onAuth({
      user: user.name,
      database: database || undefined,
      attributes,
      capabilities: login.capabilities,
      charset: login.response.charset,
      authPluginName: login.plugin,
    });
    if (auth._tag === "SendResult") {
      for (const p of auth.packets) await this.output.push(p);
      await this.output.flush();
      return false;
    }
    const connect = await ps.onConnect();
    if (connect._tag === "SendResult") {
      for (const p of connect.packets) await this.output.push(p);
      await this.output.flush();
      return false;
    }
    const mapped = mapLogin({ user, secret }, auth.auth, this.shared.options.users);
    if (typeof mapped === "string") {
      await this.trySendErr(accessDenied(user.name, hostOf(this.socket.remote), true, mapped));
      return false;
    }
    const who = {
      user: mapped.user,
      secret: mapped.secret,
      database: auth.auth.database ?? "",
      attributes: auth.auth.attributes,
    };
    const pool = this.shared.pool;
    let opened: OpenBackend;
    // A backend that cannot be reached is marked down; the default choice then moves to the next.
    for (let plan = connect;;) {
      this.ownIndex = plan.backendIndex;
      const index = Math.max(0, plan.backendIndex);
      try {
        if (pool !== undefined) {
          this.mux = new Multiplexed(
            pool,
            index,
            this.backendOptions(index, who),
            this.shared.options.backends[index].address,
          );
          const held = await this.mux.logIn(who.database);
          opened = { session: held.session, conn: held.conn };
        } else {
          opened = await this.open(index, who);
        }
        break;
      } catch (error) {
        this.mux = undefined;
        if (this.ended) return false;
        if (error instanceof MysqlError) {
          // The backend refused the login's database (or the replay): the client gets that ERR.
          await this.trySendErr(error);
          return false;
        }
        if (error instanceof PoolFull) {
          await this.trySendErr(poolFull(error.message));
          return false;
        }
        const failed = this.shared.options.backends[index];
        let next: typeof plan | undefined;
        if (plan.chosenByPlugin) ps.markBackend(plan.backendIndex, "down");
        else if (plan.backendIndex >= 0) next = ps.failOver();
        if (next === undefined) {
          await this.trySendErr(
            backendUnavailable(failed.address, (error as Error)?.message ?? String(error)),
          );
          return false;
        }
        plan = next;
      }
    }
    if (pool === undefined) this.backend = opened;
    const session = opened.session;
    Object.assign(ps.connection.server, {
      version: session.info.greeting.serverVersion,
      flavor: session.info.flavor,
      threadId: session.info.connectionId,
      capabilities: session.info.capabilities,
      mariadbCapabilities: session.info.mariadbCapabilities,
      address: opened.conn.address,
      tls: session.info.tls,
      authPlugin: session.info.authPlugin,
      statusFlags: session.statusFlags,
    });
    this.relay = new ClientRelay(
      { channel: this.channel, output: this.output, capabilities: login.capabilities },
      {
        own: () => this.mux?.conn ?? this.backend!.conn,
        ownIndex: this.ownIndex,
        other: (index) => this.otherBackend(index),
      },
      session.statusFlags,
    );
    const ok = encodeOk(
      { affectedRows: 0, insertId: 0, statusFlags: session.statusFlags, warningCount: 0, info: "" },
      login.capabilities,
    );
    // The pipeline's server side is the backend connection: plugins' answers are encoded in its
    // framing (DEPRECATE_EOF, extended type info), and the relay translates them for the client.
    const final = await ps.onAuthResult(ok, {
      capabilities: session.info.capabilities,
      mariadbCapabilities: session.info.mariadbCapabilities,
      tls: login.tls,
      authPlugin: login.plugin,
    });
    this.mux?.afterLogin();
    await this.output.push(final);
    await this.output.flush();
    const loggedIn = final[0] === 0x00;
    if (loggedIn) await compressClient(this.channel, login.capabilities);
    this.loggedIn = loggedIn;
    if (loggedIn) this.shared.clients.set(this.id, this);
    return loggedIn;
  }

  /** The session options of a backend connection for the logged-in client. */
  private backendOptions(
    index: number,
    who: BackendLogin,
  ): SessionOptions {
    const login = this.login!;
    return backendSessionOptions(this.shared.options.backends[index], {
      ...who,
      charset: login.response.charset,
      capabilities: login.capabilities,
      mariadbCapabilities: login.mariadbCapabilities,
    }, {
      connectTimeout: this.shared.options.connectTimeout,
      maxPacketSize: this.shared.options.maxPacketSize,
      runtime: this.shared.runtime,
    });
  }

  /** Opens a backend connection to backend `index` for the logged-in client. */
  private async open(
    index: number,
    who: BackendLogin,
  ): Promise<OpenBackend> {
    const backend = this.shared.options.backends[index];
    const session = await openBackend(this.backendOptions(index, who));
    this.shared.backendConnections++;
    if (this.ended) {
      this.closeBackend({ session, conn: undefined as never });
      throw new Error("the client left");
    }
    const channel = await session.exclusive(async (ch) => ch);
    const conn = backendConnection(channel, {
      address: backend.address,
      capabilities: session.info.capabilities,
      mariadbCapabilities: session.info.mariadbCapabilities,
      flavor: session.info.flavor,
    });
    return { session, conn };
  }

  /** The connection to another backend a plugin routed a command to, opened on first use. */
  private async otherBackend(index: number): Promise<BackendConnection> {
    const known = this.others.get(index);
    if (known !== undefined) return known.conn;
    const login = this.login!;
    const opened = await this.open(index, {
      user: login.user,
      secret: login.secret,
      database: this.ps?.connection.client.database ?? "",
      attributes: login.response.attributes,
    });
    this.others.set(index, opened);
    return opened.conn;
  }

  private closeBackend(b: OpenBackend): void {
    this.shared.backendConnections--;
    b.session.close().catch(() => {});
  }

  /** The command phase: one command at a time until the client quits or fails. */
  private async commands(): Promise<void> {
    for (;;) {
      startCommand(this.channel);
      let payload: Uint8Array;
      try {
        payload = (await this.channel.read()).slice();
      } catch (error) {
        if (error instanceof ProtocolError) await this.trySendErr(protocolErr(error));
        return;
      }
      if (payload.length === 0) {
        await this.sendErr(unknownCommand());
        continue;
      }
      if (payload[0] === Command.COM_QUIT) return;
      if (isBinlogDump(payload[0])) {
        // The dump takes the backend connection over; the client's session ends with it.
        const io = { channel: this.channel, output: this.output };
        await (async () => {
          const conn = this.mux !== undefined ? await this.mux.dedicate() : this.backend!.conn;
          await relayBinlogDump(io, conn, payload);
        })().catch(() => {});
        return;
      }
      if (payload[0] === Command.COM_CHANGE_USER) {
        if (!(await this.changeUser(payload))) return;
        continue;
      }
      if (!(await this.command(payload))) return;
    }
  }

  /** Runs one command through the plan runner; false when the client must be closed. */
  private async command(payload: Uint8Array): Promise<boolean> {
    this.output.reset();
    const mux = this.mux;
    let query: MuxQuery | undefined;
    let healthy = false;
    try {
      if (mux !== undefined) {
        const sql = payload[0] === Command.COM_QUERY ? utf8(payload, 1) : undefined;
        const local = this.localCommand(payload, sql);
        if (local !== undefined) return await local;
        query = mux.prepareQuery(payload, sql, this.id);
        let bound: Uint8Array | ErrPacket | Promise<Uint8Array | ErrPacket>;
        try {
          // Without a pin or a replay to wait for, both are synchronous: the command is written to
          // the backend in the same turn as the client's packet was read.
          const borrowing = mux.borrow();
          if (borrowing !== undefined) await borrowing;
          bound = mux.bind(query);
          if (bound instanceof Promise) bound = await bound;
        } catch (error) {
          if (error instanceof BackendFailure) throw error;
          healthy = error instanceof MysqlError;
          await this.sendErr(
            error instanceof PoolFull
              ? poolFull(error.message)
              : error instanceof BackendUnavailable
              ? backendUnavailable(error.address, error.message)
              : error instanceof MysqlError
              ? error
              : proxyFailure((error as Error)?.message ?? String(error)),
          );
          return true;
        }
        if (!(bound instanceof Uint8Array)) {
          healthy = true;
          await this.sendErr(bound);
          return true;
        }
        payload = bound;
      }
      if (this.ps!.interceptsQueries) await runPlan(this.ps!, payload, this.relay!);
      else await this.direct(payload, query);
      healthy = true;
      return true;
    } catch (error) {
      if (error instanceof PlanDisconnect || error instanceof ClientFailure) return false;
      if (error instanceof BackendFailure) {
        await this.trySendErr(backendLost(error.address, (error.cause as Error)?.message ?? error.message));
        return false;
      }
      if (this.output.wrote || this.ended) return false;
      // Nothing reached the client yet and the backend is in step (a plugin failed, or the
      // command could not be decoded): the client gets an ERR and goes on.
      healthy = true;
      await this.sendErr(proxyFailure((error as Error)?.message ?? String(error)));
      return true;
    } finally {
      if (query !== undefined) {
        const settling = mux!.settle(query, healthy && !this.ended);
        if (settling !== undefined) await settling;
      }
    }
  }

  /**
   * The commands the proxy answers itself when multiplexing: KILL and COM_PROCESS_KILL with the
   * proxy's connection ids, COM_RESET_CONNECTION. Undefined for every other command; else whether
   * the client goes on (told synchronously whether the command is one of them).
   */
  private localCommand(payload: Uint8Array, sql: string | undefined): Promise<boolean> | undefined {
    const code = payload[0];
    let kill: KillStatement | undefined;
    if (code === Command.COM_PROCESS_KILL && payload.length >= 5) {
      kill = { query: false, id: decodeProcessKill(payload) };
    } else if (sql !== undefined) kill = parseKill(sql);
    if (kill !== undefined) return this.kill(kill);
    if (code === Command.COM_STMT_CLOSE) return this.mux!.closeStatement(payload).then(() => true);
    if (code === Command.COM_RESET_CONNECTION) {
      this.mux!.reset();
      return this.sendOk();
    }
    return undefined;
  }

  private async sendOk(): Promise<boolean> {
    await this.output.push(this.okPayload());
    await this.output.flush();
    return true;
  }

  private okPayload(): Uint8Array {
    return encodeOk(
      { affectedRows: 0, insertId: 0, statusFlags: this.relay?.statusFlags ?? 2, warningCount: 0, info: "" },
      this.login!.capabilities,
    );
  }

  /**
   * KILL n with the proxy's id n: client n's backend thread is killed when it has one now (a
   * statement running, or pinned; KILL QUERY only when running), and for KILL CONNECTION client n
   * is closed. An unknown id: ERR 1094; another user's client: ERR 1095; the own connection: closed.
   */
  private async kill(k: KillStatement): Promise<boolean> {
    const target = this.shared.clients.get(k.id);
    if (target === undefined) {
      await this.sendErr({ errno: 1094, sqlState: "HY000", message: `Unknown thread id: ${k.id}` });
      return true;
    }
    if (target.userName !== this.userName) {
      await this.sendErr({ errno: 1095, sqlState: "HY000", message: `You are not owner of thread ${k.id}` });
      return true;
    }
    if (target === this && !k.query) {
      await this.trySendErr({ errno: 1927, sqlState: "70100", message: "Connection was killed" });
      return false;
    }
    const serving = target.servingThread;
    if (serving !== undefined && (serving.busy || !k.query) && this.mux !== undefined) {
      try {
        await this.mux.run(`KILL ${k.query ? "QUERY " : ""}${serving.threadId}`);
      } catch (error) {
        if (error instanceof BackendFailure) throw error;
        // The thread ended meanwhile: what was asked is done.
      }
    }
    if (!k.query) target.destroy();
    await this.output.push(this.okPayload());
    await this.output.flush();
    return true;
  }

  /**
   * A command when no plugin hooks commands or results (as the client session does then): sent to
   * the client's backend connection and its response relayed by the same `read` the plan runner
   * calls, without the pipeline's decoding of the command.
   */
  private async direct(payload: Uint8Array, query?: MuxQuery): Promise<void> {
    let conn = this.mux?.conn ?? this.backend!.conn;
    const code = payload[0];
    const entry: Injection = {
      id: 0,
      command: { type: commandName(code), code, raw: payload, sql: undefined } as QueryCommand,
      original: true,
      resultsetIsNeeded: false,
      streamed: true,
      observed: false,
      expectsResponse: code !== Command.COM_STMT_CLOSE && code !== Command.COM_STMT_SEND_LONG_DATA,
      injectedBy: undefined,
    };
    for (let attempt = 1;; attempt++) {
      try {
        await conn.writeCommand(payload);
        await this.relay!.read(entry, conn);
        return;
      } catch (error) {
        // The server's ERR has been relayed to the client: the command is done.
        if (error instanceof MysqlError) return;
        // A pooled connection the server had dropped while idle: when nothing was sent, or nothing
        // came back of a statement safe to send again, the command goes to another connection.
        const again =
          error instanceof BackendFailure && query !== undefined && !this.output.wrote && attempt < 3
            ? await this.mux?.replaceDead(query, error)
            : undefined;
        if (again === undefined) throw error;
        conn = this.mux!.conn!;
        payload = again;
      }
    }
  }

  /**
   * COM_CHANGE_USER: verifies the new user as at login (its first answer was computed with the
   * greeting's scramble), then replaces the backend connection with one opened as the new user.
   * A refused change closes the client, as a server does.
   */
  private async changeUser(payload: Uint8Array): Promise<boolean> {
    const login = this.login!;
    let request;
    try {
      request = decodeChangeUser(payload, login.capabilities);
    } catch (error) {
      await this.trySendErr(badHandshake((error as Error).message));
      return false;
    }
    let verified;
    try {
      verified = await verifyClient(
        this.channel,
        this.shared.auth,
        {
          name: request.user,
          authResponse: request.authResponse,
          proposed: request.authPluginName || "mysql_native_password",
          scramble: login.scramble,
        },
        login.tls,
        this.host,
      );
    } catch (error) {
      if (error instanceof LoginRefused) return false;
      throw error;
    }
    await this.releaseBackends();
    this.login = { ...login, user: verified.user, secret: verified.secret, plugin: verified.plugin };
    return this.startSession(verified.user, verified.secret, request.database, request.attributes);
  }

  /** Closes the client's backend connections and its pipeline session. */
  private async releaseBackends(): Promise<void> {
    if (this.backend !== undefined) this.closeBackend(this.backend);
    this.backend = undefined;
    this.mux?.leave();
    this.mux = undefined;
    if (this.shared.clients.get(this.id) === this) this.shared.clients.delete(this.id);
    this.loggedIn = false;
    for (const b of this.others.values()) this.closeBackend(b);
    this.others.clear();
    const ps = this.ps;
    this.ps = undefined;
    await ps?.onDisconnect().catch(() => {});
  }

  private async cleanup(): Promise<void> {
    this.ended = true;
    await this.releaseBackends();
    this.channel?.socket.close();
    this.socket.close();
  }
}

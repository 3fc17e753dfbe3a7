/**
 * The pipeline for one connection: runs the plugins' hooks in order behind plain async methods a
 * session calls at each point of a conversation (`onConnect`, `onHandshake`, `onAuth`,
 * `onAuthResult`, `onQuery`, `onResult` / `onObserved`, `onDisconnect`), composes their decisions,
 * and hands back plans in terms of payloads. It speaks only the codec, so the client session and
 * the proxy server run it alike. Hooks returning Effects run at this edge, with the pipeline's Layer.
 */
import { Capability, MariadbCapability } from "../protocol/constants.ts";
import { type Greeting, isMariadb } from "../protocol/handshake.ts";
import { decodeErr, decodeOk } from "../protocol/results.ts";
import type { PrepareOk } from "../protocol/statements.ts";
import { parseUse } from "../sql/use.ts";
import { type BackendState, defaultBackend, type MutableBackend } from "./backends.ts";
import { authChangesProblem, greetingChangesProblem } from "./changes.ts";
import { ResultCollector } from "./collector.ts";
import { decodeCommand, describe, type PreparedStatementInfo, type QueryCommand } from "./command.ts";
import { ConnectionState, HookContext, type MutableClientSide } from "./context.ts";
import type { AuthChanges, Decision, GreetingChanges } from "./decisions.ts";
import { isEffectValue } from "./effect-bridge.ts";
import { encodeResponse, type EncodeTarget } from "./encode-response.ts";
import { describeError, type HookName, PluginError } from "./errors.ts";
import type { Pipeline } from "./pipeline.ts";
import type {
  AnswerPlan,
  AuthPlan,
  AuthPlanInfo,
  ConnectPlan,
  HandshakePlan,
  Negotiated,
  QueryPlan,
  ResultPlan,
  SessionInit,
} from "./plans.ts";
import {
  type AuthInfo,
  type AuthResult,
  HOOK_NAMES,
  hookFailure,
  isThenable,
  type Plugin,
} from "./plugin.ts";
import { type Injection, InjectionQueue, type QueueEntry } from "./queue.ts";
import type { Response } from "./responses.ts";
import {
  type ErrorLike,
  type OutcomeLike,
  type QueryResultData,
  type ResultTiming,
  summarizeResult,
} from "./result.ts";

interface Bound {
  readonly name: string;
  readonly ctx: HookContext;
  readonly fn: (ctx: HookContext, arg?: unknown) => unknown;
}

let connectionIds = 0;

const IGNORE: ResultPlan = Object.freeze({ _tag: "IgnoreResult" });

function malformed(b: Bound, hook: HookName, detail: string, cause?: unknown): PluginError {
  return new PluginError(b.name, hook, "malformed", detail, cause === undefined ? undefined : { cause });
}

const DECISION_TAGS = new Set([
  "SendQuery",
  "SendResult",
  "IgnoreResult",
  "UseBackend",
  "Proceed",
  "Disconnect",
]);

/** A decision of another hook is a misuse; anything else is malformed. */
function wrongDecision(b: Bound, hook: HookName, out: unknown, expected: string): PluginError {
  if (isTagged(out) && DECISION_TAGS.has(out._tag)) {
    return new PluginError(
      b.name,
      hook,
      "misuse",
      `${out._tag} is not a ${hook} decision (expected ${expected})`,
    );
  }
  return malformed(b, hook, `expected ${expected}, got ${describe(out)}`);
}

function isTagged(out: unknown): out is Decision {
  return typeof out === "object" && out !== null && typeof (out as Decision)._tag === "string";
}

/** The pipeline for one connection. Methods are called in conversation order, one command at a time. */
export class PipelineSession {
  readonly pipeline: Pipeline<any, any>;
  readonly connection: ConnectionState;
  /** True when some plugin hooks commands or results: otherwise the session may skip onQuery altogether. */
  readonly interceptsQueries: boolean;
  private readonly hooks: Readonly<Record<HookName, readonly Bound[]>>;
  private readonly statements = new Map<number, PreparedStatementInfo>();
  private forwarded = false;
  private lastIgnoredBy: string | undefined;
  private disconnected = false;
  private ownStatusFlags: boolean;

  constructor(pipeline: Pipeline<any, any>, init: SessionInit, backends: readonly MutableBackend[]) {
    this.pipeline = pipeline;
    const client: MutableClientSide = {
      user: init.user ?? "",
      database: init.database,
      address: init.address ?? "in-process",
      attributes: init.attributes ?? {},
    };
    this.connection = new ConnectionState(++connectionIds, client, backends, init.statusFlags);
    this.ownStatusFlags = init.statusFlags === undefined;
    if (init.server) Object.assign(this.connection.server, stripUndefined(init.server));
    const contexts = pipeline.plugins.map((plugin) => {
      const p = plugin as Plugin<unknown>;
      let state: unknown, global: unknown;
      try {
        global = pipeline.globalOf(p);
        state = p.spec.state?.();
      } catch (error) {
        throw new PluginError(
          p.name,
          "connectServer",
          "failed",
          `making its state: ${describeError(error)}`,
          {
            cause: error,
          },
        );
      }
      return new HookContext(p.name, this.connection, state, global);
    });
    const hooks = {} as Record<HookName, Bound[]>;
    for (const hook of HOOK_NAMES) {
      hooks[hook] = pipeline.byHook[hook].map(({ plugin, index }) => ({
        name: plugin.name,
        ctx: contexts[index],
        fn: plugin.spec[hook] as Bound["fn"],
      }));
    }
    this.hooks = hooks;
    this.interceptsQueries = pipeline.handles.readQuery || pipeline.handles.readQueryResult;
  }

  private target(): EncodeTarget {
    const server = this.connection.server;
    return {
      capabilities: server.capabilities || Capability.PROTOCOL_41,
      extendedTypeInfo: (server.mariadbCapabilities & MariadbCapability.EXTENDED_TYPE_INFO) !== 0,
      statusFlags: server.statusFlags,
      timezone: this.pipeline.timezone,
    };
  }

  /**
   * Calls one hook: a plain value is returned as it is (no Promise: a sync hook costs no microtask),
   * a Promise is awaited, an Effect is run with the Layer; any failure is a `PluginError`.
   */
  private invoke(b: Bound, hook: HookName, arg?: unknown): unknown {
    let out: unknown;
    try {
      out = b.fn(b.ctx, arg);
    } catch (error) {
      throw hookFailure(b.name, hook, error);
    }
    if (out === undefined || out === null) return undefined;
    if (isEffectValue(out)) return this.runEffect(b, hook, out);
    if (isThenable(out)) return this.settle(b, hook, out);
    return out;
  }

  private async runEffect(b: Bound, hook: HookName, effect: unknown): Promise<unknown> {
    let outcome;
    try {
      outcome = await this.pipeline.run(effect, b.name, hook);
    } catch (error) {
      throw hookFailure(b.name, hook, error);
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value ?? undefined;
  }

  private async settle(b: Bound, hook: HookName, out: PromiseLike<unknown>): Promise<unknown> {
    try {
      return (await out) ?? undefined;
    } catch (error) {
      throw hookFailure(b.name, hook, error);
    }
  }

  /** Encodes the answer of a SendResult decision (its response, else `ctx.response`). */
  private answer(
    b: Bound,
    hook: HookName,
    response: Response | undefined,
    command?: QueryCommand,
  ): AnswerPlan {
    const r = response ?? b.ctx.response;
    if (r === undefined) {
      throw malformed(
        b,
        hook,
        "SendResult (PROXY_SEND_RESULT) without a response, and ctx.response is not set",
      );
    }
    try {
      const encoded = encodeResponse(r, this.target(), command);
      return {
        _tag: "SendResult",
        packets: encoded.packets,
        response: r,
        error: encoded.error,
        plugin: b.name,
      };
    } catch (error) {
      throw malformed(b, hook, describeError(error), error);
    }
  }

  private prepare(b: Bound, previous: Decision | undefined): void {
    b.ctx.previous = previous;
    b.ctx.response = undefined;
  }

  /**
   * Before a backend connection is opened (connectServer). Connect to the plan's backend (no
   * backends configured: index -1, the session's own address), or treat its packets as the server's answer.
   */
  async onConnect(): Promise<ConnectPlan> {
    let index: number | undefined;
    let decision: Decision | undefined;
    for (const b of this.hooks.connectServer) {
      this.prepare(b, decision);
      const out = await this.invoke(b, "connectServer");
      if (out === undefined) continue;
      if (!isTagged(out)) {
        throw wrongDecision(b, "connectServer", out, "UseBackend or SendResult");
      }
      if (out._tag === "UseBackend") {
        const i = out.backend;
        if (!Number.isInteger(i) || this.connection.backends[i] === undefined) {
          throw malformed(
            b,
            "connectServer",
            `backend ${describe(i)} is not one of the ${this.connection.backends.length} backends`,
          );
        }
        index = i;
        decision = out;
      } else if (out._tag === "SendResult") return this.answer(b, "connectServer", out.response);
      else throw wrongDecision(b, "connectServer", out, "UseBackend or SendResult");
    }
    return this.useBackend(index ?? defaultBackend(this.connection.backends), index !== undefined);
  }

  /** Makes backend `chosen` this connection's (counted in its `connectedClients`). */
  private useBackend(chosen: number, chosenByPlugin: boolean): ConnectPlan & { _tag: "Connect" } {
    const backend = this.connection.backends[chosen];
    this.connection.backendIndex = chosen;
    if (backend !== undefined) {
      backend.connectedClients++;
      this.connection.server.address = backend.address;
    }
    return { _tag: "Connect", backendIndex: chosen, backend, chosenByPlugin };
  }

  /**
   * After the backend of `onConnect`'s default choice could not be reached: marks it down and
   * moves this connection to the next default choice; undefined when no backend is left up.
   */
  failOver(): (ConnectPlan & { _tag: "Connect" }) | undefined {
    const failed = this.connection.backends[this.connection.backendIndex];
    if (failed === undefined) return undefined;
    failed.connectedClients = Math.max(0, failed.connectedClients - 1);
    this.pipeline.setBackendState(failed.index, "down");
    const next = defaultBackend(this.connection.backends);
    if (next < 0) {
      this.connection.backendIndex = -1;
      return undefined;
    }
    return this.useBackend(next, false);
  }

  /** The server's greeting arrived (readHandshake): go on with the plan's greeting, or refuse with its answer. */
  async onHandshake(greeting: Greeting): Promise<HandshakePlan> {
    let g = greeting;
    this.learnGreeting(g);
    let decision: Decision | undefined;
    for (const b of this.hooks.readHandshake) {
      this.prepare(b, decision);
      const out = await this.invoke(b, "readHandshake", g);
      if (out === undefined) continue;
      if (!isTagged(out)) {
        throw wrongDecision(b, "readHandshake", out, "Proceed or SendResult");
      }
      if (out._tag === "SendResult") return this.answer(b, "readHandshake", out.response);
      if (out._tag !== "Proceed") {
        throw wrongDecision(b, "readHandshake", out, "Proceed or SendResult");
      }
      if (out.changes !== undefined) {
        const problem = greetingChangesProblem(out.changes);
        if (problem !== undefined) throw malformed(b, "readHandshake", problem);
        g = { ...g, ...(out.changes as GreetingChanges) };
      }
      decision = out;
      this.learnGreeting(g);
    }
    return { _tag: "Proceed", greeting: g };
  }

  private learnGreeting(g: Greeting): void {
    const s = this.connection.server;
    s.version = g.serverVersion;
    s.threadId = g.connectionId;
    s.capabilities = g.capabilities;
    s.mariadbCapabilities = g.mariadbCapabilities;
    s.scramble = g.scramble;
    s.flavor = isMariadb(g) ? "mariadb" : "mysql";
    s.authPlugin = g.authPluginName;
    if (this.ownStatusFlags) s.statusFlags = g.statusFlags;
  }

  /** Before the credentials are sent (readAuth): send the plan's credentials, or refuse with its answer. */
  async onAuth(auth: AuthInfo): Promise<AuthPlan> {
    let a: AuthPlanInfo = { ...auth, password: undefined };
    let decision: Decision | undefined;
    for (const b of this.hooks.readAuth) {
      this.prepare(b, decision);
      const out = await this.invoke(b, "readAuth", a);
      if (out === undefined) continue;
      if (!isTagged(out)) {
        throw wrongDecision(b, "readAuth", out, "Proceed or SendResult");
      }
      if (out._tag === "SendResult") return this.answer(b, "readAuth", out.response);
      if (out._tag !== "Proceed") {
        throw wrongDecision(b, "readAuth", out, "Proceed or SendResult");
      }
      if (out.changes !== undefined) {
        const problem = authChangesProblem(out.changes);
        if (problem !== undefined) throw malformed(b, "readAuth", problem);
        a = { ...a, ...(out.changes as AuthChanges) };
      }
      decision = out;
    }
    const client = this.connection.client;
    client.user = a.user;
    client.database = a.database;
    client.attributes = a.attributes;
    return { _tag: "Proceed", auth: a };
  }

  /**
   * The server's final answer to authentication (readAuthResult), with what was negotiated.
   * Returns the packet to act on: the server's, or a plugin's replacement (an OK or an ERR).
   */
  async onAuthResult(packet: Uint8Array, negotiated: Negotiated): Promise<Uint8Array> {
    const s = this.connection.server;
    s.capabilities = negotiated.capabilities;
    s.mariadbCapabilities = negotiated.mariadbCapabilities;
    if (negotiated.tls !== undefined) s.tls = negotiated.tls;
    if (negotiated.authPlugin !== undefined) s.authPlugin = negotiated.authPlugin;
    let current = packet;
    let result = this.authResult(current);
    let decision: Decision | undefined;
    for (const b of this.hooks.readAuthResult) {
      this.prepare(b, decision);
      const out = await this.invoke(b, "readAuthResult", result);
      if (out === undefined) continue;
      if (!isTagged(out) || out._tag !== "SendResult") {
        throw wrongDecision(b, "readAuthResult", out, "SendResult");
      }
      decision = out;
      if (out.response === undefined && b.ctx.response === undefined) continue;
      const plan = this.answer(b, "readAuthResult", out.response);
      const p = plan.packets[0];
      if (plan.packets.length !== 1 || (p[0] !== 0x00 && p[0] !== 0xff)) {
        throw malformed(b, "readAuthResult", "an authentication result is one OK or ERR packet");
      }
      current = p;
      result = this.authResult(current);
    }
    if (result.okPacket && this.ownStatusFlags) s.statusFlags = result.okPacket.statusFlags;
    return current;
  }

  private authResult(packet: Uint8Array): AuthResult {
    const ok = packet[0] === 0x00;
    return {
      ok,
      packet,
      okPacket: ok ? decodeOk(packet, this.connection.server.capabilities) : undefined,
      error: packet[0] === 0xff ? decodeErr(packet) : undefined,
    };
  }

  /**
   * Before a command is sent (readQuery). `payload` is the command packet as it would be sent.
   * Plans: send the queue, answer with packets, or close the connection.
   */
  async onQuery(payload: Uint8Array): Promise<QueryPlan> {
    const command = decodeCommand(payload, this.statements);
    const queue = new InjectionQueue(command, this.statements);
    this.connection.queue = queue;
    this.forwarded = false;
    this.lastIgnoredBy = undefined;
    this.beforeSend(queue);
    let decision: Decision | undefined;
    let backend: number | undefined;
    try {
      for (const b of this.hooks.readQuery) {
        this.prepare(b, decision);
        queue.currentPlugin = b.name;
        let out = this.invoke(b, "readQuery", queue.original.command);
        if (out instanceof Promise) out = await out;
        if (out === undefined) continue;
        if (!isTagged(out)) {
          throw malformed(
            b,
            "readQuery",
            `expected SendQuery, SendResult or Disconnect, got ${describe(out)}`,
          );
        }
        switch (out._tag) {
          case "SendQuery":
            if (out.command !== undefined) {
              try {
                queue.rewrite(out.command);
              } catch (error) {
                throw malformed(
                  b,
                  "readQuery",
                  `cannot send ${describe(out.command)}: ${describeError(error)}`,
                );
              }
            }
            if (out.backend !== undefined) {
              if (!Number.isInteger(out.backend) || this.connection.backends[out.backend] === undefined) {
                throw malformed(
                  b,
                  "readQuery",
                  `backend ${
                    describe(out.backend)
                  } is not one of the ${this.connection.backends.length} backends`,
                );
              }
              backend = out.backend;
            }
            decision = out;
            break;
          case "SendResult":
            return this.answer(b, "readQuery", out.response, queue.original.command);
          case "Disconnect":
            return {
              _tag: "Disconnect",
              reason: out.reason ?? `plugin "${b.name}" closed the connection`,
              plugin: b.name,
            };
          default:
            throw wrongDecision(b, "readQuery", out, "SendQuery, SendResult or Disconnect");
        }
      }
    } finally {
      queue.currentPlugin = undefined;
    }
    this.beforeSend(queue);
    if (backend !== undefined) this.connection.backendIndex = backend;
    this.forwarded = queue.original.streamed;
    const index = this.connection.backendIndex;
    return {
      _tag: "SendQuery",
      queue: queue.entries,
      backendIndex: index,
      backend: this.connection.backends[index],
    };
  }

  /** What the pipeline itself follows: the default database and prepared statements. */
  private beforeSend(queue: InjectionQueue): void {
    const c = queue.original.command;
    if (
      c.type === "COM_INIT_DB" || c.type === "COM_STMT_PREPARE"
      || (c.type === "COM_QUERY" && parseUse(c.sql) !== undefined)
    ) {
      queue.track();
    }
    if (c.type === "COM_STMT_CLOSE") this.statements.delete(c.statementId);
    if (c.type === "COM_RESET_CONNECTION" || c.type === "COM_CHANGE_USER") this.statements.clear();
  }

  private follow(entry: Injection, data: QueryResultData): void {
    if (data.error !== undefined) return;
    const c = entry.command;
    if (c.type === "COM_INIT_DB") this.connection.client.database = c.schema;
    else if (c.type === "COM_QUERY") {
      const database = parseUse(c.sql);
      if (database !== undefined) this.connection.client.database = database;
    } else if (c.type === "COM_STMT_PREPARE" && data.prepared !== undefined) {
      this.statements.set(data.prepared.statementId, { sql: c.sql, paramCount: data.prepared.paramCount });
    }
    // Status flags from packets the session collected (a summary's come from the session itself).
    if (this.ownStatusFlags && data.buffered && data.kind !== "none") {
      this.connection.server.statusFlags = data.statusFlags;
    }
  }

  /** A collector for a queued command the session must not stream (`entry.streamed` false). */
  collector(entry: Injection): ResultCollector {
    const server = this.connection.server;
    return new ResultCollector(entry, {
      capabilities: server.capabilities,
      extendedTypeInfo: (server.mariadbCapabilities & MariadbCapability.EXTENDED_TYPE_INFO) !== 0,
      keepRows: entry.resultsetIsNeeded,
      rowParser: this.pipeline.rowParser,
    });
  }

  /** Runs readQueryResult for one result; returns the decision so far composed over every plugin. */
  private async resultHooks(
    entry: QueueEntry,
    data: QueryResultData,
  ): Promise<{ decision: Decision | undefined; by: Bound | undefined }> {
    const queue = this.connection.queue;
    queue?.at(entry);
    this.follow(entry, data);
    let decision: Decision | undefined;
    let by: Bound | undefined;
    if (!entry.watched) return { decision, by };
    for (const b of this.hooks.readQueryResult) {
      this.prepare(b, decision);
      if (queue) queue.currentPlugin = b.name;
      let out: unknown;
      try {
        out = this.invoke(b, "readQueryResult", data);
        if (out instanceof Promise) out = await out;
      } finally {
        if (queue) queue.currentPlugin = undefined;
      }
      if (out === undefined) continue;
      if (!isTagged(out) || (out._tag !== "SendResult" && out._tag !== "IgnoreResult")) {
        throw wrongDecision(b, "readQueryResult", out, "SendResult or IgnoreResult");
      }
      // A SendResult with ctx.response set replaces: keep the response it meant.
      decision = out._tag === "SendResult" && out.response === undefined && b.ctx.response !== undefined
        ? { _tag: "SendResult", response: b.ctx.response }
        : out;
      by = b;
    }
    return { decision, by };
  }

  /**
   * The whole response to a queued command the session collected (`entry.streamed` false).
   * Plans: deliver the packets to the caller, or nothing. Throws `PluginError` when an injected
   * command failed and no hook handled it, or when nothing at all would reach the caller.
   */
  async onResult(entry: Injection, data: QueryResultData): Promise<ResultPlan> {
    const e = entry as QueueEntry;
    const { decision, by } = await this.resultHooks(e, data);
    let plan: ResultPlan;
    if (decision === undefined) {
      if (!e.original && data.error !== undefined) {
        const what = data.query === undefined ? e.command.type : JSON.stringify(data.query);
        throw new PluginError(
          e.injectedBy ?? "?",
          "readQuery",
          "injected-command-failed",
          `command ${
            JSON.stringify(e.id)
          } (${what}) got error ${data.error.errno} (${data.error.sqlState}): ${data.error.message}`,
        );
      }
      plan = e.original ? this.pass(e, data, undefined) : IGNORE;
    } else if (decision._tag === "IgnoreResult") {
      plan = IGNORE;
      this.lastIgnoredBy = by!.name;
    } else {
      const response = (decision as { response?: Response }).response;
      plan = response === undefined
        ? this.pass(e, data, by)
        : {
          _tag: "SendResult",
          packets: this.answer(by!, "readQueryResult", response, e.command).packets,
          replaced: true,
        };
    }
    if (plan._tag === "SendResult") this.forwarded = true;
    const queue = this.connection.queue;
    const last = queue === undefined || queue.entries[queue.entries.length - 1] === entry;
    if (last && !this.forwarded) {
      throw new PluginError(
        this.lastIgnoredBy ?? by?.name ?? e.injectedBy ?? "?",
        "readQueryResult",
        "no-result",
        "every result of the command was ignored, so the caller would get no answer",
      );
    }
    return plan;
  }

  private pass(e: QueueEntry, data: QueryResultData, by: Bound | undefined): ResultPlan {
    if (data.packets === undefined) {
      throw new PluginError(
        by?.name ?? e.injectedBy ?? "?",
        "readQueryResult",
        "misuse",
        `result ${
          JSON.stringify(e.id)
        } cannot be passed on: its rows were not kept (queue it with resultsetIsNeeded: true)`,
      );
    }
    return { _tag: "SendResult", packets: data.packets, replaced: false };
  }

  /**
   * After the session delivered a streamed command it must report (`entry.observed`): its outcome
   * (the client's result, a server error, or COM_STMT_PREPARE's answer) and when it ran. Hooks may
   * only observe here (or queue more commands); replacing or ignoring is a `PluginError`.
   */
  async onObserved(
    entry: Injection,
    outcome: OutcomeLike | ErrorLike | PrepareOk,
    timing: ResultTiming,
  ): Promise<void> {
    const e = entry as QueueEntry;
    const data = summarizeResult(e, outcome, timing);
    const { decision, by } = await this.resultHooks(e, data);
    if (decision !== undefined && !(decision._tag === "SendResult" && decision.response === undefined)) {
      throw new PluginError(
        by!.name,
        "readQueryResult",
        "misuse",
        `the result of ${JSON.stringify(e.id)} was streamed to the caller, so it cannot be ${
          decision._tag === "IgnoreResult" ? "ignored" : "replaced"
        }: observe it with resultsetIsNeeded: true`,
      );
    }
  }

  /** The connection ends (disconnectClient). Runs every plugin's hook; throws the first failure after all ran. */
  async onDisconnect(): Promise<void> {
    if (this.disconnected) return;
    this.disconnected = true;
    const backend = this.connection.backends[this.connection.backendIndex];
    if (backend !== undefined) backend.connectedClients = Math.max(0, backend.connectedClients - 1);
    this.connection.queue = undefined;
    let first: PluginError | undefined;
    for (const b of this.hooks.disconnectClient) {
      this.prepare(b, undefined);
      try {
        await this.invoke(b, "disconnectClient");
      } catch (error) {
        first ??= error as PluginError;
      }
    }
    if (first) throw first;
  }

  /** Records a backend's state (e.g. "down" after a failed connection). */
  markBackend(index: number, state: BackendState): void {
    this.pipeline.setBackendState(index, state);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

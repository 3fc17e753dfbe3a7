/**
 * Read/write splitting across backends: the connection starts on a read-write backend (the
 * primary); plain reads go to a read-only backend (a replica) that is not down, round robin, and
 * everything else stays on the primary: writes, DDL, transactions (from BEGIN, or with autocommit
 * off, until COMMIT or ROLLBACK), locking reads (FOR UPDATE, LOCK IN SHARE MODE), reads that
 * depend on the session (LAST_INSERT_ID(), FOUND_ROWS(), user variables), LOCK TABLES, prepared
 * statements and every other command. Session state (the default database, SET NAMES, SET of
 * session variables) runs on the primary and is replayed on each replica before the first read
 * sent there after it changed, so every backend used sees the same session.
 */
import {
  type Backend,
  classifyQuery,
  type CommandInput,
  definePlugin,
  errorResponse,
  normalizeQuery,
  type Plugin,
  type PluginContext,
  sendQuery,
  sendResult,
  useBackend,
} from "../src/api.ts";

/** Options of `readWriteSplit`. */
export interface ReadWriteSplitOptions {
  /** Keep reads on the primary for this many milliseconds after a write (read your writes). Default 0. */
  readonly stickyAfterWriteMs?: number;
  /** Queries matching this always go to the primary. */
  readonly primaryOnly?: RegExp;
  /** Chooses a replica among those up (default: round robin over all connections). */
  readonly chooseReplica?: (replicas: readonly Backend[], ctx: PluginContext) => Backend;
  /** Milliseconds clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

interface SessionStatement {
  readonly seq: number;
  readonly command: CommandInput;
}

interface State {
  primary: number;
  /** A transaction the plugin saw begin (BEGIN, START TRANSACTION, XA). */
  inTransaction: boolean;
  autocommitOff: boolean;
  tablesLocked: boolean;
  lastWrite: number;
  /** The latest statement of each kind of session state ("db", "names", or the SET itself), by key. */
  session: Map<string, SessionStatement>;
  seq: number;
  /** Per replica: the highest session statement sequence it has run. */
  applied: Map<number, number>;
  /** The session statement in flight, recorded when the primary accepts it. */
  recording: { key: string; command: CommandInput } | undefined;
}

const SYNC = "read-write-split:sync:";

/** Key of a session-state statement, or undefined when it is not one to replay on replicas. */
function sessionKey(sql: string): string | undefined {
  const n = normalizeQuery(sql);
  if (/^USE\b/.test(n)) return "db";
  if (/^SET (NAMES|CHARACTER SET|CHARSET)\b/.test(n)) return "names";
  if (/^SET (GLOBAL|PASSWORD|TRANSACTION|ROLE|DEFAULT ROLE)\b/.test(n) || /^SET @@global\./i.test(n)) {
    return undefined;
  }
  if (/^SET (SESSION |LOCAL )?autocommit\b/i.test(n) || /^SET @@(session\.)?autocommit\b/i.test(n)) {
    return undefined;
  }
  return /^SET\b/.test(n) ? n : undefined;
}

/** A read/write splitter (see the module comment). */
export function readWriteSplit(options: ReadWriteSplitOptions = {}): Plugin {
  const sticky = options.stickyAfterWriteMs ?? 0;
  const now = options.now ?? Date.now;
  let turn = 0;
  const roundRobin = (replicas: readonly Backend[]) => replicas[turn++ % replicas.length];
  const choose = options.chooseReplica ?? roundRobin;

  const primaryOf = (ctx: PluginContext) =>
    ctx.backends.find((b) => b.type === "rw" && b.state !== "down")
      ?? ctx.backends.find((b) => b.type === "rw");

  const toPrimary = (ctx: PluginContext<State>) => sendQuery(undefined, { backend: ctx.state.primary });

  return definePlugin({
    name: "read-write-split",
    state: (): State => ({
      primary: -1,
      inTransaction: false,
      autocommitOff: false,
      tablesLocked: false,
      lastWrite: -Infinity,
      session: new Map(),
      seq: 0,
      applied: new Map(),
      recording: undefined,
    }),
    connectServer(ctx) {
      const primary = primaryOf(ctx);
      if (primary === undefined) {
        return sendResult(
          errorResponse({
            errno: 2003,
            sqlState: "HY000",
            message: "read-write-split: no read-write backend is configured",
          }),
        );
      }
      ctx.state.primary = primary.index;
      return useBackend(primary.index);
    },
    readQuery(ctx, command) {
      const s = ctx.state;
      s.recording = undefined;
      if (s.primary < 0) s.primary = primaryOf(ctx)?.index ?? ctx.backendIndex;
      if (command.type === "COM_INIT_DB") {
        s.recording = { key: "db", command: { type: "COM_INIT_DB", schema: command.schema } };
        ctx.queries.observe();
        return toPrimary(ctx);
      }
      if (command.type !== "COM_QUERY") return toPrimary(ctx);
      const sql = command.sql;
      const info = classifyQuery(sql);
      if (info.transaction === "begin" || info.verb === "XA") s.inTransaction = true;
      else if (info.transaction === "commit" || info.transaction === "rollback") s.inTransaction = false;
      if (info.verb === "LOCK") s.tablesLocked = true;
      if (info.verb === "UNLOCK") s.tablesLocked = false;
      const n = normalizeQuery(sql);
      const autocommit = /^SET (?:(?:SESSION|LOCAL) )?(?:@@(?:session\.)?)?autocommit = (\S+)$/i.exec(n);
      if (autocommit) s.autocommitOff = /^(0|OFF|FALSE|'OFF')$/i.test(autocommit[1]);
      if (info.setsSessionState) {
        const key = sessionKey(sql);
        if (key !== undefined && !info.multiStatement) {
          s.recording = { key, command: sql };
          ctx.queries.observe();
        }
        return toPrimary(ctx);
      }
      const replicas = ctx.backends.filter((b) => b.type === "ro" && b.state !== "down");
      const read = info.readOnly && !s.inTransaction && !ctx.inTransaction && !s.autocommitOff
        && !s.tablesLocked
        && !(options.primaryOnly?.test(sql)) && now() - s.lastWrite >= sticky && replicas.length > 0;
      if (!read) {
        if (info.kind === "write" || info.kind === "ddl") s.lastWrite = now();
        return toPrimary(ctx);
      }
      const replica = choose(replicas, ctx);
      // Bring the replica's session up to date first.
      const done = s.applied.get(replica.index) ?? 0;
      const missing = [...s.session.values()].filter((st) => st.seq > done).sort((a, b) => b.seq - a.seq);
      for (const st of missing) ctx.queries.prepend(`${SYNC}${replica.index}:${st.seq}`, st.command);
      return sendQuery(undefined, { backend: replica.index });
    },
    readQueryResult(ctx, r) {
      const s = ctx.state;
      if (r.original) {
        const rec = s.recording;
        s.recording = undefined;
        if (rec !== undefined && r.error === undefined) {
          s.session.delete(rec.key);
          s.session.set(rec.key, { seq: ++s.seq, command: rec.command });
        }
        return;
      }
      if (r.injectedBy !== ctx.plugin || typeof r.id !== "string" || !r.id.startsWith(SYNC)) return;
      if (r.error !== undefined) return; // unhandled: the command fails with the replay's error
      const [backend, seq] = r.id.slice(SYNC.length).split(":").map(Number);
      s.applied.set(backend, Math.max(s.applied.get(backend) ?? 0, seq));
    },
  });
}

/**
 * One pooled connection: its queue, its age, and how it is made ready for the next borrower (the
 * session reset and the replay of the pool's baseline: default database, `init` statements).
 */
import { CollationIds } from "../protocol/constants.ts";
import type { Connection } from "./connection.ts";
import { inTransaction, type ReconnectingQueue } from "./reconnecting-queue.ts";
import { type ResetMethod, resetSession } from "./reset.ts";
import { StatementCache } from "./statement-cache.ts";

/** A connection the pool owns. */
export interface Member {
  readonly queue: ReconnectingQueue;
  /** When it was opened (for `maxLifetime`). */
  readonly created: number;
  /** When it was last given back (for `idleTimeout` and `pingIdle`). */
  idleSince: number;
  /** The connection handed to the current borrower. */
  lent: Connection | undefined;
}

/** Whether a returned member needs a reset before it is lent again. */
export function needsReset(member: Member): boolean {
  const session = member.queue.session;
  if (session === undefined || session.closed) return false;
  return member.queue.dirty || inTransaction(session);
}

/** `SET NAMES` for a collation id (after COM_RESET_CONNECTION on MySQL, which reverts the charset). */
function setNames(collation: number): string | undefined {
  for (const [name, id] of Object.entries(CollationIds)) {
    if (id === collation) return `SET NAMES ${name.split("_")[0]} COLLATE ${name}`;
  }
  return undefined;
}

/**
 * Resets the member's session and brings it back to the pool's baseline: the configured database,
 * the connection charset, and the `init` statements. Its cached prepared statements are gone (the
 * server dropped them), so the cache starts afresh.
 */
export async function resetMember(member: Member, method: ResetMethod): Promise<void> {
  const queue = member.queue;
  const baseline = queue.options.session.database;
  await queue.run({
    retryable: false,
    neutral: true,
    work: async (live) => {
      const changedDb = queue.settings.database !== baseline;
      // Only COM_CHANGE_USER can take a session back to having no default database.
      const used = await resetSession(
        live.session,
        changedDb && baseline === undefined ? "change-user" : method,
        baseline,
      );
      live.statements = new StatementCache(queue.options.session.statementCacheSize, live.session);
      if (used === "reset-connection") {
        if (changedDb && baseline !== undefined) await live.session.initDb(baseline);
        if (live.session.info.flavor === "mysql") {
          const names = setNames(queue.options.session.charset);
          if (names !== undefined) await live.session.query(names);
        }
      }
      queue.settings.reset(baseline);
      for (const sql of queue.options.init) await live.session.query(sql);
    },
  });
  queue.dirty = false;
}

/** Whether the member has lived longer than `maxLifetime` (0: forever). */
export function expired(member: Member, maxLifetime: number, now: number): boolean {
  return maxLifetime > 0 && now - member.created >= maxLifetime;
}

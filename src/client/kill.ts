/**
 * Interrupting a running command: `KILL QUERY <thread id>` sent on a separate, short-lived
 * connection with the same settings (a user may always kill its own threads). Used only when the
 * session is known to be on the configured server (no plugins that may route it elsewhere).
 */
import { MysqlError } from "../protocol/errors.ts";
import type { SessionOptions } from "../session/options.ts";
import { Session } from "../session/session.ts";

/** ER_NO_SUCH_THREAD: the thread is gone already, so there is nothing to interrupt. */
const NO_SUCH_THREAD = 1094;

/** Sends `KILL QUERY threadId` from a new connection and closes it. */
export async function killQuery(options: SessionOptions, threadId: number): Promise<void> {
  if (!Number.isSafeInteger(threadId) || threadId <= 0) throw new TypeError(`invalid thread id ${threadId}`);
  // Straight to the configured server: no plugins, no default database.
  const session = await Session.open({ ...options, database: undefined, pipeline: undefined });
  try {
    await session.query(`KILL QUERY ${threadId}`);
  } catch (error) {
    if (!(error instanceof MysqlError && error.errno === NO_SUCH_THREAD)) throw error;
  } finally {
    await session.close();
  }
}

/**
 * A bounded, least-recently-used cache of prepared statements for one connection. A statement pushed
 * out is closed on the server (once no command still using it is pending), so
 * `max_prepared_stmt_count` is never exhausted by a long-lived connection running many statements.
 */
import type { PreparedStatement, Session } from "../session/session.ts";

interface Entry {
  readonly statement: Promise<PreparedStatement>;
  /** Commands holding the statement. */
  uses: number;
  /** Pushed out of the cache: close when the last user lets go. */
  evicted: boolean;
}

/** A use of a cached statement; call `release` once the command using it has been queued or is done. */
export interface StatementLease {
  readonly statement: Promise<PreparedStatement>;
  release(): void;
}

/** Prepared statements by SQL text, at most `size` of them. */
export class StatementCache {
  private readonly size: number;
  private readonly session: Session;
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();

  constructor(size: number, session: Session) {
    this.size = size;
    this.session = session;
  }

  /** How many statements are cached (prepared or being prepared). */
  get count(): number {
    return this.entries.size;
  }

  /** Takes the prepared statement for `sql`, preparing it if needed. */
  acquire(sql: string): StatementLease {
    let entry = this.entries.get(sql);
    if (entry !== undefined) this.entries.delete(sql);
    else {
      const statement = this.session.prepare(sql);
      const created: Entry = { statement, uses: 0, evicted: false };
      statement.catch(() => {
        if (this.entries.get(sql) === created) this.entries.delete(sql);
      });
      entry = created;
    }
    this.entries.set(sql, entry);
    entry.uses++;
    while (this.entries.size > this.size) {
      const [oldestSql, oldest] = this.entries.entries().next().value!;
      this.entries.delete(oldestSql);
      oldest.evicted = true;
      if (oldest.uses === 0) this.close(oldest);
    }
    const held = entry;
    let released = false;
    return {
      statement: held.statement,
      release: () => {
        if (released) return;
        released = true;
        held.uses--;
        if (held.evicted && held.uses === 0) this.close(held);
      },
    };
  }

  private close(entry: Entry): void {
    entry.statement.then((s) => this.session.closeStatement(s.id)).catch(() => {});
  }
}

/**
 * The session settings a connection carries from one server session to the next: the current
 * default database and the last `SET NAMES` / `SET time_zone` the user ran. After a reconnect they
 * are replayed (after the `init` statements), so the new session looks like the one that was lost.
 */
import { trackedSetting } from "../sql/set.ts";

/** Settings to replay on a new session. */
export class SessionSettings {
  /** The default database (sent in the handshake of the next session). */
  database: string | undefined;
  private readonly statements = new Map<string, string>();

  constructor(database: string | undefined) {
    this.database = database;
  }

  /** Notes the setting a successful text query changed, if it changed one the client replays. */
  observe(sql: string): void {
    // Only USE and SET statements matter: skip the rest without running the patterns.
    let i = 0;
    while (i < sql.length && sql.charCodeAt(i) <= 32) i++;
    // "USE" or "SET" and a space (as both patterns require): not SELECT, SHOW, UPDATE ...
    const word = String.fromCharCode(
      sql.charCodeAt(i) | 0x20,
      sql.charCodeAt(i + 1) | 0x20,
      sql.charCodeAt(i + 2) | 0x20,
    );
    if ((word !== "use" && word !== "set") || !(sql.charCodeAt(i + 3) <= 32)) return;
    const setting = trackedSetting(sql);
    if (setting === undefined) return;
    if (setting.kind === "database") this.database = setting.database;
    else {
      this.statements.delete(setting.kind);
      this.statements.set(setting.kind, setting.sql);
    }
  }

  /** The statements to run on a new session (after `init`), in the order they were last set. */
  replay(): string[] {
    return [...this.statements.values()];
  }

  /** Forgets every tracked setting; the database goes back to `database`. */
  reset(database: string | undefined): void {
    this.database = database;
    this.statements.clear();
  }
}

/**
 * The injection queue of one command (MySQL Proxy's `proxy.queries`): the client's own command plus
 * the commands plugins put before it (`prepend`) or after it (`append`), each with an id and whether
 * its result set is needed. The session sends them in order; results of injected commands go to
 * readQueryResult, and so does the client's own when a plugin asks (`observe`).
 */
import { type CommandInput, type PreparedStatementInfo, type QueryCommand, toCommand } from "./command.ts";
import { expectsResponse } from "./command.ts";

/** The id a plugin gives an injected command, to recognise its result. */
export type InjectionId = number | string;

/** Options of an injected (or observed) command. */
export interface InjectionOptions {
  /**
   * Keep the result set's rows (and packets) so readQueryResult can read `rows`, pass the result on,
   * or cache it. Without it the rows stream through and only the outcome is seen. Default false.
   */
  readonly resultsetIsNeeded?: boolean;
}

/** One queued command. */
export interface Injection {
  readonly id: InjectionId;
  readonly command: QueryCommand;
  /** True for the client's own command (possibly rewritten). */
  readonly original: boolean;
  /** Keep its rows and packets (see `InjectionOptions`). */
  readonly resultsetIsNeeded: boolean;
  /**
   * The session reads the response itself and delivers it (the client's own command, not needed):
   * false means the session collects the whole response and hands it to `onResult`.
   */
  readonly streamed: boolean;
  /** A streamed command whose outcome the session must report with `onObserved` after delivering it. */
  readonly observed: boolean;
  /** Whether the server answers this command at all (COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA: no). */
  readonly expectsResponse: boolean;
  /** The plugin that queued it (undefined for the client's own command). */
  readonly injectedBy: string | undefined;
}

/** A queued command as the queue keeps it (mutable inside the pipeline only). */
export interface QueueEntry extends Injection {
  id: InjectionId;
  command: QueryCommand;
  resultsetIsNeeded: boolean;
  streamed: boolean;
  observed: boolean;
  expectsResponse: boolean;
  /** Plugins watch the result through readQueryResult (always for injected commands). */
  watched: boolean;
  /** The pipeline itself needs the outcome (default database, prepared statements). */
  tracked: boolean;
}

/** Commands a plugin may inject: those with a simple request/response and no connection-level effect. */
const INJECTABLE = new Set<string>([
  "COM_QUERY",
  "COM_INIT_DB",
  "COM_PING",
  "COM_STATISTICS",
  "COM_STMT_PREPARE",
  "COM_STMT_EXECUTE",
  "COM_STMT_CLOSE",
  "COM_STMT_RESET",
  "COM_SET_OPTION",
  "COM_RESET_CONNECTION",
  "COM_PROCESS_KILL",
]);

function refresh(entry: QueueEntry): void {
  entry.streamed = entry.original && !entry.resultsetIsNeeded;
  entry.observed = entry.streamed && (entry.watched || entry.tracked);
  entry.expectsResponse = expectsResponse(entry.command);
}

/** The commands to send for one client command, in order. */
export class InjectionQueue {
  private readonly list: QueueEntry[];
  private readonly originalEntry: QueueEntry;
  private readonly statements: ReadonlyMap<number, PreparedStatementInfo> | undefined;
  /** The plugin whose hook is running (set by the pipeline), recorded as `injectedBy`. */
  currentPlugin: string | undefined;
  /** Index of the command whose result is being handled (-1 while nothing was sent). */
  private cursor = -1;

  constructor(original: QueryCommand, statements?: ReadonlyMap<number, PreparedStatementInfo>) {
    this.statements = statements;
    this.originalEntry = {
      id: 0,
      command: original,
      original: true,
      resultsetIsNeeded: false,
      streamed: true,
      observed: false,
      expectsResponse: expectsResponse(original),
      injectedBy: undefined,
      watched: false,
      tracked: false,
    };
    this.list = [this.originalEntry];
  }

  private make(id: InjectionId, input: CommandInput, options: InjectionOptions | undefined): QueueEntry {
    if (typeof id !== "number" && typeof id !== "string") {
      throw new TypeError(`an injection id is a number or a string, got ${typeof id}`);
    }
    const command = toCommand(input, this.statements);
    if (!INJECTABLE.has(command.type)) {
      throw new TypeError(`${command.type} cannot be injected (allowed: ${[...INJECTABLE].join(", ")})`);
    }
    const entry: QueueEntry = {
      id,
      command,
      original: false,
      resultsetIsNeeded: options?.resultsetIsNeeded === true,
      streamed: false,
      observed: false,
      expectsResponse: true,
      injectedBy: this.currentPlugin,
      watched: true,
      tracked: false,
    };
    refresh(entry);
    return entry;
  }

  /** Queues a command after everything queued so far (MySQL Proxy: `proxy.queries:append(id, packet, options)`). */
  append(id: InjectionId, command: CommandInput, options?: InjectionOptions): void {
    this.list.push(this.make(id, command, options));
  }

  /**
   * Queues a command before everything not yet sent (MySQL Proxy: `proxy.queries:prepend(...)`): in
   * readQuery, first of all; in readQueryResult, next after the command whose result is at hand.
   */
  prepend(id: InjectionId, command: CommandInput, options?: InjectionOptions): void {
    this.list.splice(this.cursor + 1, 0, this.make(id, command, options));
  }

  /** Removes every injected command not yet sent; the client's own command stays (MySQL Proxy: `proxy.queries:reset()`). */
  reset(): void {
    for (let i = this.list.length - 1; i > this.cursor; i--) {
      if (!this.list[i].original) this.list.splice(i, 1);
    }
  }

  /** Records that the result of `entry` is being handled: what comes after it is not sent yet (internal). */
  at(entry: Injection): void {
    const i = this.list.indexOf(entry as QueueEntry);
    if (i > this.cursor) this.cursor = i;
  }

  /** The client's own command, as it will be sent. */
  get original(): Injection {
    return this.originalEntry;
  }

  /** Replaces the client's own command (a rewrite): SQL text, a payload or a command object. */
  rewrite(command: CommandInput): void {
    this.notSent("rewrite");
    this.originalEntry.command = toCommand(command, this.statements);
    refresh(this.originalEntry);
  }

  /**
   * Asks for readQueryResult on the client's own command (MySQL Proxy: appending the original to
   * `proxy.queries`). With `resultsetIsNeeded` the response is buffered: the hook may read its rows,
   * replace it or ignore it; without, it streams to the caller and the hook sees its outcome after.
   */
  observe(options?: InjectionOptions & { readonly id?: InjectionId }): void {
    this.notSent("observe");
    const e = this.originalEntry;
    e.watched = true;
    if (options?.resultsetIsNeeded) e.resultsetIsNeeded = true;
    if (options?.id !== undefined) e.id = options.id;
    refresh(e);
  }

  private notSent(what: string): void {
    if (this.list.indexOf(this.originalEntry) <= this.cursor) {
      throw new TypeError(`cannot ${what} the client's command: it was already sent`);
    }
  }

  /** Marks the original as needed by the pipeline itself (internal). */
  track(): void {
    this.originalEntry.tracked = true;
    refresh(this.originalEntry);
  }

  /** Number of queued commands, the client's own included. */
  get length(): number {
    return this.list.length;
  }

  /** The queued commands in order. The array is live: readQueryResult hooks may still append. */
  get entries(): readonly Injection[] {
    return this.list;
  }

  /** Iterates the queued commands in order. */
  [Symbol.iterator](): Iterator<Injection> {
    return this.list[Symbol.iterator]();
  }
}

/**
 * Options of `binlog()`: the connection (as for `connect()`, or a URL), where to start, blocking
 * or not, heartbeats, reconnection, and the filters. Validated into `ResolvedBinlogOptions`; bad
 * input is a TypeError naming the option.
 */
import { type EventTypeName, eventTypeNames } from "../protocol/binlog/event-types.ts";
import { parseGtidSet, parseMariadbGtids } from "../protocol/binlog/gtid-set.ts";
import type { RetryPolicy } from "../session/backoff.ts";
import {
  CONNECTION_OPTIONS,
  type ConnectionOptions,
  parseUrl,
  resolveOptions,
} from "../session/connection-options.ts";
import type { SessionOptions } from "../session/options.ts";
import { OptionValidator } from "../session/validate.ts";

/** Where a stream can resume exactly: a binlog position and, inside a transaction, where it began. */
export interface BinlogCheckpoint {
  /** The binlog file. */
  readonly file: string;
  /** The position after the last event handled: the stream resumes with the event there. */
  readonly position: number;
  /**
   * When the checkpoint is inside a transaction: the position of its first event (GTID or BEGIN).
   * The stream restarts there (so that the TABLE_MAP events are read again) and skips the events
   * before `position`.
   */
  readonly transactionStart?: number;
  /** When `position` is a TRANSACTION_PAYLOAD's: how many of the events it holds were handled. */
  readonly payloadEvents?: number;
}

/** Options of `binlog()`. */
export interface BinlogOptions extends ConnectionOptions {
  /** A `mysql://` URL for the connection, instead of (or under) the connection fields. */
  url?: string;
  /** The server id to register as: unique among the server's replicas. Default: random in 2^30..2^31. */
  serverId?: number;
  /** Start in this binlog file (at `position`, default 4). */
  file?: string;
  /** The position in `file` to start at (the `nextPosition` of the last event handled). */
  position?: number;
  /** Resume from a checkpoint (`stream.checkpoint` of an earlier stream). */
  resume?: BinlogCheckpoint;
  /** MySQL: start after these GTIDs (COM_BINLOG_DUMP_GTID), e.g. `"3E11FA47-...:1-57"`. */
  gtidSet?: string;
  /** MariaDB: start after these GTIDs (`@slave_connect_state`), e.g. `"0-1-42"` (one per domain). */
  mariadbGtid?: string;
  /** Wait for new events at the end of the log (true, the default) or end the stream there. */
  blocking?: boolean;
  /** Milliseconds between heartbeats the server sends when idle (blocking mode). Default 30000; 0: none. */
  heartbeatInterval?: number;
  /**
   * Reconnect after a lost connection and resume after the last event yielded, with the client's
   * backoff (`delay` doubling up to `maxDelay`, with jitter). Default true: `{ retries: 10, delay: 1000, maxDelay: 30000 }`.
   */
  reconnect?: boolean | { retries?: number; delay?: number; maxDelay?: number };
  /** Only these event types (names as in `event.type`). */
  onlyEvents?: readonly EventTypeName[];
  /** Not these event types. */
  ignoredEvents?: readonly EventTypeName[];
  /** Only tables of these schemas (TABLE_MAP and rows events). */
  onlySchemas?: readonly string[];
  /** Not the tables of these schemas. */
  ignoredSchemas?: readonly string[];
  /** Only these tables: `"table"` (any schema) or `"schema.table"`. */
  onlyTables?: readonly string[];
  /** Not these tables. */
  ignoredTables?: readonly string[];
  /** Skip events written before this time (a Date, or seconds since the epoch). */
  skipToTimestamp?: Date | number;
  /** Verify CRC32 checksums. Default true. */
  verifyChecksums?: boolean;
}

/** Options after validation. */
export interface ResolvedBinlogOptions {
  readonly session: SessionOptions;
  readonly serverId: number;
  readonly start:
    | {
      readonly kind: "position";
      readonly file: string;
      readonly position: number;
      readonly skipBefore?: number;
      readonly payloadEvents?: number;
    }
    | { readonly kind: "gtid"; readonly gtidSet: string }
    | { readonly kind: "mariadb-gtid"; readonly gtids: string }
    | { readonly kind: "end" };
  readonly blocking: boolean;
  readonly heartbeatInterval: number;
  readonly reconnect: RetryPolicy | undefined;
  readonly onlyEvents: ReadonlySet<string> | undefined;
  readonly ignoredEvents: ReadonlySet<string>;
  readonly onlySchemas: ReadonlySet<string> | undefined;
  readonly ignoredSchemas: ReadonlySet<string>;
  readonly onlyTables: ReadonlySet<string> | undefined;
  readonly ignoredTables: ReadonlySet<string>;
  readonly skipToTimestamp: number;
  readonly verifyChecksums: boolean;
}

const check: OptionValidator = new OptionValidator("binlog option");
const fail: (option: string, message: string) => never = (option, message) => check.fail(option, message);
const stringList = (option: string, value: unknown) => check.stringList(option, value);
const integer = (option: string, value: unknown, min: number, max: number) =>
  check.integer(option, value, min, max);

/** Every option of `binlog()` beyond the connection options (the compiler keeps this in step). */
const BINLOG_OPTION_FLAGS: Record<Exclude<keyof BinlogOptions, keyof ConnectionOptions>, true> = {
  url: true,
  serverId: true,
  file: true,
  position: true,
  resume: true,
  gtidSet: true,
  mariadbGtid: true,
  blocking: true,
  heartbeatInterval: true,
  onlyEvents: true,
  ignoredEvents: true,
  onlySchemas: true,
  ignoredSchemas: true,
  onlyTables: true,
  ignoredTables: true,
  skipToTimestamp: true,
  verifyChecksums: true,
};

/** The names of `binlog()`'s options. */
const BINLOG_OPTIONS: ReadonlySet<string> = new Set([
  ...CONNECTION_OPTIONS,
  ...Object.keys(BINLOG_OPTION_FLAGS),
]);

function eventList(option: string, value: unknown): ReadonlySet<string> | undefined {
  const list = stringList(option, value);
  if (list === undefined) return undefined;
  for (const name of list) {
    if (!(eventTypeNames as readonly string[]).includes(name)) {
      fail(option, `unknown event type "${name}" (one of ${eventTypeNames.join(", ")})`);
    }
  }
  return new Set(list);
}

/** Validates `binlog()` options and fills in the defaults. */
export function resolveBinlogOptions(options: BinlogOptions | string): ResolvedBinlogOptions {
  if (typeof options === "string") options = { url: options };
  if (typeof options !== "object" || options === null) {
    throw new TypeError("binlog() expects an options object or a mysql:// URL string");
  }
  check.rejectUnknown(options, BINLOG_OPTIONS, "binlog()");
  const { url, ...rest } = options;
  const connection: ConnectionOptions = url === undefined ? rest : { ...parseUrl(url), ...rest };
  const session = resolveOptions(connection);
  const serverId = options.serverId === undefined
    ? 0x40000000 + Math.floor(Math.random() * 0x3fffffff)
    : integer("serverId", options.serverId, 1, 0xffffffff);
  const starts = [
    options.file !== undefined || options.position !== undefined,
    options.resume !== undefined,
    options.gtidSet !== undefined,
    options.mariadbGtid !== undefined,
  ].filter(Boolean).length;
  if (starts > 1) fail("file/position, resume, gtidSet, mariadbGtid", "give one place to start, not several");
  let start: ResolvedBinlogOptions["start"];
  if (options.resume !== undefined) {
    const r = options.resume;
    if (typeof r !== "object" || r === null || typeof r.file !== "string" || r.file === "") {
      fail("resume", "expected a checkpoint { file, position, transactionStart? }");
    }
    const position = integer("resume.position", r.position, 4, Number.MAX_SAFE_INTEGER);
    const payloadEvents = r.payloadEvents === undefined
      ? undefined
      : integer("resume.payloadEvents", r.payloadEvents, 0, Number.MAX_SAFE_INTEGER);
    const from = r.transactionStart === undefined
      ? position
      : integer("resume.transactionStart", r.transactionStart, 4, position);
    start = { kind: "position", file: r.file, position: from, skipBefore: position, payloadEvents };
  } else if (options.file !== undefined || options.position !== undefined) {
    if (typeof options.file !== "string" || options.file === "") {
      fail("file", "a binlog file name is needed with position");
    }
    const position = options.position === undefined
      ? 4
      : integer("position", options.position, 4, 0xffffffff);
    start = { kind: "position", file: options.file, position };
  } else if (options.gtidSet !== undefined) {
    if (typeof options.gtidSet !== "string") fail("gtidSet", "expected a GTID set string");
    try {
      parseGtidSet(options.gtidSet);
    } catch (error) {
      fail("gtidSet", (error as Error).message);
    }
    start = { kind: "gtid", gtidSet: options.gtidSet };
  } else if (options.mariadbGtid !== undefined) {
    if (typeof options.mariadbGtid !== "string") {
      fail("mariadbGtid", "expected a GTID position string like 0-1-42");
    }
    try {
      parseMariadbGtids(options.mariadbGtid);
    } catch (error) {
      fail("mariadbGtid", (error as Error).message);
    }
    start = { kind: "mariadb-gtid", gtids: options.mariadbGtid.replace(/\s+/g, "") };
  } else start = { kind: "end" };
  const blocking = options.blocking ?? true;
  if (typeof blocking !== "boolean") fail("blocking", "expected a boolean");
  const heartbeatInterval = options.heartbeatInterval === undefined
    ? 30_000
    : integer("heartbeatInterval", options.heartbeatInterval, 0, 4_294_967_000);
  let reconnect: ResolvedBinlogOptions["reconnect"];
  const rc = options.reconnect ?? true;
  if (rc === true) reconnect = { retries: 10, delay: 1000, maxDelay: 30_000 };
  else if (rc === false) reconnect = undefined;
  else if (typeof rc === "object" && rc !== null) {
    const delay = rc.delay === undefined ? 1000 : integer("reconnect.delay", rc.delay, 0, 3_600_000);
    reconnect = {
      retries: rc.retries === undefined ? 10 : integer("reconnect.retries", rc.retries, 0, 1_000_000),
      delay,
      maxDelay: rc.maxDelay === undefined
        ? Math.max(delay, 30_000)
        : integer("reconnect.maxDelay", rc.maxDelay, delay, 3_600_000),
    };
  } else fail("reconnect", "expected a boolean or { retries, delay, maxDelay }");
  const set = (option: string, value: unknown) => {
    const list = stringList(option, value);
    return list === undefined ? undefined : new Set(list);
  };
  let skipToTimestamp = 0;
  if (options.skipToTimestamp !== undefined) {
    const t = options.skipToTimestamp;
    skipToTimestamp = t instanceof Date ? t.getTime() / 1000 : t;
    if (typeof skipToTimestamp !== "number" || !Number.isFinite(skipToTimestamp)) {
      fail("skipToTimestamp", "expected a Date or seconds since the epoch");
    }
  }
  const verifyChecksums = options.verifyChecksums ?? true;
  if (typeof verifyChecksums !== "boolean") fail("verifyChecksums", "expected a boolean");
  return {
    session,
    serverId,
    start,
    blocking,
    heartbeatInterval,
    reconnect,
    onlyEvents: eventList("onlyEvents", options.onlyEvents),
    ignoredEvents: eventList("ignoredEvents", options.ignoredEvents) ?? new Set(),
    onlySchemas: set("onlySchemas", options.onlySchemas),
    ignoredSchemas: set("ignoredSchemas", options.ignoredSchemas) ?? new Set(),
    onlyTables: set("onlyTables", options.onlyTables),
    ignoredTables: set("ignoredTables", options.ignoredTables) ?? new Set(),
    skipToTimestamp,
    verifyChecksums,
  };
}

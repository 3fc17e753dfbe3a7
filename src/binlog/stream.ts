/**
 * `binlog(options)`: the server's binlog as an AsyncIterable of decoded events. It connects,
 * checks that the server writes a ROW-format binlog, registers as a replica (COM_REGISTER_SLAVE),
 * sets `@master_binlog_checksum`, `@master_heartbeat_period` and, on MariaDB,
 * `@mariadb_slave_capability` (and `@slave_connect_state` to start from a GTID), then asks for the
 * binlog with COM_BINLOG_DUMP or COM_BINLOG_DUMP_GTID and reads one event per packet.
 *
 * Pull-based: the socket is read only while the consumer asks for the next event. Rows events are
 * keyed by column names from the TABLE_MAP (`binlog_row_metadata=FULL`) or from information_schema
 * on a second connection. On a lost connection it reconnects and resumes after the last event it
 * handled: from the start of the open transaction, skipping what was already handled, so that no
 * event is lost or repeated.
 */
import { ChecksumAlgorithm } from "../protocol/binlog/checksum.ts";
import { BinlogDecoder } from "../protocol/binlog/decoder.ts";
import type { BinlogEvent, TableMapEvent } from "../protocol/binlog/events.ts";
import type { GtidSetEntry } from "../protocol/binlog/events.ts";
import { addGtid, formatGtidSet, parseGtidSet, parseMariadbGtids } from "../protocol/binlog/gtid-set.ts";
import {
  BinlogDumpFlag,
  encodeBinlogDump,
  encodeBinlogDumpGtid,
  encodeRegisterReplica,
} from "../protocol/binlog/replication.ts";
import type { TableColumn } from "../protocol/binlog/table-map.ts";
import { ColumnType } from "../protocol/constants.ts";
import { MysqlError, ProtocolError } from "../protocol/errors.ts";
import { escapeValue } from "../protocol/escape.ts";
import { ConnectionError } from "../runtime/socket.ts";
import { backoffDelay, sleep } from "../session/backoff.ts";
import type { PacketChannel } from "../session/channel.ts";
import { Session } from "../session/session.ts";
import { BinlogError } from "./errors.ts";
import { eventFilter, tableFilter } from "./filters.ts";
import {
  type BinlogCheckpoint,
  type BinlogOptions,
  resolveBinlogOptions,
  type ResolvedBinlogOptions,
} from "./options.ts";
import { SchemaCache } from "./schema-cache.ts";

/** A binlog stream: iterate it for events; `checkpoint` says where to resume. */
export interface BinlogStream extends AsyncIterable<BinlogEvent>, AsyncDisposable {
  /** Where a new stream resumes exactly after the last event handled (pass it as `resume`). */
  readonly checkpoint: BinlogCheckpoint | undefined;
  /** MariaDB: the GTID position (one GTID per domain) after the last transaction handled. */
  readonly mariadbGtidPosition: string | undefined;
  /**
   * MySQL: the GTID set of the transactions before and including the last one handled (from the
   * `gtidSet` the stream started with, or the PREVIOUS_GTIDS of a file read from its start): the
   * `gtidSet` to resume from.
   */
  readonly gtidSet: string | undefined;
  /** How many times the stream reconnected after losing its connection. */
  readonly reconnects: number;
  /** The server thread id of the connection reading the binlog (what KILL takes). */
  readonly threadId: number | undefined;
  /** Ends the stream and closes its connections. */
  close(): Promise<void>;
}

/** Opens a stream of the binlog of the server `options` connect to. See `BinlogOptions`. */
export function binlog(options: BinlogOptions | string): BinlogStream {
  return new Stream(resolveBinlogOptions(options));
}

/** An event handled (passed on to the consumer when `event` is set) and what it changes. */
interface Handled {
  event: BinlogEvent | undefined;
  checkpoint?: BinlogCheckpoint;
  gtid?: string;
  gtidList?: string[];
  /** MySQL: a transaction that ended, or the PREVIOUS_GTIDS set of a file. */
  mysqlGtid?: string;
  previousGtids?: GtidSetEntry[];
}

/** Where the next dump starts and what to skip there (events handled before a reconnect). */
interface Target {
  file: string;
  position: number;
  /** Drop events of `file` before this position (and, at it, the first `payloadEvents` of a payload). */
  skipBefore?: number;
  payloadEvents?: number;
}

const MARIA_SLAVE_CAPABILITY_MINE = 4;

function describe(error: MysqlError): string {
  return `${error.sqlMessage} (${error.code} ${error.errno})`;
}

/** The BinlogError a server error at the start of a dump means. */
function dumpError(error: MysqlError, what: string): BinlogError {
  const m = error.sqlMessage;
  if (error.errno === 1227 || error.errno === 1045 || error.errno === 1142 || /privilege/i.test(m)) {
    return new BinlogError(
      "no-privilege",
      `the user lacks the privileges to read the binlog (${what}): GRANT REPLICATION SLAVE, REPLICATION CLIENT (MariaDB: BINLOG MONITOR) ON *.* TO the user. The server said: ${
        describe(error)
      }`,
      { cause: error },
    );
  }
  if (/could not find first log file/i.test(m)) {
    return new BinlogError(
      "unknown-file",
      `the binlog file to start from is not on the server (SHOW BINARY LOGS lists those it has): ${
        describe(error)
      }`,
      { cause: error },
    );
  }
  if (error.errno === 1236) {
    return new BinlogError(
      "unknown-position",
      `the server cannot send the binlog from the requested start (purged, past the end, or a GTID it never wrote): ${
        describe(error)
      }`,
      { cause: error },
    );
  }
  return new BinlogError("server-error", `the server stopped sending the binlog: ${describe(error)}`, {
    cause: error,
  });
}

/** True for statements that change a table's columns (or may: the cache is dropped for all of them). */
function isDdl(query: string): boolean {
  return /^\s*(?:\/\*.*?\*\/\s*)*(?:ALTER|CREATE|DROP|RENAME|TRUNCATE)\b/is.test(query);
}

/** A MariaDB column that information_schema may know as JSON (a LONGTEXT), UUID, INET4 or INET6 (BINARY). */
function mayBeExtended(c: TableColumn): boolean {
  return c.type === ColumnType.BLOB
    || (c.type === ColumnType.STRING && (c.charset === undefined || c.charset === 63));
}

/** True for failures that a new connection may get past. */
function isConnectionLoss(error: unknown): boolean {
  return error instanceof ConnectionError;
}

class Stream implements BinlogStream {
  private readonly o: ResolvedBinlogOptions;
  private readonly wanted: (event: BinlogEvent) => boolean;
  /** Aborted by close(): cuts a reconnect's backoff short. */
  private readonly closing = new AbortController();
  private readonly includeTable: (schema: string, table: string) => boolean;
  private readonly schemas: SchemaCache;
  private session: Session | undefined;
  private channel: PacketChannel | undefined;
  private release: (() => void) | undefined;
  private decoder: BinlogDecoder | undefined;
  private readonly queue: Handled[] = [];
  private cursor: BinlogCheckpoint | undefined;
  private closed = false;
  private ended = false;
  private target: Target | undefined;
  private next_: BinlogCheckpoint | undefined;
  private readonly gtidState = new Map<number, string>();
  private gtidKnown = false;
  private mysqlGtids: GtidSetEntry[] | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private mariadb = false;
  reconnects = 0;

  constructor(o: ResolvedBinlogOptions) {
    this.o = o;
    this.wanted = eventFilter(o);
    this.includeTable = tableFilter(o);
    this.schemas = new SchemaCache(() => Session.open(o.session));
    if (o.start.kind === "position") {
      this.target = {
        file: o.start.file,
        position: o.start.position,
        skipBefore: o.start.skipBefore,
        payloadEvents: o.start.payloadEvents,
      };
    }
    if (o.start.kind === "gtid") this.mysqlGtids = parseGtidSet(o.start.gtidSet);
    if (o.start.kind === "mariadb-gtid") {
      for (const g of parseMariadbGtids(o.start.gtids)) {
        this.gtidState.set(g.domainId, `${g.domainId}-${g.serverId}-${g.sequence}`);
      }
      this.gtidKnown = true;
    }
  }

  get checkpoint(): BinlogCheckpoint | undefined {
    return this.next_;
  }

  get gtidSet(): string | undefined {
    return this.mysqlGtids === undefined ? undefined : formatGtidSet(this.mysqlGtids);
  }

  get mariadbGtidPosition(): string | undefined {
    return this.gtidKnown ? [...this.gtidState.values()].join(",") : undefined;
  }

  get threadId(): number | undefined {
    return this.session?.info.connectionId;
  }

  [Symbol.asyncIterator](): AsyncIterator<BinlogEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.disconnect();
    await this.schemas.close();
  }

  private async next(): Promise<IteratorResult<BinlogEvent>> {
    for (;;) {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        this.apply(item);
        if (item.event !== undefined) return { done: false, value: item.event };
      }
      if (this.closed || this.ended) {
        if (this.ended && !this.closed) await this.close();
        return { done: true, value: undefined };
      }
      try {
        if (this.channel === undefined) await this.connect();
        const packet = await this.read();
        if (packet === undefined) {
          this.ended = true;
          continue;
        }
        this.failures = 0;
        await this.handle(packet);
      } catch (error) {
        if (this.closed) return { done: true, value: undefined };
        const reconnect = this.o.reconnect;
        if (isConnectionLoss(error) && reconnect !== undefined && this.failures < reconnect.retries) {
          this.failures++;
          this.reconnects++;
          this.disconnect();
          this.retarget();
          await sleep(backoffDelay(reconnect, this.failures), this.closing.signal).catch(() => {});
          continue;
        }
        const lost = isConnectionLoss(error) && reconnect !== undefined;
        await this.close();
        if (lost) {
          throw new BinlogError(
            "reconnect-failed",
            `the binlog connection was lost and ${reconnect!.retries} reconnection attempts failed: ${
              (error as Error).message
            }`,
            { cause: error },
          );
        }
        throw error;
      }
    }
  }

  /** Reads the next packet of the dump: an event's bytes (after the 0x00), or undefined at EOF. */
  private async read(): Promise<Uint8Array | undefined> {
    const channel = this.channel!;
    this.armWatchdog();
    let packet: Uint8Array;
    try {
      packet = await channel.read();
    } finally {
      clearTimeout(this.watchdog);
    }
    if (packet[0] === 0x00) return packet;
    if (packet[0] === 0xfe && packet.length < 9) return undefined;
    if (packet[0] === 0xff) throw dumpError(this.session!.errorFrom(packet), "COM_BINLOG_DUMP");
    throw new ProtocolError("unexpected", `binlog dump sent a packet starting 0x${packet[0].toString(16)}`);
  }

  /** In blocking mode with heartbeats: a connection silent for three heartbeats is taken as lost. */
  private armWatchdog(): void {
    if (!this.o.blocking || this.o.heartbeatInterval === 0) return;
    const session = this.session!;
    this.watchdog = setTimeout(() => {
      session.destroy(
        new ConnectionError("ETIMEDOUT", "no binlog event or heartbeat for three heartbeat periods"),
      );
    }, this.o.heartbeatInterval * 3 + 1000);
  }

  /** Decodes one packet's event(s) and queues those the consumer wants. */
  private async handle(packet: Uint8Array): Promise<void> {
    const decoder = this.decoder!;
    const first = decoder.decodeOne(packet, 1, packet.length);
    if (first !== undefined) await this.accept(first);
    while (decoder.pendingPayload) {
      const e = decoder.nextPayloadEvent();
      if (e === null) break;
      if (e !== undefined) await this.accept(e);
    }
  }

  /** Handles a decoded event: skip what was handled before a reconnect, fill in names, filter, track. */
  private async accept(e: BinlogEvent): Promise<void> {
    const skip = this.skipped(e);
    if (e.type === "TableMap") await this.nameColumns(e);
    else if (e.type === "Query" && isDdl(e.query)) this.schemas.invalidate();
    if (skip) return;
    const item = this.track(e);
    if (this.wanted(e)) item.event = e;
    this.queue.push(item);
  }

  /** After a lost connection: restart at the open transaction's start, skipping what was handled. */
  private retarget(): void {
    const cp = this.next_;
    if (cp === undefined) return; // nothing handled yet: start as first asked
    this.target = {
      file: cp.file,
      position: cp.transactionStart ?? cp.position,
      skipBefore: cp.position,
      payloadEvents: cp.payloadEvents,
    };
  }

  /** Events already handled before a reconnect (the dump restarts at the open transaction's start). */
  private skipped(e: BinlogEvent): boolean {
    const t = this.target;
    if (t?.skipBefore === undefined) return false;
    if (e.file !== t.file) return false;
    if (e.position < t.skipBefore) return true;
    if (e.position === t.skipBefore && t.payloadEvents !== undefined) {
      if (e.type === "TransactionPayload") return true;
      if (t.payloadEvents > 0) {
        t.payloadEvents--;
        return true;
      }
    }
    if (e.position >= t.skipBefore && e.nextPosition !== 0) t.skipBefore = undefined;
    return false;
  }

  /**
   * The checkpoint after an event and what it does to the MariaDB GTID position, to apply when the
   * consumer gets that event (or the next wanted one after it).
   */
  private track(e: BinlogEvent): Handled {
    const decoder = this.decoder!;
    const item: Handled = { event: undefined };
    if (e.type === "Rotate") {
      item.checkpoint = this.cursor = { file: e.nextFile, position: e.nextFilePosition };
      return item;
    }
    if (e.type === "Heartbeat" || e.nextPosition === 0 || e.type === "FormatDescription") return item;
    if (e.type === "MariadbGtidList") {
      item.gtidList = e.gtids.map((g) => `${g.domainId}-${g.serverId}-${g.sequence}`);
    }
    const open = decoder.transactionStart;
    if (decoder.pendingPayload || e.type === "TransactionPayload") {
      const prev = this.cursor;
      const handled = e.type === "TransactionPayload"
        ? 0
        : prev?.position === e.position && prev.payloadEvents !== undefined
        ? prev.payloadEvents + 1
        : 1;
      this.cursor = decoder.pendingPayload
        ? { file: e.file, position: e.position, transactionStart: e.position, payloadEvents: handled }
        : { file: e.file, position: e.nextPosition };
    } else {
      this.cursor = open === undefined
        ? { file: e.file, position: e.nextPosition }
        : { file: e.file, position: e.nextPosition, transactionStart: open };
    }
    item.checkpoint = this.cursor;
    if (
      open === undefined && e.gtid !== undefined && e.type !== "MariadbGtid" && /^\d+-\d+-\d+$/.test(e.gtid)
    ) {
      item.gtid = e.gtid; // a MariaDB transaction ended with this event
    } else if (open === undefined && e.gtid !== undefined && e.type !== "Gtid" && e.type !== "GtidTagged") {
      item.mysqlGtid = e.gtid; // a MySQL transaction ended with this event
    }
    return item;
  }

  /** Applies what handing over an event (or passing a filtered one) changes. */
  private apply(item: Handled): void {
    if (item.checkpoint !== undefined) this.next_ = item.checkpoint;
    if (item.previousGtids !== undefined && this.mysqlGtids === undefined) {
      this.mysqlGtids = item.previousGtids;
    }
    if (item.mysqlGtid !== undefined && this.mysqlGtids !== undefined) {
      this.mysqlGtids = addGtid(this.mysqlGtids, item.mysqlGtid);
    }
    if (item.gtidList !== undefined && !this.gtidKnown) {
      for (const g of item.gtidList) this.gtidState.set(Number(g.slice(0, g.indexOf("-"))), g);
      this.gtidKnown = true;
    }
    if (item.gtid !== undefined) {
      this.gtidState.set(Number(item.gtid.slice(0, item.gtid.indexOf("-"))), item.gtid);
      this.gtidKnown = true;
    }
  }

  /**
   * Names the columns of a wanted table whose TABLE_MAP does not name them, from information_schema.
   * On MariaDB also when it does: only information_schema says which columns are JSON, UUID, INET4
   * or INET6 (their names must then match the event's).
   */
  private async nameColumns(e: TableMapEvent): Promise<void> {
    if (!this.includeTable(e.schema, e.table)) return;
    if (e.hasColumnNames && !(this.mariadb && e.columns.some(mayBeExtended))) return;
    const decoder = this.decoder!;
    let info = await this.schemas.columns(e.schema, e.table);
    if (info.length !== e.columns.length) info = await this.schemas.columns(e.schema, e.table, true);
    if (e.hasColumnNames && info.some((c, i) => c.name !== e.columns[i]?.name)) return;
    decoder.supplyColumns(e.tableId, info);
  }

  private disconnect(): void {
    clearTimeout(this.watchdog);
    const session = this.session;
    this.session = undefined;
    this.channel = undefined;
    this.decoder = undefined;
    this.release?.();
    this.release = undefined;
    session?.destroy();
  }

  /** Connects, checks the server, registers and starts the dump from the target. */
  private async connect(): Promise<void> {
    const o = this.o;
    const session = await Session.open(o.session);
    this.session = session;
    try {
      const mariadb = session.info.flavor === "mariadb";
      this.mariadb = mariadb;
      const [vars] = await session.query(
        "SELECT @@global.log_bin AS log_bin, @@global.binlog_format AS format, @@global.binlog_checksum AS checksum",
      ) as unknown as { log_bin: unknown; format: unknown; checksum: unknown }[];
      if (String(vars.log_bin) !== "1" && String(vars.log_bin).toUpperCase() !== "ON") {
        throw new BinlogError(
          "binlog-disabled",
          `the server at ${
            o.session.socketPath ?? `${o.session.host}:${o.session.port}`
          } does not write a binlog (log_bin is OFF): start it with --log-bin`,
        );
      }
      if (String(vars.format).toUpperCase() !== "ROW") {
        throw new BinlogError(
          "not-row-format",
          `the server's binlog_format is ${vars.format}: rows events need binlog_format=ROW (SET GLOBAL binlog_format = 'ROW', or --binlog-format=ROW)`,
        );
      }
      if (o.start.kind === "gtid" && mariadb) {
        throw new BinlogError(
          "unsupported",
          "gtidSet is a MySQL GTID set: MariaDB takes its GTID position as mariadbGtid",
        );
      }
      if (o.start.kind === "mariadb-gtid" && !mariadb) {
        throw new BinlogError(
          "unsupported",
          "mariadbGtid is a MariaDB GTID position: MySQL takes a GTID set as gtidSet",
        );
      }
      if (this.target === undefined && o.start.kind === "end") this.target = await this.endOfLog(session);
      const q = (v: unknown) =>
        escapeValue(v, { timezone: 0, noBackslashEscapes: session.noBackslashEscapes });
      await session.query("SET @master_binlog_checksum = @@global.binlog_checksum");
      if (!mariadb) await session.query("SET @source_binlog_checksum = @@global.binlog_checksum");
      if (o.blocking && o.heartbeatInterval > 0) {
        await session.query(`SET @master_heartbeat_period = ${BigInt(o.heartbeatInterval) * 1_000_000n}`);
      }
      if (mariadb) {
        await session.query(`SET @mariadb_slave_capability = ${MARIA_SLAVE_CAPABILITY_MINE}`);
        if (this.target === undefined && o.start.kind === "mariadb-gtid") {
          await session.query(
            `SET @slave_connect_state = ${
              q(o.start.gtids)
            }, @slave_gtid_strict_mode = 0, @slave_gtid_ignore_duplicates = 0`,
          );
        }
      }
      this.decoder = new BinlogDecoder({
        values: o.session.values,
        verifyChecksums: o.verifyChecksums,
        checksumAlgorithm: String(vars.checksum).toUpperCase() === "CRC32"
          ? ChecksumAlgorithm.CRC32
          : ChecksumAlgorithm.OFF,
        includeTable: this.includeTable,
        file: this.target?.file ?? "",
        maxPayloadSize: Math.max(o.session.maxPacketSize * 4, 256 * 1024 * 1024),
      });
      await this.startDump(session, mariadb);
    } catch (error) {
      this.disconnect();
      if (error instanceof MysqlError) throw dumpError(error, "preparing the dump");
      throw error;
    }
  }

  /** The current end of the log (SHOW MASTER STATUS, or SHOW BINARY LOG STATUS on MySQL 8.2+). */
  private async endOfLog(session: Session): Promise<Target> {
    const m = /^(\d+)\.(\d+)/.exec(session.info.version);
    const modern = session.info.flavor === "mysql" && m !== null
      && (Number(m[1]) > 8 || (Number(m[1]) === 8 && Number(m[2]) >= 2));
    const rows = await session.query(modern ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS") as unknown as {
      File: string;
      Position: number | bigint;
    }[];
    if (rows.length === 0) {
      throw new BinlogError(
        "binlog-disabled",
        "the server reports no binlog position (SHOW MASTER STATUS is empty): is log_bin on?",
      );
    }
    return { file: rows[0].File, position: Number(rows[0].Position) };
  }

  /** COM_REGISTER_SLAVE, then the dump command; keeps the channel for the dump's packets. */
  private async startDump(session: Session, mariadb: boolean): Promise<void> {
    const o = this.o;
    const target = this.target;
    let channel!: PacketChannel;
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      session.exclusive((ch) =>
        new Promise<void>((release) => {
          channel = ch;
          this.release = release;
          resolveReady();
        })
      ).catch(rejectReady);
    });
    await ready;
    await channel.writeCommand(
      encodeRegisterReplica({
        serverId: o.serverId,
        hostname: "mywire",
        user: o.session.user,
        password: "",
        port: 0,
      }),
    );
    const ok = await channel.read();
    if (ok[0] === 0xff) throw session.errorFrom(ok);
    let flags = o.blocking ? 0 : BinlogDumpFlag.NON_BLOCK;
    if (mariadb) flags |= BinlogDumpFlag.SEND_ANNOTATE_ROWS;
    if (target === undefined && o.start.kind === "gtid") {
      await channel.writeCommand(
        encodeBinlogDumpGtid({
          flags,
          serverId: o.serverId,
          file: "",
          position: 4,
          gtids: parseGtidSet(o.start.gtidSet),
        }),
      );
    } else if (target === undefined) {
      // MariaDB with @slave_connect_state: the GTID position decides where the dump starts
      await channel.writeCommand(encodeBinlogDump({ position: 4, flags, serverId: o.serverId, file: "" }));
    } else {
      await channel.writeCommand(
        encodeBinlogDump({ position: target.position, flags, serverId: o.serverId, file: target.file }),
      );
    }
    this.channel = channel;
  }
}

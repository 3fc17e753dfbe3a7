/**
 * The workloads, written once against `BenchConnection`, and the SQL that prepares their data.
 * Every workload warms up first (so the JIT has compiled the hot path and statements are prepared),
 * then measures several rounds; the report takes the median round.
 */
import type { BenchConnection } from "./drivers/types.ts";

export type WorkloadId =
  | "select1"
  | "mixed"
  | "mixedPrepared"
  | "wide"
  | "stream"
  | "insert"
  | "large"
  | "largeArrays"
  | "largePrepared"
  | "largePreparedArrays";

/** How long and how often to measure (the defaults; `--quick` and `--rounds` change them). */
export interface Timing {
  /** Warm-up time of the time-boxed workloads, ms. */
  warmupMs: number;
  /** Length of one round of the time-boxed workloads, ms. */
  roundMs: number;
  /** Rounds of the time-boxed workloads. */
  rounds: number;
  /** Rounds of the counted workloads (stream, insert). */
  countedRounds: number;
  /** Rows streamed per round of (e). */
  streamRows: number;
  /** Inserts per round of (f). */
  inserts: number;
  /** Rounds of the 100,000-row workloads (g) to (j): one query each. */
  largeRounds: number;
  /** Fewer rows for (g) to (j) (`--quick`); absent: all 100,000. */
  largeRows?: number;
}

export const defaultTiming: Timing = {
  warmupMs: 800,
  roundMs: 700,
  rounds: 5,
  countedRounds: 3,
  streamRows: 1_000_000,
  inserts: 10_000,
  largeRounds: 7,
};

export interface Workload {
  id: WorkloadId;
  /** The driver is connected with rows as arrays instead of objects (its `rowsAsArray` option). */
  rowsAsArray?: boolean;
  /** Letter in the issue: a .. f. */
  letter: string;
  title: string;
  /** What one op is, for the tables. */
  unit: string;
  /** What is measured, one sentence, for the README and the report. */
  description: string;
  /**
   * Runs the workload: warm-up, then rounds. Returns ops per second of each round (and a row, to
   * show which JS types the driver returned). Throws when a result is not what the workload expects
   * (a wrong row count), so a broken driver is not "fast".
   */
  run(conn: BenchConnection, timing: Timing): Promise<WorkloadResult>;
}

export interface WorkloadResult {
  rounds: number[];
  /** One row of the result, as the driver returned it. */
  sample?: unknown;
}

export const MIXED_ROWS = 1000;
export const WIDE_COLUMNS = 100;
export const STREAM_ROWS = 1_000_000;
export const LARGE_ROWS = 100_000;
export const LARGE_COLUMNS = 10;

const now = () => performance.now();

/** Repeats `op` for `ms` milliseconds (at least once); returns ops per second. */
async function timeBox(ms: number, op: () => Promise<void>): Promise<number> {
  let count = 0;
  const start = now();
  const end = start + ms;
  let t = start;
  do {
    await op();
    count++;
    t = now();
  } while (t < end);
  return (count * 1000) / (t - start);
}

/** Checks the first result, warms up, then runs the rounds. */
async function timeBoxed(
  timing: Timing,
  call: () => Promise<unknown>,
  check: (result: unknown) => void,
): Promise<WorkloadResult> {
  const first = await call();
  check(first);
  const op = async () => {
    await call();
  };
  await timeBox(timing.warmupMs, op);
  const rounds: number[] = [];
  for (let i = 0; i < timing.rounds; i++) rounds.push(await timeBox(timing.roundMs, op));
  return { rounds, sample: Array.isArray(first) ? first[first.length - 1] : undefined };
}

function rowsOf(result: unknown): unknown[] {
  if (!Array.isArray(result)) throw new Error(`expected an array of rows, got ${typeof result}`);
  return result;
}

function expectRows(result: unknown, count: number, columns: number, arrays = false): void {
  const rows = rowsOf(result);
  if (rows.length !== count) throw new Error(`expected ${count} rows, got ${rows.length}`);
  const first = rows[0] as Record<string, unknown>;
  if (arrays !== Array.isArray(first)) {
    throw new Error(`expected rows as ${arrays ? "arrays" : "objects"}, got ${JSON.stringify(first)}`);
  }
  const got = Object.keys(first).length;
  if (got !== columns) throw new Error(`expected ${columns} columns, got ${got}`);
}

/**
 * The 100,000-row workloads: the first result is checked, one more query warms up, then each round
 * is one query; rows per second of each round.
 */
async function largeRounds(
  timing: Timing,
  call: () => Promise<unknown>,
  arrays: boolean,
): Promise<WorkloadResult> {
  const rows = Math.min(LARGE_ROWS, timing.largeRows ?? LARGE_ROWS);
  const first = await call();
  expectRows(first, rows, LARGE_COLUMNS, arrays);
  const sample = rowsOf(first)[rows - 1];
  await call();
  const rounds: number[] = [];
  for (let i = 0; i < timing.largeRounds; i++) {
    const start = now();
    const result = await call();
    const seconds = (now() - start) / 1000;
    if (rowsOf(result).length !== rows) throw new Error(`expected ${rows} rows`);
    rounds.push(rows / seconds);
  }
  return {
    rounds,
    sample: arrays ? Object.fromEntries(LARGE_NAMES.map((n, i) => [n, (sample as unknown[])[i]])) : sample,
  };
}

const MIXED_SQL = "SELECT * FROM bench_mixed WHERE id > 0";
const MIXED_PREPARED_SQL = "SELECT * FROM bench_mixed WHERE id > ?";
const WIDE_SQL = "SELECT * FROM bench_wide";
const STREAM_SQL = "SELECT id, name, value, created FROM bench_stream";
const INSERT_SQL = "INSERT INTO bench_insert (a, b, c) VALUES (?, ?, ?)";
const LARGE_SQL = "SELECT * FROM bench_large";
const LARGE_PREPARED_SQL = "SELECT * FROM bench_large WHERE id > ?";
/** The columns of bench_large, in order (to name the values of an array row in the report). */
const LARGE_NAMES = ["id", "qty", "big", "ratio", "amount", "name", "email", "created", "day", "flag"];

/** `LIMIT n` for a quick run with fewer rows. */
function largeSql(sql: string, timing: Timing): string {
  return timing.largeRows !== undefined && timing.largeRows < LARGE_ROWS
    ? `${sql} LIMIT ${timing.largeRows}`
    : sql;
}

async function streamRows(conn: BenchConnection, sql: string): Promise<{ count: number; last: unknown }> {
  let count = 0;
  let sum = 0;
  let last: unknown;
  for await (const row of conn.stream!(sql)) {
    // The trivial work of a consumer: read a field of every row.
    sum += (row as { id: number }).id;
    last = row;
    count++;
  }
  if (last === undefined || typeof (last as Record<string, unknown>).id !== "number" || Number.isNaN(sum)) {
    throw new Error("streamed rows lack a numeric id");
  }
  return { count, last };
}

/** Thrown when a driver has no API for a workload: reported as n/a, not as a failure. */
export class NotAvailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotAvailable";
  }
}

export const workloads: readonly Workload[] = [
  {
    id: "select1",
    letter: "a",
    title: "SELECT 1",
    unit: "queries/s",
    description: "`SELECT 1` round trips, one after the other (each awaited before the next).",
    run: (conn, timing) => timeBoxed(timing, () => conn.query("SELECT 1"), (r) => expectRows(r, 1, 1)),
  },
  {
    id: "mixed",
    letter: "b",
    title: "1,000 rows x 10 mixed columns, text protocol",
    unit: "queries/s",
    description: `\`${MIXED_SQL}\`: 1,000 rows of INT, BIGINT, DECIMAL(12,2), DOUBLE, VARCHAR, DATETIME, `
      + "DATE, TEXT, BLOB and a nullable INT (half NULL), text protocol (COM_QUERY).",
    run: (conn, timing) =>
      timeBoxed(timing, () => conn.query(MIXED_SQL), (r) => expectRows(r, MIXED_ROWS, 10)),
  },
  {
    id: "mixedPrepared",
    letter: "c",
    title: "1,000 rows x 10 mixed columns, prepared",
    unit: "queries/s",
    description: `\`${MIXED_PREPARED_SQL}\` with [0]: the same rows through a prepared statement (binary `
      + "protocol), prepared once by the driver's statement cache.",
    run: (conn, timing) =>
      timeBoxed(timing, () => conn.execute(MIXED_PREPARED_SQL, [0]), (r) => expectRows(r, MIXED_ROWS, 10)),
  },
  {
    id: "wide",
    letter: "d",
    title: "1 row x 100 INT columns",
    unit: "queries/s",
    description: `\`${WIDE_SQL}\`: one row of 100 INT columns, text protocol.`,
    run: (conn, timing) =>
      timeBoxed(timing, () => conn.query(WIDE_SQL), (r) => expectRows(r, 1, WIDE_COLUMNS)),
  },
  {
    id: "stream",
    letter: "e",
    title: "stream 1,000,000 rows",
    unit: "rows/s",
    description: `\`${STREAM_SQL}\`: 1,000,000 rows (INT, VARCHAR, DOUBLE, DATETIME) through the `
      + "driver's streaming API, text protocol, with a consumer that adds up the ids; also the peak RSS "
      + "of the process.",
    run: async (conn, timing) => {
      if (!conn.stream) throw new NotAvailable("no streaming API");
      const limit = Math.min(timing.streamRows, STREAM_ROWS);
      const sql = limit < STREAM_ROWS ? `${STREAM_SQL} LIMIT ${limit}` : STREAM_SQL;
      await streamRows(conn, `${STREAM_SQL} LIMIT ${Math.max(1, Math.floor(limit / 10))}`); // warm-up
      const rounds: number[] = [];
      let sample: unknown;
      for (let i = 0; i < timing.countedRounds; i++) {
        const start = now();
        const { count, last } = await streamRows(conn, sql);
        const seconds = (now() - start) / 1000;
        if (count !== limit) throw new Error(`streamed ${count} rows, expected ${limit}`);
        rounds.push(count / seconds);
        sample = last;
      }
      return { rounds, sample };
    },
  },
  {
    id: "insert",
    letter: "f",
    title: "10,000 prepared INSERTs",
    unit: "inserts/s",
    description: `\`${INSERT_SQL}\` with (int, string, double), 10,000 times one after the other, `
      + "through a prepared statement, autocommit.",
    run: async (conn, timing) => {
      let n = 0;
      const insert = () => {
        n++;
        return conn.execute(INSERT_SQL, [n, `name-${n}`, n / 4]);
      };
      const warmup = Math.max(1, Math.floor(timing.inserts / 10));
      for (let i = 0; i < warmup; i++) await insert();
      const rounds: number[] = [];
      for (let r = 0; r < timing.countedRounds; r++) {
        const start = now();
        for (let i = 0; i < timing.inserts; i++) await insert();
        rounds.push((timing.inserts * 1000) / (now() - start));
      }
      return { rounds };
    },
  },
  {
    id: "large",
    letter: "g",
    title: "100,000 rows x 10 columns, text, objects",
    unit: "rows/s",
    description: `\`${LARGE_SQL}\`: 100,000 rows of INT, INT, BIGINT, DOUBLE, DECIMAL(12,2), two VARCHAR, `
      + "DATETIME, DATE and TINYINT, text protocol (COM_QUERY), rows as objects; one query per round.",
    run: (conn, timing) => largeRounds(timing, () => conn.query(largeSql(LARGE_SQL, timing)), false),
  },
  {
    id: "largeArrays",
    letter: "h",
    title: "100,000 rows x 10 columns, text, arrays",
    unit: "rows/s",
    rowsAsArray: true,
    description: "The same as (g) with rows as arrays (each driver's `rowsAsArray` option, Bun.SQL's "
      + "`values()`).",
    run: (conn, timing) => largeRounds(timing, () => conn.query(largeSql(LARGE_SQL, timing)), true),
  },
  {
    id: "largePrepared",
    letter: "i",
    title: "100,000 rows x 10 columns, prepared, objects",
    unit: "rows/s",
    description: `\`${LARGE_PREPARED_SQL}\` with [0]: the rows of (g) through the driver's \`execute\` `
      + "(binary protocol), rows as objects.",
    run: (conn, timing) =>
      largeRounds(timing, () => conn.execute(largeSql(LARGE_PREPARED_SQL, timing), [0]), false),
  },
  {
    id: "largePreparedArrays",
    letter: "j",
    title: "100,000 rows x 10 columns, prepared, arrays",
    unit: "rows/s",
    rowsAsArray: true,
    description: "The same as (i) with rows as arrays.",
    run: (conn, timing) =>
      largeRounds(timing, () => conn.execute(largeSql(LARGE_PREPARED_SQL, timing), [0]), true),
  },
];

export function workloadById(id: string): Workload {
  const found = workloads.find((w) => w.id === id || w.letter === id);
  if (!found) {
    throw new Error(`unknown workload ${id} (${workloads.map((w) => `${w.letter}=${w.id}`).join(", ")})`);
  }
  return found;
}

/**
 * Settings of the throwaway server (not applied to a server of MYWIRE_BENCH_URL): a buffer pool
 * that holds the streamed table, and `innodb_flush_log_at_trx_commit = 2` so that the insert
 * workload measures the drivers and the server, not the disk's fsync.
 */
export const SERVER_TUNING_SQL = `
SET GLOBAL innodb_buffer_pool_size = 268435456;
SET GLOBAL innodb_flush_log_at_trx_commit = 2;
`;

/**
 * The data, for the `mariadb` command-line client (run once by bench/run.ts before any workload).
 * Generated on the server from MariaDB's sequence engine, so no client is involved; not logged to
 * the binlog.
 */
export const SETUP_SQL = `
DROP DATABASE IF EXISTS bench;
CREATE DATABASE bench CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE bench;
SET SESSION sql_log_bin = 0;
CREATE TABLE bench_mixed (
  id INT NOT NULL PRIMARY KEY,
  big BIGINT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  ratio DOUBLE NOT NULL,
  name VARCHAR(64) NOT NULL,
  created DATETIME NOT NULL,
  day DATE NOT NULL,
  note TEXT NOT NULL,
  data BLOB NOT NULL,
  maybe INT NULL
);
INSERT INTO bench_mixed
SELECT seq, seq * 1000003 + 9007199254, seq * 12.34, seq / 7, CONCAT('name-', seq, '-', REPEAT('x', seq % 20)),
  TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 3637 SECOND, DATE'2020-01-01' + INTERVAL seq DAY,
  REPEAT(CONCAT('some text ', seq, ' '), 8), UNHEX(SHA2(seq, 256)), IF(seq % 2 = 0, seq, NULL)
FROM seq_1_to_${MIXED_ROWS};
CREATE TABLE bench_wide (${
  Array.from({ length: WIDE_COLUMNS }, (_, i) => `c${String(i + 1).padStart(3, "0")} INT NOT NULL`).join(", ")
});
INSERT INTO bench_wide VALUES (${
  Array.from({ length: WIDE_COLUMNS }, (_, i) => (i + 1) * 10_007).join(", ")
});
CREATE TABLE bench_stream (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(32) NOT NULL,
  value DOUBLE NOT NULL,
  created DATETIME NOT NULL
);
INSERT INTO bench_stream
SELECT seq, CONCAT('name-', seq), seq / 4, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND
FROM seq_1_to_${STREAM_ROWS};
CREATE TABLE bench_large (
  id INT NOT NULL PRIMARY KEY,
  qty INT NOT NULL,
  big BIGINT NOT NULL,
  ratio DOUBLE NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  name VARCHAR(64) NOT NULL,
  email VARCHAR(100) NOT NULL,
  created DATETIME NOT NULL,
  day DATE NOT NULL,
  flag TINYINT NOT NULL
);
INSERT INTO bench_large
SELECT seq, CAST((seq * 7919) % 100000 AS SIGNED) - 50000, seq * 1000003 + 9007199254, seq / 7, seq * 12.34,
  IF(seq % 10 = 0, CONCAT('nämé-', seq), CONCAT('name-', seq, '-', REPEAT('x', seq % 20))),
  CONCAT('user', seq, '@example.com'), TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 37 SECOND,
  DATE'2000-01-01' + INTERVAL seq % 10000 DAY, CAST(seq % 256 AS SIGNED) - 128
FROM seq_1_to_${LARGE_ROWS};
CREATE TABLE bench_insert (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  a INT NOT NULL,
  b VARCHAR(64) NOT NULL,
  c DOUBLE NOT NULL
);
`;

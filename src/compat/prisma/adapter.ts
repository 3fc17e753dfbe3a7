/**
 * A Prisma driver adapter on mywire: `new PrismaClient({ adapter: new PrismaMywire(options) })`.
 * The factory opens a mywire pool (lossless settings: rows as arrays, dates and big numbers as the
 * server's text, the session in UTC, FOUND_ROWS as Prisma's MySQL engine expects) and the adapter
 * runs Prisma's statements as prepared statements on it; a transaction holds one pooled connection
 * from BEGIN to COMMIT or ROLLBACK.
 */
import { connect, type Connection } from "../../client/connection.ts";
import { type PoolOptions } from "../../client/pool-options.ts";
import { Pool } from "../../client/pool.ts";
import type { QueryResult } from "../../session/result.ts";
import { DriverAdapterError, rethrow } from "./errors.ts";
import type { IsolationLevel, SqlDriverAdapter, SqlQuery, SqlResultSet, Transaction } from "./types.ts";
import { prismaArg, prismaColumnType, prismaRows } from "./values.ts";

const adapterName = "mywire";

/** Options of the adapter: mywire's pool options, and whether to use the text protocol. */
export interface PrismaMywireOptions extends PoolOptions {
  /** Send statements as text with the values filled in client-side instead of prepared. Default false. */
  useTextProtocol?: boolean;
}

/** What a statement runs on: the pool, or a transaction's connection. */
interface Runner {
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult<unknown>>;
  execute(sql: string, params?: readonly unknown[]): Promise<QueryResult<unknown>>;
}

function run(on: Runner, text: boolean, query: SqlQuery): Promise<QueryResult<unknown>> {
  const params = query.args.map((arg, i) => prismaArg(arg, query.argTypes[i]));
  return text ? on.query(query.sql, params) : on.execute(query.sql, params);
}

function resultSet(result: QueryResult<unknown>): SqlResultSet {
  const set: SqlResultSet = {
    columnNames: result.fields.map((f) => f.name),
    columnTypes: result.fields.map(prismaColumnType),
    rows: prismaRows(result.fields, result as unknown as unknown[][]),
  };
  if (result.fields.length === 0) set.lastInsertId = String(result.insertId);
  return set;
}

/** Runs Prisma's statements on a pool or a transaction's connection. */
class Queryable {
  readonly provider = "mysql" as const;
  readonly adapterName = adapterName;
  protected readonly on: Runner;
  protected readonly text: boolean;

  constructor(on: Runner, text: boolean) {
    this.on = on;
    this.text = text;
  }

  /** Runs a statement and returns its columns and rows. */
  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    try {
      return resultSet(await run(this.on, this.text, query));
    } catch (error) {
      rethrow(error);
    }
  }

  /** Runs a statement and returns how many rows it affected. */
  async executeRaw(query: SqlQuery): Promise<number> {
    try {
      return Number((await run(this.on, this.text, query)).affectedRows);
    } catch (error) {
      rethrow(error);
    }
  }
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A transaction on one pooled connection. */
class MywireTransaction extends Queryable implements Transaction {
  readonly options = { usePhantomQuery: true };
  readonly #conn: Connection;
  #done = false;

  constructor(conn: Connection, text: boolean) {
    super(conn, text);
    this.#conn = conn;
  }

  async #end(sql: "COMMIT" | "ROLLBACK"): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    try {
      await this.#conn.query(sql);
    } catch (error) {
      rethrow(error);
    } finally {
      await this.#conn.close();
    }
  }

  /** Commits and gives the connection back. */
  commit(): Promise<void> {
    return this.#end("COMMIT");
  }

  /** Rolls back and gives the connection back. */
  rollback(): Promise<void> {
    return this.#end("ROLLBACK");
  }

  async #savepoint(sql: string, name: string): Promise<void> {
    if (!identifier.test(name)) throw new TypeError(`invalid savepoint name ${JSON.stringify(name)}`);
    try {
      await this.#conn.query(`${sql} ${name}`);
    } catch (error) {
      rethrow(error);
    }
  }

  /** `SAVEPOINT name`. */
  createSavepoint(name: string): Promise<void> {
    return this.#savepoint("SAVEPOINT", name);
  }

  /** `ROLLBACK TO SAVEPOINT name`. */
  rollbackToSavepoint(name: string): Promise<void> {
    return this.#savepoint("ROLLBACK TO SAVEPOINT", name);
  }

  /** `RELEASE SAVEPOINT name`. */
  releaseSavepoint(name: string): Promise<void> {
    return this.#savepoint("RELEASE SAVEPOINT", name);
  }
}

const isolationLevels = ["READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];

/** The adapter over a pool. */
class MywireAdapter extends Queryable implements SqlDriverAdapter {
  readonly #pool: Pool;
  readonly #options: PrismaMywireOptions;
  readonly #relationJoins: boolean;

  constructor(pool: Pool, options: PrismaMywireOptions, relationJoins: boolean) {
    super(pool, options.useTextProtocol === true);
    this.#pool = pool;
    this.#options = options;
    this.#relationJoins = relationJoins;
  }

  /** Runs several statements separated by `;` (on a connection of its own that allows that). */
  async executeScript(script: string): Promise<void> {
    const {
      useTextProtocol: _,
      max: _max,
      minIdle: _minIdle,
      idleTimeout: _idle,
      maxLifetime: _life,
      acquireTimeout: _acquire,
      queueLimit: _queue,
      pingIdle: _ping,
      resetOnRelease: _reset,
      ...options
    } = this.#options;
    const conn = await connect({ ...options, multipleStatements: true });
    try {
      await conn.query(script);
    } catch (error) {
      rethrow(error);
    } finally {
      await conn.close();
    }
  }

  /** The database and whether the server can run Prisma's relation joins (MySQL 8.0.13+). */
  getConnectionInfo(): { schemaName?: string; supportsRelationJoins: boolean } {
    return { schemaName: this.#pool.server.database, supportsRelationJoins: this.#relationJoins };
  }

  /** Borrows a connection and begins a transaction on it. */
  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    if (isolationLevel !== undefined && !isolationLevels.includes(isolationLevel)) {
      throw new DriverAdapterError({ kind: "InvalidIsolationLevel", level: isolationLevel });
    }
    const conn = await this.#pool.acquire();
    try {
      if (isolationLevel !== undefined) await conn.query(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
      await conn.query("BEGIN");
    } catch (error) {
      await conn.close();
      rethrow(error);
    }
    return new MywireTransaction(conn, this.text);
  }

  /** Closes the pool. */
  dispose(): Promise<void> {
    return this.#pool.close();
  }
}

/** Prisma's driver adapter factory for mywire: `new PrismaClient({ adapter: new PrismaMywire(options) })`. */
export class PrismaMywire {
  readonly provider = "mysql" as const;
  readonly adapterName = adapterName;
  readonly #options: PrismaMywireOptions;

  /** Takes mywire's pool options (host, user, password, database, max, ssl, ...). */
  constructor(options: PrismaMywireOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("PrismaMywire expects mywire's pool options");
    }
    this.#options = options;
  }

  /** Opens the pool and checks the server (its version decides relation joins). */
  async connect(): Promise<SqlDriverAdapter> {
    const { useTextProtocol: _, ...poolOptions } = this.#options;
    const pool = new Pool({
      ...poolOptions,
      rowsAsArray: true,
      dateStrings: true,
      bigint: "string",
      decimal: "string",
      jsonParse: false,
      typeCast: undefined,
      timezone: "Z",
      foundRows: true,
      init: [...(poolOptions.init ?? []), "SET time_zone = '+00:00'"],
    });
    let version: string;
    try {
      const rows = await pool.query("SELECT VERSION()");
      version = String((rows[0] as unknown as unknown[])[0]);
    } catch (error) {
      await pool.close();
      rethrow(error);
    }
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
    const mariadb = /mariadb/i.test(version);
    const v = m === null ? 0 : Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
    return new MywireAdapter(pool, this.#options, !mariadb && v >= 80013);
  }
}

/**
 * Prisma's own client on mywire/prisma, the driver adapter: CRUD, an interactive transaction that
 * commits, one that rolls back, a batch transaction, raw queries, the types Prisma maps (BigInt,
 * Decimal, DateTime, Bytes, Json), and a unique-constraint error as Prisma reports it (P2002).
 * The client is generated from a schema at the start (Prisma's generator needs no engine binary
 * for that; the schema engine, which migrations would need, cannot be downloaded here, so the
 * tables are created with SQL). Prisma has no streaming API, so no stream.
 */
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PrismaMywire } from "../../../prisma.ts";
import { uniqueName } from "../../support/db.ts";
import { type OrmEnv, ormEnv } from "./orm-env.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
let env: OrmEnv;
let dir: string;
// deno-lint-ignore no-explicit-any
let prisma: any;
const typesTable = uniqueName("prisma_types");

before(async () => {
  env = await ormEnv("prisma");
  dir = join(root, ".tmp", `prisma-${process.pid}-${Math.random().toString(36).slice(2, 6)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "schema.prisma"),
    `generator client {
  provider = "prisma-client"
  output   = "./client"
}

datasource db {
  provider = "mysql"
}

model Person {
  id    Int    @id @default(autoincrement())
  name  String @unique @db.VarChar(40)
  score Int
  @@map("${env.table}")
}

model Sample {
  id    BigInt   @id
  price Decimal  @db.Decimal(12, 3)
  at    DateTime @db.DateTime(3)
  bytes Bytes    @db.VarBinary(16)
  doc   Json
  @@map("${typesTable}")
}
`,
  );
  const fakeEngine = join(dir, "no-schema-engine");
  writeFileSync(fakeEngine, "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  const generated = spawnSync(
    join(root, "node_modules/.bin/node"),
    [join(root, "node_modules/prisma/build/index.js"), "generate", "--schema", join(dir, "schema.prisma")],
    {
      cwd: root,
      encoding: "utf8",
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: fakeEngine,
        PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: "1",
      },
    },
  );
  assert.equal(generated.status, 0, `prisma generate failed:\n${generated.stdout}\n${generated.stderr}`);
  const { PrismaClient } = await import(pathToFileURL(join(dir, "client", "client.ts")).href);
  const adapter = new PrismaMywire({ ...env.options, max: 3 }) satisfies SqlDriverAdapterFactory;
  prisma = new PrismaClient({ adapter });
  const direct = await (await import("../../../mod.ts")).connect(env.options);
  await direct.query(`ALTER TABLE ${env.table} ADD UNIQUE KEY name_unique (name)`);
  await direct.query(
    `CREATE TABLE ${typesTable} (id BIGINT PRIMARY KEY, price DECIMAL(12,3) NOT NULL, at DATETIME(3) NOT NULL, bytes VARBINARY(16) NOT NULL, doc JSON NOT NULL)`,
  );
  await direct.close();
});

after(async () => {
  await prisma?.$disconnect();
  const direct = await (await import("../../../mod.ts")).connect(env.options);
  await direct.query(`DROP TABLE IF EXISTS ${typesTable}`);
  await direct.close();
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("Prisma: CRUD, transactions and raw queries through mywire/prisma", async () => {
  const ada = await prisma.person.create({ data: { name: "ada", score: 10 } });
  assert.equal(typeof ada.id, "number");
  await prisma.person.createMany({ data: [{ name: "bob", score: 20 }, { name: "cy", score: 30 }] });
  assert.deepEqual(await prisma.person.findUnique({ where: { name: "ada" } }), {
    id: ada.id,
    name: "ada",
    score: 10,
  });
  assert.equal((await prisma.person.updateMany({ where: { name: "ada" }, data: { score: 11 } })).count, 1);
  await prisma.person.delete({ where: { name: "bob" } });
  await prisma.person.delete({ where: { name: "cy" } });

  await prisma.$transaction(async (tx: typeof prisma) => {
    await tx.person.create({ data: { name: "committed", score: 1 } });
  });
  await assert.rejects(
    prisma.$transaction(async (tx: typeof prisma) => {
      await tx.person.create({ data: { name: "rolled back", score: 0 } });
      throw new Error("undo");
    }),
    /undo/,
  );
  await prisma.$transaction([
    prisma.person.create({ data: { name: "outer", score: 2 } }),
    prisma.person.count(),
  ]);

  const raw = await prisma.$queryRawUnsafe(
    `SELECT name, score FROM ${env.table} WHERE score >= ? ORDER BY id`,
    1,
  );
  assert.deepEqual(raw, [{ name: "ada", score: 11 }, { name: "committed", score: 1 }, {
    name: "outer",
    score: 2,
  }]);
  assert.equal(
    await prisma.$executeRawUnsafe(`UPDATE ${env.table} SET score = score WHERE name = ?`, "ada"),
    1,
  );
  assert.deepEqual(await env.rows(), [
    { name: "ada", score: 11 },
    { name: "committed", score: 1 },
    { name: "outer", score: 2 },
  ]);
});

test("Prisma's value types round-trip: BigInt, Decimal, DateTime, Bytes, Json", async () => {
  const at = new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 678));
  await prisma.sample.create({
    data: {
      id: 9007199254740993n,
      price: "12345.678",
      at,
      bytes: new Uint8Array([0, 255, 16]),
      doc: { a: [1, 2], b: "x" },
    },
  });
  const s = await prisma.sample.findUniqueOrThrow({ where: { id: 9007199254740993n } });
  assert.equal(s.id, 9007199254740993n);
  assert.equal(s.price.toString(), "12345.678");
  assert.equal(s.at.toISOString(), at.toISOString());
  assert.deepEqual([...s.bytes], [0, 255, 16]);
  assert.deepEqual(s.doc, { a: [1, 2], b: "x" });
});

test("a duplicate key is Prisma's P2002 naming the constraint", async () => {
  await assert.rejects(
    prisma.person.create({ data: { name: "ada", score: 0 } }),
    (e: { code?: string; meta?: unknown }) => {
      assert.equal(e.code, "P2002");
      return true;
    },
  );
});

test("the adapter itself: savepoints, executeScript, connection info, isolation levels, error kinds", async () => {
  const adapter = await new PrismaMywire(env.options).connect();
  try {
    const info = adapter.getConnectionInfo();
    assert.equal(info.schemaName, env.options.database);
    assert.equal(info.supportsRelationJoins, false); // MariaDB
    await adapter.executeScript(
      `INSERT INTO ${env.table} (name, score) VALUES ('script1', 7); INSERT INTO ${env.table} (name, score) VALUES ('script2', 7)`,
    );
    const tx = await adapter.startTransaction("READ COMMITTED");
    await tx.executeRaw({
      sql: `UPDATE ${env.table} SET score = 8 WHERE name = ?`,
      args: ["script1"],
      argTypes: [],
    });
    await tx.createSavepoint("sp1");
    await tx.executeRaw({
      sql: `UPDATE ${env.table} SET score = 9 WHERE name = ?`,
      args: ["script2"],
      argTypes: [],
    });
    await tx.rollbackToSavepoint("sp1");
    await tx.releaseSavepoint("sp1");
    await tx.commit();
    const r = await adapter.queryRaw({
      sql: `SELECT name, score FROM ${env.table} WHERE name LIKE ? ORDER BY name`,
      args: ["script%"],
      argTypes: [{ scalarType: "string", arity: "scalar" }],
    });
    assert.deepEqual(r.columnNames, ["name", "score"]);
    assert.deepEqual(r.rows, [["script1", 8], ["script2", 7]]);
    await assert.rejects(adapter.startTransaction("SNAPSHOT"), (e: { cause: { kind: string } }) => {
      assert.equal(e.cause.kind, "InvalidIsolationLevel");
      return true;
    });
    const kinds: Record<string, string> = {};
    for (
      const [name, sql] of [
        ["duplicate", `INSERT INTO ${env.table} (name, score) VALUES ('script1', 0)`],
        ["no table", "SELECT * FROM no_such_table_for_prisma"],
        ["no column", `SELECT nope FROM ${env.table}`],
        ["null", `INSERT INTO ${env.table} (name, score) VALUES (NULL, 0)`],
      ]
    ) {
      await adapter.executeRaw({ sql, args: [], argTypes: [] }).catch(
        (e: { name: string; cause: { kind: string } }) => {
          assert.equal(e.name, "DriverAdapterError");
          kinds[name] = e.cause.kind;
        },
      );
    }
    assert.deepEqual(kinds, {
      "duplicate": "UniqueConstraintViolation",
      "no table": "TableDoesNotExist",
      "no column": "ColumnNotFound",
      "null": "NullConstraintViolation",
    });
    await adapter.executeRaw({
      sql: `DELETE FROM ${env.table} WHERE name LIKE 'script%'`,
      args: [],
      argTypes: [],
    });
  } finally {
    await adapter.dispose();
  }
});

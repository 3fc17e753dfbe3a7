/**
 * The floor under the 100,000-row workloads (g) to (j): how fast mywire could go at best, taken
 * apart step by step on one connection, in one process:
 *
 * - `socket`: the bytes of the response only (read from the socket until the known total arrived),
 * - `framing`: the same response cut into packets (no column definitions decoded, no values),
 * - `decode`: the captured row packets of a response decoded again in memory, no I/O at all
 *   (text and binary, objects and arrays),
 * - `query`/`execute`: the whole call as an application makes it.
 *
 * Each is the median of several rounds, in rows per second, next to each other so that the
 * distance between two lines is what the step costs. Needs a server with the bench data:
 *
 *   node bench/run.ts --workload g --only node:mywire   # loads the data, then
 *   MYWIRE_BENCH_URL=mysql://root:pw@127.0.0.1:port/ node bench/floor.ts
 *
 * or just `node bench/floor.ts`, which starts its own throwaway server and loads bench_large.
 */
import { runMariadbCli, startThrowawayServer, type ThrowawayServer } from "../dev/throwaway-server.ts";
import { connect } from "../mod.ts";
import { resolveClientOptions } from "../src/client/options.ts";
import { ReconnectingQueue } from "../src/client/reconnecting-queue.ts";
import { Command } from "../src/protocol/constants.ts";
import { decodeColumnDefinition } from "../src/protocol/results.ts";
import { binaryRowParser, type RowParser, textRowParser } from "../src/protocol/rows.ts";
import { encodeExecute } from "../src/protocol/statements.ts";
import { defaultValueOptions } from "../src/protocol/values.ts";
import type { PacketChannel } from "../src/session/channel.ts";
import { LARGE_ROWS, SETUP_SQL } from "./workloads.ts";

const ROUNDS = 7;
const SQL = "SELECT * FROM bench_large";
const PREPARED_SQL = "SELECT * FROM bench_large WHERE id > ?";

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function rounds(label: string, rows: number, run: () => Promise<unknown> | unknown): Promise<void> {
  await run();
  const rates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await run();
    rates.push(rows / ((performance.now() - t0) / 1000));
  }
  console.log(`${label.padEnd(34)} ${Math.round(median(rates)).toLocaleString("en-US").padStart(11)} rows/s`);
}

/** Packets up to the end of a result set's rows (EOF/OK with 0xFE), optionally kept. */
async function readAll(channel: PacketChannel, keep?: Uint8Array[]): Promise<number> {
  let packets = 0;
  let terminators = 0;
  let bytes = 0;
  for (;;) {
    const p = channel.tryRead() ?? await channel.read();
    packets++;
    bytes += p.length + 4;
    if (keep) keep.push(p.slice());
    // Without CLIENT_DEPRECATE_EOF there is one EOF after the columns and one after the rows;
    // mywire asks for DEPRECATE_EOF, so the only 0xFE packet is the end of the rows.
    if (p[0] === 0xfe && p.length < 0xffffff) {
      terminators++;
      if (terminators === 1) return bytes;
    }
    if (p[0] === 0xff) throw new Error("server error");
  }
}

function queryPacket(sql: string): Uint8Array {
  const text = new TextEncoder().encode(sql);
  const packet = new Uint8Array(text.length + 1);
  packet[0] = Command.COM_QUERY;
  packet.set(text, 1);
  return packet;
}

async function main(): Promise<void> {
  let server: ThrowawayServer | undefined;
  let url = process.env.MYWIRE_BENCH_URL;
  if (!url) {
    server = await startThrowawayServer({ log: () => {} });
    await runMariadbCli({
      host: server.host,
      port: server.port,
      user: server.rootUser,
      password: server.rootPassword,
    }, SETUP_SQL);
    url = `mysql://${server.rootUser}:${
      encodeURIComponent(server.rootPassword)
    }@${server.host}:${server.port}/`;
  }
  try {
    const base = new URL(url);
    const options = {
      host: base.hostname,
      port: Number(base.port || 3306),
      user: decodeURIComponent(base.username),
      password: decodeURIComponent(base.password),
      database: "bench",
      ssl: "disabled" as const,
    };
    const link = new ReconnectingQueue(resolveClientOptions(options));
    await link.start();
    const session = link.session!;

    // Capture one text and one binary response, to know its size and to decode it in memory.
    const text: Uint8Array[] = [];
    let total = await session.exclusive(async (channel) => {
      await channel.writeCommand(queryPacket(SQL));
      return readAll(channel, text);
    });
    const statement = await session.prepare(PREPARED_SQL);
    const param = await import("../src/protocol/binary-params.ts");
    const bound = [param.encodeParam(0, "local", 0)];
    const binary: Uint8Array[] = [];
    await session.exclusive(async (channel) => {
      await channel.writeCommand(encodeExecute(statement.id, bound));
      return readAll(channel, binary);
    });
    console.log(`text response: ${text.length} packets, ${total.toLocaleString("en-US")} bytes`);

    await rounds("socket: bytes only", LARGE_ROWS, () =>
      session.exclusive(async (channel) => {
        await channel.writeCommand(queryPacket(SQL));
        const socket = channel.socket;
        let got = (channel as unknown as { decoder: { buffered: number } }).decoder.buffered;
        while (got < total) {
          const chunk = await socket.read();
          if (chunk === null) throw new Error("closed");
          got += chunk.length;
        }
        if (got !== total) throw new Error(`got ${got} bytes, expected ${total}`);
      }));
    // The socket round read the bytes behind the channel's back: start over on a new session.
    link.destroy();
    const link2 = new ReconnectingQueue(resolveClientOptions(options));
    await link2.start();
    const session2 = link2.session!;
    await rounds("framing: packets, no decoding", LARGE_ROWS, () =>
      session2.exclusive(async (channel) => {
        await channel.writeCommand(queryPacket(SQL));
        total = await readAll(channel);
      }));
    link2.destroy();

    const parse = (packets: Uint8Array[], make: (fields: never[]) => RowParser) => {
      const count = packets[0][0];
      const fields = packets.slice(1, 1 + count).map((p) => decodeColumnDefinition(p, true));
      const parser = make(fields as never[]);
      const rows = packets.slice(1 + count, packets.length - 1);
      return () => {
        const out = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) out[i] = parser(rows[i]);
        return out;
      };
    };
    await rounds(
      "decode: text rows, objects",
      LARGE_ROWS,
      parse(text, (f) => textRowParser(f, defaultValueOptions, false)),
    );
    await rounds(
      "decode: text rows, arrays",
      LARGE_ROWS,
      parse(text, (f) => textRowParser(f, defaultValueOptions, true)),
    );
    // A prepared response has no column count packet of its own format difference: same layout.
    await rounds(
      "decode: binary rows, objects",
      LARGE_ROWS,
      parse(binary, (f) => binaryRowParser(f, defaultValueOptions, false)),
    );
    await rounds(
      "decode: binary rows, arrays",
      LARGE_ROWS,
      parse(binary, (f) => binaryRowParser(f, defaultValueOptions, true)),
    );

    const conn = await connect(options);
    const counted = (rows: unknown[]) => {
      if (rows.length !== LARGE_ROWS) throw new Error(`${rows.length} rows, expected ${LARGE_ROWS}`);
    };
    await rounds("conn.query (g)", LARGE_ROWS, async () => counted(await conn.query(SQL)));
    await rounds("conn.execute (i)", LARGE_ROWS, async () => counted(await conn.execute(PREPARED_SQL, [0])));
    await conn.close();
  } finally {
    await server?.stop();
  }
}

await main();

#!/usr/bin/env node
/**
 * The `mywire` command line.
 *
 *   mywire binlog --url mysql://user:pass@host:3306/ [--server-id N] [--from FILE:POS | --gtid SET]
 *                 [--non-blocking] [--json]
 *   mywire binlog --file PATH [--json]
 *
 * `binlog --url` tails the server's binlog (from the end of the log unless told where to start) and
 * prints each event as its `dump()` text or, with `--json`, as one JSON object per line (bigints as
 * strings, bytes as hex). `binlog --file` reads a binlog file on disk (gzipped too) the same way.
 * Exit codes: 0 done, 1 an error while reading, 2 bad arguments.
 *
 *   mywire proxy --listen HOST:PORT --backend mysql://user:pw@host:3306 --user NAME:PASSWORD ...
 *
 * runs the mywire proxy (src/cli/proxy.ts) until SIGINT or SIGTERM.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { binlog, type BinlogEvent, type BinlogOptions, readBinlogFile } from "../../mod.ts";
import { PROXY_USAGE, ProxyUsageError, runProxy } from "./proxy.ts";

const USAGE = `usage:
  mywire binlog --url mysql://user:pass@host:3306/ [--server-id N] [--from FILE:POS | --gtid SET]
                [--non-blocking] [--json]
  mywire binlog --file PATH [--json]

  --url URL        the server to read the binlog of (the user needs REPLICATION SLAVE and CLIENT)
  --server-id N    the replica id to register with (default: random)
  --from FILE:POS  start in this binlog file at this position (default: the end of the log)
  --gtid SET       start after these GTIDs: a MySQL GTID set (uuid:1-100) or a MariaDB GTID
                   position (0-1-42)
  --non-blocking   stop at the end of the log instead of waiting for new events
  --file PATH      read a binlog file instead of a server (.gz files are unpacked)
  --json           one JSON object per event and line (bigints as strings, bytes as hex)

${PROXY_USAGE}`;

/** A bad command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** JSON.stringify's replacer: bigints as strings, bytes as hex, Maps and Sets as objects and arrays. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // Buffers have a toJSON that has already run: look at the value as it is in its holder.
  const original = this[key];
  if (original instanceof Uint8Array) return hex(original);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return hex(value);
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/** An event as one JSON line (its `dump` method left out). */
export function eventToJson(event: BinlogEvent): string {
  return JSON.stringify(event, replacer);
}

/** Writes lines to stdout, waiting when the pipe is full; ends quietly when the reader goes away. */
class Output {
  private closed = false;
  constructor() {
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") {
        this.closed = true;
        return;
      }
      throw error;
    });
  }
  get isClosed(): boolean {
    return this.closed;
  }
  async line(text: string): Promise<void> {
    if (this.closed) return;
    if (!process.stdout.write(text + "\n")) {
      await new Promise<void>((resolve) => {
        const done = () => {
          process.stdout.off("drain", done);
          process.stdout.off("close", done);
          resolve();
        };
        process.stdout.on("drain", done);
        process.stdout.on("close", done);
      });
    }
  }
}

interface BinlogArgs {
  url?: string;
  file?: string;
  serverId?: number;
  from?: { file: string; position: number };
  gtid?: string;
  json: boolean;
  blocking: boolean;
}

/** Parses the arguments after `binlog`. Throws UsageError. */
export function parseBinlogArgs(argv: string[]): BinlogArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        file: { type: "string" },
        "server-id": { type: "string" },
        from: { type: "string" },
        gtid: { type: "string" },
        json: { type: "boolean", default: false },
        "non-blocking": { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
  const url = values.url as string | undefined;
  const file = values.file as string | undefined;
  if (url === undefined && file === undefined) throw new UsageError("binlog needs --url or --file");
  if (url !== undefined && file !== undefined) throw new UsageError("give --url or --file, not both");
  if (url !== undefined && !/^mysql:\/\//i.test(url)) {
    throw new UsageError(`--url must be a mysql:// URL, got ${JSON.stringify(url)}`);
  }
  const args: BinlogArgs = {
    url,
    file,
    json: values.json === true,
    blocking: values["non-blocking"] !== true,
  };
  if (file !== undefined) {
    for (const name of ["server-id", "from", "gtid", "non-blocking"]) {
      if (values[name] !== undefined && values[name] !== false) {
        throw new UsageError(`--${name} applies to --url, not to --file`);
      }
    }
    return args;
  }
  const serverId = values["server-id"] as string | undefined;
  if (serverId !== undefined) {
    const n = Number(serverId);
    if (!/^\d+$/.test(serverId) || !Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) {
      throw new UsageError(
        `--server-id must be an integer from 1 to 4294967295, got ${JSON.stringify(serverId)}`,
      );
    }
    args.serverId = n;
  }
  const from = values.from as string | undefined;
  const gtid = values.gtid as string | undefined;
  if (from !== undefined && gtid !== undefined) throw new UsageError("give --from or --gtid, not both");
  if (from !== undefined) {
    const m = /^(.+):(\d+)$/.exec(from);
    const position = m ? Number(m[2]) : NaN;
    if (!m || !Number.isSafeInteger(position) || position < 4 || position > 0xffffffff) {
      throw new UsageError(
        `--from must be FILE:POS (a binlog file name and a position >= 4), got ${JSON.stringify(from)}`,
      );
    }
    args.from = { file: m[1], position };
  }
  if (gtid !== undefined) {
    if (gtid.trim() === "") throw new UsageError("--gtid needs a GTID set (uuid:1-100) or position (0-1-42)");
    args.gtid = gtid;
  }
  return args;
}

/** True for a MariaDB GTID position (`domain-server-sequence`, comma-separated). */
function isMariadbGtid(text: string): boolean {
  return /^\s*\d+-\d+-\d+\s*(,\s*\d+-\d+-\d+\s*)*$/.test(text);
}

async function print(out: Output, event: BinlogEvent, json: boolean): Promise<void> {
  await out.line(json ? eventToJson(event) : event.dump());
}

async function runBinlog(argv: string[]): Promise<void> {
  const args = parseBinlogArgs(argv);
  const out = new Output();
  if (args.file !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(args.file);
    } catch (error) {
      throw new UsageError(`cannot read ${args.file}: ${(error as Error).message}`);
    }
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    const name = args.file.split(/[\\/]/).pop()!.replace(/\.gz$/, "");
    for (const event of readBinlogFile(bytes, { file: name })) {
      if (out.isClosed) return;
      await print(out, event, args.json);
    }
    return;
  }
  const options: BinlogOptions = { url: args.url, blocking: args.blocking };
  if (args.serverId !== undefined) options.serverId = args.serverId;
  if (args.from) {
    options.file = args.from.file;
    options.position = args.from.position;
  }
  if (args.gtid !== undefined) {
    if (isMariadbGtid(args.gtid)) options.mariadbGtid = args.gtid.replace(/\s+/g, "");
    else options.gtidSet = args.gtid;
  }
  let stream;
  try {
    stream = binlog(options);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  const stop = () => void stream.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    for await (const event of stream) {
      if (out.isClosed) break;
      await print(out, event, args.json);
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await stream.close();
  }
}

/** Runs the command line `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      if (command === undefined) {
        console.error(USAGE);
        return 2;
      }
      console.log(USAGE);
      return 0;
    }
    if (command !== "binlog" && command !== "proxy") {
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(USAGE);
      return 0;
    }
    if (command === "proxy") await runProxy(rest);
    else await runBinlog(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ProxyUsageError) {
      console.error(`mywire: ${error.message}\n${USAGE}`);
      return 2;
    }
    console.error(`mywire: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}

if (import.meta.main ?? /[\\/](main\.ts|mywire)$/.test(process.argv[1] ?? "")) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

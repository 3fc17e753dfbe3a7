/**
 * The `mywire` command line (src/cli/main.ts), run as a child process on Node (the bin's runtime)
 * whatever runtime runs the tests: `mywire binlog --file` on fixture binlog files as text and as
 * JSON lines, and usage errors (exit code 2 with a message).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const FIXTURE = fileURLToPath(
  new URL("../../../shared/fixtures/binlog/mysql-bin.checksum-crc32", import.meta.url),
);
const TRUNCATED = fileURLToPath(
  new URL("../../../shared/fixtures/binlog/binlog_truncated_event.000001", import.meta.url),
);

/** Node: this process's own binary; Deno and Bun: the node of node_modules. */
function nodeBinary(): string {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno === undefined && g.Bun === undefined) return process.execPath;
  return fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function mywire(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      nodeBinary(),
      [SCRIPT, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code !== "number") return reject(error);
        resolve({ code: error ? (error as { code: number }).code : 0, stdout, stderr });
      },
    );
  });
}

describe("mywire binlog --file", () => {
  test("prints every event as its dump() text", async () => {
    const { code, stdout, stderr } = await mywire("binlog", "--file", FIXTURE);
    assert.equal(code, 0, stderr);
    const titles = stdout.split("\n").filter((l) => l.startsWith("=== "));
    assert.equal(titles[0], "=== FormatDescriptionEvent ===");
    const count = (t: string) => titles.filter((l) => l === `=== ${t} ===`).length;
    assert.equal(count("WriteRowsEvent"), 34);
    assert.equal(count("UpdateRowsEvent"), 20);
    assert.equal(count("DeleteRowsEvent"), 6);
    assert.equal(count("XidEvent"), 60);
    assert.match(stdout, /Server version: 5\.7\.21-log/);
    assert.match(stdout, /Table: simu_file_dev\.folder/);
    assert.match(stdout, /\* @2 : test2/);
    assert.match(stdout, /\*@2:Balance\(magazine\)-04-2\.3\.001-bigpicture_04_2\.jpg=>陶瓷\.jpg/);
  });

  test("--json prints one JSON object per event, bytes as hex", async () => {
    const { code, stdout, stderr } = await mywire("binlog", "--file", FIXTURE, "--json");
    assert.equal(code, 0, stderr);
    const events = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.equal(events.length, 303);
    assert.equal(events[0].type, "FormatDescription");
    assert.equal(events[0].serverVersion, "5.7.21-log");
    assert.equal(typeof events[0].postHeaderLengths, "string");
    assert.match(events[0].postHeaderLengths, /^380d0008/);
    const write = events.find((e) => e.type === "WriteRows");
    assert.equal(write.schema, "simu_file_dev");
    assert.equal(write.table, "folder");
    assert.equal(write.position, 384);
    assert.deepEqual(write.rows[0]["@1"], 12300113);
    assert.equal(write.rows[0]["@2"], "test2");
    assert.equal(write.rows[0]["@5"], "2018-05-04T08:31:59.000Z");
    const update = events.find((e) => e.type === "UpdateRows" && e.table === "file");
    assert.equal(update.rows[0].after["@2"], "陶瓷.jpg");
    assert.equal(events.filter((e) => e.type === "DeleteRows").length, 6);
    assert.equal(events.at(-1).type, "Rotate");
  });

  test("a truncated file fails with exit code 1, naming the position", async () => {
    const { code, stderr } = await mywire("binlog", "--file", TRUNCATED);
    assert.equal(code, 1);
    assert.match(stderr, /^mywire: ProtocolError: binlog file truncated at binlog_truncated_event\.000001:4/);
  });
});

describe("mywire usage errors", () => {
  const cases: [string[], RegExp][] = [
    [[], /usage:/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["binlog"], /binlog needs --url or --file/],
    [["binlog", "--bogus"], /Unknown option '--bogus'/],
    [["binlog", "--url", "http://example.com/"], /--url must be a mysql:\/\/ URL/],
    [["binlog", "--url", "mysql://u@127.0.0.1/", "--from", "nofile"], /--from must be FILE:POS/],
    [["binlog", "--url", "mysql://u@127.0.0.1/", "--server-id", "zero"], /--server-id must be an integer/],
    [
      ["binlog", "--url", "mysql://u@127.0.0.1/", "--from", "b.000001:4", "--gtid", "0-1-1"],
      /give --from or --gtid, not both/,
    ],
    [["binlog", "--file", FIXTURE, "--url", "mysql://u@127.0.0.1/"], /give --url or --file, not both/],
    [["binlog", "--file", FIXTURE, "--gtid", "0-1-1"], /--gtid applies to --url/],
    [["binlog", "--file", "/nonexistent/mysql-bin.000001"], /cannot read \/nonexistent/],
  ];
  for (const [args, message] of cases) {
    test(`mywire ${args.join(" ")}`.trim(), async () => {
      const { code, stdout, stderr } = await mywire(...args);
      assert.equal(code, 2, stdout + stderr);
      assert.match(stderr, message);
      assert.match(stderr, /usage:/);
    });
  }

  test("--help prints the usage with exit code 0", async () => {
    const { code, stdout } = await mywire("binlog", "--help");
    assert.equal(code, 0);
    assert.match(stdout, /mywire binlog --file PATH/);
  });
});

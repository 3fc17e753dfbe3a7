/**
 * Captures golden bytes: real MariaDB replies, recorded packet by packet into the fixture files
 * beside this script (`mariadb-eof.json`, `mariadb-deprecate-eof.json`), which
 * test/golden/golden.test.ts decodes with the codec. Not a test: run it to regenerate the fixtures
 * after a change of server version or of what is captured, review the diff, commit it.
 *
 *   node_modules/.bin/node test/golden/capture.ts
 *
 * It uses the harness's server (test/support/env.ts: MYWIRE_TEST_CONFIG, MYWIRE_TEST_URL, or else a
 * throwaway MariaDB it starts and stops), logs in as the harness's mysql_native_password user over
 * a plain TCP socket it drives itself (so it chooses the capabilities), and records every packet
 * the server sends: the greeting, the OK of the login, an OK with affected rows and an insert id, an
 * ERR, a text result set of many column types, a COM_STMT_PREPARE response (PREPARE_OK with its
 * parameter and column definitions) and that statement's binary result set, the replies to
 * COM_STATISTICS, COM_FIELD_LIST, COM_PING, COM_SET_OPTION, COM_INIT_DB and COM_RESET_CONNECTION,
 * `SELECT PASSWORD(...)` of a known password, and from two more logins the ERR of a wrong password
 * and the AuthSwitchRequest to client_ed25519. Twice: once without
 * CLIENT_DEPRECATE_EOF (EOF packets, no session tracking), once with CLIENT_DEPRECATE_EOF,
 * CLIENT_SESSION_TRACK and MariaDB's extended type info (OK packets with 0xFE end result sets).
 *
 * And `mariadb-cli-client.json`: the `mariadb` command-line client (libmariadb) logging in and
 * running one query through a relay that records both directions (`fromClient`, `fromServer`):
 * the HandshakeResponse41 and commands of a client nobody here wrote, which a server must read.
 * And `mariadb-cli-caching-sha2.json`: the same client logging twice into a caching_sha2_password
 * server this script builds from the codec (server-handshake.ts, auth/caching_sha2-verify.ts, a
 * fresh RSA key pair, stored in the fixture): the full path over RSA, then the fast path, then
 * (cache cleared) the full path over TLS with the password in clear.
 *
 * What differs from one run to the next, and so in a regenerated fixture: scrambles and nonces,
 * connection and statement ids, the uptime line of COM_STATISTICS, the RSA key pair and what was
 * encrypted with it. The tests check those by shape, everything else by value.
 *
 * Fixture format (JSON): `server` (version), `goldenPassword` (the password of `text-password-hash`), `capabilities` and `mariadbCapabilities` (what the
 * session negotiated), and `exchanges`: per name, the packets of the reply as `{ seq, hex }`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { CachingSha2Verifier } from "../../src/protocol/auth/caching_sha2-verify.ts";
import { nativePasswordScramble } from "../../src/protocol/auth/native.ts";
import { exportRsaPrivateKeyPem, generateRsaKeyPair } from "../../src/protocol/auth/rsa-keys.ts";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { encodeQuery } from "../../src/protocol/commands/query.ts";
import {
  encodeBareCommand,
  encodeFieldList,
  encodeInitDb,
  encodePing,
  encodeQuit,
  encodeSetOption,
  encodeStatistics,
  SetOption,
} from "../../src/protocol/commands/utility.ts";
import { Capability, ColumnType, Command, MariadbCapability } from "../../src/protocol/constants.ts";
import { encodePacket } from "../../src/protocol/framing.ts";
import {
  decodeAuthSwitchRequest,
  decodeGreeting,
  decodeHandshakeResponse,
  decodeSslRequest,
  encodeHandshakeResponse,
} from "../../src/protocol/handshake.ts";
import { encodeErr, encodeOk } from "../../src/protocol/results.ts";
import { buildGreeting, DEFAULT_SERVER_CAPABILITIES } from "../../src/protocol/server-handshake.ts";
import { encodeExecute, encodePrepare, encodeStatementCommand } from "../../src/protocol/statements.ts";
import { makeTestCertificates } from "../support/certs.ts";
import { testEnv } from "../support/env.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The table of many types the result sets read: its DDL, and two rows (extremes, and NULLs). */
export const GOLDEN_TABLE = `CREATE TEMPORARY TABLE golden (
  k INT NOT NULL PRIMARY KEY,
  ti TINYINT, usi SMALLINT UNSIGNED, mi MEDIUMINT, i INT, bi BIGINT, ubi BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, dec30 DECIMAL(30,10), y YEAR,
  dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(6), zd DATE,
  c CHAR(5), vc VARCHAR(20), vb VARBINARY(10), bl BLOB, e ENUM('a','b'), st SET('x','y'),
  bit1 BIT(1), bit64 BIT(64), j JSON
)`;
export const GOLDEN_ROWS = `INSERT INTO golden VALUES
  (1, -128, 65535, -8388608, -2147483648, -9223372036854775808, 18446744073709551615,
   1.5, -2.5e300, '-12345678901234567890.0123456789', 2155,
   '2024-02-29', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.499', '-838:59:59.999999', '0000-00-00',
   'héllo', 'wörld', X'00FF10', X'DEADBEEF', 'b', 'x,y',
   b'1', b'1111111111111111111111111111111111111111111111111111111111111111', '{"a": [1, 2.5, "x"], "b": null}'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

/** The password whose PASSWORD() hash the fixtures hold (to check the server side of mysql_native_password). */
export const GOLDEN_PASSWORD = "golden-pässword";

/** One recorded packet. */
interface Recorded {
  seq: number;
  hex: string;
}

/** A socket read packet by packet. */
class Wire {
  private buffer = new Uint8Array(0);
  private wake: (() => void) | undefined;
  private ended: Error | undefined;
  readonly socket: Socket;
  private readonly onData = (chunk: Uint8Array) => {
    const next = new Uint8Array(this.buffer.length + chunk.length);
    next.set(this.buffer);
    next.set(chunk, this.buffer.length);
    this.buffer = next;
    this.wake?.();
  };
  constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", this.onData);
    socket.on("error", (e) => {
      this.ended = e;
      this.wake?.();
    });
    socket.on("close", () => {
      this.ended ??= new Error("connection closed");
      this.wake?.();
    });
  }
  async packet(): Promise<{ seq: number; payload: Uint8Array }> {
    for (;;) {
      if (this.buffer.length >= 4) {
        const length = this.buffer[0] | (this.buffer[1] << 8) | (this.buffer[2] << 16);
        if (this.buffer.length >= 4 + length) {
          const seq = this.buffer[3];
          const payload = this.buffer.slice(4, 4 + length);
          this.buffer = this.buffer.slice(4 + length);
          return { seq, payload };
        }
      }
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
  send(payload: Uint8Array, seq: number): void {
    this.socket.write(encodePacket(payload, seq));
  }
  /** Stops reading the socket (before TLS takes it over). */
  detach(): void {
    this.socket.removeListener("data", this.onData);
  }
}

/** Records the packets of one reply, read by the shape of replies (the codec under test is not trusted here). */
class Recorder {
  readonly exchanges: Record<string, Recorded[]> = {};
  private readonly wire: Wire;
  private readonly deprecateEof: boolean;
  constructor(wire: Wire, deprecateEof: boolean) {
    this.wire = wire;
    this.deprecateEof = deprecateEof;
  }

  private async take(into: Recorded[]): Promise<Uint8Array> {
    const { seq, payload } = await this.wire.packet();
    into.push({ seq, hex: toHex(payload) });
    return payload;
  }

  /** Definitions then, without DEPRECATE_EOF, their EOF. */
  private async definitions(n: number, into: Recorded[]): Promise<void> {
    for (let i = 0; i < n; i++) await this.take(into);
    if (n > 0 && !this.deprecateEof) await this.take(into);
  }

  /** A command's reply: OK, ERR, or a result set (column count, definitions, rows, terminator). */
  async reply(name: string, command: Uint8Array): Promise<Recorded[]> {
    const into: Recorded[] = (this.exchanges[name] = []);
    this.wire.send(command, 0);
    const first = await this.take(into);
    if (first[0] === 0x00 || first[0] === 0xff) return into;
    const columns = first[0] < 0xfb ? first[0] : first[1] | (first[2] << 8);
    await this.definitions(columns, into);
    for (;;) {
      const p = await this.take(into);
      if (p[0] === 0xfe && p.length < 0xffffff) return into;
      if (p[0] === 0xff) return into;
    }
  }

  /** A reply of exactly one packet (COM_STATISTICS's string, COM_SET_OPTION's EOF or OK). */
  async single(name: string, command: Uint8Array): Promise<void> {
    const into: Recorded[] = (this.exchanges[name] = []);
    this.wire.send(command, 0);
    await this.take(into);
  }

  /** COM_FIELD_LIST's reply: column definitions up to an EOF (or an OK headed 0xFE), or an ERR. */
  async fieldList(name: string, command: Uint8Array): Promise<void> {
    const into: Recorded[] = (this.exchanges[name] = []);
    this.wire.send(command, 0);
    for (;;) {
      const p = await this.take(into);
      if (p[0] === 0xfe || p[0] === 0xff) return;
    }
  }

  /** COM_STMT_PREPARE's reply: PREPARE_OK, parameter definitions, column definitions. */
  async prepare(name: string, sql: string): Promise<{ statementId: number; params: number }> {
    const into: Recorded[] = (this.exchanges[name] = []);
    this.wire.send(encodePrepare(sql), 0);
    const ok = await this.take(into);
    if (ok[0] !== 0x00) throw new Error(`PREPARE failed: ${toHex(ok)}`);
    const statementId = ok[1] | (ok[2] << 8) | (ok[3] << 16) | (ok[4] << 24);
    const columns = ok[5] | (ok[6] << 8);
    const params = ok[7] | (ok[8] << 8);
    await this.definitions(params, into);
    await this.definitions(columns, into);
    return { statementId, params };
  }
}

/** Reads the greeting and logs in with mysql_native_password, recording the greeting and the reply as `name`. */
async function logIn(
  wire: Wire,
  exchanges: Record<string, Recorded[]>,
  name: string,
  deprecateEof: boolean,
  user: string,
  password: string,
  database: string,
): Promise<{ capabilities: number; mariadbCapabilities: number; serverVersion: string; reply: Uint8Array }> {
  const greetingPacket = await wire.packet();
  exchanges.greeting = [{ seq: greetingPacket.seq, hex: toHex(greetingPacket.payload) }];
  const greeting = decodeGreeting(greetingPacket.payload);
  const wanted = Capability.LONG_PASSWORD | Capability.LONG_FLAG | Capability.PROTOCOL_41
    | Capability.TRANSACTIONS
    | Capability.SECURE_CONNECTION | Capability.MULTI_RESULTS | Capability.PS_MULTI_RESULTS
    | Capability.PLUGIN_AUTH
    | Capability.CONNECT_WITH_DB
    | (deprecateEof ? Capability.DEPRECATE_EOF | Capability.SESSION_TRACK : 0);
  const capabilities = (wanted & greeting.capabilities) >>> 0;
  const mariadbCapabilities = deprecateEof
    ? MariadbCapability.EXTENDED_TYPE_INFO & greeting.mariadbCapabilities
    : 0;
  wire.send(
    encodeHandshakeResponse({
      capabilities,
      mariadbCapabilities,
      maxPacketSize: 0x1000000,
      charset: 45,
      user,
      authResponse: await nativePasswordScramble(password, greeting.scramble),
      database,
      authPluginName: "mysql_native_password",
      attributes: {},
    }),
    1,
  );
  const auth = await wire.packet();
  exchanges[name] = [{ seq: auth.seq, hex: toHex(auth.payload) }];
  return { capabilities, mariadbCapabilities, serverVersion: greeting.serverVersion, reply: auth.payload };
}

/** Logs in as a user with the password given and records only what the server answers (an ERR, an auth switch). */
async function attempt(
  name: string,
  user: string,
  password: string,
  deprecateEof: boolean,
): Promise<Recorded[]> {
  const env = await testEnv();
  const socket = connect({ host: env.host, port: env.port });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const scratch: Record<string, Recorded[]> = {};
  await logIn(new Wire(socket), scratch, name, deprecateEof, user, password, "");
  socket.destroy();
  return scratch[name];
}

/** Logs in, runs the captured commands, and returns the fixture. */
async function capture(deprecateEof: boolean): Promise<unknown> {
  const env = await testEnv();
  const socket = connect({ host: env.host, port: env.port });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const wire = new Wire(socket);
  const exchanges: Record<string, Recorded[]> = {};
  const { capabilities, mariadbCapabilities, serverVersion, reply } = await logIn(
    wire,
    exchanges,
    "ok-login",
    deprecateEof,
    env.users.native.user,
    env.users.native.password,
    env.database,
  );
  if (reply[0] !== 0x00) throw new Error(`login failed: ${toHex(reply)}`);
  const r = new Recorder(wire, deprecateEof);
  for (const sql of ["SET SESSION sql_mode = ''", "SET time_zone = '+00:00'", GOLDEN_TABLE, GOLDEN_ROWS]) {
    const reply = await r.reply("setup", encodeQuery(sql));
    if (fromHex(reply[0].hex)[0] !== 0x00) throw new Error(`${sql.slice(0, 40)} failed: ${reply[0].hex}`);
  }
  delete r.exchanges.setup;
  await r.reply(
    "ok-insert",
    encodeQuery("INSERT INTO golden (k, vc) VALUES (10, 'a'), (11, 'b'), (12, 'c')"),
  );
  await r.reply("ok-delete", encodeQuery("DELETE FROM golden WHERE k >= 10"));
  await r.reply("err-no-table", encodeQuery("SELECT * FROM no_such_table"));
  await r.reply("text-resultset", encodeQuery("SELECT * FROM golden ORDER BY k"));
  await r.reply(
    "text-resultset-expressions",
    encodeQuery(
      "SELECT 1 AS one, NULL AS nothing, 'x' AS letter, 1.25 AS exact, CAST(-1 AS SIGNED) AS neg",
    ),
  );
  const { statementId } = await r.prepare("prepare-ok", "SELECT * FROM golden WHERE k >= ? ORDER BY k");
  await r.reply(
    "binary-resultset",
    encodeExecute(statementId, [{
      type: ColumnType.LONGLONG,
      unsigned: false,
      value: fromHex("0000000000000000"),
    }]),
  );
  wire.send(encodeStatementCommand(Command.COM_STMT_CLOSE, statementId), 0);
  await r.single("statistics", encodeStatistics());
  await r.fieldList("field-list", encodeFieldList({ table: "golden", wildcard: "" }));
  await r.reply("ok-ping", encodePing());
  await r.single("set-option", encodeSetOption(SetOption.MULTI_STATEMENTS_ON));
  await r.reply("ok-init-db", encodeInitDb(env.database));
  await r.reply("text-password-hash", encodeQuery(`SELECT PASSWORD('${GOLDEN_PASSWORD}') AS h`));
  await r.reply("ok-reset-connection", encodeBareCommand(Command.COM_RESET_CONNECTION));
  wire.send(encodeQuit(), 0);
  socket.end();
  exchanges["err-access-denied"] = await attempt(
    "err-access-denied",
    env.users.native.user,
    "not the password",
    deprecateEof,
  );
  exchanges["auth-switch"] = await attempt("auth-switch", env.users.ed25519.user, "x", deprecateEof);
  return {
    server: serverVersion,
    goldenPassword: GOLDEN_PASSWORD,
    capabilities,
    mariadbCapabilities,
    exchanges: { ...exchanges, ...r.exchanges },
  };
}

/** Splits a recorded byte stream into packets. */
function packetsOf(stream: Uint8Array): Recorded[] {
  const out: Recorded[] = [];
  for (let at = 0; at + 4 <= stream.length;) {
    const length = stream[at] | (stream[at + 1] << 8) | (stream[at + 2] << 16);
    out.push({ seq: stream[at + 3], hex: toHex(stream.subarray(at + 4, at + 4 + length)) });
    at += 4 + length;
  }
  return out;
}

/** The SQL the mariadb command-line client is made to send. */
export const CLI_SQL = "SELECT 1 AS one";

/**
 * Runs the `mariadb` command-line client (libmariadb: a client nobody here wrote) through a relay
 * that records both directions, logging in as the mysql_native_password user without TLS and
 * running one query: what a proxy's server side must read from a real client.
 */
async function captureCli(): Promise<unknown> {
  const env = await testEnv();
  const fromClient: Uint8Array[] = [];
  const fromServer: Uint8Array[] = [];
  const relay = createServer((client) => {
    const server = connect({ host: env.host, port: env.port });
    client.on("data", (b: Uint8Array) => {
      fromClient.push(Uint8Array.from(b));
      server.write(b);
    });
    server.on("data", (b: Uint8Array) => {
      fromServer.push(Uint8Array.from(b));
      client.write(b);
    });
    client.on("close", () => server.end());
    server.on("close", () => client.end());
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const port = (relay.address() as AddressInfo).port;
  const { user, password } = env.users.native;
  const version = await new Promise<string>((resolve, reject) =>
    execFile("mariadb", ["--version"], (e, out) => (e ? reject(e) : resolve(out.trim())))
  );
  await new Promise<void>((resolve, reject) =>
    execFile(
      "mariadb",
      [
        "--no-defaults",
        "-h",
        "127.0.0.1",
        "-P",
        String(port),
        "-u",
        user,
        `-p${password}`,
        "--skip-ssl",
        env.database,
        "-e",
        CLI_SQL,
      ],
      (e) => (e ? reject(e) : resolve()),
    )
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  relay.close();
  const join = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  return {
    client: version,
    user,
    password,
    database: env.database,
    sql: CLI_SQL,
    fromServer: packetsOf(join(fromServer)),
    fromClient: packetsOf(join(fromClient)),
  };
}

/** The password the mariadb CLI logs into the capture's own caching_sha2_password server with. */
export const SHA2_PASSWORD = "sha2-pässword";

/** One packet of a conversation, with who sent it. */
interface Sent extends Recorded {
  from: "server" | "client";
}

/**
 * Serves the mariadb command-line client with this package's server side (server-handshake.ts and
 * auth/caching_sha2-verify.ts, with a fresh RSA key pair): a first login without TLS goes through
 * the full path (0x04, the client asks for the public key, sends its password RSA-encrypted), a
 * second one through the fast path from the cache the first filled. Records both conversations
 * and the key pair, so the test can replay them offline. Commands are answered with OK.
 */
async function captureSha2Cli(): Promise<unknown> {
  const keyPair = await generateRsaKeyPair(2048);
  const certDir = mkdtempSync(join(tmpdir(), "mywire-golden-certs-"));
  const certs = makeTestCertificates(certDir);
  let cached: Uint8Array | undefined;
  const conversations: Sent[][] = [];
  const done: Promise<void>[] = [];
  const server = createServer((socket) => {
    const log: Sent[] = [];
    conversations.push(log);
    done.push(
      (async () => {
        let wire = new Wire(socket);
        let secure = false;
        const send = (payload: Uint8Array, seq: number) => {
          log.push({ from: "server", seq, hex: toHex(payload) });
          wire.send(payload, seq);
        };
        const receive = async () => {
          const p = await wire.packet();
          log.push({ from: "client", seq: p.seq, hex: toHex(p.payload) });
          return p;
        };
        const { greeting, payload } = buildGreeting({
          connectionId: conversations.length,
          serverVersion: "8.0.36-mywire-golden",
          authPluginName: "caching_sha2_password",
          capabilities: DEFAULT_SERVER_CAPABILITIES | Capability.SSL,
        });
        send(payload, 0);
        let first = await receive();
        if (first.payload.length === 32 && (decodeSslRequest(first.payload).capabilities & Capability.SSL)) {
          // SSLRequest: TLS from here on; the HandshakeResponse41 follows at sequence 2.
          wire.detach();
          const tlsSocket = new TLSSocket(socket, {
            isServer: true,
            key: certs.serverKey,
            cert: certs.serverCert,
          });
          wire = new Wire(tlsSocket);
          secure = true;
          first = await receive();
        }
        const response = decodeHandshakeResponse(first.payload);
        const verifier = new CachingSha2Verifier({
          scramble: greeting.scramble,
          secure,
          keyPair,
          cachedHash: cached,
          checkPassword: (p) => p === SHA2_PASSWORD,
        });
        let seq = first.seq + 1;
        let step = await verifier.start(response.authResponse);
        for (;;) {
          for (const p of step.send) send(p, seq++);
          if (step.outcome !== "continue") break;
          const next = await receive();
          seq = next.seq + 1;
          step = await verifier.next(next.payload);
        }
        const caps = (response.capabilities & greeting.capabilities) >>> 0;
        if (step.outcome === "rejected") {
          send(encodeErr({ errno: 1045, sqlState: "28000", message: `Access denied: ${step.reason}` }), seq);
          socket.end();
          return;
        }
        cached = step.cacheHash ?? cached;
        send(
          encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" }, caps),
          seq,
        );
        for (;;) {
          const command = await receive();
          if (command.payload[0] === Command.COM_QUIT) break;
          send(
            encodeOk({ affectedRows: 0, insertId: 0, statusFlags: 2, warningCount: 0, info: "" }, caps),
            1,
          );
        }
        socket.end();
      })().catch(() => {
        socket.destroy();
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const run = (tls: boolean) =>
    new Promise<void>((resolve, reject) =>
      execFile(
        "mariadb",
        [
          "--no-defaults",
          "-h",
          "127.0.0.1",
          "-P",
          String(port),
          "-u",
          "golden",
          `-p${SHA2_PASSWORD}`,
          tls ? "--ssl" : "--skip-ssl",
          "-e",
          "DO 1",
        ],
        (e) => (e ? reject(e) : resolve()),
      )
    );
  await run(false); // full path over RSA
  await run(false); // fast path from the cache
  cached = undefined; // forget it: the full path again, over TLS
  await run(true);
  await Promise.all(done);
  server.close();
  rmSync(certDir, { recursive: true, force: true });
  return {
    password: SHA2_PASSWORD,
    privateKeyPem: await exportRsaPrivateKeyPem(keyPair.privateKey),
    publicKeyPem: keyPair.publicKeyPem,
    conversations,
  };
}

if (import.meta.main ?? process.argv[1] === fileURLToPath(import.meta.url)) {
  for (
    const [file, deprecateEof] of [["mariadb-eof.json", false], ["mariadb-deprecate-eof.json", true]] as const
  ) {
    const fixture = await capture(deprecateEof);
    writeFileSync(join(HERE, file), JSON.stringify(fixture, null, 2) + "\n");
    console.log(`wrote test/golden/${file}`);
  }
  try {
    const cli = await captureCli();
    writeFileSync(join(HERE, "mariadb-cli-client.json"), JSON.stringify(cli, null, 2) + "\n");
    console.log("wrote test/golden/mariadb-cli-client.json");
  } catch (error) {
    console.log(`mariadb-cli-client.json not regenerated (is the mariadb client installed?): ${error}`);
  }
  try {
    const sha2 = await captureSha2Cli();
    writeFileSync(join(HERE, "mariadb-cli-caching-sha2.json"), JSON.stringify(sha2, null, 2) + "\n");
    console.log("wrote test/golden/mariadb-cli-caching-sha2.json");
  } catch (error) {
    console.log(`mariadb-cli-caching-sha2.json not regenerated (is the mariadb client installed?): ${error}`);
  }
  // The throwaway server (if one was started) stops when the process runs out of work.
}

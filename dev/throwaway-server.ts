/**
 * A throwaway MariaDB: `mariadb-install-db` into a fresh temporary directory, `mariadbd` on a free
 * port of 127.0.0.1 (binlog on in ROW format, the ed25519 plugin loaded, TLS when asked), a random
 * root password, and `stop()` to shut it down and delete everything. Used by the test harness and by
 * the `npm start` demo.
 *
 * The server never outlives this process by much: it does not keep the event loop alive, it is
 * killed on `exit` and (when nobody else handles them) on SIGINT/SIGTERM/SIGHUP, and a small shell
 * watchdog kills it and removes its directory within a second or two if this process dies without
 * running any handler (SIGKILL, a crash of the runtime).
 *
 * Needs the MariaDB server and client programs (`mariadbd`, `mariadb-install-db`, `mariadb`);
 * `ensureMariadbInstalled` installs them with apt-get when it can.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  accessSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** How to start the server. */
export interface ThrowawayServerOptions {
  /**
   * Directory to put the data directory, socket and logs in. Created if missing and kept after
   * `stop()` (useful to look at the logs). Absent: a fresh temporary directory, removed by `stop()`.
   */
  dir?: string;
  /** TCP port on 127.0.0.1; 0 or absent: a free port. */
  port?: number;
  /** Turns TLS on with these PEM files (a CA and a server certificate signed by it). */
  tls?: { caCertPath: string; serverCertPath: string; serverKeyPath: string };
  /** Progress lines (what is being run, how long it took). */
  log?: (line: string) => void;
  /** `--server-id` (default 1); a replica of another throwaway server needs its own. */
  serverId?: number;
  /** More `mariadbd` options, e.g. `--replicate-do-db=x` for a replica. */
  extraArgs?: readonly string[];
}

/** A running throwaway server. */
export interface ThrowawayServer {
  host: "127.0.0.1";
  port: number;
  socketPath: string;
  rootUser: "root";
  rootPassword: string;
  dataDir: string;
  /** Shuts the server down (SIGTERM, SIGKILL after 10 s) and removes its temporary directory. */
  stop(): Promise<void>;
}

/** How to reach a server with the `mariadb` command-line client. */
export interface CliTarget {
  socketPath?: string;
  host?: string;
  port?: number;
  user: string;
  password?: string;
  database?: string;
}

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;

/** Finds an executable on PATH or in the usual sbin/libexec directories. */
function findProgram(names: readonly string[]): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter).filter(Boolean),
    "/usr/sbin",
    "/usr/local/sbin",
    "/usr/libexec",
    "/sbin",
    "/usr/local/mysql/bin",
  ];
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, name);
      try {
        accessSync(path, fsConstants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

const programs = {
  server: () => findProgram(["mariadbd", "mysqld"]),
  installDb: () => findProgram(["mariadb-install-db", "mysql_install_db"]),
  client: () => findProgram(["mariadb", "mysql"]),
};

function requireProgram(kind: keyof typeof programs): string {
  const path = programs[kind]();
  if (!path) throw new Error(missingMessage());
  return path;
}

function missingMessage(): string {
  return "MariaDB is not installed: the tests and the demo need the programs mariadbd, mariadb-install-db "
    + "and mariadb. On Debian/Ubuntu install them with "
    + "`apt-get install -y --no-install-recommends mariadb-server mariadb-client` (as root); elsewhere install "
    + "the MariaDB server and client packages of your system. Or point the tests at an existing server with "
    + "MYWIRE_TEST_URL=mysql://user:password@host:port/ (a user allowed to create users and databases).";
}

/** Runs a command, streaming nothing; resolves with stdout, rejects with stderr in the message. */
function run(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr).trim() || String(stdout).trim().split("\n").slice(-20).join("\n");
          reject(new Error(`${file} ${args.join(" ")} failed: ${detail || error.message}`));
        } else {
          resolve(String(stdout));
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/**
 * Makes sure `mariadbd`, `mariadb-install-db` and `mariadb` exist. When they do not and this process
 * runs as root where apt-get exists, installs Debian's packages (`apt-get update` first); otherwise
 * throws an Error that says what to install.
 */
export async function ensureMariadbInstalled(log: (line: string) => void = () => {}): Promise<void> {
  if (programs.server() && programs.installDb() && programs.client()) return;
  const aptGet = findProgram(["apt-get"]);
  if (!isRoot() || !aptGet) throw new Error(missingMessage());
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const started = Date.now();
  log("MariaDB is missing: apt-get update");
  await run(aptGet, ["update"], { env });
  log("apt-get install -y --no-install-recommends mariadb-server mariadb-client");
  await run(aptGet, ["install", "-y", "--no-install-recommends", "mariadb-server", "mariadb-client"], {
    env,
  });
  // Debian's package may start the system service; the throwaway server does not need it, and leaves it be.
  if (!(programs.server() && programs.installDb() && programs.client())) {
    throw new Error(`apt-get installed mariadb-server and mariadb-client, but ${missingMessage()}`);
  }
  log(`MariaDB installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Arguments of the `mariadb` command-line client for `target` (password goes through MYSQL_PWD). */
function cliArgs(target: CliTarget): string[] {
  const args = ["--no-defaults", `--user=${target.user}`];
  if (target.socketPath) args.push("--protocol=SOCKET", `--socket=${target.socketPath}`);
  else args.push("--protocol=TCP", `--host=${target.host ?? "127.0.0.1"}`, `--port=${target.port ?? 3306}`);
  if (target.database) args.push(`--database=${target.database}`);
  return args;
}

/**
 * Runs SQL with the `mariadb` command-line client (batch mode, no column names) and returns its
 * output: one line per row, columns separated by tabs.
 */
export function runMariadbCli(target: CliTarget, sql: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (target.password !== undefined && target.password !== "") env.MYSQL_PWD = target.password;
  else delete env.MYSQL_PWD;
  return run(requireProgram("client"), [...cliArgs(target), "--batch", "--skip-column-names"], {
    env,
    input: sql,
    timeoutMs: 120_000,
  });
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not find a free port"))));
    });
  });
}

/** SQL string literal (for passwords made here: ASCII only). */
export function sqlString(value: string): string {
  return "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "''") + "'";
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Cleanup of servers this process started, whatever way it ends.

interface Live {
  child: ChildProcess;
  watchdog?: ChildProcess;
  removeDir?: string;
}

const live = new Set<Live>();
let handlersInstalled = false;

function killNow(entry: Live): void {
  try {
    if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill("SIGKILL");
  } catch {
    // already gone
  }
  if (entry.removeDir) {
    try {
      rmSync(entry.removeDir, { recursive: true, force: true });
    } catch {
      // the watchdog retries
    }
  }
  live.delete(entry);
}

function killAll(): void {
  for (const entry of [...live]) killNow(entry);
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (the test runner does): they call stop(); `exit` is the backstop.
  if (process.listenerCount(signal) > 1) return;
  killAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

/**
 * Runs `fn` (synchronous work only) when the process exits: Node and Bun emit `exit`; Deno's test
 * runner does not, but dispatches `unload`. Returns a function that unregisters it.
 */
export function atExit(fn: () => void): () => void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    fn();
  };
  process.on("exit", once);
  const target = globalThis as {
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
  };
  target.addEventListener?.("unload", once);
  return () => {
    process.removeListener("exit", once);
    target.removeEventListener?.("unload", once);
  };
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  atExit(killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    try {
      process.on(signal, onSignal);
    } catch {
      // a runtime without this signal
    }
  }
}

/**
 * A detached shell that waits while this process lives; if it dies first, stops the server and
 * removes its directory. Exits on its own when the server is gone.
 */
function startWatchdog(serverPid: number, removeDir: string | undefined): ChildProcess | undefined {
  const script = 'parent="$1"; child="$2"; dir="$3"\n'
    + 'while kill -0 "$parent" 2>/dev/null; do kill -0 "$child" 2>/dev/null || exit 0; sleep 1; done\n'
    + 'kill -TERM "$child" 2>/dev/null; i=0\n'
    + 'while kill -0 "$child" 2>/dev/null && [ $i -lt 10 ]; do sleep 1; i=$((i+1)); done\n'
    + 'kill -KILL "$child" 2>/dev/null\n'
    + 'if [ -n "$dir" ]; then sleep 1; rm -rf "$dir"; fi\n';
  try {
    const watchdog = spawn(
      "/bin/sh",
      ["-c", script, "mywire-watchdog", String(process.pid), String(serverPid), removeDir ?? ""],
      { detached: true, stdio: "ignore" },
    );
    watchdog.on("error", () => {});
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

function serverArgs(
  dataDir: string,
  socketPath: string,
  port: number,
  dir: string,
  options: ThrowawayServerOptions,
): string[] {
  const tls = options.tls;
  const args = [
    "--no-defaults",
    `--datadir=${dataDir}`,
    `--socket=${socketPath}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    `--pid-file=${join(dir, "mariadbd.pid")}`,
    `--log-error=${join(dir, "error.log")}`,
    `--tmpdir=${dir}`,
    "--log-bin=mysql-bin",
    "--binlog-format=ROW",
    `--server-id=${options.serverId ?? 1}`,
    "--plugin-load-add=auth_ed25519",
    "--max-allowed-packet=64M",
    "--skip-name-resolve",
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=16M",
    "--max-connections=500",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
  ];
  if (tls) {
    args.push(
      `--ssl-ca=${tls.caCertPath}`,
      `--ssl-cert=${tls.serverCertPath}`,
      `--ssl-key=${tls.serverKeyPath}`,
    );
  }
  if (isRoot()) args.push("--user=root");
  args.push(...options.extraArgs ?? []);
  return args;
}

/** Starts a throwaway MariaDB and sets its root password. Takes about a second or two. */
export async function startThrowawayServer(options: ThrowawayServerOptions = {}): Promise<ThrowawayServer> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  await ensureMariadbInstalled(log);
  const mariadbd = requireProgram("server");
  const installDb = requireProgram("installDb");
  requireProgram("client");
  installHandlers();

  const ownDir = !options.dir;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "mywire-mariadb-"));
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, "data");
  const socketPath = join(dir, "mysqld.sock");
  const errorLog = join(dir, "error.log");
  const removeDir = ownDir ? dir : undefined;

  try {
    if (!existsSync(join(dataDir, "mysql"))) {
      const installArgs = [
        "--no-defaults",
        "--auth-root-authentication-method=normal",
        `--datadir=${dataDir}`,
        "--skip-test-db",
        "--skip-name-resolve",
        "--innodb-buffer-pool-size=64M",
        "--innodb-log-file-size=16M",
      ];
      if (isRoot()) installArgs.push("--user=root");
      log(`mariadb-install-db --datadir=${dataDir}`);
      await run(installDb, installArgs, { timeoutMs: 120_000 });
    }
  } catch (error) {
    if (removeDir) rmSync(removeDir, { recursive: true, force: true });
    throw error;
  }

  // The free port can be taken between finding it and binding it: try again with another.
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : 3); attempt++) {
    const port = options.port || await freePort();
    try {
      const server = await launch(
        mariadbd,
        dir,
        dataDir,
        socketPath,
        errorLog,
        port,
        options,
        removeDir,
        log,
      );
      log(`MariaDB ready on 127.0.0.1:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return server;
    } catch (error) {
      lastError = error;
      if (!/Address already in use|Bind on TCP\/IP port/i.test(String(error))) break;
      log(`port ${port} was taken, trying another`);
    }
  }
  if (removeDir) rmSync(removeDir, { recursive: true, force: true });
  throw lastError;
}

async function launch(
  mariadbd: string,
  dir: string,
  dataDir: string,
  socketPath: string,
  errorLog: string,
  port: number,
  options: ThrowawayServerOptions,
  removeDir: string | undefined,
  log: (line: string) => void,
): Promise<ThrowawayServer> {
  const args = serverArgs(dataDir, socketPath, port, dir, options);
  log(`mariadbd --port=${port} --socket=${socketPath}`);
  // Through sh so that anything printed before the error log is open lands in a file, with no pipes
  // that would keep this process alive; `exec` keeps the pid. Detached: a Ctrl-C in the terminal
  // reaches this process, which stops the server in order, not the server directly.
  const outLog = join(dir, "mariadbd.out");
  const child = spawn("/bin/sh", [
    "-c",
    'out="$1"; shift; exec "$@" >>"$out" 2>&1',
    "sh",
    outLog,
    mariadbd,
    ...args,
  ], {
    detached: true,
    stdio: "ignore",
  });
  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once("error", (error) => {
      exited = `spawn error: ${error.message}`;
      resolve();
    });
  });
  const entry: Live = { child, removeDir };
  live.add(entry);
  if (child.pid) entry.watchdog = startWatchdog(child.pid, removeDir);

  const failure = (why: string): Error =>
    new Error(
      `MariaDB did not start (${why}).\n--- ${errorLog} (tail) ---\n${tail(errorLog)}\n--- ${outLog} ---\n${
        tail(outLog, 10)
      }`,
    );

  // Wait until the root user can run a query over the socket (no password yet).
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let ready = false;
  while (!ready) {
    if (exited) {
      live.delete(entry);
      throw failure(`mariadbd exited: ${exited}`);
    }
    if (Date.now() > deadline) {
      killNow(entry);
      // keep the directory when the caller asked for one; otherwise the error message has the log
      throw failure(`not ready after ${STARTUP_TIMEOUT_MS / 1000} s`);
    }
    if (existsSync(socketPath)) {
      try {
        await runMariadbCli({ socketPath, user: "root" }, "SELECT 1");
        ready = true;
        break;
      } catch {
        // not yet
      }
    }
    await sleep(100);
  }

  const rootPassword = "Root-" + randomBytes(12).toString("base64url").replace(/[-_]/g, "x") + "!#%";
  try {
    const hosts =
      (await runMariadbCli({ socketPath, user: "root" }, "SELECT host FROM mysql.user WHERE user = 'root'"))
        .split("\n").map((h) => h.trim()).filter(Boolean);
    const pw = sqlString(rootPassword);
    const statements: string[] = [];
    // root@localhost is the one this connection uses: change it last.
    for (const host of hosts) {
      if (host === "localhost") continue;
      if (host === "127.0.0.1" || host === "::1") {
        statements.push(`ALTER USER 'root'@${sqlString(host)} IDENTIFIED BY ${pw};`);
      } else statements.push(`DROP USER 'root'@${sqlString(host)};`);
    }
    for (const host of ["127.0.0.1", "%"]) {
      statements.push(
        `CREATE USER IF NOT EXISTS 'root'@'${host}' IDENTIFIED BY ${pw};`,
        `GRANT ALL PRIVILEGES ON *.* TO 'root'@'${host}' WITH GRANT OPTION;`,
      );
    }
    statements.push(`ALTER USER 'root'@'localhost' IDENTIFIED BY ${pw};`);
    await runMariadbCli({ socketPath, user: "root" }, statements.join("\n"));
  } catch (error) {
    killNow(entry);
    throw error;
  }
  // From now on the server must not keep this process alive: stop() or the exit handler ends it.
  child.unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child.ref();
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => {
          if (!exited) child.kill("SIGKILL");
        }, STOP_TIMEOUT_MS);
        await exitPromise;
        clearTimeout(timer);
      }
      live.delete(entry);
      try {
        entry.watchdog?.kill("SIGKILL");
      } catch {
        // gone
      }
      if (removeDir) rmSync(removeDir, { recursive: true, force: true });
      log("MariaDB stopped");
    })();
    return stopping;
  };

  return {
    host: "127.0.0.1",
    port,
    socketPath,
    rootUser: "root",
    rootPassword,
    dataDir,
    stop,
  };
}

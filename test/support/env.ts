/**
 * The server every integration test talks to. `await testEnv()` gives its address, a privileged
 * account, one account per way of logging in, a database, and the TLS material when TLS is on.
 *
 * Where the server comes from, first match wins:
 * - `MYWIRE_TEST_CONFIG`: path of a JSON file holding a TestEnv (what `test/run.ts` sets for the
 *   test processes it starts, after starting one server for the whole run);
 * - `MYWIRE_TEST_URL=mysql://user:password@host:port/db`: an existing MariaDB and a user that can
 *   create users and databases; the users and the database are made on it with the `mariadb`
 *   command-line client. TLS information only when `MYWIRE_TEST_CA` names the server's CA
 *   certificate; the X509 user only when `MYWIRE_TEST_CLIENT_CERT` and `MYWIRE_TEST_CLIENT_KEY` name
 *   a client certificate that CA signed; `MYWIRE_TEST_SERVER_NAME` is the name on the server's
 *   certificate (default: the URL's host);
 * - otherwise a throwaway MariaDB with TLS, started by this process once and stopped when it exits.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atExit, startThrowawayServer } from "../../dev/throwaway-server.ts";
import { makeTestCertificates } from "./certs.ts";
import { provision } from "./provision.ts";

export interface TestUser {
  user: string;
  password: string;
}

export interface TestEnv {
  host: string;
  port: number;
  /** The server's unix socket, when it runs on this machine. */
  socketPath?: string;
  /** All privileges, with grant option. */
  root: TestUser;
  users: {
    /** mysql_native_password */
    native: TestUser;
    /** ed25519 */
    ed25519: TestUser;
    /** REQUIRE SSL, native password */
    ssl: TestUser;
    /** REQUIRE X509: log in with `tls.clientCert` / `tls.clientKey` */
    x509?: TestUser;
  };
  /** Created; all privileges on it for the users above. */
  database: string;
  /** Present when the server has TLS on. */
  tls?: {
    /** The CA that signed the server's certificate (and the client certificate). */
    caCertPath: string;
    caCert: string;
    /** A CA that signed nothing here: verifying the server against it must fail. */
    otherCaCert: string;
    clientCert: string;
    clientKey: string;
    /** The name on the server's certificate. */
    serverName: string;
  };
  /** mysql://root:password@host:port/database */
  url: string;
}

/** A TestEnv and how to end it. */
export interface StartedTestEnv {
  env: TestEnv;
  /** Stops the server and removes temporary files (nothing to stop for MYWIRE_TEST_URL). */
  stop(): Promise<void>;
}

/** Starts a throwaway MariaDB with TLS and provisions it. */
export async function startTestEnv(log?: (line: string) => void): Promise<StartedTestEnv> {
  const certDir = mkdtempSync(join(tmpdir(), "mywire-certs-"));
  const removeCerts = () => rmSync(certDir, { recursive: true, force: true });
  const unregister = atExit(removeCerts);
  try {
    const certs = makeTestCertificates(certDir);
    const server = await startThrowawayServer({
      tls: {
        caCertPath: certs.caCertPath,
        serverCertPath: certs.serverCertPath,
        serverKeyPath: certs.serverKeyPath,
      },
      log,
    });
    try {
      const env = await provision(
        {
          host: server.host,
          port: server.port,
          socketPath: server.socketPath,
          user: server.rootUser,
          password: server.rootPassword,
        },
        {
          caCertPath: certs.caCertPath,
          caCert: certs.caCert,
          otherCaCert: certs.otherCaCert,
          clientCert: certs.clientCert,
          clientKey: certs.clientKey,
          serverName: certs.serverName,
        },
      );
      return {
        env,
        async stop() {
          await server.stop();
          removeCerts();
          unregister();
        },
      };
    } catch (error) {
      await server.stop();
      throw error;
    }
  } catch (error) {
    removeCerts();
    unregister();
    throw error;
  }
}

/** Provisions the existing server of a `MYWIRE_TEST_URL` (see the header for the other variables). */
export async function provisionUrl(url: string): Promise<TestEnv> {
  const parsed = new URL(url);
  if (!/^(mysql|mariadb):$/.test(parsed.protocol)) {
    throw new Error(`MYWIRE_TEST_URL must be mysql://user:password@host:port/db, not ${url}`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  const port = Number(parsed.port || 3306);
  const user = decodeURIComponent(parsed.username || "root");
  const password = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || undefined;
  let tls: TestEnv["tls"];
  const caPath = process.env.MYWIRE_TEST_CA;
  const clientCertPath = process.env.MYWIRE_TEST_CLIENT_CERT;
  const clientKeyPath = process.env.MYWIRE_TEST_CLIENT_KEY;
  if (caPath) {
    // An unrelated CA (and a client certificate the server will not trust, unless one is given).
    const dir = mkdtempSync(join(tmpdir(), "mywire-certs-"));
    try {
      const spare = makeTestCertificates(dir);
      tls = {
        caCertPath: caPath,
        caCert: readFileSync(caPath, "utf8"),
        otherCaCert: spare.otherCaCert,
        clientCert: clientCertPath ? readFileSync(clientCertPath, "utf8") : spare.clientCert,
        clientKey: clientKeyPath ? readFileSync(clientKeyPath, "utf8") : spare.clientKey,
        serverName: process.env.MYWIRE_TEST_SERVER_NAME || host,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return provision({ host, port, user, password }, tls, {
    database,
    x509: Boolean(tls && clientCertPath && clientKeyPath),
  });
}

let cached: Promise<TestEnv> | undefined;

async function resolveEnv(): Promise<TestEnv> {
  const config = process.env.MYWIRE_TEST_CONFIG;
  if (config) return JSON.parse(readFileSync(config, "utf8")) as TestEnv;
  const url = process.env.MYWIRE_TEST_URL;
  if (url) return provisionUrl(url);
  const started = await startTestEnv();
  // Stop in order when the process runs out of work (the server does not keep it alive); the
  // server's own `exit` handler kills it if the process ends some other way.
  let stopping = false;
  const onBeforeExit = () => {
    if (stopping) return;
    stopping = true;
    process.removeListener("beforeExit", onBeforeExit);
    started.stop().catch(() => {});
  };
  process.on("beforeExit", onBeforeExit);
  return started.env;
}

/** The test server (started or provisioned once per process; later calls get the same one). */
export function testEnv(): Promise<TestEnv> {
  cached ??= resolveEnv();
  return cached;
}

/**
 * Provisioning of a test server: the `mywire_test` database and one user per way of logging in,
 * made with the `mariadb` command-line client as a privileged user (never with mywire itself: the
 * driver is what these tests test). Safe to run again on the same server: users are replaced, the
 * database is kept.
 */
import { type CliTarget, runMariadbCli, sqlString } from "../../dev/throwaway-server.ts";
import type { TestEnv, TestUser } from "./env.ts";

/** A server and a user allowed to create databases and users, with grant option. */
export interface ProvisionTarget {
  host: string;
  port: number;
  /** When set (a throwaway server), the CLI connects over this socket. */
  socketPath?: string;
  user: string;
  password: string;
}

/** The fixed accounts. ASCII with punctuation (some of it needs escaping in a URL). */
export const TEST_USERS = {
  native: { user: "mywire_native", password: "Native-pw!1#x%" },
  ed25519: { user: "mywire_ed25519", password: "Ed25519-pw@2&y" },
  ssl: { user: "mywire_ssl", password: "Ssl-pw:3/z?" },
  x509: { user: "mywire_x509", password: "X509-pw;4+w" },
} as const satisfies Record<string, TestUser>;

export const TEST_DATABASE = "mywire_test";

const HOSTS = ["%", "localhost"] as const;

const ident = (name: string): string => "`" + name.replace(/`/g, "``") + "`";

/**
 * Creates the database and the users on `server` and returns the TestEnv that describes them.
 * `tls` describes the server's certificates when it has TLS on; the X509 user is made only when a
 * client certificate the server trusts is known (`tls.clientCert`, and `x509` not false).
 */
export async function provision(
  server: ProvisionTarget,
  tls?: TestEnv["tls"],
  options: { database?: string; x509?: boolean } = {},
): Promise<TestEnv> {
  const database = options.database || TEST_DATABASE;
  const target: CliTarget = server.socketPath
    ? { socketPath: server.socketPath, user: server.user, password: server.password }
    : { host: server.host, port: server.port, user: server.user, password: server.password };

  const version = (await runMariadbCli(target, "SELECT VERSION()")).trim();
  if (!/mariadb/i.test(version)) {
    throw new Error(
      `the test server must be MariaDB 10.4 or later (the tests need its ed25519 plugin); ${server.host}:${server.port} is ${version}`,
    );
  }
  const hasEd25519 = async () =>
    (await runMariadbCli(
      target,
      "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519' AND PLUGIN_STATUS = 'ACTIVE'",
    )).trim() !== "0";
  if (!await hasEd25519()) {
    await runMariadbCli(target, "INSTALL SONAME 'auth_ed25519'").catch((error) => {
      throw new Error(
        `the ed25519 plugin is not loaded on the test server and could not be installed: ${error}`,
      );
    });
  }

  const withX509 = options.x509 ?? Boolean(tls);
  const sql: string[] = [`CREATE DATABASE IF NOT EXISTS ${ident(database)};`];
  const create = (user: TestUser, auth: string, require = "") => {
    for (const host of HOSTS) {
      const account = `${sqlString(user.user)}@${sqlString(host)}`;
      sql.push(
        `CREATE OR REPLACE USER ${account} ${auth}${require ? " REQUIRE " + require : ""};`,
        `GRANT ALL PRIVILEGES ON ${ident(database)}.* TO ${account};`,
      );
    }
  };
  create(
    TEST_USERS.native,
    `IDENTIFIED VIA mysql_native_password USING PASSWORD(${sqlString(TEST_USERS.native.password)})`,
  );
  create(
    TEST_USERS.ed25519,
    `IDENTIFIED VIA ed25519 USING PASSWORD(${sqlString(TEST_USERS.ed25519.password)})`,
  );
  create(TEST_USERS.ssl, `IDENTIFIED BY ${sqlString(TEST_USERS.ssl.password)}`, "SSL");
  if (withX509) create(TEST_USERS.x509, `IDENTIFIED BY ${sqlString(TEST_USERS.x509.password)}`, "X509");
  sql.push("FLUSH PRIVILEGES;");
  await runMariadbCli(target, sql.join("\n"));

  const users: TestEnv["users"] = {
    native: { ...TEST_USERS.native },
    ed25519: { ...TEST_USERS.ed25519 },
    ssl: { ...TEST_USERS.ssl },
  };
  if (withX509) users.x509 = { ...TEST_USERS.x509 };
  const env: TestEnv = {
    host: server.host,
    port: server.port,
    root: { user: server.user, password: server.password },
    users,
    database,
    url: `mysql://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${
      server.host.includes(":") ? `[${server.host}]` : server.host
    }:${server.port}/${encodeURIComponent(database)}`,
  };
  if (server.socketPath) env.socketPath = server.socketPath;
  if (tls) env.tls = tls;
  return env;
}

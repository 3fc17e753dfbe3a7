/**
 * Test certificates: a CA, a server certificate for `localhost` / 127.0.0.1 signed by it, a client
 * certificate, and a second unrelated CA (for "wrong CA" tests). Made with the `openssl` command into
 * a directory, once; later calls with the same directory reuse the files.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Paths and PEM texts of the test certificates. */
export interface TestCertificates {
  readonly dir: string;
  readonly caCertPath: string;
  readonly caCert: string;
  readonly serverCertPath: string;
  readonly serverCert: string;
  readonly serverKeyPath: string;
  readonly serverKey: string;
  readonly clientCertPath: string;
  readonly clientCert: string;
  readonly clientKeyPath: string;
  readonly clientKey: string;
  /** A CA that signed nothing here: verifying the server against it must fail. */
  readonly otherCaCertPath: string;
  readonly otherCaCert: string;
  /** The name on the server certificate (besides IP 127.0.0.1). */
  readonly serverName: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function makeCa(dir: string, name: string): void {
  openssl(["genrsa", "-out", `${name}.key`, "2048"], dir);
  openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    `${name}.key`,
    "-sha256",
    "-days",
    "3650",
    "-subj",
    `/CN=mywire ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    `${name}.pem`,
  ], dir);
}

function makeLeaf(dir: string, name: string, subject: string, ext: string): void {
  openssl(["genrsa", "-out", `${name}.key`, "2048"], dir);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "3650",
    "-sha256",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ], dir);
}

/** Creates (or reuses) the test certificates in `dir`. Needs the `openssl` command. */
export function makeTestCertificates(dir: string): TestCertificates {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "done"))) {
    makeCa(dir, "ca");
    makeCa(dir, "other-ca");
    makeLeaf(
      dir,
      "server",
      "/CN=localhost",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        + "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    );
    makeLeaf(
      dir,
      "client",
      "/CN=mywire-client",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    );
    writeFileSync(join(dir, "done"), "");
  }
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return {
    dir,
    caCertPath: join(dir, "ca.pem"),
    caCert: read("ca.pem"),
    serverCertPath: join(dir, "server.pem"),
    serverCert: read("server.pem"),
    serverKeyPath: join(dir, "server.key"),
    serverKey: read("server.key"),
    clientCertPath: join(dir, "client.pem"),
    clientCert: read("client.pem"),
    clientKeyPath: join(dir, "client.key"),
    clientKey: read("client.key"),
    otherCaCertPath: join(dir, "other-ca.pem"),
    otherCaCert: read("other-ca.pem"),
    serverName: "localhost",
  };
}

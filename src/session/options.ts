/**
 * The resolved settings of one protocol session (the client layer validates user input and fills
 * defaults before it builds these).
 */
import type { Pipeline } from "../pipeline/pipeline.ts";
import type { ValueOptions } from "../protocol/values.ts";
import type { Runtime } from "../runtime/socket.ts";
import type { InfileHandler } from "./infile.ts";

/** TLS modes, as in the MySQL command-line client's `--ssl-mode`. */
export type SslMode = "disabled" | "preferred" | "required" | "verify-ca" | "verify-identity";

/** TLS settings. Certificates and keys are PEM text. */
export interface SslOptions {
  readonly mode: SslMode;
  /** Trusted CA certificate(s), PEM. */
  readonly ca?: string | readonly string[];
  /** Client certificate, PEM (for users created `REQUIRE X509`). */
  readonly cert?: string;
  /** Client private key, PEM. */
  readonly key?: string;
  /** Name to check the server certificate against (defaults to `host`). */
  readonly servername?: string;
}

/** Everything a session needs to connect and authenticate. */
export interface SessionOptions {
  readonly host: string;
  readonly port: number;
  /** A Unix socket path; when set, `host` and `port` are not used. */
  readonly socketPath?: string;
  readonly user: string;
  readonly password: string;
  /**
   * SHA1(password) instead of the password, for mysql_native_password only: what a proxy recovered
   * from its client's login (protocol/auth/native-verify.ts) to log into a backend as that client.
   */
  readonly passwordSha1?: Uint8Array;
  /**
   * Ask for CLIENT_SESSION_TRACK, so OK packets carry the session state changes (a proxy tracks a
   * multiplexed connection's state from them; default false).
   */
  readonly sessionTrack?: boolean;
  /** Ask a MariaDB server for extended type info in column definitions (default true). */
  readonly extendedTypeInfo?: boolean;
  readonly database?: string;
  readonly ssl: SslOptions;
  /** Milliseconds to connect and authenticate (0: no limit). */
  readonly connectTimeout: number;
  /** Collation id for the connection (sent in the handshake). */
  readonly charset: number;
  /** Largest packet accepted from the server, in bytes. */
  readonly maxPacketSize: number;
  readonly multipleStatements: boolean;
  /** CLIENT_FOUND_ROWS: `affectedRows` counts matched rather than changed rows. */
  readonly foundRows: boolean;
  readonly connectAttributes: Readonly<Record<string, string>>;
  /** PEM of the server's RSA key, for caching_sha2_password / sha256_password without TLS. */
  readonly serverPublicKey?: string;
  readonly allowPublicKeyRetrieval: boolean;
  /** Allow mysql_clear_password over an unencrypted TCP connection. */
  readonly allowCleartextPassword: boolean;
  /** The runtime to open sockets with (detected when absent). */
  readonly runtime?: Runtime;
  /** How values are decoded. */
  readonly values: ValueOptions;
  /** Return rows as arrays instead of objects keyed by column name. */
  readonly rowsAsArray: boolean;
  /** Use the compressed protocol (zlib) when the server offers it. */
  readonly compress: boolean;
  /**
   * Ask for CLIENT_QUERY_ATTRIBUTES when the server offers it (MySQL 8.0.23+): every COM_QUERY and
   * COM_STMT_EXECUTE then carries a parameter count (the proxy relays its clients' attributes).
   */
  readonly queryAttributes?: boolean;
  /** Answers LOAD DATA LOCAL INFILE requests; absent: LOCAL INFILE is off. */
  readonly infile?: InfileHandler;
  /** The plugins, when any are installed (one pipeline per client or pool). */
  readonly pipeline?: Pipeline<any, any>;
  /** Prepared statements kept open per connection by `execute`. */
  readonly statementCacheSize: number;
}

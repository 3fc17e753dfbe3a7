/**
 * `mywire proxy`: the mywire proxy from the command line.
 *
 *   mywire proxy --listen 127.0.0.1:6033 --backend mysql://user:pw@127.0.0.1:3306 --user name:password ...
 *   mywire proxy --config proxy.json        (or proxy.config.ts / .js / .mjs: its default export)
 *
 * Flags cover the simple case: where to listen, the backends (URLs; the first is the default), the
 * users clients log in as (`name:password`, repeatable), TLS for clients (`--tls-cert`, `--tls-key`
 * PEM files) and the greeting's auth plugin. `--config` reads a JSON file with `createProxy`'s
 * options (`listen` as "host:port" or an object; `tls` as `{ "certFile", "keyFile" }` or PEM text),
 * or a module (.ts, .js, .mjs) whose default export is those options (plugins need one); flags given
 * beside it override it. Prints "mywire proxy listening on HOST:PORT" once bound, and
 * on SIGINT/SIGTERM stops accepting, lets clients finish for up to 5 s, then exits.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createProxy, type ProxyOptions } from "../../mod.ts";

/** The usage text of `mywire proxy`. */
export const PROXY_USAGE =
  `  mywire proxy --listen HOST:PORT --backend mysql://user:pw@host:3306 [--backend URL]...
               [--user NAME:PASSWORD]... [--tls-cert FILE --tls-key FILE]
               [--default-auth mysql_native_password|caching_sha2_password] [--config FILE]
               [--no-multiplex] [--max-backend-connections N]

  --listen HOST:PORT  where clients connect (default 127.0.0.1:6033; port 0 picks a free one)
  --backend URL       a backend server; its user logs in for every client (without one, the
                      proxy logs in as the client, with the password the client proved)
  --user NAME:PW      a user clients log in to the proxy as (repeatable)
  --tls-cert FILE     PEM certificate offered to clients that ask for TLS (with --tls-key)
  --default-auth P    the auth plugin named in the greeting (default mysql_native_password)
  --config FILE       createProxy's options: JSON, or a .ts/.js/.mjs module's default export
                      (flags override it)
  --no-multiplex      one backend connection per client (default: clients share a pool)
  --max-backend-connections N   pooled connections per backend (default 64)`;

/** A bad `mywire proxy` command line. */
export class ProxyUsageError extends Error {}

/** Reads `--config`: a JSON file, or a module whose default export is the options. */
async function readConfig(file: string): Promise<unknown> {
  try {
    if (/\.(m?[jt]s|cjs)$/.test(file)) {
      const mod = await import(pathToFileURL(resolve(file)).href) as { default?: unknown };
      return mod.default;
    }
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ProxyUsageError(`cannot read --config ${file}: ${(error as Error).message}`);
  }
}

/** Parses the arguments after `proxy` into `createProxy`'s options. Throws ProxyUsageError. */
export async function parseProxyArgs(argv: string[]): Promise<ProxyOptions> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        listen: { type: "string" },
        backend: { type: "string", multiple: true },
        user: { type: "string", multiple: true },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "default-auth": { type: "string" },
        config: { type: "string" },
        "no-multiplex": { type: "boolean" },
        "max-backend-connections": { type: "string" },
      },
    }) as { values: Record<string, string | string[] | boolean | undefined> });
  } catch (error) {
    throw new ProxyUsageError((error as Error).message.split("\n")[0]);
  }
  let base: Record<string, unknown> = {};
  const configFile = values.config as string | undefined;
  if (configFile !== undefined) {
    base = await readConfig(configFile) as Record<string, unknown>;
    if (typeof base !== "object" || base === null || Array.isArray(base)) {
      throw new ProxyUsageError(
        `--config ${configFile} must hold an object (JSON, or a module's default export)`,
      );
    }
  }
  const options: Record<string, unknown> = { ...base };
  if (values.listen !== undefined) options.listen = values.listen;
  const backends = values.backend as string[] | undefined;
  if (backends !== undefined) options.backends = backends;
  const users = values.user as string[] | undefined;
  if (users !== undefined) {
    const map: Record<string, unknown> = { ...(base.users as Record<string, unknown> | undefined) };
    for (const u of users) {
      const i = u.indexOf(":");
      if (i <= 0) throw new ProxyUsageError(`--user must be NAME:PASSWORD, got ${JSON.stringify(u)}`);
      map[u.slice(0, i)] = u.slice(i + 1);
    }
    options.users = map;
  }
  if (values["default-auth"] !== undefined) options.defaultAuthPlugin = values["default-auth"];
  if (values["no-multiplex"] === true) options.multiplex = false;
  const limit = values["max-backend-connections"] as string | undefined;
  if (limit !== undefined) {
    if (!/^[1-9]\d*$/.test(limit)) {
      throw new ProxyUsageError(
        `--max-backend-connections must be a positive integer, got ${JSON.stringify(limit)}`,
      );
    }
    options.maxBackendConnections = Number(limit);
  }
  const tls = (base.tls ?? {}) as { cert?: string; key?: string; certFile?: string; keyFile?: string };
  const certFile = (values["tls-cert"] as string | undefined) ?? tls.certFile;
  const keyFile = (values["tls-key"] as string | undefined) ?? tls.keyFile;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ProxyUsageError("give --tls-cert and --tls-key together");
  }
  if (certFile !== undefined && keyFile !== undefined) {
    try {
      options.tls = { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
    } catch (error) {
      throw new ProxyUsageError(`cannot read the TLS files: ${(error as Error).message}`);
    }
  } else if (base.tls !== undefined) options.tls = { cert: tls.cert, key: tls.key };
  if (options.backends === undefined) {
    throw new ProxyUsageError("proxy needs --backend (or backends in --config)");
  }
  if (options.users === undefined) {
    throw new ProxyUsageError("proxy needs --user NAME:PASSWORD (or users in --config)");
  }
  return options as unknown as ProxyOptions;
}

/** Runs the proxy until SIGINT or SIGTERM. */
export async function runProxy(argv: string[]): Promise<void> {
  const options = await parseProxyArgs(argv);
  let proxy;
  try {
    proxy = createProxy(options);
  } catch (error) {
    if (error instanceof TypeError) throw new ProxyUsageError(error.message);
    throw error;
  }
  const address = await proxy.listen();
  console.log(
    `mywire proxy listening on ${"path" in address ? address.path : `${address.host}:${address.port}`}`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await proxy.close({ drain: 5000 });
}

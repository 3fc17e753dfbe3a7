/**
 * A query firewall by fingerprint: with a deny list, statements whose fingerprint is listed are
 * refused; with an allow list, only listed ones run. Rules are queries (fingerprinted, so their
 * literals do not matter), or RegExps tested against the fingerprint. Each statement of a
 * multi-statement query is checked. A refused query never reaches the server: the caller gets an
 * ERR (1148, SQLSTATE 42000) saying which statement the firewall refused and why.
 */
import {
  definePlugin,
  errorResponse,
  fingerprint,
  type Plugin,
  type PluginContext,
  sendResult,
  tokenize,
} from "../src/api.ts";

/** Options of `firewall`. */
export interface FirewallOptions {
  /** "deny": refuse what the rules match; "allow": refuse what they do not. */
  readonly mode: "deny" | "allow";
  /** Queries (compared by fingerprint) or RegExps (tested against the fingerprint). */
  readonly rules: readonly (string | RegExp)[];
  /** Error number of the refusal. Default 1148 (ER_NOT_ALLOWED_COMMAND). */
  readonly errno?: number;
  /** Called for each refusal (to log or alert). */
  readonly onRefuse?: (event: { fingerprint: string; sql: string; user: string }) => void;
}

/** The statements of a (possibly multi-statement) query, as text. */
function statements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const t of tokenize(sql)) {
    if (t.kind === "punct" && t.text === ";") {
      out.push(sql.slice(start, t.start));
      start = t.end;
    }
  }
  out.push(sql.slice(start));
  return out.filter((s) => tokenize(s).length > 0);
}

/** A firewall (see the module comment). Throws `TypeError` for bad options. */
export function firewall(options: FirewallOptions): Plugin {
  if (options.mode !== "deny" && options.mode !== "allow") {
    throw new TypeError('firewall mode is "deny" or "allow"');
  }
  if (!Array.isArray(options.rules)) throw new TypeError("firewall needs a list of rules");
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const rule of options.rules) {
    if (typeof rule === "string") exact.add(fingerprint(rule));
    else if (rule instanceof RegExp) patterns.push(rule);
    else throw new TypeError("a firewall rule is a query or a RegExp");
  }
  const listed = (fp: string) => exact.has(fp) || patterns.some((p) => (p.lastIndex = 0, p.test(fp)));
  const refuse = (ctx: PluginContext, sql: string, fp: string, why: string) => {
    options.onRefuse?.({ fingerprint: fp, sql, user: ctx.client.user });
    return sendResult(errorResponse({
      errno: options.errno ?? 1148,
      sqlState: "42000",
      message: `mywire firewall refused the statement ${JSON.stringify(fp)}: ${why}`,
    }));
  };
  return definePlugin({
    name: "firewall",
    readQuery(ctx, command) {
      if (command.type !== "COM_QUERY" && command.type !== "COM_STMT_PREPARE") return;
      for (const statement of statements(command.sql)) {
        const fp = fingerprint(statement);
        const hit = listed(fp);
        if (options.mode === "deny" && hit) return refuse(ctx, command.sql, fp, "it is on the deny list");
        if (options.mode === "allow" && !hit) {
          return refuse(ctx, command.sql, fp, "it is not on the allow list");
        }
      }
    },
  });
}

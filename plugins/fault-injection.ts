/**
 * Fault injection for tests: fail, delay or drop chosen commands, deterministically. Each rule
 * matches commands (by RegExp on the SQL, by fingerprint, by command type, or by function) and
 * picks among its matches by count (the `nth` match, `every` n-th, at most `times`), so a test
 * knows exactly which command fails. Actions: "fail" answers an ERR without sending the command;
 * "fail-after" sends it and replaces its result with an ERR (the server did the work, the caller
 * sees an error); "delay" waits before sending; "drop" closes the connection instead of sending.
 */
// Its hooks return Effects: it brings Effect support along (a Worker needs nothing more).
import "../src/effect/register.ts";
import { Effect } from "effect";
import {
  definePlugin,
  disconnect,
  errorResponse,
  fingerprint,
  type Plugin,
  type QueryCommand,
  sendQuery,
  sendResult,
} from "../src/api.ts";

/** One fault. */
export interface FaultRule {
  /** What to do to a chosen command. */
  readonly action: "fail" | "fail-after" | "delay" | "drop";
  /**
   * Which commands: a RegExp on the SQL, a query (compared by fingerprint), a command type
   * ("COM_PING"), or a predicate. Default: every command.
   */
  readonly match?: RegExp | string | ((command: QueryCommand) => boolean);
  /** Only the n-th match (1-based). */
  readonly nth?: number;
  /** Every n-th match (n, 2n, 3n, ...). */
  readonly every?: number;
  /** At most this many faults from this rule. */
  readonly times?: number;
  /** "fail", "fail-after": the error. Defaults: 1105, HY000, "injected fault". */
  readonly errno?: number;
  readonly sqlState?: string;
  readonly message?: string;
  /** "delay": milliseconds. */
  readonly delayMs?: number;
}

/** A fault-injection plugin, with per-rule counters and a way to start counting again. */
export type FaultInjectionPlugin = Plugin & {
  /** For each rule: how many commands matched, and how many faults it injected. */
  readonly counts: readonly { matched: number; injected: number }[];
  reset(): void;
};

function matcher(match: FaultRule["match"]): (command: QueryCommand) => boolean {
  if (match === undefined) return () => true;
  if (match instanceof RegExp) return (c) => c.sql !== undefined && (match.lastIndex = 0, match.test(c.sql));
  if (typeof match === "function") return match;
  if (typeof match === "string") {
    if (/^COM_[A-Z_]+$/.test(match)) return (c) => c.type === match;
    const wanted = fingerprint(match);
    return (c) => c.sql !== undefined && fingerprint(c.sql) === wanted;
  }
  throw new TypeError("a fault rule's match is a RegExp, a query, a command type or a function");
}

/** A fault injector (see the module comment). Rules are tried in order; the first that fires wins. */
export function faultInjection(rules: readonly FaultRule[]): FaultInjectionPlugin {
  if (!Array.isArray(rules)) throw new TypeError("faultInjection needs a list of rules");
  const compiled = rules.map((rule, i) => {
    if (!["fail", "fail-after", "delay", "drop"].includes(rule?.action)) {
      throw new TypeError(`fault rule ${i}: action must be "fail", "fail-after", "delay" or "drop"`);
    }
    if (rule.action === "delay" && !(typeof rule.delayMs === "number" && rule.delayMs >= 0)) {
      throw new TypeError(`fault rule ${i}: "delay" needs delayMs`);
    }
    return { rule, test: matcher(rule.match) };
  });
  const counts = rules.map(() => ({ matched: 0, injected: 0 }));
  const fires = (i: number): boolean => {
    const { rule } = compiled[i];
    const c = counts[i];
    const n = ++c.matched;
    if (rule.times !== undefined && c.injected >= rule.times) return false;
    if (rule.nth !== undefined && n !== rule.nth) return false;
    if (rule.every !== undefined && n % rule.every !== 0) return false;
    c.injected++;
    return true;
  };
  const error = (rule: FaultRule) =>
    errorResponse({
      errno: rule.errno ?? 1105,
      sqlState: rule.sqlState ?? "HY000",
      message: rule.message ?? "injected fault",
    });

  const plugin = definePlugin({
    name: "fault-injection",
    state: () => ({ failAfter: undefined as FaultRule | undefined }),
    readQuery(ctx, command) {
      ctx.state.failAfter = undefined;
      for (let i = 0; i < compiled.length; i++) {
        if (!compiled[i].test(command) || !fires(i)) continue;
        const rule = compiled[i].rule;
        switch (rule.action) {
          case "fail":
            return sendResult(error(rule));
          case "drop":
            return disconnect(
              rule.message ?? `fault injection dropped the connection before ${command.type}`,
            );
          case "delay":
            return Effect.as(Effect.sleep(rule.delayMs!), sendQuery());
          case "fail-after":
            ctx.state.failAfter = rule;
            ctx.queries.observe({ resultsetIsNeeded: true });
            return;
        }
      }
    },
    readQueryResult(ctx, r) {
      const rule = ctx.state.failAfter;
      if (!r.original || rule === undefined) return;
      ctx.state.failAfter = undefined;
      return sendResult(error(rule));
    },
  });
  return {
    ...plugin,
    counts,
    reset() {
      for (const c of counts) c.matched = c.injected = 0;
    },
  };
}

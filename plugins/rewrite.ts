/**
 * Query rewriting by rules, like ProxySQL's query rules: each rule matches a query by regular
 * expression, by fingerprint, or by function, and replaces it by a string (with `$1` groups), or by
 * what a function returns. Rules run in order; a rule with `apply: true` (the default) ends the
 * list when it matches, as ProxySQL's `apply`; with `apply: false` the next rules see the rewrite.
 */
import { definePlugin, fingerprint, type Plugin, type QueryCommand, sendQuery } from "../src/api.ts";

/** One rule. */
export interface RewriteRule {
  /** For logs and stats. */
  readonly name?: string;
  /**
   * A RegExp tested against the SQL, a query whose fingerprint must equal the SQL's (literals are
   * ignored: `"SELECT * FROM t WHERE id = 1"` matches every id), or a predicate.
   */
  readonly match: RegExp | string | ((sql: string, command: QueryCommand) => boolean);
  /** The new SQL: with a RegExp match, a `String.replace` pattern (`$1`); or a function of the SQL. */
  readonly replace: string | ((sql: string, command: QueryCommand) => string);
  /** Stop after this rule when it matches. Default true. */
  readonly apply?: boolean;
}

/** Options of `rewrite`. */
export interface RewriteOptions {
  readonly rules: readonly RewriteRule[];
  /** Also rewrite COM_STMT_PREPARE (prepared statements). Default true. */
  readonly prepared?: boolean;
  /** Called for each rewrite. */
  readonly onRewrite?: (event: { rule: string; from: string; to: string }) => void;
}

interface CompiledRule {
  readonly name: string;
  readonly test: (sql: string, command: QueryCommand) => boolean;
  readonly apply: (sql: string, command: QueryCommand) => string;
  readonly stop: boolean;
}

function compile(rule: RewriteRule, index: number): CompiledRule {
  if (typeof rule !== "object" || rule === null) {
    throw new TypeError(`rewrite rule ${index} is not an object`);
  }
  const { match, replace } = rule;
  const name = rule.name ?? `rule ${index}`;
  let test: CompiledRule["test"];
  let regexp: RegExp | undefined;
  if (match instanceof RegExp) {
    regexp = match;
    test = (sql) => {
      match.lastIndex = 0;
      return match.test(sql);
    };
  } else if (typeof match === "string") {
    const wanted = fingerprint(match);
    test = (sql) => fingerprint(sql) === wanted;
  } else if (typeof match === "function") test = match;
  else throw new TypeError(`rewrite rule "${name}": match must be a RegExp, a query or a function`);
  let apply: CompiledRule["apply"];
  if (typeof replace === "function") apply = replace;
  else if (typeof replace === "string") {
    apply = regexp === undefined ? () => replace : (sql) => {
      regexp.lastIndex = 0;
      return sql.replace(regexp, replace);
    };
  } else throw new TypeError(`rewrite rule "${name}": replace must be a string or a function`);
  return { name, test, apply, stop: rule.apply ?? true };
}

/** A query rewriter (see the module comment). Throws `TypeError` for a malformed rule. */
export function rewrite(options: RewriteOptions | readonly RewriteRule[]): Plugin {
  const opts: RewriteOptions = Array.isArray(options) ? { rules: options } : options as RewriteOptions;
  if (!Array.isArray(opts.rules)) throw new TypeError("rewrite needs a list of rules");
  const rules = opts.rules.map(compile);
  const prepared = opts.prepared ?? true;
  return definePlugin({
    name: "rewrite",
    readQuery(_ctx, command) {
      if (command.type !== "COM_QUERY" && !(prepared && command.type === "COM_STMT_PREPARE")) return;
      let sql = command.sql;
      for (const rule of rules) {
        if (!rule.test(sql, command)) continue;
        const next = rule.apply(sql, command);
        if (typeof next !== "string") {
          throw new TypeError(`rewrite rule "${rule.name}" did not give SQL text`);
        }
        opts.onRewrite?.({ rule: rule.name, from: sql, to: next });
        sql = next;
        if (rule.stop) break;
      }
      if (sql === command.sql) return;
      return sendQuery({ type: command.type, sql });
    },
  });
}

/**
 * The proxy's connection ids in SQL, for multiplexing (where a backend's thread id means nothing to
 * a client): `CONNECTION_ID()` becomes the client's own id (the one of the proxy's greeting), and
 * `KILL [HARD|SOFT] [CONNECTION|QUERY] n` is read so that the proxy can kill the backend thread that
 * serves client n now (or answer itself when client n is idle). Read with the project's SQL lexer.
 */
import { type Token, tokenize } from "../protocol/sql/lexer.ts";

function up(t: Token | undefined): string {
  return t !== undefined && t.kind === "word" ? t.text.toUpperCase() : "";
}

/** Words after which a select item ends. */
const ITEM_END = new Set(["FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "INTO", "FOR"]);

/**
 * `sql` with every `CONNECTION_ID()` replaced by `id`; a select item that is just the call gets
 * the alias the server would have named it by (`CONNECTION_ID()`). Undefined when there is none.
 */
export function rewriteConnectionId(sql: string, id: number): string | undefined {
  if (!/connection_id/i.test(sql)) return undefined;
  const tokens = tokenize(sql);
  let out = "";
  let from = 0;
  let found = false;
  for (let i = 0; i + 2 < tokens.length; i++) {
    const t = tokens[i];
    if (up(t) !== "CONNECTION_ID" || tokens[i + 1].text !== "(" || tokens[i + 2].text !== ")") continue;
    const prev = tokens[i - 1];
    const next = tokens[i + 3];
    const alone = (up(prev) === "SELECT" || prev?.text === ",")
      && (next === undefined || next.text === "," || next.text === ";" || ITEM_END.has(up(next)));
    out += sql.slice(from, t.start) + String(id)
      + (alone ? " AS `" + sql.slice(t.start, tokens[i + 2].end) + "`" : "");
    from = tokens[i + 2].end;
    found = true;
    i += 2;
  }
  return found ? out + sql.slice(from) : undefined;
}

/** A KILL of a connection id. */
export interface KillStatement {
  /** KILL QUERY: the statement only; otherwise the connection. */
  readonly query: boolean;
  readonly id: number;
}

/** Reads `KILL [HARD|SOFT] [CONNECTION|QUERY] n` (alone, `;` allowed); undefined for anything else. */
export function parseKill(sql: string): KillStatement | undefined {
  if (!/^\s*kill\b/i.test(sql)) return undefined;
  const tokens = tokenize(sql).filter((t) => t.text !== ";");
  let i = 1;
  if (up(tokens[i]) === "HARD" || up(tokens[i]) === "SOFT") i++;
  let query = false;
  if (up(tokens[i]) === "QUERY") {
    query = true;
    i++;
  } else if (up(tokens[i]) === "CONNECTION") i++;
  const n = tokens[i];
  if (n === undefined || n.kind !== "number" || !/^\d+$/.test(n.text) || i + 1 !== tokens.length) {
    return undefined;
  }
  return { query, id: Number(n.text) };
}

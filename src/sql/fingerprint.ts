/**
 * Query fingerprints (ProxySQL's digests, pt-fingerprint): the query with comments dropped,
 * whitespace and keyword case normalized, every literal replaced by `?`, and lists of literals
 * (`IN (1, 2, 3)`, multi-row `VALUES`) collapsed, so that every run of the same statement shape has
 * the same text. Also the normalized query that keeps its literals (a cache key), and a short digest.
 */
import { type Token, tokenize } from "../protocol/sql/lexer.ts";

/** Keywords written in upper case in fingerprints and normalized queries. */
const KEYWORDS = new Set(
  (
    "add all alter analyze and as asc begin between binary by call case change character charset check collate "
    + "column commit create cross current_date current_time current_timestamp database databases default delete "
    + "desc describe distinct div do drop dual duplicate else end escape exists explain false for force from full "
    + "function global grant group handler having high_priority if ignore in index inner insert interval into is "
    + "join key kill left like limit load local lock low_priority match mod modify names natural not null offset "
    + "on optimize or order outer outfile partition prepare primary procedure read regexp rename repair replace "
    + "reset revoke right rlike rollback savepoint schema select separator session set share show sql_calc_found_rows "
    + "start status straight_join table tables temporary then to transaction trigger true truncate union unique "
    + "unlock update usage use using values variables view when where while with write xa xor "
    + "microsecond second minute hour day week month quarter year"
  ).split(" "),
);

/** True when `word` is a keyword this module writes in upper case. */
export function isKeyword(word: string): boolean {
  return KEYWORDS.has(word.toLowerCase());
}

function isLiteral(t: Token): boolean {
  return t.kind === "string" || t.kind === "number";
}

/** Whether a `-` or `+` before a number is a sign (not subtraction): after an operator, `(`, `,` or a keyword. */
function isSign(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.kind === "operator") return true;
  if (prev.kind === "punct") return prev.text === "(" || prev.text === ",";
  return prev.kind === "word" && isKeyword(prev.text) && !/^(null|true|false)$/i.test(prev.text);
}

/** Joins normalized token texts with canonical spacing. */
function join(parts: readonly string[]): string {
  let out = "";
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const prev = parts[i - 1];
    const tight = prev === undefined || p.startsWith(",") || p === ")" || p === "." || prev === "("
      || prev === "."
      || (p.startsWith("(") && /^[A-Za-z_$`]/.test(prev) && !BEFORE_PAREN_SPACE.has(prev));
    out += tight ? p : " " + p;
  }
  return out;
}

/** Keywords followed by a parenthesis that is not a call: keep the space. */
const BEFORE_PAREN_SPACE = new Set([
  "IN",
  "VALUES",
  "AS",
  "FROM",
  "JOIN",
  "ON",
  "AND",
  "OR",
  "NOT",
  "EXISTS",
  "WHERE",
]);

/** A token's text in normalized form: keywords and function names (a word before `(`) in upper case. */
function wordText(t: Token, next: Token | undefined): string {
  if (t.kind !== "word") return t.text;
  return isKeyword(t.text) || (next?.text === "(" && next.start === t.end) ? t.text.toUpperCase() : t.text;
}

/**
 * The fingerprint of a query: `SELECT * FROM t WHERE id = 1 AND name IN ('a', 'b')` gives
 * `SELECT * FROM t WHERE id = ? AND name IN (?,...)`. Identifiers keep their case; keywords are
 * upper case; a trailing `;` is dropped.
 */
export function fingerprint(sql: string): string {
  const tokens = tokenize(sql);
  const parts: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (
      (t.text === "-" || t.text === "+") && t.kind === "operator" && next?.kind === "number"
      && isSign(tokens[i - 1])
    ) {
      continue; // the sign belongs to the literal that follows
    }
    parts.push(isLiteral(t) ? "?" : wordText(t, next));
  }
  while (parts[parts.length - 1] === ";") parts.pop();
  return join(collapseLists(parts));
}

/** `( ? , ? , ? )` becomes `(?,...)` (one literal: `(?)`); repeated groups after commas become `,...`. */
function collapseLists(parts: readonly string[]): string[] {
  const grouped: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "(" && parts[i + 1] === "?") {
      let j = i + 2;
      while (parts[j] === "," && parts[j + 1] === "?") j += 2;
      if (parts[j] === ")") {
        grouped.push(j > i + 2 ? "(?,...)" : "(?)");
        i = j;
        continue;
      }
    }
    grouped.push(parts[i]);
  }
  const out: string[] = [];
  for (const p of grouped) {
    if ((p === "(?,...)" || p === "(?)") && out[out.length - 1] === ",") {
      const before = out[out.length - 2];
      if (before === p) {
        out[out.length - 1] = ",...";
        continue;
      }
      if (before === ",..." && out[out.length - 3] === p) {
        out.pop();
        continue;
      }
    }
    out.push(p);
  }
  return out;
}

/**
 * The query with comments dropped, whitespace collapsed and keywords in upper case, literals kept:
 * two texts of the same query give the same normalized text (a cache key).
 */
export function normalizeQuery(sql: string): string {
  const tokens = tokenize(sql);
  const parts = tokens.map((t, i) => wordText(t, tokens[i + 1]));
  while (parts[parts.length - 1] === ";") parts.pop();
  return join(parts);
}

/** A 16-hex-digit digest of a fingerprint (64-bit FNV-1a), short enough for metric labels. */
export function digest(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) h = ((h ^ BigInt(b)) * prime) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, "0");
}

/** The fingerprint's digest: `digest(fingerprint(sql))`. */
export function queryDigest(sql: string): string {
  return digest(fingerprint(sql));
}

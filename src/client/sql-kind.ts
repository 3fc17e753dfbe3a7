/**
 * What a statement is, as far as retrying and session hygiene need to know, read from its text
 * without a parser: is it a plain read (safe to send again after a lost connection), does it leave
 * the session as it found it, and does it change a setting the client replays on a new connection
 * (the default database, `SET NAMES`, the time zone). When unsure, the answers are the cautious ones.
 */

/** The statement with string literals, quoted identifiers and comments blanked out. */
export function skeleton(sql: string): string {
  const special = /['"`#]|--|\/\*/g;
  const n = sql.length;
  let out = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = special.exec(sql)) !== null) {
    const i = m.index;
    const c = sql[i];
    // "--" starts a comment only before whitespace (5--3 is arithmetic).
    if (c === "-" && i + 2 < n && !/\s/.test(sql[i + 2])) continue;
    out += sql.slice(last, i);
    let end: number;
    if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < n) {
        const d = sql[j];
        if (d === "\\" && c !== "`") j += 2;
        else if (d === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += c === "`" ? " x " : " '' ";
      end = j + 1;
    } else if (c === "#" || c === "-") {
      const eol = sql.indexOf("\n", i);
      out += " ";
      end = eol === -1 ? n : eol + 1;
    } else {
      // Executable comments (/*! ... */, /*M! ... */) run as SQL: keep them visible.
      const executable = sql[i + 2] === "!" || (sql[i + 2] === "M" && sql[i + 3] === "!");
      const close = sql.indexOf("*/", i + 2);
      out += executable ? " /*! " : " ";
      end = close === -1 ? n : close + 2;
    }
    last = Math.min(end, n);
    special.lastIndex = last;
  }
  return out + sql.slice(last);
}

const READ_KEYWORDS = new Set(["SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "WITH", "VALUES", "TABLE"]);
const DML_KEYWORDS = new Set(["INSERT", "UPDATE", "DELETE", "REPLACE"]);
const SIDE_EFFECT_FUNCTIONS =
  /\b(NEXTVAL|SETVAL|LASTVAL|GET_LOCK|RELEASE_LOCK|RELEASE_ALL_LOCKS|NEXT\s+VALUE\s+FOR)\b/i;

interface Shape {
  keyword: string;
  body: string;
  /** More than one statement, an executable comment, or a `:=` assignment. */
  suspicious: boolean;
}

function shape(sql: string): Shape {
  const body = skeleton(sql);
  const keyword = (/^[\s(]*([A-Za-z]+)/.exec(body)?.[1] ?? "").toUpperCase();
  const semicolon = body.indexOf(";");
  const multi = semicolon !== -1 && body.slice(semicolon + 1).trim() !== "";
  return { keyword, body, suspicious: multi || body.includes("/*!") || body.includes(":=") };
}

/**
 * A plain read: SELECT / SHOW / DESCRIBE / EXPLAIN / WITH ... SELECT, one statement, with no
 * `INTO`, no variable assignment, no executable comment, and none of the functions with effects
 * (sequences, named locks). Such a statement may be sent again after a lost connection.
 */
export function isReadOnlySql(sql: string): boolean {
  const s = shape(sql);
  if (!READ_KEYWORDS.has(s.keyword) || s.suspicious) return false;
  if (/\bINTO\b/i.test(s.body) || SIDE_EFFECT_FUNCTIONS.test(s.body)) return false;
  if (s.keyword === "WITH" && /\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(s.body)) return false;
  return true;
}

/**
 * A statement that leaves no state in the session beyond its own result: a plain read, or one
 * INSERT / UPDATE / DELETE / REPLACE without variable assignments. After anything else (SET, USE,
 * temporary tables, BEGIN, locks, several statements) a pooled session is reset before reuse.
 */
export function isSessionNeutral(sql: string): boolean {
  if (isReadOnlySql(sql)) return true;
  const s = shape(sql);
  return DML_KEYWORDS.has(s.keyword) && !s.suspicious && !SIDE_EFFECT_FUNCTIONS.test(s.body);
}

/** A session setting the client replays on a new connection, as read from a statement. */
export type TrackedSetting =
  | { readonly kind: "database"; readonly database: string }
  | { readonly kind: "names" | "time_zone"; readonly sql: string };

const USE = /^\s*USE\s+(`(?:[^`]|``)+`|[^\s;`]+)\s*;?\s*$/i;
const NAMES = /^\s*SET\s+(?:NAMES|CHARACTER\s+SET|CHARSET)\s+[^;]+;?\s*$/i;
const TIME_ZONE =
  /^\s*SET\s+(?:SESSION\s+|LOCAL\s+|@@SESSION\.|@@LOCAL\.|@@)?TIME_ZONE\s*:?=\s*('[^']*'|"[^"]*"|[\w+:-]+)\s*;?\s*$/i;

/** The setting `sql` changes, if it is one statement of the kinds the client replays. */
export function trackedSetting(sql: string): TrackedSetting | undefined {
  const use = USE.exec(sql);
  if (use) {
    const name = use[1].startsWith("`") ? use[1].slice(1, -1).replace(/``/g, "`") : use[1];
    return { kind: "database", database: name };
  }
  if (NAMES.test(sql)) return { kind: "names", sql: sql.trim().replace(/;$/, "") };
  if (TIME_ZONE.test(sql)) return { kind: "time_zone", sql: sql.trim().replace(/;$/, "") };
  return undefined;
}

/**
 * Server error numbers to symbolic names (`1045` → `"ER_ACCESS_DENIED_ERROR"`), per server flavour:
 * MySQL and MariaDB agree on most numbers below ~1700 and reuse the ranges above (and some below)
 * differently, so a name is only right for the flavour that sent the error. The names are one
 * compact string in error-codes.data.ts (generated), unpacked on the first lookup.
 *
 * Pages:
 * https://mariadb.com/docs/server/reference/error-codes/mariadb-error-code-reference
 */
import { ERROR_NAMES } from "./error-codes.data.ts";
import type { ServerFlavor } from "./errors.ts";

export type { ServerFlavor } from "./errors.ts";

let tables: { mysql: Map<number, string>; mariadb: Map<number, string> } | undefined;

/** The full name of a token's side: `ER_` unless the side starts with `~` (its own prefix). */
function fullName(side: string): string {
  return side.charCodeAt(0) === 0x7e ? side.slice(1) : `ER_${side}`;
}

/** Unpacks ERROR_NAMES (format in error-codes.data.ts) into one map per flavour. */
function unpack(): { mysql: Map<number, string>; mariadb: Map<number, string> } {
  const mysql = new Map<number, string>();
  const mariadb = new Map<number, string>();
  let errno = 0;
  for (const token of ERROR_NAMES.split(" ")) {
    if (token === "") continue;
    if (token.charCodeAt(0) === 0x2b) {
      errno += Number(token.slice(1));
      continue;
    }
    const bar = token.indexOf("|");
    if (bar < 0) {
      const name = fullName(token);
      mysql.set(errno, name);
      mariadb.set(errno, name);
    } else {
      if (bar > 0) mysql.set(errno, fullName(token.slice(0, bar)));
      if (bar < token.length - 1) mariadb.set(errno, fullName(token.slice(bar + 1)));
    }
    errno++;
  }
  return { mysql, mariadb };
}

/**
 * The symbolic name of a server error number as the given flavour defines it (e.g. 1045 →
 * `"ER_ACCESS_DENIED_ERROR"`), or undefined when that flavour has no such number.
 */
export function errorCodeName(errno: number, flavor: ServerFlavor): string | undefined {
  tables ??= unpack();
  return (flavor === "mariadb" ? tables.mariadb : tables.mysql).get(errno);
}

/**
 * Server error numbers to symbolic names (`1045` → `"ER_ACCESS_DENIED_ERROR"`), per server flavour:
 * MySQL and MariaDB agree on most numbers below ~1700 and reuse the ranges above (and some below)
 * differently, so a name is only right for the flavour that sent the error. The tables are in
 * error-codes.data.ts (generated) and are unpacked on the first lookup.
 */
import { MARIADB, MYSQL, SHARED } from "./error-codes.data.ts";
import type { ServerFlavor } from "./errors.ts";

export type { ServerFlavor } from "./errors.ts";

let tables:
  | { shared: Map<number, string>; mysql: Map<number, string>; mariadb: Map<number, string> }
  | undefined;

function unpack(lines: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  let errno = 0;
  for (const line of lines) {
    for (const token of line.split(" ")) {
      const c = token.charCodeAt(0);
      if (c >= 0x30 && c <= 0x39) errno = Number(token);
      else out.set(errno++, token);
    }
  }
  return out;
}

/**
 * The symbolic name of a server error number as the given flavour defines it (e.g. 1045 →
 * `"ER_ACCESS_DENIED_ERROR"`), or undefined when that flavour has no such number.
 */
export function errorCodeName(errno: number, flavor: ServerFlavor): string | undefined {
  tables ??= { shared: unpack(SHARED), mysql: unpack(MYSQL), mariadb: unpack(MARIADB) };
  return (flavor === "mariadb" ? tables.mariadb : tables.mysql).get(errno) ?? tables.shared.get(errno);
}

/**
 * Generates src/protocol/collations.ts: every collation id a MySQL or MariaDB server can put in a
 * column definition, with its name and character set.
 *
 * Facts come from two places:
 * - a running MariaDB server (`information_schema.collation_character_set_applicability`: every
 *   id, including the nopad and uca1400 ones);
 * - MySQL's ids that MariaDB does not have (gb18030 248-250, the utf8mb4 *_0900_* collations
 *   255-323, utf8_tolower_ci): read from mysql2's constants/charsets.js, plus the fourteen
 *   MySQL 8.0.30 additions (310-323) that mysql2 does not list.
 *
 * Usage (arguments after the script go to the `mariadb` client):
 *   node scripts/gen-collations.ts -S /tmp/valcheck.sock -uroot && dprint fmt src/protocol/collations.ts
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const clientArgs = process.argv.slice(2);

function mariadb(sql: string): string[][] {
  const out = execFileSync("mariadb", ["-B", "-N", ...clientArgs, "-e", sql], { encoding: "utf8" });
  return out.trim().split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
}

interface Entry {
  id: number;
  name: string;
  charset: string;
}

const version = mariadb("SELECT VERSION()")[0][0].replace(/-log$/, ""); // -log: binlog on
const entries = new Map<number, Entry>();
for (
  const [id, name, charset] of mariadb(
    "SELECT id, full_collation_name, character_set_name FROM information_schema.collation_character_set_applicability ORDER BY id",
  )
) {
  const n = Number(id);
  if (entries.has(n)) throw new Error(`duplicate collation id ${n}`);
  entries.set(n, { id: n, name, charset });
}
const mariadbCount = entries.size;

/** MySQL's name for a collation, in today's spelling (utf8 is utf8mb3). */
function mysqlName(constant: string): string {
  return constant.toLowerCase().replace(/^utf8_/, "utf8mb3_");
}

// mysql2 lists MySQL's collations as `exports.NAME = id;` (short charset aliases have no underscore).
const mysql2 = readFileSync(join(root, "node_modules/mysql2/lib/constants/charsets.js"), "utf8");
const mysqlIds = new Map<number, string>();
for (const m of mysql2.matchAll(/^exports\.([A-Z0-9_]+) = (\d+);/gm)) {
  const id = Number(m[2]);
  if (!m[1].includes("_") || mysqlIds.has(id)) continue;
  mysqlIds.set(id, mysqlName(m[1]));
}
// MySQL 8.0.30 added these utf8mb4 collations (ids as in MySQL's own information_schema).
const mysql8030 = [
  "nb_0900_ai_ci",
  "nb_0900_as_cs",
  "nn_0900_ai_ci",
  "nn_0900_as_cs",
  "sr_latn_0900_ai_ci",
  "sr_latn_0900_as_cs",
  "bs_0900_ai_ci",
  "bs_0900_as_cs",
  "bg_0900_ai_ci",
  "bg_0900_as_cs",
  "gl_0900_ai_ci",
  "gl_0900_as_cs",
  "mn_cyrl_0900_ai_ci",
  "mn_cyrl_0900_as_cs",
];
mysql8030.forEach((suffix, i) => mysqlIds.set(310 + i, `utf8mb4_${suffix}`));

let mysqlOnly = 0;
for (const [id, name] of mysqlIds) {
  const known = entries.get(id);
  const charset = name === "binary" ? "binary" : name.slice(0, name.indexOf("_"));
  if (known) {
    if (known.charset !== charset) {
      throw new Error(`collation ${id}: MariaDB says ${known.charset}, MySQL says ${charset}`);
    }
    continue;
  }
  entries.set(id, { id, name, charset });
  mysqlOnly++;
}

/** MariaDB's name of the NO PAD twin (id + 1024) of a collation: `_nopad` before the last part. */
function nopadName(name: string): string {
  const last = name.lastIndexOf("_");
  return `${name.slice(0, last)}_nopad${name.slice(last)}`;
}

/**
 * MariaDB's uca1400 collations are laid out by rule: a charset has a block of 256 ids; in it, the
 * id's bits 3-7 are the tailoring (0 = none, 1 = icelandic, ...) and bits 0-2 the variant
 * (4 = nopad, 2 = accent-sensitive, 1 = case-sensitive).
 */
function ucaName(charset: string, tailoring: string, variant: number): string {
  return `${charset}_uca1400_${tailoring === "" ? "" : `${tailoring}_`}${variant & 4 ? "nopad_" : ""}${
    variant & 2 ? "as" : "ai"
  }_${variant & 1 ? "cs" : "ci"}`;
}

const all = new Map(entries);

// The tailorings by number, from every uca1400 name; then the charsets whose block is complete
// (every tailoring, every variant) are written as one number, the others collation by collation.
const tailorings: (string | undefined)[] = [];
const ucaByCharset = new Map<string, Entry[]>();
for (const e of entries.values()) {
  const m = /^[a-z0-9]+_uca1400_(?:(?!nopad_)([a-z0-9]+)_)?(?:nopad_)?a[is]_c[is]$/.exec(e.name);
  if (!m || e.id < 2048) continue;
  const t = (e.id & 0xff) >> 3;
  const tailoring = m[1] ?? "";
  if (tailorings[t] !== undefined && tailorings[t] !== tailoring) {
    throw new Error(`uca1400 tailoring ${t} is both ${tailorings[t]} and ${tailoring}`);
  }
  tailorings[t] = tailoring;
  ucaByCharset.set(e.charset, [...(ucaByCharset.get(e.charset) ?? []), e]);
}
const ucaBlocks = new Map<string, number>();
for (const [charset, list] of ucaByCharset) {
  const base = list[0].id & ~0xff;
  const expected = new Map<number, string>();
  tailorings.forEach((tailoring, t) => {
    if (tailoring === undefined) return;
    for (let v = 0; v < 8; v++) expected.set(base + t * 8 + v, ucaName(charset, tailoring, v));
  });
  const complete = list.length === expected.size && list.every((e) => expected.get(e.id) === e.name);
  if (!complete) continue;
  ucaBlocks.set(charset, base);
  for (const e of list) entries.delete(e.id);
}

// The NO PAD twins that follow the rule are a "+" on their base collation.
const twins = new Set<number>();
for (const e of entries.values()) {
  const twin = entries.get(e.id + 1024);
  if (e.id < 1024 && twin && twin.charset === e.charset && twin.name === nopadName(e.name)) twins.add(e.id);
}
for (const id of twins) entries.delete(id + 1024);

// Group by charset; each collation is "id:suffix" where the name is `${charset}_${suffix}`
// (or just the charset name when the suffix is empty, as for `binary`), "+" when it has a twin.
const byCharset = new Map<string, string[]>();
for (const e of [...entries.values()].sort((a, b) => a.id - b.id)) {
  let suffix: string;
  if (e.name === e.charset) suffix = "";
  else if (e.name.startsWith(e.charset + "_")) suffix = e.name.slice(e.charset.length + 1);
  else throw new Error(`collation ${e.id} ${e.name} does not start with its charset ${e.charset}`);
  if (/[\s:+]/.test(suffix)) throw new Error(`collation ${e.id}: unexpected name ${e.name}`);
  const list = byCharset.get(e.charset) ?? [];
  list.push(`${e.id}:${suffix}${twins.has(e.id) ? "+" : ""}`);
  byCharset.set(e.charset, list);
}
for (const charset of ucaBlocks.keys()) if (!byCharset.has(charset)) byCharset.set(charset, []);

/** Splits a charset's tokens into string literals of at most ~90 characters. */
function chunks(tokens: string[]): string[] {
  const out: string[] = [];
  let line = "";
  for (const t of tokens) {
    if (line.length > 0 && line.length + 1 + t.length > 90) {
      out.push(line);
      line = t;
    } else line = line.length > 0 ? `${line} ${t}` : t;
  }
  if (line.length > 0) out.push(line);
  return out;
}

const body = [...byCharset.keys()].sort().map((charset) => {
  const parts = chunks(byCharset.get(charset)!).map((c) => JSON.stringify(c));
  return `  ${charset}: [${parts.join(", ")}],`;
}).join("\n");
const blocks = [...ucaBlocks].map(([charset, base]) => `  ${charset}: ${base},`).join("\n");
const tailoringList = Array.from(tailorings, (t) => (t === undefined ? "null" : JSON.stringify(t))).join(
  ", ",
);

const file = `/**
 * Collation ids, as in column definitions and the handshake, with their names and character sets:
 * all ${mariadbCount} collations of MariaDB ${version} plus the ${mysqlOnly} MySQL ids MariaDB lacks
 * (gb18030, utf8mb4_*_0900_*, utf8mb3_tolower_ci).
 *
 * GENERATED by scripts/gen-collations.ts: do not edit by hand.
 *
 * Pages:
 * https://mariadb.com/kb/en/character-sets-and-collations
 * https://dev.MySQL.com/doc/refman/en/charset-mysql.html
 */

/**
 * Per character set, lines of space-separated "id:suffix" tokens; the collation's name is
 * \`\${charset}_\${suffix}\` (the charset name alone when the suffix is empty). A token ending in
 * "+" also stands for its NO PAD twin: id + 1024, named with \`_nopad\` before the last part
 * (\`latin1_swedish_ci\` → \`latin1_swedish_nopad_ci\`).
 */
const COLLATIONS: Readonly<Record<string, readonly string[]>> = {
${body}
};

/**
 * MariaDB's uca1400 collations, per character set the first id of its block of 256: in it, id bits
 * 3-7 pick the tailoring in UCA1400_TAILORINGS and bits 0-2 the variant (4: nopad, 2: accent-
 * sensitive, 1: case-sensitive), e.g. 2304 + 8 + 3 = utf8mb4_uca1400_icelandic_as_cs.
 */
const UCA1400_BLOCKS: Readonly<Record<string, number>> = {
${blocks}
};

/** uca1400 tailorings by number ("" none; null a number no collation uses). */
const UCA1400_TAILORINGS: readonly (string | null)[] = [${tailoringList}];

type Collation = { readonly name: string; readonly charset: string };

let table: Map<number, Collation> | undefined;

function unpack(): Map<number, Collation> {
  const out = new Map<number, Collation>();
  for (const charset of Object.keys(COLLATIONS)) {
    for (const token of COLLATIONS[charset].join(" ").split(" ")) {
      if (token === "") continue;
      const colon = token.indexOf(":");
      const twin = token.endsWith("+");
      const suffix = token.slice(colon + 1, twin ? -1 : undefined);
      const id = Number(token.slice(0, colon));
      const name = suffix === "" ? charset : \`\${charset}_\${suffix}\`;
      out.set(id, { name, charset });
      if (twin) {
        const last = name.lastIndexOf("_");
        out.set(id + 1024, { name: \`\${name.slice(0, last)}_nopad\${name.slice(last)}\`, charset });
      }
    }
  }
  for (const charset of Object.keys(UCA1400_BLOCKS)) {
    const base = UCA1400_BLOCKS[charset];
    UCA1400_TAILORINGS.forEach((tailoring, t) => {
      if (tailoring === null) return;
      for (let v = 0; v < 8; v++) {
        const name = \`\${charset}_uca1400_\${tailoring === "" ? "" : \`\${tailoring}_\`}\${v & 4 ? "nopad_" : ""}\${
          v & 2 ? "as" : "ai"
        }_\${v & 1 ? "cs" : "ci"}\`;
        out.set(base + t * 8 + v, { name, charset });
      }
    });
  }
  return out;
}

/** The character set name of a collation id (e.g. 45 → "utf8mb4"), or undefined for an unknown id. */
export function collationCharset(id: number): string | undefined {
  table ??= unpack();
  return table.get(id)?.charset;
}

/**
 * The name of a collation id (e.g. 45 → "utf8mb4_general_ci"), in MariaDB's spelling where MySQL
 * and MariaDB differ; undefined for an unknown id.
 */
export function collationName(id: number): string | undefined {
  table ??= unpack();
  return table.get(id)?.name;
}
`;

const target = join(root, "src/protocol/collations.ts");
writeFileSync(target, file);

// The compact form must say exactly what the server and mysql2 said: read it back and compare.
const written = await import(`${pathToFileURL(target).href}?${Date.now()}`);
for (const e of all.values()) {
  if (written.collationName(e.id) !== e.name || written.collationCharset(e.id) !== e.charset) {
    throw new Error(`collation ${e.id}: wrote ${written.collationName(e.id)}, expected ${e.name}`);
  }
}
for (let id = 0; id < 65536; id++) {
  if (!all.has(id) && written.collationName(id) !== undefined) {
    throw new Error(`collation ${id}: not in the input`);
  }
}
console.log(
  `wrote src/protocol/collations.ts: ${all.size} collations (${mariadbCount} MariaDB ${version}, ${mysqlOnly} MySQL-only)`,
);

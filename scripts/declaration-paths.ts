/**
 * After `tsc --emitDeclarationOnly`: rewrites the relative `.ts` specifiers in dist/'s `.d.ts`
 * files to `.js`. tsc rewrites them in JavaScript (`rewriteRelativeImportExtensions`) but keeps
 * them in declarations, which TypeScript itself resolves but Deno's type checker (an `npm:mywire`
 * consumer) does not. Run by `npm run build`.
 *
 *   node scripts/declaration-paths.ts [dist]
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// `from "./x.ts"`, `import("../y.ts")`, `import "./z.ts"`: relative specifiers ending in .ts.
const RELATIVE_TS = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*?)\.ts(["'])/g;

/** Every `.d.ts` file below `dir`. */
function declarations(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name));
}

const dist = process.argv[2] ?? "dist";
let changed = 0;
for (const file of declarations(dist)) {
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(RELATIVE_TS, "$1$2.js$3");
  if (fixed !== text) {
    writeFileSync(file, fixed);
    changed++;
  }
}
console.log(`declaration-paths: ${changed} .d.ts files rewritten to .js specifiers`);

/**
 * The esbuild plugin that stands for package.json's `#mywire/adapters` wherever the sources import
 * src/entry/adapters.ts from another module: the build (scripts/build.ts) leaves it to the package's
 * `imports` map, resolved per runtime when users bundle or load dist/; a bundle of the sources for
 * Workers (test/unit/bundle-size.test.ts) takes what the `workerd` condition resolves it to.
 */
import type { Plugin } from "esbuild";
import { join, resolve } from "node:path";

/**
 * `"external"`: imports of adapters.ts become `#mywire/adapters`, left external; `"workerd"`: they
 * become src/entry/adapters-cloudflare.ts, bundled.
 */
export function adaptersPlugin(root: string, mode: "external" | "workerd"): Plugin {
  const adapters = join(root, "src", "entry", "adapters.ts");
  return {
    name: "mywire-adapters",
    setup(b) {
      b.onResolve({ filter: /(^|\/)adapters\.ts$/ }, (args) => {
        if (args.kind === "entry-point" || resolve(args.resolveDir, args.path) !== adapters) return undefined;
        return mode === "external"
          ? { path: "#mywire/adapters", external: true }
          : { path: join(root, "src", "entry", "adapters-cloudflare.ts") };
      });
    },
  };
}

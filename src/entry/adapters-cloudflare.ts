/**
 * Registers the Cloudflare Workers adapter only (`cloudflare:sockets`): what the Workers entry and,
 * under the `workerd`/`worker` conditions, `#mywire/adapters` bring. Effect is not registered here:
 * a Worker whose plugins return Effects imports `mywire/effect`, which registers it statically.
 */
import { cloudflareRuntime } from "../runtime/cloudflare.ts";
import { registerRuntime } from "../runtime/detect.ts";

registerRuntime("cloudflare", () => cloudflareRuntime);

/** The one module of Cloudflare Workers' runtime that mywire imports (typed in src/runtime/cloudflare.ts). */
declare module "cloudflare:sockets" {
  export const connect: unknown;
}

/**
 * mywire/prisma: a Prisma driver adapter on mywire's client,
 * `new PrismaClient({ adapter: new PrismaMywire({ host, user, password, database }) })`.
 * See docs/integrations.md.
 */
// Runtime adapters, for the connections it opens.
import "./src/entry/adapters.ts";

export { PrismaMywire, type PrismaMywireOptions } from "./src/compat/prisma/adapter.ts";
export { DriverAdapterError, type MappedError } from "./src/compat/prisma/errors.ts";

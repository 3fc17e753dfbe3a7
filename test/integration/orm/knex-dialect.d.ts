/** Types for Knex's mysql2 dialect class, which Knex ships without a declaration. */
declare module "knex/lib/dialects/mysql2/index.js" {
  import type { Knex } from "knex";
  const Client_MySQL2: typeof Knex.Client;
  export default Client_MySQL2;
}

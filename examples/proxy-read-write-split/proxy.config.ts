/**
 * `mywire proxy --config proxy.config.ts`: read/write split over a primary and a replica.
 * Writes, transactions and session-dependent reads go to the primary; plain reads go to the
 * replica while its health check finds it up and at most 10 s behind (else to the primary).
 *
 *   PRIMARY_URL=mysql://app:secret@10.0.0.1:3306 REPLICA_URL=mysql://app:secret@10.0.0.2:3306 \
 *     npx mywire proxy --config proxy.config.ts
 */
import type { ProxyOptions } from "mywire";
import { readWriteSplit } from "mywire/plugins/read-write-split.ts";

const primary = process.env.PRIMARY_URL ?? "mysql://app:secret@127.0.0.1:3306";
const replica = process.env.REPLICA_URL ?? "mysql://app:secret@127.0.0.1:3307";

const options: ProxyOptions = {
  listen: process.env.LISTEN ?? "127.0.0.1:6033",
  // the first read-write backend is where clients start; ?type=ro marks the replica
  backends: [primary, `${replica}?type=ro`],
  // the users clients log in to the proxy as (here: the same name and password as the backends')
  users: { [process.env.PROXY_USER ?? "app"]: process.env.PROXY_PASSWORD ?? "secret" },
  healthCheck: { interval: 1000, maxReplicationLag: 10 },
  plugins: [readWriteSplit()],
};

export default options;

/**
 * The server of MYWIRE_BENCH_URL, when the benchmarks are pointed at one instead of starting a
 * throwaway MariaDB: its connection settings, with `database` as the one to use.
 */
import type { ConnectionSettings } from "./drivers/types.ts";

/** The settings of MYWIRE_BENCH_URL (undefined when it is not set). */
export function benchUrlSettings(database: string): ConnectionSettings | undefined {
  const external = process.env.MYWIRE_BENCH_URL;
  if (!external) return undefined;
  const url = new URL(external);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
}

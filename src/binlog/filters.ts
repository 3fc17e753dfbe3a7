/**
 * The stream's filters: which tables are wanted (their rows are decoded only then), and which events
 * reach the consumer (by type, by table, by time).
 */
import type { BinlogEvent } from "../protocol/binlog/events.ts";
import type { ResolvedBinlogOptions } from "./options.ts";

/** Whether a table's TABLE_MAP and rows events are wanted. */
export function tableFilter(o: ResolvedBinlogOptions): (schema: string, table: string) => boolean {
  const { onlySchemas, ignoredSchemas, onlyTables, ignoredTables } = o;
  if (
    onlySchemas === undefined && onlyTables === undefined && ignoredSchemas.size === 0
    && ignoredTables.size === 0
  ) {
    return () => true;
  }
  return (schema, table) => {
    if (onlySchemas !== undefined && !onlySchemas.has(schema)) return false;
    if (ignoredSchemas.has(schema)) return false;
    const qualified = `${schema}.${table}`;
    if (onlyTables !== undefined && !onlyTables.has(table) && !onlyTables.has(qualified)) return false;
    if (ignoredTables.has(table) || ignoredTables.has(qualified)) return false;
    return true;
  };
}

/** Whether an event reaches the consumer. */
export function eventFilter(o: ResolvedBinlogOptions): (event: BinlogEvent) => boolean {
  const includeTable = tableFilter(o);
  const { onlyEvents, ignoredEvents, skipToTimestamp } = o;
  return (event) => {
    if (onlyEvents !== undefined && !onlyEvents.has(event.type)) return false;
    if (ignoredEvents.has(event.type)) return false;
    if (event.timestamp < skipToTimestamp && event.type !== "Heartbeat") return false;
    if ("table" in event && "schema" in event && !includeTable(event.schema, event.table)) return false;
    return true;
  };
}

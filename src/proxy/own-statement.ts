/**
 * A command the proxy itself runs on a backend connection (the tracking settings, the replay of a
 * client's session state, COM_INIT_DB, a translated KILL): written, its response read to the end by
 * the response grammar, text rows returned as strings (null for NULL); an ERR becomes a MysqlError.
 * Nothing of it reaches a client.
 */
import { Reader } from "../protocol/bytes.ts";
import { MysqlError } from "../protocol/errors.ts";
import { ResponseGrammar, responseShapeOf } from "../protocol/response-grammar.ts";
import { decodeErr } from "../protocol/results.ts";
import type { BackendConnection } from "./relay.ts";

/** Runs `payload` on `conn`; resolves to the text rows of its result (none for an OK). */
export async function runOwnCommand(
  conn: BackendConnection,
  payload: Uint8Array,
): Promise<(string | null)[][]> {
  await conn.writeCommand(payload);
  const grammar = new ResponseGrammar(responseShapeOf(payload[0]), conn.capabilities);
  const rows: (string | null)[][] = [];
  let error: MysqlError | undefined;
  for (;;) {
    const p = await conn.read();
    const step = grammar.push(p);
    if (step.role === "err") {
      error ??= new MysqlError({ ...decodeErr(p), flavor: conn.flavor, sql: undefined });
    } else if (step.role === "row") {
      const r = new Reader(p);
      const row: (string | null)[] = [];
      while (r.remaining > 0) {
        if (r.peek() === 0xfb) {
          r.skip(1);
          row.push(null);
        } else row.push(r.lenencString());
      }
      rows.push(row);
    } else if (step.role === "infile-request") {
      await conn.write(new Uint8Array(0));
    }
    if (step.done) break;
  }
  if (error !== undefined) throw error;
  return rows;
}

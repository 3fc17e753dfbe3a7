/**
 * COM_QUERY, encode and decode, with and without query attributes (CLIENT_QUERY_ATTRIBUTES, MySQL
 * 8.0.23+): named parameters sent beside the SQL in the binary protocol, which the server exposes
 * through `mysql_query_attribute_string()`. Without the capability the payload is the command byte and
 * the SQL; with it, a parameter block sits between them (even when it holds no parameter).
 *
 * Pure codec: bytes in, bytes or plain data out. Page:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query.html
 * https://mariadb.com/kb/en/com_query/
 *
 * Layout (sizes in bytes):
 * ```
 * 1        command                  0x03
 * -- only with CLIENT_QUERY_ATTRIBUTES:
 * lenenc   parameter_count
 * lenenc   parameter_set_count      always 1
 * -- only when parameter_count > 0:
 * (n+7)/8  null_bitmap              bit i set: parameter i is NULL
 * 1        new_params_bind_flag     always 1 for COM_QUERY
 * n * (2 + lenenc string)           type (1) + flags (1, 0x80 unsigned), then the name
 * var      values                   the binary-protocol values of the non-NULL parameters
 * -- always:
 * EOF      query                    the SQL text, to the end of the packet
 * ```
 */
import { Reader, utf8, Writer } from "../bytes.ts";
import { Capability, Command } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import { type BoundParam, readParamBlock, writeParamBlock } from "../param-block.ts";

/** A query attribute: a named parameter in the binary protocol (see `BoundParam`). */
export interface QueryAttribute extends BoundParam {
  readonly name: string;
}

/** A decoded COM_QUERY. */
export interface QueryRequest {
  readonly sql: string;
  /** The query attributes (empty when none were sent or the capability is off). */
  readonly attributes: readonly QueryAttribute[];
}

const NONE: readonly QueryAttribute[] = Object.freeze([]);

/**
 * Encodes COM_QUERY. With CLIENT_QUERY_ATTRIBUTES in `capabilities` the parameter block is written
 * (with zero parameters when `attributes` is empty, as the protocol wants); without it, attributes
 * cannot be sent and giving some is a RangeError.
 */
export function encodeQuery(
  sql: string,
  capabilities = 0,
  attributes: readonly QueryAttribute[] = [],
): Uint8Array {
  const withAttributes = (capabilities & Capability.QUERY_ATTRIBUTES) !== 0;
  if (!withAttributes) {
    if (attributes.length > 0) throw new RangeError("query attributes need CLIENT_QUERY_ATTRIBUTES");
    return new Writer(sql.length + 8).u8(Command.COM_QUERY).string(sql).finish();
  }
  const w = new Writer(sql.length + 16 + attributes.length * 16).u8(Command.COM_QUERY);
  w.lenenc(attributes.length).lenenc(1);
  if (attributes.length > 0) writeParamBlock(w, attributes, true);
  return w.string(sql).finish();
}

/**
 * Decodes COM_QUERY sent under `capabilities` (on a server's side: the capabilities both sides
 * agreed on). Throws `ProtocolError` for a payload that is not one.
 */
export function decodeQuery(payload: Uint8Array, capabilities = 0): QueryRequest {
  if (payload[0] !== Command.COM_QUERY) throw new ProtocolError("malformed", "not a COM_QUERY packet");
  if ((capabilities & Capability.QUERY_ATTRIBUTES) === 0) return { sql: utf8(payload, 1), attributes: NONE };
  const r = new Reader(payload, 1);
  const count = r.lenenc();
  const sets = r.lenenc();
  if (sets !== 1) throw new ProtocolError("malformed", `COM_QUERY with ${sets} parameter sets (expected 1)`);
  if (count > r.remaining) {
    throw new ProtocolError("malformed", `COM_QUERY with ${count} attributes in ${r.remaining} bytes`);
  }
  const attributes = count > 0
    ? readParamBlock(r, count, true, [], "COM_QUERY attributes") as QueryAttribute[]
    : [];
  return { sql: r.restString(), attributes };
}

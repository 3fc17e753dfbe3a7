/**
 * Any client command, from its payload to plain data: the one dispatch on the command byte that a
 * server (the proxy) and the plugin pipeline share. Each command's own codec lives in its family's
 * file (query.ts, utility.ts, change-user.ts, ../statements.ts, ../binlog/replication.ts); this file
 * only picks the decoder and tags its result with the command's name.
 *
 * Pure codec. Page: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase.html
 */
import {
  type BinlogDump,
  type BinlogDumpGtid,
  decodeBinlogDump,
  decodeBinlogDumpGtid,
  decodeRegisterReplica,
  type RegisterReplica,
} from "../binlog/replication.ts";
import { Command } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import type { ParamType } from "../param-block.ts";
import {
  decodeExecute,
  decodeExecuteHead,
  decodeFetch,
  decodePrepare,
  decodeSendLongData,
  decodeStatementCommand,
  type ExecuteRequest,
  type Fetch,
  type SendLongData,
} from "../statements.ts";
import { type ChangeUser, decodeChangeUser } from "./change-user.ts";
import { type CommandName, commandNameOf } from "./names.ts";
import { decodeQuery, type QueryRequest } from "./query.ts";
import {
  decodeFieldList,
  decodeInitDb,
  decodeProcessKill,
  decodeSetOption,
  type FieldList,
} from "./utility.ts";

/** A decoded client command: narrow on `type`. */
export type ClientCommand =
  | ({ readonly type: "COM_QUERY" } & QueryRequest)
  | { readonly type: "COM_STMT_PREPARE"; readonly sql: string }
  | ({ readonly type: "COM_STMT_EXECUTE" } & ExecuteRequest)
  | { readonly type: "COM_STMT_CLOSE" | "COM_STMT_RESET"; readonly statementId: number }
  | ({ readonly type: "COM_STMT_SEND_LONG_DATA" } & SendLongData)
  | ({ readonly type: "COM_STMT_FETCH" } & Fetch)
  | { readonly type: "COM_INIT_DB"; readonly schema: string }
  | ({ readonly type: "COM_FIELD_LIST" } & FieldList)
  | { readonly type: "COM_PROCESS_KILL"; readonly connectionId: number }
  | { readonly type: "COM_SET_OPTION"; readonly option: number }
  | ({ readonly type: "COM_CHANGE_USER" } & ChangeUser)
  | ({ readonly type: "COM_REGISTER_SLAVE" } & RegisterReplica)
  | ({ readonly type: "COM_BINLOG_DUMP" } & BinlogDump)
  | ({ readonly type: "COM_BINLOG_DUMP_GTID" } & BinlogDumpGtid)
  | {
    readonly type: Exclude<
      CommandName,
      | "COM_QUERY"
      | "COM_STMT_PREPARE"
      | "COM_STMT_EXECUTE"
      | "COM_STMT_CLOSE"
      | "COM_STMT_RESET"
      | "COM_STMT_SEND_LONG_DATA"
      | "COM_STMT_FETCH"
      | "COM_INIT_DB"
      | "COM_FIELD_LIST"
      | "COM_PROCESS_KILL"
      | "COM_SET_OPTION"
      | "COM_CHANGE_USER"
      | "COM_REGISTER_SLAVE"
      | "COM_BINLOG_DUMP"
      | "COM_BINLOG_DUMP_GTID"
    >;
  };

/** What decoding a command needs to know of the connection. */
export interface CommandContext {
  /** The capabilities both sides agreed on (query attributes, COM_CHANGE_USER's layout). */
  readonly capabilities: number;
  /**
   * The parameter count and the types last bound of a prepared statement (for `DIRECT_EXECUTE_ID`:
   * of the statement prepared last), or undefined when the id is unknown.
   */
  statement?(
    statementId: number,
  ):
    | {
      readonly paramCount: number;
      readonly types?: readonly ParamType[];
      /** Parameters sent with COM_STMT_SEND_LONG_DATA since the last EXECUTE. */
      readonly longData?: ReadonlySet<number>;
    }
    | undefined;
}

/**
 * Decodes a client command. Throws `ProtocolError` for a payload that is not a valid command (an
 * empty one, an unknown command byte, a truncated one, a COM_STMT_EXECUTE of an unknown statement).
 */
export function decodeClientCommand(payload: Uint8Array, context: CommandContext): ClientCommand {
  if (payload.length === 0) throw new ProtocolError("malformed", "empty command packet");
  const type = commandNameOf(payload[0]);
  switch (type) {
    case undefined:
      throw new ProtocolError("unexpected", `unknown command 0x${payload[0].toString(16).padStart(2, "0")}`);
    case "COM_QUERY":
      return { type, ...decodeQuery(payload, context.capabilities) };
    case "COM_STMT_PREPARE":
      return { type, sql: decodePrepare(payload) };
    case "COM_STMT_EXECUTE": {
      const id = decodeExecuteHead(payload).statementId;
      const known = context.statement?.(id);
      if (known === undefined) {
        throw new ProtocolError("unexpected", `COM_STMT_EXECUTE of unknown statement ${id}`);
      }
      return {
        type,
        ...decodeExecute(payload, known.paramCount, known.types ?? [], {
          capabilities: context.capabilities,
          longData: known.longData,
        }),
      };
    }
    case "COM_STMT_CLOSE":
    case "COM_STMT_RESET":
      return { type, statementId: decodeStatementCommand(payload, Command[type]) };
    case "COM_STMT_SEND_LONG_DATA":
      return { type, ...decodeSendLongData(payload) };
    case "COM_STMT_FETCH":
      return { type, ...decodeFetch(payload) };
    case "COM_INIT_DB":
      return { type, schema: decodeInitDb(payload) };
    case "COM_FIELD_LIST":
      return { type, ...decodeFieldList(payload) };
    case "COM_PROCESS_KILL":
      return { type, connectionId: decodeProcessKill(payload) };
    case "COM_SET_OPTION":
      return { type, option: decodeSetOption(payload) };
    case "COM_CHANGE_USER":
      return { type, ...decodeChangeUser(payload, context.capabilities) };
    case "COM_REGISTER_SLAVE":
      return { type, ...decodeRegisterReplica(payload) };
    case "COM_BINLOG_DUMP":
      return { type, ...decodeBinlogDump(payload) };
    case "COM_BINLOG_DUMP_GTID":
      return { type, ...decodeBinlogDumpGtid(payload) };
    default:
      return { type };
  }
}

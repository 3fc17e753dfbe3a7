/**
 * MySQL Proxy's names, for people who know them: the return codes (`PROXY_SEND_QUERY`, ...), the
 * response types (`MYSQLD_PACKET_OK`, ...), backend types and states, `COM_*` command bytes and
 * `MYSQL_TYPE_*` column types, as aliases of mywire's typed decisions and constants; and all of
 * them in one `proxy` object, as Lua scripts wrote them (`proxy.COM_QUERY`).
 */
import { ColumnType, Command } from "../protocol/constants.ts";
import {
  BACKEND_STATE_DOWN,
  BACKEND_STATE_UNKNOWN,
  BACKEND_STATE_UP,
  BACKEND_TYPE_RO,
  BACKEND_TYPE_RW,
  BACKEND_TYPE_UNKNOWN,
} from "./backends.ts";
import { PROXY_IGNORE_RESULT, PROXY_SEND_QUERY, PROXY_SEND_RESULT } from "./decisions.ts";
import { MYSQLD_PACKET_ERR, MYSQLD_PACKET_OK, MYSQLD_PACKET_RAW } from "./responses.ts";

export {
  BACKEND_STATE_DOWN,
  BACKEND_STATE_UNKNOWN,
  BACKEND_STATE_UP,
  BACKEND_TYPE_RO,
  BACKEND_TYPE_RW,
  BACKEND_TYPE_UNKNOWN,
  MYSQLD_PACKET_ERR,
  MYSQLD_PACKET_OK,
  MYSQLD_PACKET_RAW,
  PROXY_IGNORE_RESULT,
  PROXY_SEND_QUERY,
  PROXY_SEND_RESULT,
};

/** `COM_SLEEP`: command byte 0x00. */
export const COM_SLEEP = Command.COM_SLEEP;
/** `COM_QUIT`: command byte 0x01. */
export const COM_QUIT = Command.COM_QUIT;
/** `COM_INIT_DB`: command byte 0x02. */
export const COM_INIT_DB = Command.COM_INIT_DB;
/** `COM_QUERY`: command byte 0x03. */
export const COM_QUERY = Command.COM_QUERY;
/** `COM_FIELD_LIST`: command byte 0x04. */
export const COM_FIELD_LIST = Command.COM_FIELD_LIST;
/** `COM_CREATE_DB`: command byte 0x05. */
export const COM_CREATE_DB = Command.COM_CREATE_DB;
/** `COM_DROP_DB`: command byte 0x06. */
export const COM_DROP_DB = Command.COM_DROP_DB;
/** `COM_REFRESH`: command byte 0x07. */
export const COM_REFRESH = Command.COM_REFRESH;
/** `COM_SHUTDOWN`: command byte 0x08. */
export const COM_SHUTDOWN = Command.COM_SHUTDOWN;
/** `COM_STATISTICS`: command byte 0x09. */
export const COM_STATISTICS = Command.COM_STATISTICS;
/** `COM_PROCESS_INFO`: command byte 0x0a. */
export const COM_PROCESS_INFO = Command.COM_PROCESS_INFO;
/** `COM_CONNECT`: command byte 0x0b. */
export const COM_CONNECT = Command.COM_CONNECT;
/** `COM_PROCESS_KILL`: command byte 0x0c. */
export const COM_PROCESS_KILL = Command.COM_PROCESS_KILL;
/** `COM_DEBUG`: command byte 0x0d. */
export const COM_DEBUG = Command.COM_DEBUG;
/** `COM_PING`: command byte 0x0e. */
export const COM_PING = Command.COM_PING;
/** `COM_TIME`: command byte 0x0f. */
export const COM_TIME = Command.COM_TIME;
/** `COM_DELAYED_INSERT`: command byte 0x10. */
export const COM_DELAYED_INSERT = Command.COM_DELAYED_INSERT;
/** `COM_CHANGE_USER`: command byte 0x11. */
export const COM_CHANGE_USER = Command.COM_CHANGE_USER;
/** `COM_BINLOG_DUMP`: command byte 0x12. */
export const COM_BINLOG_DUMP = Command.COM_BINLOG_DUMP;
/** `COM_TABLE_DUMP`: command byte 0x13. */
export const COM_TABLE_DUMP = Command.COM_TABLE_DUMP;
/** `COM_CONNECT_OUT`: command byte 0x14. */
export const COM_CONNECT_OUT = Command.COM_CONNECT_OUT;
/** `COM_REGISTER_SLAVE`: command byte 0x15. */
export const COM_REGISTER_SLAVE = Command.COM_REGISTER_SLAVE;
/** `COM_STMT_PREPARE`: command byte 0x16. */
export const COM_STMT_PREPARE = Command.COM_STMT_PREPARE;
/** `COM_STMT_EXECUTE`: command byte 0x17. */
export const COM_STMT_EXECUTE = Command.COM_STMT_EXECUTE;
/** `COM_STMT_SEND_LONG_DATA`: command byte 0x18. */
export const COM_STMT_SEND_LONG_DATA = Command.COM_STMT_SEND_LONG_DATA;
/** `COM_STMT_CLOSE`: command byte 0x19. */
export const COM_STMT_CLOSE = Command.COM_STMT_CLOSE;
/** `COM_STMT_RESET`: command byte 0x1a. */
export const COM_STMT_RESET = Command.COM_STMT_RESET;
/** `COM_SET_OPTION`: command byte 0x1b. */
export const COM_SET_OPTION = Command.COM_SET_OPTION;
/** `COM_STMT_FETCH`: command byte 0x1c. */
export const COM_STMT_FETCH = Command.COM_STMT_FETCH;
/** `COM_DAEMON`: command byte 0x1d. */
export const COM_DAEMON = Command.COM_DAEMON;
/** `COM_BINLOG_DUMP_GTID`: command byte 0x1e. */
export const COM_BINLOG_DUMP_GTID = Command.COM_BINLOG_DUMP_GTID;
/** `COM_RESET_CONNECTION`: command byte 0x1f. */
export const COM_RESET_CONNECTION = Command.COM_RESET_CONNECTION;
/** `MYSQL_TYPE_DECIMAL`: column type 0x00. */
export const MYSQL_TYPE_DECIMAL = ColumnType.DECIMAL;
/** `MYSQL_TYPE_TINY`: column type 0x01. */
export const MYSQL_TYPE_TINY = ColumnType.TINY;
/** `MYSQL_TYPE_SHORT`: column type 0x02. */
export const MYSQL_TYPE_SHORT = ColumnType.SHORT;
/** `MYSQL_TYPE_LONG`: column type 0x03. */
export const MYSQL_TYPE_LONG = ColumnType.LONG;
/** `MYSQL_TYPE_FLOAT`: column type 0x04. */
export const MYSQL_TYPE_FLOAT = ColumnType.FLOAT;
/** `MYSQL_TYPE_DOUBLE`: column type 0x05. */
export const MYSQL_TYPE_DOUBLE = ColumnType.DOUBLE;
/** `MYSQL_TYPE_NULL`: column type 0x06. */
export const MYSQL_TYPE_NULL = ColumnType.NULL;
/** `MYSQL_TYPE_TIMESTAMP`: column type 0x07. */
export const MYSQL_TYPE_TIMESTAMP = ColumnType.TIMESTAMP;
/** `MYSQL_TYPE_LONGLONG`: column type 0x08. */
export const MYSQL_TYPE_LONGLONG = ColumnType.LONGLONG;
/** `MYSQL_TYPE_INT24`: column type 0x09. */
export const MYSQL_TYPE_INT24 = ColumnType.INT24;
/** `MYSQL_TYPE_DATE`: column type 0x0a. */
export const MYSQL_TYPE_DATE = ColumnType.DATE;
/** `MYSQL_TYPE_TIME`: column type 0x0b. */
export const MYSQL_TYPE_TIME = ColumnType.TIME;
/** `MYSQL_TYPE_DATETIME`: column type 0x0c. */
export const MYSQL_TYPE_DATETIME = ColumnType.DATETIME;
/** `MYSQL_TYPE_YEAR`: column type 0x0d. */
export const MYSQL_TYPE_YEAR = ColumnType.YEAR;
/** `MYSQL_TYPE_NEWDATE`: column type 0x0e. */
export const MYSQL_TYPE_NEWDATE = ColumnType.NEWDATE;
/** `MYSQL_TYPE_VARCHAR`: column type 0x0f. */
export const MYSQL_TYPE_VARCHAR = ColumnType.VARCHAR;
/** `MYSQL_TYPE_BIT`: column type 0x10. */
export const MYSQL_TYPE_BIT = ColumnType.BIT;
/** `MYSQL_TYPE_TIMESTAMP2`: column type 0x11. */
export const MYSQL_TYPE_TIMESTAMP2 = ColumnType.TIMESTAMP2;
/** `MYSQL_TYPE_DATETIME2`: column type 0x12. */
export const MYSQL_TYPE_DATETIME2 = ColumnType.DATETIME2;
/** `MYSQL_TYPE_TIME2`: column type 0x13. */
export const MYSQL_TYPE_TIME2 = ColumnType.TIME2;
/** `MYSQL_TYPE_TYPED_ARRAY`: column type 0x14. */
export const MYSQL_TYPE_TYPED_ARRAY = ColumnType.TYPED_ARRAY;
/** `MYSQL_TYPE_VECTOR`: column type 0xf2. */
export const MYSQL_TYPE_VECTOR = ColumnType.VECTOR;
/** `MYSQL_TYPE_INVALID`: column type 0xf3. */
export const MYSQL_TYPE_INVALID = ColumnType.INVALID;
/** `MYSQL_TYPE_BOOL`: column type 0xf4. */
export const MYSQL_TYPE_BOOL = ColumnType.BOOL;
/** `MYSQL_TYPE_JSON`: column type 0xf5. */
export const MYSQL_TYPE_JSON = ColumnType.JSON;
/** `MYSQL_TYPE_NEWDECIMAL`: column type 0xf6. */
export const MYSQL_TYPE_NEWDECIMAL = ColumnType.NEWDECIMAL;
/** `MYSQL_TYPE_ENUM`: column type 0xf7. */
export const MYSQL_TYPE_ENUM = ColumnType.ENUM;
/** `MYSQL_TYPE_SET`: column type 0xf8. */
export const MYSQL_TYPE_SET = ColumnType.SET;
/** `MYSQL_TYPE_TINY_BLOB`: column type 0xf9. */
export const MYSQL_TYPE_TINY_BLOB = ColumnType.TINY_BLOB;
/** `MYSQL_TYPE_MEDIUM_BLOB`: column type 0xfa. */
export const MYSQL_TYPE_MEDIUM_BLOB = ColumnType.MEDIUM_BLOB;
/** `MYSQL_TYPE_LONG_BLOB`: column type 0xfb. */
export const MYSQL_TYPE_LONG_BLOB = ColumnType.LONG_BLOB;
/** `MYSQL_TYPE_BLOB`: column type 0xfc. */
export const MYSQL_TYPE_BLOB = ColumnType.BLOB;
/** `MYSQL_TYPE_VAR_STRING`: column type 0xfd. */
export const MYSQL_TYPE_VAR_STRING = ColumnType.VAR_STRING;
/** `MYSQL_TYPE_STRING`: column type 0xfe. */
export const MYSQL_TYPE_STRING = ColumnType.STRING;
/** `MYSQL_TYPE_GEOMETRY`: column type 0xff. */
export const MYSQL_TYPE_GEOMETRY = ColumnType.GEOMETRY;

const commandAliases = Object.fromEntries(Object.entries(Command)) as {
  readonly [K in keyof typeof Command]: number;
};
const typeAliases = Object.fromEntries(
  Object.entries(ColumnType).map(([k, v]) => [`MYSQL_TYPE_${k}`, v]),
) as { readonly [K in keyof typeof ColumnType as `MYSQL_TYPE_${K}`]: number };

/** Every MySQL Proxy name in one object, as Lua scripts used them: `proxy.PROXY_SEND_QUERY`, `proxy.COM_QUERY`. */
export const proxy = Object.freeze({
  PROXY_SEND_QUERY,
  PROXY_SEND_RESULT,
  PROXY_IGNORE_RESULT,
  MYSQLD_PACKET_OK,
  MYSQLD_PACKET_ERR,
  MYSQLD_PACKET_RAW,
  BACKEND_STATE_UNKNOWN,
  BACKEND_STATE_UP,
  BACKEND_STATE_DOWN,
  BACKEND_TYPE_UNKNOWN,
  BACKEND_TYPE_RW,
  BACKEND_TYPE_RO,
  ...commandAliases,
  ...typeAliases,
});

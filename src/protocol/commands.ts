/**
 * Every client command's codec, from one import. One file per family under commands/: query.ts
 * (COM_QUERY with and without query attributes), utility.ts (COM_INIT_DB, COM_PING, COM_QUIT,
 * COM_STATISTICS, COM_FIELD_LIST, COM_PROCESS_KILL, COM_SET_OPTION), change-user.ts
 * (COM_CHANGE_USER, COM_RESET_CONNECTION), decode.ts (the dispatch on the command byte) and
 * names.ts (COM_* names); beside them statements.ts (COM_STMT_*) and binlog/replication.ts
 * (COM_REGISTER_SLAVE, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID). Each packet has an encoder and a
 * decoder. Re-exports only.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase.html
 */
export * from "./binlog/replication.ts";
export * from "./commands/change-user.ts";
export * from "./commands/decode.ts";
export * from "./commands/names.ts";
export * from "./commands/query.ts";
export * from "./commands/utility.ts";
export * from "./statements.ts";

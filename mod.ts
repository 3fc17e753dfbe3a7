/**
 * mywire: the MySQL and MariaDB wire protocol in pure TypeScript, for Node, Deno, Bun and
 * Cloudflare Workers. This module re-exports everything public.
 */
export { connect, Connection, type QueryParams } from "./src/client/connection.ts";
export { type ConnectionOptions, parseUrl } from "./src/client/options.ts";
export { AuthError } from "./src/protocol/auth/plugin.ts";
export {
  Capability,
  Charset,
  ColumnFlag,
  ColumnType,
  Command,
  ServerStatus,
} from "./src/protocol/constants.ts";
export { MysqlError, ProtocolError, type ServerFlavor } from "./src/protocol/errors.ts";
export { escapeId, escapeValue, formatQuery, raw } from "./src/protocol/escape.ts";
export type { ColumnDefinition } from "./src/protocol/results.ts";
export type { ValueOptions } from "./src/protocol/values.ts";
export { detectRuntime } from "./src/runtime/detect.ts";
export { ConnectionError } from "./src/runtime/socket.ts";
export type { Listener, Runtime, Socket, SocketAddress, TlsOptions } from "./src/runtime/socket.ts";
export type { SslMode, SslOptions } from "./src/session/options.ts";
export type { QueryResult } from "./src/session/result.ts";

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

// pipeline
export * from "./src/pipeline/aliases.ts";
export {
  type Backend,
  type BackendSpec,
  type BackendState,
  type BackendType,
} from "./src/pipeline/backends.ts";
export { classifyQuery, type QueryInfo, type QueryKind } from "./src/pipeline/classify.ts";
export {
  type CommandInput,
  type CommandName,
  decodeCommand,
  type ExecuteCommand,
  type FetchCommand,
  type InitDbCommand,
  type OtherCommand,
  type PrepareCommand,
  type QueryCommand,
  type QueryTextCommand,
  type SendLongDataCommand,
  type StatementCommand,
} from "./src/pipeline/command.ts";
export type { ClientSide, PluginContext, ServerSide } from "./src/pipeline/context.ts";
export {
  type AuthChanges,
  type AuthDecision,
  type AuthResultDecision,
  type ConnectServerDecision,
  type Decision,
  type Disconnect,
  disconnect,
  type GreetingChanges,
  type HandshakeDecision,
  type IgnoreResult,
  ignoreResult,
  type Proceed,
  proceed,
  type QueryDecision,
  type ResultDecision,
  type SendQuery,
  sendQuery,
  type SendResult,
  sendResult,
  type UseBackend,
  useBackend,
} from "./src/pipeline/decisions.ts";
export { type HookName, PluginError, type PluginErrorReason } from "./src/pipeline/errors.ts";
export { digest, fingerprint, normalizeQuery, queryDigest } from "./src/pipeline/fingerprint.ts";
export { PipelineSession } from "./src/pipeline/pipeline-session.ts";
export { createPipeline, Pipeline, type PipelineOptions } from "./src/pipeline/pipeline.ts";
export type {
  AnswerPlan,
  AuthPlan,
  AuthPlanInfo,
  ConnectPlan,
  HandshakePlan,
  Negotiated,
  QueryPlan,
  ResultPlan,
  SessionLink,
} from "./src/pipeline/plans.ts";
export {
  type AuthInfo,
  type AuthResult,
  definePlugin,
  type HookReturn,
  type Plugin,
  type PluginSpec,
} from "./src/pipeline/plugin.ts";
export type { Injection, InjectionId, InjectionOptions, InjectionQueue } from "./src/pipeline/queue.ts";
export {
  errorResponse,
  type ErrResponse,
  type FieldSpec,
  type OkResponse,
  okResponse,
  type RawResponse,
  rawResponse,
  type Response,
  resultSetResponse,
  type RowSpec,
} from "./src/pipeline/responses.ts";
export type { QueryResultData, ResultKind, ResultPart } from "./src/pipeline/result.ts";
export { type Token, tokenize, type TokenKind } from "./src/pipeline/tokenizer.ts";
export type { Greeting } from "./src/protocol/handshake.ts";
export type { BoundParam } from "./src/protocol/statements.ts";
// binlog
export { BinlogError, type BinlogErrorReason } from "./src/binlog/errors.ts";
export type { BinlogCheckpoint, BinlogOptions } from "./src/binlog/options.ts";
export { binlog, type BinlogStream } from "./src/binlog/stream.ts";
export { ChecksumAlgorithm } from "./src/protocol/binlog/checksum.ts";
export { BinlogDecoder, type BinlogDecoderOptions } from "./src/protocol/binlog/decoder.ts";
export { EventType, type EventTypeName, eventTypeNames } from "./src/protocol/binlog/event-types.ts";
export type * from "./src/protocol/binlog/events.ts";
export { type BinlogFileOptions, isBinlogFile, readBinlogFile } from "./src/protocol/binlog/file.ts";
export {
  addGtid,
  formatGtidSet,
  formatMariadbGtids,
  parseGtidSet,
  parseMariadbGtids,
} from "./src/protocol/binlog/gtid-set.ts";
export type { JsonDiff } from "./src/protocol/binlog/json-diff.ts";
export type { ColumnInfo, TableColumn } from "./src/protocol/binlog/table-map.ts";

// resilience
export type { RetryPolicy } from "./src/client/backoff.ts";
export type { Statement, StreamOptions } from "./src/client/connection.ts";
export { AbortError, PoolError, TimeoutError } from "./src/client/errors.ts";
export type { CommandOptions } from "./src/client/job.ts";
export type { PoolOptions } from "./src/client/pool-options.ts";
export { type AcquireOptions, createPool, Pool, type PoolStats } from "./src/client/pool.ts";
export type { ResetMethod } from "./src/client/reset.ts";
export type { IsolationLevel, TransactionOptions } from "./src/client/transaction.ts";

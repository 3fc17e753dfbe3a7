/**
 * The public API, with no runtime adapter: every entry point (`mod.ts`, `cloudflare.ts`,
 * `src/entry/*.ts`) re-exports this list and registers the adapters its runtime needs. First-party
 * plugins import from here, so that importing one never brings another runtime's adapter along.
 */
export { connect, Connection, type QueryParams } from "./client/connection.ts";
export { AuthError } from "./protocol/auth/plugin.ts";
export { Capability, Charset, ColumnFlag, ColumnType, Command, ServerStatus } from "./protocol/constants.ts";
export {
  leavesSessionUsable,
  MysqlError,
  ProtocolError,
  type ServerFlavor,
  SESSION_USABLE,
} from "./protocol/errors.ts";
export { escapeId, escapeValue, formatQuery, raw } from "./protocol/escape.ts";
export type { ColumnDefinition } from "./protocol/results.ts";
export type { ValueOptions } from "./protocol/values.ts";
export { detectRuntime, registerRuntime, type RuntimeName } from "./runtime/detect.ts";
export { ConnectionError } from "./runtime/socket.ts";
export type { Listener, Runtime, Socket, SocketAddress, TlsOptions } from "./runtime/socket.ts";
export { type ConnectionOptions, parseUrl } from "./session/connection-options.ts";
export type { SslMode, SslOptions } from "./session/options.ts";
export type { QueryResult } from "./session/result.ts";

// pipeline
export * from "./pipeline/aliases.ts";
export { type Backend, type BackendSpec, type BackendState, type BackendType } from "./pipeline/backends.ts";
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
} from "./pipeline/command.ts";
export type { ClientSide, PluginContext, ServerSide } from "./pipeline/context.ts";
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
} from "./pipeline/decisions.ts";
export { type HookName, PluginError, type PluginErrorReason } from "./pipeline/errors.ts";
export { PipelineSession } from "./pipeline/pipeline-session.ts";
export { createPipeline, Pipeline, type PipelineOptions } from "./pipeline/pipeline.ts";
export type {
  AnswerPlan,
  AuthPlan,
  AuthPlanInfo,
  ConnectPlan,
  HandshakePlan,
  Negotiated,
  QueryPlan,
  ResultPlan,
  SessionInit,
} from "./pipeline/plans.ts";
export {
  type AuthInfo,
  type AuthResult,
  definePlugin,
  type HookReturn,
  type Plugin,
  type PluginSpec,
} from "./pipeline/plugin.ts";
export type { Injection, InjectionId, InjectionOptions, InjectionQueue } from "./pipeline/queue.ts";
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
} from "./pipeline/responses.ts";
export type { QueryResultData, ResultKind, ResultPart } from "./pipeline/result.ts";
export type { Greeting } from "./protocol/handshake.ts";
export {
  lex,
  type LexKind,
  type LexOptions,
  type LexToken,
  type Token,
  tokenize,
  type TokenKind,
} from "./protocol/sql/lexer.ts";
export type { BoundParam } from "./protocol/statements.ts";
export { classifyQuery, type QueryInfo, type QueryKind } from "./sql/classify.ts";
export { digest, fingerprint, normalizeQuery, queryDigest } from "./sql/fingerprint.ts";
export { parseSet, type SetAssignment, type SetScope, type SetStatement } from "./sql/set.ts";
export { parseUse } from "./sql/use.ts";
// binlog
export { BinlogError, type BinlogErrorReason } from "./binlog/errors.ts";
export type { BinlogCheckpoint, BinlogOptions } from "./binlog/options.ts";
export { binlog, type BinlogStream } from "./binlog/stream.ts";
export { ChecksumAlgorithm } from "./protocol/binlog/checksum.ts";
export { BinlogDecoder, type BinlogDecoderOptions } from "./protocol/binlog/decoder.ts";
export { EventType, type EventTypeName, eventTypeNames } from "./protocol/binlog/event-types.ts";
export type * from "./protocol/binlog/events.ts";
export { type BinlogFileOptions, isBinlogFile, readBinlogFile } from "./protocol/binlog/file.ts";
export {
  addGtid,
  formatGtidSet,
  formatMariadbGtids,
  parseGtidSet,
  parseMariadbGtids,
} from "./protocol/binlog/gtid-set.ts";
export type { JsonDiff } from "./protocol/binlog/json-diff.ts";
export type { ColumnInfo, TableColumn } from "./protocol/binlog/table-map.ts";

// resilience
export type { Statement, StreamOptions } from "./client/connection.ts";
export { AbortError, PoolError, TimeoutError } from "./client/errors.ts";
export type { CommandOptions } from "./client/job.ts";
export type { PoolOptions } from "./client/pool-options.ts";
export { type AcquireOptions, createPool, Pool, type PoolStats } from "./client/pool.ts";
export type { QueryOptions } from "./client/query-options.ts";
export type { ResetMethod } from "./client/reset.ts";
export type { IsolationLevel, TransactionOptions } from "./client/transaction.ts";
export type { RetryPolicy } from "./session/backoff.ts";

// proxy
export type { BackendHealth, HealthCheckOptions } from "./proxy/health.ts";
export type {
  BackendCredentials,
  ProxyAuthPlugin,
  ProxyBackendSpec,
  ProxyOptions,
  ProxyUserSpec,
} from "./proxy/options.ts";
export { createProxy, type ProxyServer, type ProxyStats, RELAYED_CAPABILITIES } from "./proxy/server.ts";
export type { ServerTlsOptions } from "./runtime/socket.ts";

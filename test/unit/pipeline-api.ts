/**
 * The pipeline's public API as mod.ts exports it, imported straight from src/ so the pipeline's
 * unit tests do not load the client (test/unit/pipeline-exports.test.ts checks mod.ts itself).
 */
export * from "../../src/pipeline/aliases.ts";
export {
  type Backend,
  type BackendSpec,
  type BackendState,
  type BackendType,
} from "../../src/pipeline/backends.ts";
export { classifyQuery, type QueryInfo, type QueryKind } from "../../src/pipeline/classify.ts";
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
} from "../../src/pipeline/command.ts";
export type { ClientSide, PluginContext, ServerSide } from "../../src/pipeline/context.ts";
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
} from "../../src/pipeline/decisions.ts";
export { type HookName, PluginError, type PluginErrorReason } from "../../src/pipeline/errors.ts";
export { digest, fingerprint, normalizeQuery, queryDigest } from "../../src/pipeline/fingerprint.ts";
export { PipelineSession } from "../../src/pipeline/pipeline-session.ts";
export { createPipeline, Pipeline, type PipelineOptions } from "../../src/pipeline/pipeline.ts";
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
} from "../../src/pipeline/plans.ts";
export {
  type AuthInfo,
  type AuthResult,
  definePlugin,
  type HookReturn,
  type Plugin,
  type PluginSpec,
} from "../../src/pipeline/plugin.ts";
export type { Injection, InjectionId, InjectionOptions, InjectionQueue } from "../../src/pipeline/queue.ts";
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
} from "../../src/pipeline/responses.ts";
export type { QueryResultData, ResultKind, ResultPart } from "../../src/pipeline/result.ts";
export { type Token, tokenize, type TokenKind } from "../../src/pipeline/tokenizer.ts";
export { Capability, ColumnType, Command, ServerStatus } from "../../src/protocol/constants.ts";
export { MysqlError } from "../../src/protocol/errors.ts";
export type { Greeting } from "../../src/protocol/handshake.ts";
export type { BoundParam } from "../../src/protocol/statements.ts";

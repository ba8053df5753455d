/**
 * @trace-ts/core/llm — the language-model layer: the model contract, its errors, middleware
 * (retries, rate limits, response caches, budgets, usage and cost tracking, logging), prices,
 * token estimates and secret redaction. The names most programs use are also exported from
 * `@trace-ts/core`.
 */

export { type ToolOptions, tool } from "../bundle/tool.js";
export {
  CACHE_KEY_VERSION,
  hashNormalized,
  type NormalizedMessageExtras,
  type NormalizedRequest,
  type NormalizedV2,
  normalizeRequest,
  requestCacheKey,
} from "../llm/cache-key.js";
export { type CallAbortSource, CallSignal, sdkBackstopTimeout } from "../llm/call-signal.js";
export {
  assistantToolCallMessage,
  checkContract,
  checkToolName,
  requestNeedsV2,
  TOOL_NAME_PATTERN,
  textOfParts,
  toolFieldsProblem,
  toolResultMessage,
  userMessage,
} from "../llm/contract.js";
export {
  AuthenticationError,
  BadResponseError,
  BudgetExceededError,
  CancelledError,
  CassetteFileError,
  type CassetteMissDetails,
  CassetteMissError,
  type CassetteProblem,
  cancelledFrom,
  InvalidRequestError,
  isRetryableError,
  LLMError,
  type LLMErrorOptions,
  LLMTimeoutError,
  MissingApiKeyError,
  MissingPriceError,
  MissingProviderPackageError,
  NoDefaultLanguageModelError,
  ProviderError,
  RateLimitError,
  UnknownModelError,
} from "../llm/errors.js";
export {
  type BudgetAmount,
  type BudgetLedger,
  type BudgetLimits,
  InMemoryBudgetLedger,
  type LedgerReservation,
  type LedgerReserveResult,
  type LedgerTotals,
} from "../llm/ledger.js";
export {
  Budget,
  type BudgetOptions,
  type BudgetReservation,
  type BudgetReserveOptions,
  type BudgetState,
  enforceBudget,
} from "../llm/middleware/budget.js";
export { type ResponseCacheOptions, responseCache } from "../llm/middleware/cache.js";
export {
  type CacheStore,
  type DiskCacheOptions,
  DiskCacheStore,
  type MemoryCacheOptions,
  MemoryCacheStore,
} from "../llm/middleware/cache-store.js";
export { Cassette, type CassetteMode, type CassetteOptions } from "../llm/middleware/cassette.js";
export {
  CASSETTE_FORMAT,
  CASSETTE_VERSION,
  type CassetteEntry,
  type CassetteHeader,
} from "../llm/middleware/cassette-file.js";
export { type WithDefaultsOptions, withDefaults } from "../llm/middleware/defaults.js";
export {
  type ErrorSummary,
  type LLMErrorEvent,
  type LLMLogEvent,
  type LLMRequestEvent,
  type LLMResponseEvent,
  type LLMRetryEvent,
  type LogOptions,
  logCalls,
} from "../llm/middleware/log.js";
export {
  type RateLimiter,
  type RateLimitOptions,
  type RateLimitPermit,
  rateLimit,
  SlidingWindowLimiter,
} from "../llm/middleware/rate-limit.js";
export { backoffDelay, type RetryEvent, type RetryOptions, retry } from "../llm/middleware/retry.js";
export {
  type MeasuredUsage,
  trackUsage,
  type UsageRecord,
  type UsageTotals,
  UsageTracker,
  type UsageTrackerOptions,
} from "../llm/middleware/usage.js";
export {
  defineMiddleware,
  type LanguageModelMiddleware,
  type MiddlewareHandler,
  type NextGenerate,
  unwrapModel,
  WrappedModel,
  wrapModel,
} from "../llm/middleware/wrap.js";
export { costOf, lookupPrice, type ModelPrice, type PriceTable } from "../llm/prices.js";
export {
  callAbortError,
  connectionDetail,
  type ProviderErrorContext,
  type ProviderFailure,
  providerFailureToError,
  redactProviderText,
} from "../llm/provider-failure.js";
export {
  knownSecrets,
  type ProviderSecretSources,
  providerSecrets,
  REDACTED,
  redact,
  redactError,
  redactString,
  registerSecret,
  SECRET_ENV_VARS,
} from "../llm/redact.js";
export { type HeaderSource, parseRetryAfter } from "../llm/retry-after.js";
export {
  CHARS_PER_TOKEN,
  estimateInputTokens,
  estimateMessageTokens,
  estimateTextTokens,
  estimateToolTokens,
  IMAGE_TOKENS_BOUND,
  IMAGE_TOKENS_ESTIMATE,
  ITEM_OVERHEAD_BOUND,
  JSON_FORMAT_OVERHEAD_BOUND,
  MESSAGE_OVERHEAD_BOUND,
  REQUEST_OVERHEAD_BOUND,
  TOOLS_OVERHEAD_BOUND,
  upperBoundInputTokens,
  upperBoundMessageTokens,
  upperBoundTextTokens,
} from "../llm/tokens.js";
export type {
  ChatMessage,
  ChatRole,
  ContentPart,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  ImagePart,
  LanguageModel,
  LanguageModelSpecification,
  ResponseFormat,
  TextPart,
  TokenUsage,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from "../llm/types.js";
export {
  DEFAULT_MAX_STEPS,
  type RecordedToolCall,
  type UserPrompt,
} from "../ops/call-llm.js";
export type { LLMTool, ToolRunContext } from "../ops/llm-tools.js";
export {
  MAX_TOOL_ARGUMENTS_CHARS,
  readToolArguments,
  type ToolArgumentsReading,
} from "../ops/tool-arguments.js";

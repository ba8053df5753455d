/** Public API of the language-model layer, re-exported from `@trace-ts/core`. */

export {
  CACHE_KEY_VERSION,
  hashNormalized,
  type NormalizedRequest,
  normalizeRequest,
  requestCacheKey,
} from "./cache-key.js";
export { CALL_LLM_OP, type CallLLMOptions, callLLM } from "./call-llm.js";
export { type CallAbortSource, CallSignal, sdkBackstopTimeout } from "./call-signal.js";
export {
  AuthenticationError,
  BadResponseError,
  BudgetExceededError,
  CancelledError,
  cancelledFrom,
  InvalidRequestError,
  isRetryableError,
  LLMError,
  type LLMErrorOptions,
  LLMTimeoutError,
  MissingApiKeyError,
  MissingPriceError,
  MissingProviderPackageError,
  NoDefaultModelError,
  ProviderError,
  RateLimitError,
  UnknownModelError,
} from "./errors.js";
export {
  type BudgetAmount,
  type BudgetLedger,
  type BudgetLimits,
  exceededLimit,
  InMemoryBudgetLedger,
  type LedgerReservation,
  type LedgerReserveResult,
  type LedgerTotals,
} from "./ledger.js";
export {
  Budget,
  type BudgetOptions,
  type BudgetReservation,
  type BudgetReserveOptions,
  type BudgetState,
  enforceBudget,
} from "./middleware/budget.js";
export { type ResponseCacheOptions, responseCache } from "./middleware/cache.js";
export {
  type CacheStore,
  type DiskCacheOptions,
  DiskCacheStore,
  type MemoryCacheOptions,
  MemoryCacheStore,
} from "./middleware/cache-store.js";
export { type WithDefaultsOptions, withDefaults } from "./middleware/defaults.js";
export {
  type ErrorSummary,
  type LLMErrorEvent,
  type LLMLogEvent,
  type LLMRequestEvent,
  type LLMResponseEvent,
  type LLMRetryEvent,
  type LogOptions,
  logCalls,
  redactingEmitter,
  summarizeError,
} from "./middleware/log.js";
export { type RateLimitOptions, rateLimit, SlidingWindowLimiter } from "./middleware/rate-limit.js";
export { backoffDelay, type RetryEvent, type RetryOptions, retry } from "./middleware/retry.js";
export {
  trackUsage,
  type UsageRecord,
  type UsageTotals,
  UsageTracker,
  type UsageTrackerOptions,
} from "./middleware/usage.js";
export {
  defineMiddleware,
  type LanguageModelMiddleware,
  type MiddlewareHandler,
  type NextGenerate,
  unwrapModel,
  WrappedModel,
  wrapModel,
} from "./middleware/wrap.js";
export { costOf, lookupPrice, type ModelPrice, type PriceTable, priceLookup } from "./prices.js";
export {
  callAbortError,
  connectionDetail,
  type ProviderErrorContext,
  type ProviderFailure,
  providerFailureToError,
  redactProviderText,
} from "./provider-failure.js";
export {
  knownSecrets,
  type ProviderSecretSources,
  providerSecrets,
  REDACTED,
  redact,
  redactError,
  redactString,
  registeredSecrets,
  registerSecret,
  SECRET_ENV_VARS,
  secretRegistryVersion,
  secretsFromEnv,
} from "./redact.js";
export { type HeaderSource, parseRetryAfter } from "./retry-after.js";
export {
  CHARS_PER_TOKEN,
  estimateInputTokens,
  estimateMessageTokens,
  estimateTextTokens,
  JSON_FORMAT_OVERHEAD_BOUND,
  MESSAGE_OVERHEAD_BOUND,
  REQUEST_OVERHEAD_BOUND,
  upperBoundInputTokens,
  upperBoundTextTokens,
} from "./tokens.js";
export type {
  ChatMessage,
  ChatRole,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  ResponseFormat,
  TokenUsage,
} from "./types.js";

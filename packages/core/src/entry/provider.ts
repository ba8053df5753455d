/**
 * @trace-ts/core/provider — what a provider package needs to implement the language-model
 * contract: the request/result types, the error classes to reject with, the per-call abort and
 * timeout wiring, mapping of provider failures to errors, secret redaction, token estimates,
 * `Retry-After` parsing, and the registry types (`ProviderFactory`, `ProviderModule`).
 */

export {
  type LazyProvider,
  type ProviderEntry,
  type ProviderFactory,
  type ProviderModelOptions,
  type ProviderModule,
  providerToken,
  registerProvider,
  unregisterProvider,
} from "../di/registry.js";
export { TraceError } from "../errors/trace-error.js";
export { type CallAbortSource, CallSignal, sdkBackstopTimeout } from "../llm/call-signal.js";
export { requestNeedsV2, TOOL_NAME_PATTERN, textOfParts, toolFieldsProblem } from "../llm/contract.js";
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
  ProviderError,
  RateLimitError,
  UnknownModelError,
} from "../llm/errors.js";
export {
  callAbortError,
  connectionDetail,
  type ProviderErrorContext,
  type ProviderFailure,
  providerFailureToError,
  redactProviderText,
} from "../llm/provider-failure.js";
export { type ProviderSecretSources, providerSecrets, REDACTED, registerSecret } from "../llm/redact.js";
export { type HeaderSource, parseRetryAfter } from "../llm/retry-after.js";
export { abortable } from "../llm/sleep.js";
export { estimateInputTokens, estimateTextTokens } from "../llm/tokens.js";
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
export { formatValue } from "../problem/format-value.js";
export { type OptionKind, type OptionSchema, validateOptions } from "../util/options.js";

/**
 * @trace-ts/anthropic — Claude models for trace-ts through the official `@anthropic-ai/sdk`
 * messages API.
 */
export { type ErrorContext, toLLMError } from "./errors.js";
export {
  AnthropicMessagesModel,
  type AnthropicMessagesModelOptions,
  closeObjects,
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIMEOUT_MS,
  JSON_INSTRUCTION,
} from "./messages-model.js";
export { anthropic, modelProviders } from "./providers.js";

/**
 * @trace-ts/openai — OpenAI chat models and any OpenAI-compatible server (Ollama, vLLM, LM Studio,
 * llama.cpp server) for trace-ts, through the official `openai` SDK.
 */
export {
  DEFAULT_TIMEOUT_MS,
  JSON_MODE_INSTRUCTION,
  OpenAIChatModel,
  type OpenAIChatModelOptions,
} from "./chat-model.js";
export { type ErrorContext, toLLMError } from "./errors.js";
export { modelProviders, openai, openaiCompatible } from "./providers.js";

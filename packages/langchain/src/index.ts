/**
 * @trace-ts/langchain — LangChain.js interop: any LangChain chat model (`ChatOpenAI`,
 * `ChatAnthropic`, `ChatOllama`, …) as a trace-ts `LanguageModel` (contract v2: tools and
 * images), for `callLLM`, the middleware and the optimizers.
 */
export { langChainErrorToLLMError } from "./errors.js";
export { type MessageContext, toLangChainMessages } from "./messages.js";
export {
  type AnyLangChainChatModel,
  fromLangChain,
  type LangChainCallOptionsOf,
  LangChainChatModel,
  type LangChainModelOptions,
  toLangChainToolChoice,
} from "./model.js";
export { fromLangChainResult } from "./result.js";

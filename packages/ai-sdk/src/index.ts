/**
 * @trace-ts/ai-sdk — Vercel AI SDK interop: any AI SDK language model (specification v2 of ai 5,
 * v3 of ai 6) as a trace-ts model ({@link fromAISDK}), and a traced `generateText` that makes an
 * AI SDK-style agent optimizable.
 *
 * @packageDocumentation
 */
export {
  type AISDKErrorContext,
  aiSDKErrorToTraceError,
  SUPPORTED_AI_SDK_SPECIFICATIONS,
  type SupportedAISDKSpecification,
  UnsupportedAISDKModelError,
} from "./errors.js";
export {
  type AISDKStyleTool,
  type AISDKUserContent,
  type GenerateTextMessage,
  type GenerateTextOptions,
  type GenerateTextResult,
  type GenerateTextTool,
  type GenerateTextToolCall,
  type GenerateTextToolChoice,
  generateText,
  type ToolExecuteOptions,
  type ToolInputSchema,
} from "./generate-text.js";
export {
  type AISDKJSONValue,
  type AISDKLanguageModel,
  AISDKModel,
  type AISDKWarning,
  DEFAULT_AI_SDK_TIMEOUT_MS,
  type FromAISDKOptions,
  fromAISDK,
  isAISDKLanguageModel,
} from "./model.js";

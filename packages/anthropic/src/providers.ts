/**
 * Factory for the model registry of `@trace-ts/core` (`resolveLanguageModel("anthropic:claude-…")`,
 * `TRACE_MODEL=anthropic:…`).
 */
import type { ProviderFactory, ProviderModelOptions } from "@trace-ts/core/provider";
import { AnthropicMessagesModel, type AnthropicMessagesModelOptions } from "./messages-model.js";

/**
 * A Claude model. Reads `ANTHROPIC_API_KEY` unless `apiKey` is given.
 * @param modelId e.g. `claude-sonnet-4-6`
 * @param options key, base URL, timeout, JSON handling
 */
export function anthropic(
  modelId: string,
  options: AnthropicMessagesModelOptions = {},
): AnthropicMessagesModel {
  return new AnthropicMessagesModel(modelId, options);
}

/** The factories `resolveLanguageModel` loads from this package, by provider name. */
export const modelProviders: Readonly<Record<string, ProviderFactory>> = {
  anthropic: (modelId: string, o: ProviderModelOptions) =>
    anthropic(modelId, {
      env: o.env,
      ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
      ...(o.baseURL !== undefined ? { baseURL: o.baseURL } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    }),
};

/**
 * Factories for the model registry of `@trace-ts/core` (`resolveLanguageModel("openai:gpt-4o-mini")`,
 * `resolveLanguageModel("openai-compatible:llama3.1@http://localhost:11434/v1")`, `TRACE_MODEL`).
 */
import { UnknownModelError } from "@trace-ts/core";
import type { ProviderFactory, ProviderModelOptions } from "@trace-ts/core/provider";
import { OpenAIChatModel, type OpenAIChatModelOptions } from "./chat-model.js";

/**
 * An OpenAI chat model. Reads `OPENAI_API_KEY` unless `apiKey` is given.
 * @param modelId e.g. `gpt-4o-mini`
 * @param options key, base URL, timeout...
 */
export function openai(modelId: string, options: OpenAIChatModelOptions = {}): OpenAIChatModel {
  return new OpenAIChatModel(modelId, { provider: "openai", ...options });
}

/**
 * A model on an OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp server...). The key
 * is optional: `apiKey`, else `TRACE_API_KEY`, else `OPENAI_API_KEY`, else a placeholder.
 *
 * @param modelId the server's model name, e.g. `llama3.1`
 * @param baseURL the server's API root including `/v1`, e.g. `http://localhost:11434/v1`
 * @param options key, timeout...
 */
export function openaiCompatible(
  modelId: string,
  baseURL: string,
  options: Omit<OpenAIChatModelOptions, "baseURL"> = {},
): OpenAIChatModel {
  if (typeof baseURL !== "string" || !/^https?:\/\//.test(baseURL)) {
    throw new TypeError(
      `openaiCompatible: baseURL must be an http(s) URL such as http://localhost:11434/v1, got ${String(baseURL)}`,
    );
  }
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.TRACE_API_KEY ?? env.OPENAI_API_KEY ?? "not-needed";
  return new OpenAIChatModel(modelId, { provider: "openai-compatible", ...options, baseURL, apiKey });
}

function fromRegistry(provider: "openai" | "openai-compatible"): ProviderFactory {
  return (modelId: string, o: ProviderModelOptions) => {
    const common = {
      env: o.env,
      ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    };
    if (provider === "openai")
      return openai(modelId, { ...common, ...(o.baseURL ? { baseURL: o.baseURL } : {}) });
    if (!o.baseURL) {
      throw new UnknownModelError(
        `openai-compatible:${modelId}`,
        `openai-compatible models need the server's base URL: write openai-compatible:${modelId}@http://host:port/v1, ` +
          "or set TRACE_BASE_URL",
      );
    }
    return openaiCompatible(modelId, o.baseURL, common);
  };
}

/** The factories `resolveLanguageModel` loads from this package, by provider name. */
export const modelProviders: Readonly<Record<string, ProviderFactory>> = {
  openai: fromRegistry("openai"),
  "openai-compatible": fromRegistry("openai-compatible"),
};

/**
 * `OpenAIChatModel`: a trace-ts `LanguageModel` over the official `openai` SDK's chat-completions
 * API, for OpenAI and any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp server).
 */
import {
  BadResponseError,
  type GenerateRequest,
  type GenerateResult,
  InvalidRequestError,
  type LanguageModel,
  MissingApiKeyError,
  type TokenUsage,
} from "@trace-ts/core";
import {
  CallSignal,
  callAbortError,
  estimateInputTokens,
  estimateTextTokens,
  type FinishReason,
  formatValue,
  providerSecrets,
  redactProviderText,
  registerSecret,
  sdkBackstopTimeout,
  validateOptions,
} from "@trace-ts/core/provider";
import OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { type ErrorContext, toLLMError } from "./errors.js";
import { openAIMessages } from "./messages.js";
import { openAIToolFields, toolCallsOfMessage } from "./tools.js";

/** Default per-call timeout: 2 minutes. */
export const DEFAULT_TIMEOUT_MS = 120_000;
const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** Options of {@link OpenAIChatModel}. */
export interface OpenAIChatModelOptions {
  /**
   * API key. Default: `OPENAI_API_KEY` from the environment; required for api.openai.com,
   * optional for other servers (a placeholder is sent).
   */
  readonly apiKey?: string;
  /**
   * Base URL of the API, including `/v1` (e.g. `http://localhost:11434/v1` for Ollama,
   * `http://localhost:8000/v1` for vLLM, `http://localhost:1234/v1` for LM Studio,
   * `http://localhost:8080/v1` for llama.cpp server). Default: OpenAI's.
   */
  readonly baseURL?: string;
  /** Provider name reported by the model (default `openai`, or `openai-compatible` with a custom baseURL). */
  readonly provider?: string;
  /** OpenAI organization id. */
  readonly organization?: string;
  /** OpenAI project id. */
  readonly project?: string;
  /**
   * Per-call time limit in ms (default 120 000), covering the whole call: connecting, waiting for
   * the headers and reading the body. Exceeding it aborts the request and throws `LLMTimeoutError`.
   */
  readonly timeoutMs?: number;
  /**
   * Request field that carries `maxTokens`: `max_completion_tokens` (default when the provider is
   * `openai`; required by reasoning models) or `max_tokens` (default for other servers, which
   * often only know it).
   */
  readonly maxTokensParameter?: "max_completion_tokens" | "max_tokens";
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Environment to read `OPENAI_API_KEY` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Use this SDK client instead of creating one (its `maxRetries` should be 0: retrying is the
   * job of the `retry` middleware). `apiKey`, `baseURL`, `organization`, `project` and `headers`
   * are then ignored.
   */
  readonly client?: OpenAI;
}

const SCHEMA = {
  apiKey: "string",
  baseURL: "string",
  provider: "string",
  organization: "string",
  project: "string",
  timeoutMs: "number",
  maxTokensParameter: "string",
  headers: "object",
  env: "object",
  client: "object",
} as const;

/** Instruction appended when JSON mode is requested but no message mentions JSON (OpenAI requires it). */
export const JSON_MODE_INSTRUCTION = "Reply with a single valid JSON object and nothing else.";

/**
 * A chat model served by the OpenAI chat-completions API or an OpenAI-compatible server.
 * The SDK's own retries are off (`maxRetries: 0`); wrap the model with `retry` (or
 * `withDefaults`) for one retry policy across providers.
 *
 * @example
 * const model = withDefaults(new OpenAIChatModel("gpt-4o-mini"));
 * const local = new OpenAIChatModel("llama3.1", { baseURL: "http://localhost:11434/v1" });
 */
export class OpenAIChatModel implements LanguageModel {
  /** `v2`: understands tools (definitions, calls, results) and image parts. */
  readonly specificationVersion = "v2" as const;
  /** `openai`, `openai-compatible`, or the name given in the options. */
  readonly provider: string;
  /** The model id sent to the server. */
  readonly modelId: string;
  /** The API's base URL (credentials in it, `user:password@`, shown as `[REDACTED]@`). */
  readonly baseURL: string;
  /** Per-call time limit in ms, for the whole call (headers and body). */
  readonly timeoutMs: number;
  readonly #client: OpenAI;
  readonly #maxTokensParameter: "max_completion_tokens" | "max_tokens";
  /** Exact secrets this model was configured with, removed from its error messages. */
  readonly #secrets: readonly string[];

  /**
   * @param modelId the model, e.g. `gpt-4o-mini` or `llama3.1`
   * @param options key, base URL, timeout and client settings
   */
  constructor(modelId: string, options: OpenAIChatModelOptions = {}) {
    validateOptions("OpenAIChatModel", options, SCHEMA);
    if (typeof modelId !== "string" || modelId === "") {
      throw new TypeError("OpenAIChatModel: give a model id, e.g. new OpenAIChatModel('gpt-4o-mini')");
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new RangeError(`OpenAIChatModel: timeoutMs must be > 0, got ${timeoutMs}`);
    const mtp = options.maxTokensParameter;
    if (mtp !== undefined && mtp !== "max_completion_tokens" && mtp !== "max_tokens") {
      throw new RangeError(
        `OpenAIChatModel: maxTokensParameter must be "max_completion_tokens" or "max_tokens"`,
      );
    }
    const custom = options.client?.baseURL ?? options.baseURL;
    const isOpenAI = custom === undefined || /^https:\/\/api\.openai\.com(\/|$)/.test(custom);
    const baseURL = (custom ?? OPENAI_BASE_URL).replace(/\/+$/, "");
    this.modelId = modelId;
    this.provider = options.provider ?? (isOpenAI ? "openai" : "openai-compatible");
    this.timeoutMs = timeoutMs;
    this.#maxTokensParameter = mtp ?? (this.provider === "openai" ? "max_completion_tokens" : "max_tokens");
    const env = options.env ?? process.env;
    let apiKey = options.client ? options.client.apiKey : (options.apiKey ?? env.OPENAI_API_KEY);
    if (!apiKey && !options.client) {
      if (isOpenAI) throw new MissingApiKeyError("OPENAI_API_KEY", this.provider, modelId);
      apiKey = "not-needed"; // local servers ignore the key, but the SDK requires one
    }
    const secrets = providerSecrets({
      apiKey: apiKey === "not-needed" ? undefined : apiKey,
      headers: options.headers,
      baseURL,
    });
    for (const secret of secrets) registerSecret(secret);
    this.#secrets = secrets;
    this.baseURL = redactProviderText(baseURL, secrets);
    if (options.client) {
      this.#client = options.client;
      return;
    }
    this.#client = new OpenAI({
      apiKey,
      baseURL,
      organization: options.organization ?? null,
      project: options.project ?? null,
      maxRetries: 0,
      timeout: sdkBackstopTimeout(timeoutMs),
      ...(options.headers ? { defaultHeaders: { ...options.headers } } : {}),
    });
  }

  /**
   * Sends one chat-completions request. The call gets its own abort signal (`CallSignal`),
   * linked to `request.signal` by one listener removed when the call settles, and aborted when
   * `timeoutMs` passes, while waiting for the headers or reading the body.
   */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const body = this.buildRequestBody(request);
    const call = new CallSignal(request.signal, this.timeoutMs);
    let completion: ChatCompletion;
    try {
      completion = (await this.#client.chat.completions.create(body, {
        signal: call.signal,
        // the SDK's own timer only covers the headers; ours covers the whole call and fires first
        timeout: sdkBackstopTimeout(this.timeoutMs),
        maxRetries: 0,
      })) as ChatCompletion;
    } catch (error) {
      throw this.#mapError(error, call);
    } finally {
      call.done();
    }
    return this.parseResponse(completion, request);
  }

  /**
   * The chat-completions request body for a request (exposed for inspection and tests).
   * @param request the trace-ts request
   */
  buildRequestBody(request: GenerateRequest): ChatCompletionCreateParamsNonStreaming {
    if (!Array.isArray(request?.messages) || request.messages.length === 0) {
      throw new InvalidRequestError(`${this.provider}:${this.modelId}: the request has no messages`, {
        provider: this.provider,
        modelId: this.modelId,
      });
    }
    const refuse = (what: string): InvalidRequestError =>
      new InvalidRequestError(`${this.provider}:${this.modelId}: ${what}`, {
        provider: this.provider,
        modelId: this.modelId,
      });
    const messages: ChatCompletionMessageParam[] = openAIMessages(request.messages, refuse);
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.modelId,
      messages,
      ...openAIToolFields(request.tools, request.toolChoice, refuse),
    };
    const format = request.responseFormat;
    if (format?.type === "json") {
      body.response_format = { type: "json_object" };
      if (!request.messages.some((m) => /json/i.test(m.content))) {
        messages.push({ role: "system", content: JSON_MODE_INSTRUCTION });
      }
    } else if (format?.type === "json_schema") {
      body.response_format = {
        type: "json_schema",
        json_schema: {
          name: format.name,
          schema: { ...format.schema },
          ...(format.strict !== undefined ? { strict: format.strict } : {}),
        },
      };
    }
    if (request.maxTokens !== undefined) body[this.#maxTokensParameter] = request.maxTokens;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.seed !== undefined) body.seed = request.seed;
    return body;
  }

  /**
   * Converts a chat-completions response into a `GenerateResult` (with the function tool calls
   * of the message, if any); throws `BadResponseError` when it lacks a choice or a tool call lacks
   * its function name.
   * @param completion the response body
   * @param request the request (to estimate usage if the server reports none)
   */
  parseResponse(completion: ChatCompletion, request: GenerateRequest): GenerateResult {
    const choice = Array.isArray(completion?.choices) ? completion.choices[0] : undefined;
    if (!choice || typeof choice.message !== "object" || choice.message === null) {
      throw this.#badResponse(`the response has no choices (got ${formatValue(completion, 120)})`);
    }
    const message = choice.message;
    const refusal =
      typeof message.refusal === "string" && message.refusal !== "" ? message.refusal : undefined;
    const text = typeof message.content === "string" ? message.content : (refusal ?? "");
    const toolCalls = toolCallsOfMessage(message, (what) => this.#badResponse(what));
    let finishReason: FinishReason = refusal ? "content_filter" : mapFinishReason(choice.finish_reason);
    // some compatible servers report "stop" for an answer that calls tools
    if (toolCalls.length > 0 && finishReason === "stop") finishReason = "tool_calls";
    return {
      text,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      // without reported usage the estimate counts the tool calls the model wrote too
      usage: this.#usage(completion, request, text + toolCalls.map((c) => c.name + c.arguments).join("")),
      finishReason,
      model:
        typeof completion.model === "string" && completion.model !== "" ? completion.model : this.modelId,
      raw: completion,
    };
  }

  #badResponse(what: string): BadResponseError {
    return new BadResponseError(
      redactProviderText(`${this.provider}:${this.modelId}: ${what}`, this.#secrets),
      {
        provider: this.provider,
        modelId: this.modelId,
      },
    );
  }

  #usage(completion: ChatCompletion, request: GenerateRequest, text: string): TokenUsage {
    const u = completion.usage;
    if (!u || typeof u.prompt_tokens !== "number") {
      // some compatible servers omit usage: estimate, so budgets still work
      return { inputTokens: estimateInputTokens(request), outputTokens: estimateTextTokens(text) };
    }
    const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
    return {
      inputTokens: Math.max(0, u.prompt_tokens - cached),
      outputTokens: u.completion_tokens ?? 0,
      ...(cached > 0 ? { cacheReadTokens: cached } : {}),
    };
  }

  #mapError(error: unknown, call: CallSignal): Error {
    const ctx: ErrorContext = {
      provider: this.provider,
      modelId: this.modelId,
      baseURL: this.baseURL,
      timeoutMs: this.timeoutMs,
      secrets: this.#secrets,
    };
    // which side aborted decides: the caller (CancelledError) or our time limit (LLMTimeoutError)
    return callAbortError(call, error, ctx) ?? toLLMError(error, ctx);
  }

  /** `OpenAIChatModel(provider:modelId @ baseURL)`; never shows the key. */
  toString(): string {
    return `OpenAIChatModel(${this.provider}:${this.modelId} @ ${this.baseURL})`;
  }
}

function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "content_filter":
      return "content_filter";
    case "tool_calls":
    case "function_call":
      return "tool_calls";
    default:
      return "other";
  }
}

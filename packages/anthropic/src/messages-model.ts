/**
 * `AnthropicMessagesModel`: a trace-ts `LanguageModel` over the official `@anthropic-ai/sdk`
 * messages API.
 */
import Anthropic from "@anthropic-ai/sdk";
import type {
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  StopReason,
} from "@anthropic-ai/sdk/resources/messages/messages";
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
  type FinishReason,
  formatValue,
  providerSecrets,
  redactProviderText,
  registerSecret,
  sdkBackstopTimeout,
  validateOptions,
} from "@trace-ts/core/provider";
import { type ErrorContext, toLLMError } from "./errors.js";
import { anthropicConversation } from "./messages.js";
import { anthropicToolFields, toolCallsOfContent } from "./tools.js";

/** Default per-call timeout: 2 minutes. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** `max_tokens` sent when a request gives no `maxTokens` (the API requires one). */
export const DEFAULT_MAX_TOKENS = 4096;
const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/** System-prompt instruction added when JSON output is requested without structured outputs. */
export const JSON_INSTRUCTION =
  "Reply with a single valid JSON object and nothing else: no prose before or after it, no code fences.";

/** Options of {@link AnthropicMessagesModel}. */
export interface AnthropicMessagesModelOptions {
  /** API key. Default: `ANTHROPIC_API_KEY` from the environment (required). */
  readonly apiKey?: string;
  /** Base URL without `/v1` (default: Anthropic's). */
  readonly baseURL?: string;
  /** Provider name reported by the model (default `anthropic`). */
  readonly provider?: string;
  /**
   * Per-call time limit in ms (default 120 000), covering the whole call: connecting, waiting for
   * the headers and reading the body. Exceeding it aborts the request and throws `LLMTimeoutError`.
   */
  readonly timeoutMs?: number;
  /** `max_tokens` for requests without `maxTokens` (default 4096). */
  readonly defaultMaxTokens?: number;
  /**
   * For `json_schema` response formats, use the API's structured outputs
   * (`output_config.format`, default true; object schemas get `additionalProperties: false`,
   * which the API requires). When false, or for plain `json` (structured outputs cannot express
   * "any object"), the model is instructed to answer with JSON only and (see `jsonPrefill`) its
   * answer is prefilled with `{`; a code fence around the answer is removed.
   */
  readonly structuredOutputs?: boolean;
  /**
   * Prefill the assistant turn with `{` when JSON is requested by instruction (default true);
   * the `{` is re-attached to the returned text. Models that reject prefills (HTTP 400) are
   * retried once without it automatically, and the model instance stops prefilling.
   */
  readonly jsonPrefill?: boolean;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Environment to read `ANTHROPIC_API_KEY` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Use this SDK client instead of creating one (set its `maxRetries` to 0). */
  readonly client?: Anthropic;
}

const SCHEMA = {
  apiKey: "string",
  baseURL: "string",
  provider: "string",
  timeoutMs: "number",
  defaultMaxTokens: "integer",
  structuredOutputs: "boolean",
  jsonPrefill: "boolean",
  headers: "object",
  env: "object",
  client: "object",
} as const;

/**
 * A Claude model served by the Anthropic messages API. System messages become the `system`
 * parameter (joined in order); consecutive messages of one role are merged, as the API expects
 * alternating turns. The SDK's own retries are off; wrap the model with `retry`/`withDefaults`.
 *
 * @example
 * const model = withDefaults(new AnthropicMessagesModel("claude-sonnet-4-6"));
 */
export class AnthropicMessagesModel implements LanguageModel {
  /** `v2`: understands tools (definitions, calls, results) and image parts. */
  readonly specificationVersion = "v2" as const;
  /** `anthropic`, or the name given in the options. */
  readonly provider: string;
  /** The model id sent to the API. */
  readonly modelId: string;
  /** The API's base URL (credentials in it, `user:password@`, shown as `[REDACTED]@`). */
  readonly baseURL: string;
  /** Per-call time limit in ms, for the whole call (headers and body). */
  readonly timeoutMs: number;
  readonly #client: Anthropic;
  /** Exact secrets this model was configured with, removed from its error messages. */
  readonly #secrets: readonly string[];
  readonly #defaultMaxTokens: number;
  readonly #structured: boolean;
  readonly #prefill: boolean;
  #prefillRejected = false;

  /**
   * @param modelId the model, e.g. `claude-sonnet-4-6`
   * @param options key, base URL, timeout and JSON handling
   */
  constructor(modelId: string, options: AnthropicMessagesModelOptions = {}) {
    validateOptions("AnthropicMessagesModel", options, SCHEMA);
    if (typeof modelId !== "string" || modelId === "") {
      throw new TypeError(
        "AnthropicMessagesModel: give a model id, e.g. new AnthropicMessagesModel('claude-sonnet-4-6')",
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0))
      throw new RangeError(`AnthropicMessagesModel: timeoutMs must be > 0, got ${timeoutMs}`);
    this.modelId = modelId;
    this.provider = options.provider ?? "anthropic";
    this.timeoutMs = timeoutMs;
    this.#defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
    this.#structured = options.structuredOutputs ?? true;
    this.#prefill = options.jsonPrefill ?? true;
    const baseURL = (options.client?.baseURL ?? options.baseURL ?? ANTHROPIC_BASE_URL).replace(/\/+$/, "");
    const env = options.env ?? process.env;
    const apiKey = options.client ? options.client.apiKey : (options.apiKey ?? env.ANTHROPIC_API_KEY);
    if (!apiKey && !options.client) throw new MissingApiKeyError("ANTHROPIC_API_KEY", this.provider, modelId);
    const secrets = providerSecrets({
      apiKey,
      headers: options.headers,
      baseURL,
    });
    if (options.client?.authToken) secrets.push(options.client.authToken);
    for (const secret of secrets) registerSecret(secret);
    this.#secrets = secrets;
    this.baseURL = redactProviderText(baseURL, secrets);
    if (options.client) {
      this.#client = options.client;
      return;
    }
    this.#client = new Anthropic({
      apiKey,
      authToken: null,
      baseURL,
      maxRetries: 0,
      timeout: sdkBackstopTimeout(timeoutMs),
      ...(options.headers ? { defaultHeaders: { ...options.headers } } : {}),
    });
  }

  /**
   * Sends one messages request. When a model rejects the JSON prefill (HTTP 400 mentioning
   * prefill), the request is sent once more without it, and this model stops prefilling.
   */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    try {
      return await this.#send(request, this.#prefill && !this.#prefillRejected);
    } catch (error) {
      if (!(error instanceof InvalidRequestError) || !/prefill/i.test(error.message)) throw error;
      const { prefill } = this.buildRequest(request, true);
      if (prefill === "") throw error;
      this.#prefillRejected = true;
      return this.#send(request, false);
    }
  }

  /**
   * One HTTP call. It gets its own abort signal (`CallSignal`), linked to `request.signal` by one
   * listener removed when the call settles, and aborted when `timeoutMs` passes, while waiting for
   * the headers or reading the body.
   */
  async #send(request: GenerateRequest, allowPrefill: boolean): Promise<GenerateResult> {
    const { body, prefill } = this.buildRequest(request, allowPrefill);
    const call = new CallSignal(request.signal, this.timeoutMs);
    let message: Message;
    try {
      message = (await this.#client.messages.create(body, {
        signal: call.signal,
        // the SDK's own timer only covers the headers; ours covers the whole call and fires first
        timeout: sdkBackstopTimeout(this.timeoutMs),
        maxRetries: 0,
      })) as Message;
    } catch (error) {
      const ctx: ErrorContext = {
        provider: this.provider,
        modelId: this.modelId,
        baseURL: this.baseURL,
        timeoutMs: this.timeoutMs,
        secrets: this.#secrets,
      };
      // which side aborted decides: the caller (CancelledError) or our time limit (LLMTimeoutError)
      throw callAbortError(call, error, ctx) ?? toLLMError(error, ctx);
    } finally {
      call.done();
    }
    const result = this.parseResponse(message, prefill);
    const json = request.responseFormat !== undefined && request.responseFormat.type !== "text";
    return json && prefill === "" ? { ...result, text: stripFences(result.text) } : result;
  }

  /**
   * The messages-API request body for a request, and the text prefilled into the assistant turn
   * (to re-attach to the answer). Exposed for inspection and tests.
   * @param request the trace-ts request
   * @param allowPrefill whether JSON mode may prefill `{` into the assistant turn; defaults to the
   *   `jsonPrefill` option, turned off for good once the API has rejected a prefill
   */
  buildRequest(
    request: GenerateRequest,
    allowPrefill: boolean = this.#prefill && !this.#prefillRejected,
  ): {
    /** The messages-API request body (non-streaming), ready for `messages.create`. */
    body: MessageCreateParamsNonStreaming;
    /** The text prefilled into a trailing assistant turn (`{` in JSON mode), or `""` for none. */
    prefill: string;
  } {
    if (!Array.isArray(request?.messages) || request.messages.length === 0) {
      throw this.#invalid("the request has no messages");
    }
    const refuse = (what: string): InvalidRequestError => this.#invalid(what);
    const { system, turns } = anthropicConversation(request.messages, refuse);
    const toolFields = anthropicToolFields(request.tools, request.toolChoice, refuse);
    if (turns.length === 0) {
      throw this.#invalid(
        "the request has only system messages; the messages API needs at least one user message",
      );
    }
    const format = request.responseFormat;
    let prefill = "";
    const body: MessageCreateParamsNonStreaming = {
      model: this.modelId,
      max_tokens: request.maxTokens ?? this.#defaultMaxTokens,
      messages: [],
      ...toolFields,
    };
    if (format?.type === "json_schema" && this.#structured) {
      body.output_config = { format: { type: "json_schema", schema: closeObjects(format.schema) } };
    } else if (format?.type === "json" || format?.type === "json_schema") {
      system.push(
        format.type === "json_schema"
          ? `${JSON_INSTRUCTION}\nThe object must conform to this JSON Schema (${format.name}):\n${JSON.stringify(format.schema)}`
          : JSON_INSTRUCTION,
      );
      // a prefilled "{" would keep the model from calling a tool
      if (allowPrefill && toolFields.tools === undefined && turns.at(-1)?.role === "user") {
        prefill = "{";
        turns.push({ role: "assistant", content: prefill });
      }
    }
    body.messages = turns.map((t): MessageParam => ({ role: t.role, content: t.content }));
    if (system.length > 0) body.system = system.join("\n\n");
    // temperature and seed: the API version of @anthropic-ai/sdk 1.x has no such parameters
    return { body, prefill };
  }

  /**
   * Converts a messages-API response into a `GenerateResult` (text blocks joined; the prefill
   * re-attached; `tool_use` blocks as `toolCalls` with `input` serialized to JSON text); throws
   * `BadResponseError` for a body that is not a message.
   * @param message the response body
   * @param prefill text that was prefilled into the assistant turn
   */
  parseResponse(message: Message, prefill = ""): GenerateResult {
    if (!message || typeof message !== "object" || !Array.isArray(message.content)) {
      throw new BadResponseError(
        redactProviderText(
          `${this.provider}:${this.modelId}: the response is not a message (got ${formatValue(message, 120)})`,
          this.#secrets,
        ),
        { provider: this.provider, modelId: this.modelId },
      );
    }
    let text = "";
    for (const block of message.content) if (block.type === "text") text += block.text;
    if (prefill !== "") text = reattachPrefill(prefill, text);
    const toolCalls = toolCallsOfContent(message.content);
    return {
      text,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      usage: usageOf(message),
      finishReason: mapStopReason(message.stop_reason),
      model: typeof message.model === "string" && message.model !== "" ? message.model : this.modelId,
      raw: message,
    };
  }

  #invalid(what: string): InvalidRequestError {
    return new InvalidRequestError(`${this.provider}:${this.modelId}: ${what}`, {
      provider: this.provider,
      modelId: this.modelId,
    });
  }

  /** `AnthropicMessagesModel(provider:modelId @ baseURL)`; never shows the key. */
  toString(): string {
    return `AnthropicMessagesModel(${this.provider}:${this.modelId} @ ${this.baseURL})`;
  }
}

/**
 * Joins a prefill and the model's continuation. If the model repeated the prefill anyway (its
 * text alone parses as JSON but the joined text does not), the continuation is kept as is.
 */
function reattachPrefill(prefill: string, text: string): string {
  const joined = prefill + text;
  if (!text.trimStart().startsWith(prefill)) return joined;
  if (parses(joined)) return joined;
  return parses(text.trim()) ? text.trim() : joined;
}

/** Removes a Markdown code fence around a whole answer (```json ... ```), if present. */
function stripFences(text: string): string {
  const m = /^\s*```[A-Za-z0-9_-]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return m ? m[1]!.trim() : text;
}

/**
 * A copy of a JSON Schema where every object schema with `properties` and no
 * `additionalProperties` gets `additionalProperties: false`, which Anthropic's structured
 * outputs require.
 */
export function closeObjects(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v);
    if (out.type === "object" && out.properties !== undefined && out.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
    return out;
  };
  return walk(schema) as Record<string, unknown>;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function usageOf(message: Message): TokenUsage {
  const u = message.usage;
  const read = u?.cache_read_input_tokens ?? 0;
  const write = u?.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    ...(read > 0 ? { cacheReadTokens: read } : {}),
    ...(write > 0 ? { cacheWriteTokens: write } : {}),
  };
}

function mapStopReason(reason: StopReason | null | undefined): FinishReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "other";
  }
}

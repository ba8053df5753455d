/**
 * The language-model contract of trace-ts. Every provider (`@trace-ts/openai`,
 * `@trace-ts/anthropic`, test doubles such as `ScriptedModel`) and every middleware implements
 * {@link LanguageModel}; everything else in the library codes against it.
 *
 * The interface is versioned by {@link LanguageModel.specificationVersion} so that it can grow
 * without silently breaking third-party implementations.
 */

/** Who said a message in a chat conversation. */
export type ChatRole = "system" | "user" | "assistant";

/** One message of a chat conversation sent to a model. */
export interface ChatMessage {
  /** The speaker: `system` instructions, the `user`, or an earlier `assistant` turn. */
  readonly role: ChatRole;
  /** The plain-text content of the message. */
  readonly content: string;
}

/**
 * The shape the response text must take.
 * - `text`: free text (the default).
 * - `json`: any syntactically valid JSON object.
 * - `json_schema`: JSON that conforms to `schema` (a JSON Schema object); `name` identifies the
 *   schema to the provider and `strict` asks for strict adherence where the provider supports it.
 */
export type ResponseFormat =
  | { readonly type: "text" }
  | { readonly type: "json" }
  | {
      readonly type: "json_schema";
      readonly name: string;
      readonly schema: Readonly<Record<string, unknown>>;
      readonly strict?: boolean;
    };

/** One request to a language model. Only `messages` is required. */
export interface GenerateRequest {
  /** The conversation, in order. System messages may appear anywhere; providers place them. */
  readonly messages: readonly ChatMessage[];
  /** Requested format of the response text; free text when absent. */
  readonly responseFormat?: ResponseFormat;
  /** Upper bound on generated tokens; providers apply their own default when absent. */
  readonly maxTokens?: number;
  /** Sampling temperature; provider default when absent. */
  readonly temperature?: number;
  /** Sampling seed for providers that support reproducible sampling; ignored otherwise. */
  readonly seed?: number;
  /** Aborts the call; the model rejects with `CancelledError`. */
  readonly signal?: AbortSignal | undefined;
  /** false = bypass the response cache for this call */
  readonly cache?: boolean;
  /**
   * What the call is for, e.g. `propose`, `gradient add0 -> str0`, `update str0 (retry 1)`: set by
   * optimizers so that logs, usage records and scripted test models can tell calls apart without
   * reading the prompt. Not sent to the provider and not part of the cache key.
   */
  readonly purpose?: string;
  /**
   * Sample index of a request that is deliberately asked more than once (several candidates at a
   * temperature above 0): part of the cache key, so the response cache and the sharing of
   * identical in-flight requests keep the samples apart instead of collapsing them into one
   * answer. Not sent to the provider. Absent (the usual case) means an ordinary request.
   */
  readonly sample?: number;
}

/** Tokens consumed by one call. */
export interface TokenUsage {
  /** Prompt tokens billed at the normal input rate (excluding cache reads/writes when reported). */
  readonly inputTokens: number;
  /** Generated tokens. */
  readonly outputTokens: number;
  /** Prompt tokens served from the provider's prompt cache, when the provider reports them. */
  readonly cacheReadTokens?: number;
  /** Prompt tokens written to the provider's prompt cache, when the provider reports them. */
  readonly cacheWriteTokens?: number;
}

/**
 * Why generation ended: a natural `stop`, the `length` limit (`maxTokens`), a `content_filter`,
 * the model asked for `tool_calls`, or anything `other`.
 */
export type FinishReason = "stop" | "length" | "content_filter" | "tool_calls" | "other";

/** What a model returns for one {@link GenerateRequest}. */
export interface GenerateResult {
  /** The generated text (for JSON formats, the JSON text). */
  readonly text: string;
  /** Tokens the provider reported for the call (for cached results: the original call's usage). */
  readonly usage: TokenUsage;
  /** Why generation ended. */
  readonly finishReason: FinishReason;
  /** The model that actually answered, as reported by the provider. */
  readonly model: string;
  /** The provider's raw response body, for debugging; never contains credentials. */
  readonly raw?: unknown;
  /** true when the result was served from a response cache instead of the provider. */
  readonly cached?: boolean;
}

/**
 * A chat language model. Implementations must be safe to call concurrently, must reject with a
 * `LLMError` subclass (see `llm/errors.ts`) and must honour `request.signal`.
 */
export interface LanguageModel {
  /** Version of this interface the implementation follows. */
  readonly specificationVersion: "v1";
  /** Provider name, e.g. `openai`, `anthropic`, `openai-compatible`, `scripted`. */
  readonly provider: string;
  /** Model identifier as the provider names it, e.g. `gpt-4o-mini`. */
  readonly modelId: string;
  /** Sends one request and resolves with the model's answer. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

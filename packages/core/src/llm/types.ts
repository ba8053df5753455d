/**
 * The language-model contract of trace-ts. Every provider (`@trace-ts/openai`,
 * `@trace-ts/anthropic`, test doubles such as `ScriptedModel`) and every middleware implements
 * {@link LanguageModel}; everything else in the library codes against it.
 *
 * The interface is versioned by {@link LanguageModel.specificationVersion} so that it can grow
 * without silently breaking third-party implementations.
 */

/**
 * Who said a message in a chat conversation: `system` instructions, the `user`, an earlier
 * `assistant` turn, or (contract v2) the result of a `tool` the assistant called.
 */
export type ChatRole = "system" | "user" | "assistant" | "tool";

/** A piece of text in a message's {@link ChatMessage.parts} (contract v2). */
export interface TextPart {
  /** Discriminator. */
  readonly type: "text";
  /** The text. */
  readonly text: string;
}

/** An image in a message's {@link ChatMessage.parts} (contract v2): by URL or inline as a data URL. */
export interface ImagePart {
  /** Discriminator. */
  readonly type: "image";
  /** `https://…` (the provider fetches it) or `data:<media type>;base64,<data>` (sent inline). */
  readonly url: string;
  /** The image's media type (`image/png`, `image/jpeg`, …) when known; read from a data URL otherwise. */
  readonly mediaType?: string;
}

/** One part of a multi-part message (contract v2). */
export type ContentPart = TextPart | ImagePart;

/** A tool call the model asked for (contract v2), in a result and in the assistant message that records it. */
export interface ToolCall {
  /** The provider's id of the call; the `tool` message answering it carries the same id. */
  readonly id: string;
  /** The tool's name, as in its {@link ToolDefinition}. */
  readonly name: string;
  /** The arguments as JSON text, exactly as the model wrote them (it may be invalid JSON). */
  readonly arguments: string;
}

/**
 * One message of a chat conversation sent to a model. Contract v1 is `role` and `content`; v2 adds
 * images (`parts`), the tool calls of an assistant turn and tool results (`role: "tool"`).
 * `content` is always the message's plain text, so code that only reads text (logs, token
 * estimates, redaction) works on every message.
 */
export interface ChatMessage {
  /** The speaker. */
  readonly role: ChatRole;
  /**
   * The plain-text content. With `parts`, the text of its text parts (the parts are what is
   * sent); for a `tool` message, the tool's result.
   */
  readonly content: string;
  /** v2, user messages: the content as text and image parts, in order (see `userMessage`). */
  readonly parts?: readonly ContentPart[];
  /** v2, assistant messages: the tool calls this turn asked for (its `content` may be empty). */
  readonly toolCalls?: readonly ToolCall[];
  /** v2, `tool` messages: the id of the call this result answers. */
  readonly toolCallId?: string;
  /** v2, `tool` messages: the name of the tool that was called. */
  readonly toolName?: string;
}

/** A tool the model may call (contract v2). */
export interface ToolDefinition {
  /** Name the model calls it by (letters, digits, `_` and `-`; providers limit it to 64 characters). */
  readonly name: string;
  /** What the tool does and when to use it: the model reads this to decide. */
  readonly description: string;
  /** JSON Schema of the arguments object (`{ type: "object", properties: …, required: … }`). */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/**
 * Whether and which tool the model must call (contract v2): `auto` (its choice, the default when
 * tools are given), `none`, `required` (some tool), or one named tool.
 */
export type ToolChoice =
  | "auto"
  | "none"
  | "required"
  | {
      /** Name of the tool the model must call; one of the request's `tools`. */
      readonly tool: string;
    };

/**
 * The shape the response text must take.
 * - `text`: free text (the default).
 * - `json`: any syntactically valid JSON object.
 * - `json_schema`: JSON that conforms to `schema` (a JSON Schema object); `name` identifies the
 *   schema to the provider and `strict` asks for strict adherence where the provider supports it.
 */
export type ResponseFormat =
  | {
      /** Free text. */
      readonly type: "text";
    }
  | {
      /** Any syntactically valid JSON object. */
      readonly type: "json";
    }
  | {
      /** JSON that conforms to `schema`. */
      readonly type: "json_schema";
      /** Names the schema to the provider (OpenAI's `json_schema.name`; Anthropic cites it in the prompt). */
      readonly name: string;
      /** The JSON Schema object the response must conform to. */
      readonly schema: Readonly<Record<string, unknown>>;
      /**
       * Asks for strict adherence to the schema where the provider supports it (sent as OpenAI's
       * `strict`); ignored by providers without it. Provider default when absent.
       */
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
  /** v2: tools the model may call; a call comes back in `GenerateResult.toolCalls`. */
  readonly tools?: readonly ToolDefinition[];
  /** v2: whether and which tool the model must call (default `auto` when `tools` are given). */
  readonly toolChoice?: ToolChoice;
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
  /** The generated text (for JSON formats, the JSON text); may be empty when the model called tools. */
  readonly text: string;
  /** v2: the tool calls the model asked for (finish reason `tool_calls`), in order. */
  readonly toolCalls?: readonly ToolCall[];
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

/** The versions of the {@link LanguageModel} contract: `v1` (text) and `v2` (tools and images). */
export type LanguageModelSpecification = "v1" | "v2";

/**
 * A chat language model. Implementations must be safe to call concurrently, must reject with a
 * `LLMError` subclass (see `llm/errors.ts`) and must honour `request.signal`.
 */
export interface LanguageModel {
  /**
   * Version of this interface the implementation follows: `v1` understands text messages only;
   * `v2` also tools (definitions, calls, results) and image parts. A request that needs v2 sent
   * through middleware to a v1 model is refused with `InvalidRequestError` naming what it needs,
   * instead of being silently stripped (see `requestNeedsV2`).
   */
  readonly specificationVersion: LanguageModelSpecification;
  /** Provider name, e.g. `openai`, `anthropic`, `openai-compatible`, `scripted`. */
  readonly provider: string;
  /** Model identifier as the provider names it, e.g. `gpt-4o-mini`. */
  readonly modelId: string;
  /** Sends one request and resolves with the model's answer. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

/**
 * `fromLangChain`: any LangChain.js chat model (`ChatOpenAI`, `ChatAnthropic`, `ChatOllama`, …)
 * as a trace-ts `LanguageModel` (contract v2: tools and images), so that `callLLM`, the
 * middleware (`withDefaults`) and the optimizers can use it.
 */
import type { BaseChatModel, BaseChatModelCallOptions } from "@langchain/core/language_models/chat_models";
import type { AIMessage, AIMessageChunk, BaseMessage } from "@langchain/core/messages";
import type { Runnable } from "@langchain/core/runnables";
import type { GenerateRequest, GenerateResult, LanguageModel, ToolChoice } from "@trace-ts/core/provider";
import {
  abortable,
  CallSignal,
  callAbortError,
  InvalidRequestError,
  type ProviderErrorContext,
  providerSecrets,
  registerSecret,
} from "@trace-ts/core/provider";
import { langChainErrorToLLMError } from "./errors.js";
import { toLangChainMessages } from "./messages.js";
import { fromLangChainResult } from "./result.js";

/** A LangChain chat model of any provider, with any call options. */
export type AnyLangChainChatModel = BaseChatModel<BaseChatModelCallOptions, AIMessageChunk>;

/** The call options a LangChain chat model accepts (`ChatOpenAICallOptions` for `ChatOpenAI`, …). */
export type LangChainCallOptionsOf<M> =
  M extends BaseChatModel<infer C, infer _Output> ? C : BaseChatModelCallOptions;

/** Options of {@link fromLangChain}. */
export interface LangChainModelOptions<M extends AnyLangChainChatModel = AnyLangChainChatModel> {
  /** Provider name reported by the adapter (default: the model's `_llmType()`, e.g. `openai`). */
  readonly provider?: string;
  /** Model id reported by the adapter (default: the model's `model` or `modelName`, else the provider). */
  readonly modelId?: string;
  /**
   * Time limit of a whole call in ms (default 120 000); the call is aborted through its signal
   * and rejects with `LLMTimeoutError`. `Infinity` or 0: none.
   */
  readonly timeoutMs?: number;
  /**
   * LangChain's own retries per call (its `maxRetries` call option). Default 0: like every
   * trace-ts provider, retries are left to the `retry` middleware (`withDefaults`), so that they
   * are counted, logged and budgeted once. `null` keeps the model's own setting (`ChatOpenAI`
   * retries up to 6 times by default).
   */
  readonly maxRetries?: number | null;
  /**
   * Extra call options for a request, merged over the ones the adapter sets: the place for what
   * LangChain has no standard call option for, such as a provider's `max_tokens` or
   * `temperature` knob where it has one.
   */
  readonly callOptions?: (request: GenerateRequest) => Partial<LangChainCallOptionsOf<M>>;
}

/** The `_llmType()`s of `ChatOpenAI` and `AzureChatOpenAI`, which take `seed` and `response_format` per call. */
const OPENAI_TYPES: ReadonlySet<string> = new Set(["openai", "azure_openai"]);

/** Default time limit of a call, as for the other providers. */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * A LangChain chat model as a trace-ts {@link LanguageModel} (contract v2). Build it with
 * {@link fromLangChain}.
 */
export class LangChainChatModel<M extends AnyLangChainChatModel = AnyLangChainChatModel>
  implements LanguageModel
{
  /** Contract v2: tool definitions, tool calls and results, image parts. */
  readonly specificationVersion = "v2" as const;
  /** Provider name (the LangChain model's `_llmType()` unless given). */
  readonly provider: string;
  /** Model id (the LangChain model's `model` / `modelName` unless given). */
  readonly modelId: string;
  /** The wrapped LangChain model. */
  readonly chatModel: M;
  readonly #timeoutMs: number;
  readonly #maxRetries: number | null;
  readonly #callOptions: LangChainModelOptions<M>["callOptions"];
  readonly #context: ProviderErrorContext;
  readonly #llmType: string;

  /**
   * @param chatModel the LangChain chat model
   * @param options provider and model names, time limit, retries, extra call options
   */
  constructor(chatModel: M, options: LangChainModelOptions<M> = {}) {
    this.chatModel = chatModel;
    this.#llmType = chatModel._llmType();
    this.provider = options.provider ?? this.#llmType;
    this.modelId = options.modelId ?? modelNameOf(chatModel) ?? this.provider;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxRetries = options.maxRetries === undefined ? 0 : options.maxRetries;
    this.#callOptions = options.callOptions;
    const secrets = providerSecrets({ apiKey: apiKeyOf(chatModel) });
    for (const secret of secrets) registerSecret(secret);
    this.#context = {
      provider: this.provider,
      modelId: this.modelId,
      baseURL: baseURLOf(chatModel) ?? `the LangChain ${this.#llmType} model`,
      timeoutMs: this.#timeoutMs,
      secrets,
    };
  }

  /**
   * Sends one request through the LangChain model's `invoke` and maps its `AIMessage` back.
   * Rejects with trace-ts errors (`InvalidRequestError`, `RateLimitError`, `CancelledError`, …).
   */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const call = new CallSignal(request.signal, this.#timeoutMs);
    try {
      if (call.signal.aborted) throw call.signal.reason;
      const messages = toLangChainMessages(request.messages, this.#context);
      const runnable = this.#runnable(request);
      const options = {
        ...this.#baseCallOptions(request),
        ...this.#callOptions?.(request),
        signal: call.signal,
      };
      // LangChain passes the signal on, but a model whose _generate ignores it would keep us waiting
      const message = await abortable(
        runnable.invoke(messages, options as Partial<LangChainCallOptionsOf<M>>),
        call.signal,
        () => call.signal.reason,
      );
      return fromLangChainResult(message, this.modelId);
    } catch (error) {
      throw callAbortError(call, error, this.#context) ?? langChainErrorToLLMError(error, this.#context);
    } finally {
      call.done();
    }
  }

  /** The model itself, or the model with the request's tools bound (refused when it cannot bind tools). */
  #runnable(request: GenerateRequest): Runnable<BaseMessage[], AIMessage | AIMessageChunk> {
    const tools = request.tools ?? [];
    if (tools.length === 0) return this.chatModel;
    if (typeof this.chatModel.bindTools !== "function") {
      throw new InvalidRequestError(
        `${this.provider}:${this.modelId}: the request has tool definitions, but this LangChain model (${this.#llmType}) has no bindTools; use a chat model that supports tool calling`,
        { provider: this.provider, modelId: this.modelId },
      );
    }
    const definitions = tools.map((t) => ({
      type: "function" as const,
      function: { name: t.name, description: t.description, parameters: { ...t.parameters } },
    }));
    const choice =
      request.toolChoice === undefined ? {} : { tool_choice: toLangChainToolChoice(request.toolChoice) };
    return this.chatModel.bindTools(definitions, choice as Partial<BaseChatModelCallOptions>);
  }

  /** `maxRetries`, and for OpenAI models `seed` and `response_format`. */
  #baseCallOptions(request: GenerateRequest): Record<string, unknown> {
    const options: Record<string, unknown> = {};
    if (this.#maxRetries !== null) options.maxRetries = this.#maxRetries;
    if (!OPENAI_TYPES.has(this.#llmType)) return options;
    if (request.seed !== undefined) options.seed = request.seed;
    const format = request.responseFormat;
    if (format?.type === "json") options.response_format = { type: "json_object" };
    if (format?.type === "json_schema") {
      options.response_format = {
        type: "json_schema",
        json_schema: {
          name: format.name,
          schema: format.schema,
          ...(format.strict === undefined ? {} : { strict: format.strict }),
        },
      };
    }
    return options;
  }
}

/**
 * Wraps a LangChain.js chat model as a trace-ts `LanguageModel` (contract v2: tools and images).
 *
 * @example
 * import { ChatOpenAI } from "@langchain/openai";
 * const model = withDefaults(fromLangChain(new ChatOpenAI({ model: "gpt-4o-mini" })), { retry: {} });
 * const answer = await callLLM("Be brief.", "Why is the sky blue?", { model });
 *
 * @param chatModel any LangChain chat model (`BaseChatModel`): `ChatOpenAI`, `ChatAnthropic`, …
 * @param options provider and model names, time limit, LangChain's own retries, extra call options
 */
export function fromLangChain<M extends AnyLangChainChatModel>(
  chatModel: M,
  options: LangChainModelOptions<M> = {},
): LangChainChatModel<M> {
  return new LangChainChatModel(chatModel, options);
}

/**
 * LangChain's `tool_choice` for a trace-ts one: `auto` and `none` as they are, `required` →
 * `any` (LangChain's word for "some tool"), one named tool → its name.
 *
 * @param choice the trace-ts tool choice
 */
export function toLangChainToolChoice(choice: ToolChoice): string {
  if (typeof choice === "object") return choice.tool;
  return choice === "required" ? "any" : choice;
}

function field(model: object, name: string): unknown {
  return (model as Record<string, unknown>)[name];
}

function modelNameOf(model: object): string | undefined {
  for (const name of ["model", "modelName", "modelId"]) {
    const value = field(model, name);
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

function apiKeyOf(model: object): string | undefined {
  for (const name of ["apiKey", "openAIApiKey", "anthropicApiKey"]) {
    const value = field(model, name);
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

function baseURLOf(model: object): string | undefined {
  const config = field(model, "clientConfig") as { baseURL?: unknown } | undefined;
  if (typeof config?.baseURL === "string") return config.baseURL;
  for (const name of ["apiUrl", "baseUrl", "baseURL"]) {
    const value = field(model, name);
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

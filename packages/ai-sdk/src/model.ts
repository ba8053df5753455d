/**
 * `fromAISDK`: any Vercel AI SDK language model (specification v2 of ai 5, v3 of ai 6) as a
 * trace-ts `LanguageModel` (contract v2: tools and images), so that trace-ts middleware
 * (`withDefaults`: retry, cache, budget), `callLLM`, the optimizers and the trainer work with every
 * AI SDK provider.
 */
import type {
  LanguageModelV2,
  LanguageModelV2CallOptions,
  LanguageModelV3,
  SharedV3ProviderOptions,
} from "@ai-sdk/provider";
import {
  CallSignal,
  callAbortError,
  type GenerateRequest,
  type GenerateResult,
  type LanguageModel,
  validateOptions,
} from "@trace-ts/core/provider";
import { toCallOptions } from "./call-options.js";
import {
  type AISDKErrorContext,
  aiSDKErrorToTraceError,
  SUPPORTED_AI_SDK_SPECIFICATIONS,
  UnsupportedAISDKModelError,
} from "./errors.js";
import { fromGenerateResult } from "./result.js";

/** Default per-call time limit: 2 minutes, as the other trace-ts providers. */
export const DEFAULT_AI_SDK_TIMEOUT_MS = 120_000;

/**
 * An AI SDK language model, as far as this package needs to know: an object with
 * `specificationVersion`, `provider`, `modelId` and `doGenerate` — a `LanguageModelV2` (ai 5,
 * `@ai-sdk/provider` 2.x) or a `LanguageModelV3` (ai 6, `@ai-sdk/provider` 3.x), e.g.
 * `openai("gpt-4o-mini")` from `@ai-sdk/openai`. Declared structurally so that this package's
 * types do not depend on which `@ai-sdk/provider` is installed; the version is checked when the
 * model is adapted.
 */
export interface AISDKLanguageModel {
  /** `v2` or `v3` (others are refused with `UnsupportedAISDKModelError`). */
  readonly specificationVersion: string;
  /** The AI SDK provider id, e.g. `openai.chat`. */
  readonly provider: string;
  /** The provider's model id, e.g. `gpt-4o-mini`. */
  readonly modelId: string;
  /** Generates one response (the AI SDK calls it; so does the adapter). */
  doGenerate(options: never): PromiseLike<unknown>;
}

/** A JSON value, as AI SDK provider options carry them. */
export type AISDKJSONValue =
  | null
  | string
  | number
  | boolean
  | readonly AISDKJSONValue[]
  | { readonly [key: string]: AISDKJSONValue | undefined };

/** A warning an AI SDK model returned with a result (e.g. a setting the provider does not support). */
export interface AISDKWarning {
  /** `unsupported-setting`, `unsupported-tool`, `unsupported`, `compatibility` or `other`. */
  readonly type: string;
  /** The rest of the warning (`setting`, `feature`, `details`, `message`, … by type). */
  readonly [key: string]: unknown;
}

/** Options of {@link fromAISDK}. */
export interface FromAISDKOptions {
  /**
   * Time limit of one call in ms (default 120 000). The model gets an abort signal that fires
   * when the limit passes (`LLMTimeoutError`) or the request's signal aborts (`CancelledError`).
   */
  readonly timeoutMs?: number;
  /** Extra HTTP headers sent with every call (HTTP-based providers only). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Provider-specific options sent with every call, keyed by provider (the AI SDK's
   * `providerOptions`, e.g. `{ openai: { reasoningEffort: "low" } }`).
   */
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, AISDKJSONValue>>>>;
  /** Called with the warnings of a call, when it returned any (default: ignored). */
  readonly onWarnings?: (warnings: readonly AISDKWarning[], model: LanguageModel) => void;
  /** Secret values to remove from error messages besides the usual ones (a key not in the environment). */
  readonly secrets?: readonly string[];
}

const SCHEMA = {
  timeoutMs: "number",
  headers: "object",
  providerOptions: "object",
  onWarnings: "function",
  secrets: "object",
} as const;

/**
 * A trace-ts language model (contract v2) that calls an AI SDK model's `doGenerate`. Build it
 * with {@link fromAISDK}. It does not retry (the `retry` middleware does: wrap it with
 * `withDefaults`); `provider` and `modelId` are the AI SDK model's.
 */
export class AISDKModel implements LanguageModel {
  /** `v2`: this model understands tools and images. */
  readonly specificationVersion = "v2" as const;
  /** The AI SDK provider id, e.g. `openai.chat`. */
  readonly provider: string;
  /** The AI SDK model's id. */
  readonly modelId: string;
  /** The AI SDK specification version of the adapted model. */
  readonly aiSDKSpecificationVersion: "v2" | "v3";
  /** Time limit of one call in ms. */
  readonly timeoutMs: number;
  readonly #model: LanguageModelV2 | LanguageModelV3;
  readonly #options: FromAISDKOptions;

  /**
   * @param model the AI SDK model (v2 or v3)
   * @param options time limit, headers, provider options, warnings callback
   */
  constructor(model: AISDKLanguageModel, options: FromAISDKOptions = {}) {
    validateOptions("fromAISDK", options, SCHEMA);
    const version = checkModel(model);
    const timeoutMs = options.timeoutMs ?? DEFAULT_AI_SDK_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new RangeError(`fromAISDK: timeoutMs must be > 0, got ${timeoutMs}`);
    this.#model = model as unknown as LanguageModelV2 | LanguageModelV3;
    this.aiSDKSpecificationVersion = version;
    this.provider = model.provider;
    this.modelId = model.modelId;
    this.timeoutMs = timeoutMs;
    this.#options = options;
  }

  /** Sends one request through the AI SDK model's `doGenerate`. */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const call = new CallSignal(request.signal, this.timeoutMs);
    const ctx: AISDKErrorContext = {
      provider: this.provider,
      modelId: this.modelId,
      timeoutMs: this.timeoutMs,
      ...(this.#options.secrets !== undefined ? { secrets: this.#options.secrets } : {}),
    };
    try {
      const options = toCallOptions(request, {
        provider: this.provider,
        modelId: this.modelId,
        abortSignal: call.signal,
        headers: this.#options.headers,
        providerOptions: this.#options.providerOptions as SharedV3ProviderOptions | undefined,
      });
      const result =
        this.#model.specificationVersion === "v3"
          ? await this.#model.doGenerate(options)
          : await this.#model.doGenerate(options as LanguageModelV2CallOptions);
      const warnings = (result as { warnings?: unknown }).warnings;
      if (this.#options.onWarnings !== undefined && Array.isArray(warnings) && warnings.length > 0) {
        this.#options.onWarnings(warnings as AISDKWarning[], this);
      }
      return fromGenerateResult(result, request, this);
    } catch (error) {
      throw (
        callAbortError(call, error, { ...ctx, baseURL: "the provider's API" }) ??
        aiSDKErrorToTraceError(error, ctx)
      );
    } finally {
      call.done();
    }
  }

  /** `AISDKModel(provider:modelId, AI SDK v3)`. */
  toString(): string {
    return `AISDKModel(${this.provider}:${this.modelId}, AI SDK ${this.aiSDKSpecificationVersion})`;
  }
}

/**
 * Adapts an AI SDK language model (specification v2 of ai 5 or v3 of ai 6) to trace-ts. The
 * result is a trace-ts `LanguageModel` implementing contract v2 (tools and images): wrap it with
 * `withDefaults` for retries, a cache and a budget, and hand it to `callLLM`, an optimizer or the
 * trainer. Refuses a model id string, a non-model and other specification versions with
 * `UnsupportedAISDKModelError`.
 *
 * @example
 * import { openai } from "@ai-sdk/openai";
 * const model = withDefaults(fromAISDK(openai("gpt-4o-mini")), { cache: true });
 *
 * @param model the AI SDK model
 * @param options time limit, headers, provider options, warnings callback
 */
export function fromAISDK(model: AISDKLanguageModel, options: FromAISDKOptions = {}): AISDKModel {
  return new AISDKModel(model, options);
}

/** True when `value` looks like an AI SDK language model (of any specification version). */
export function isAISDKLanguageModel(value: unknown): value is AISDKLanguageModel {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Partial<Record<keyof AISDKLanguageModel, unknown>>;
  return (
    typeof m.specificationVersion === "string" &&
    typeof m.provider === "string" &&
    typeof m.modelId === "string" &&
    typeof m.doGenerate === "function"
  );
}

function checkModel(model: unknown): "v2" | "v3" {
  const supported = SUPPORTED_AI_SDK_SPECIFICATIONS.join(" and ");
  if (typeof model === "string") {
    throw new UnsupportedAISDKModelError(
      `fromAISDK: got the model id ${JSON.stringify(model)}; pass a model object instead, e.g. openai("gpt-4o-mini") from @ai-sdk/openai`,
    );
  }
  if (!isAISDKLanguageModel(model)) {
    throw new UnsupportedAISDKModelError(
      "fromAISDK: expected an AI SDK language model (an object with specificationVersion, provider, modelId and doGenerate)",
    );
  }
  const version = model.specificationVersion;
  if (version === "v2" || version === "v3") return version;
  throw new UnsupportedAISDKModelError(
    `fromAISDK: ${model.provider}:${model.modelId} implements the AI SDK language-model specification ${version}; ` +
      `@trace-ts/ai-sdk supports ${supported} (ai 5 with @ai-sdk/provider 2.x, ai 6 with @ai-sdk/provider 3.x)`,
    version,
  );
}

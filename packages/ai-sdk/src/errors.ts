/**
 * Errors of `@trace-ts/ai-sdk`, and the mapping of what an AI SDK model throws to trace-ts's typed
 * `LLMError`s. The HTTP part (status → error class, retry hints, redaction of secrets) is core's
 * `providerFailureToError`; this module only classifies the AI SDK's error classes, which it
 * recognises by their markers (`APICallError.isInstance`), so errors from another copy of
 * `@ai-sdk/provider` (2.x or 3.x) are recognised too.
 */
import {
  APICallError,
  EmptyResponseBodyError,
  InvalidArgumentError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  NoContentGeneratedError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from "@ai-sdk/provider";
import {
  BadResponseError,
  InvalidRequestError,
  MissingApiKeyError,
  type ProviderErrorContext,
  type ProviderFailure,
  providerFailureToError,
  redactProviderText,
  TraceError,
} from "@trace-ts/core/provider";

/** The AI SDK language-model specification versions this package adapts. */
export const SUPPORTED_AI_SDK_SPECIFICATIONS = ["v2", "v3"] as const;

/** One of {@link SUPPORTED_AI_SDK_SPECIFICATIONS}. */
export type SupportedAISDKSpecification = (typeof SUPPORTED_AI_SDK_SPECIFICATIONS)[number];

/**
 * The object given as an AI SDK model is not one this package can adapt: a model id string (which
 * the AI SDK resolves through its global provider), something that is not a language model, or a
 * model of an unsupported specification version (`v1` of ai 4, `v4` of ai 7). Code
 * `AI_SDK_UNSUPPORTED_MODEL`.
 */
export class UnsupportedAISDKModelError extends TraceError {
  /** The model's `specificationVersion`, when it had one. */
  readonly specificationVersion: string | undefined;

  /**
   * @param message what is wrong and what to do
   * @param specificationVersion the version the model declared, when it declared one
   */
  constructor(message: string, specificationVersion?: string) {
    super("AI_SDK_UNSUPPORTED_MODEL", message);
    this.specificationVersion = specificationVersion;
  }
}

/** Who made the failing call: the context of core's error mapping, without the base URL. */
export type AISDKErrorContext = Omit<ProviderErrorContext, "baseURL">;

/**
 * Converts anything an AI SDK model's `doGenerate` threw into a trace-ts error: `APICallError` by
 * status (401/403 → `AuthenticationError`, 429 → `RateLimitError` with the retry hint,
 * 400/404/413/422 → `InvalidRequestError`, 5xx → `ProviderError`; no status → a connection
 * `ProviderError`), an abort → `CancelledError`, a prompt or setting the provider cannot take →
 * `InvalidRequestError`, a body it could not read → `BadResponseError`, a missing API key →
 * `MissingApiKeyError`, anything else → a non-retryable `ProviderError` with the error as cause.
 * trace-ts errors pass through.
 *
 * @param error what the model threw
 * @param ctx provider, model, timeout and secrets for the message
 */
export function aiSDKErrorToTraceError(error: unknown, ctx: AISDKErrorContext): TraceError {
  if (error instanceof TraceError) return error;
  const where = `${ctx.provider}:${ctx.modelId}`;
  const base = { provider: ctx.provider, modelId: ctx.modelId };
  const clean = (text: string): string => redactProviderText(text, ctx.secrets);
  if (LoadAPIKeyError.isInstance(error)) {
    const envVar = /\b([A-Z][A-Z0-9_]*_API_KEY)\b/.exec(error.message)?.[1];
    if (envVar !== undefined) return new MissingApiKeyError(envVar, ctx.provider, ctx.modelId);
  }
  if (
    InvalidPromptError.isInstance(error) ||
    UnsupportedFunctionalityError.isInstance(error) ||
    InvalidArgumentError.isInstance(error)
  ) {
    return new InvalidRequestError(clean(`${where}: the model cannot take this request: ${error.message}`), {
      ...base,
      cause: error,
    });
  }
  if (
    JSONParseError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error)
  ) {
    return new BadResponseError(clean(`${where}: could not read the response: ${error.message}`), {
      ...base,
      cause: error,
    });
  }
  const baseURL = APICallError.isInstance(error) ? originOf(error.url) : "the provider's API";
  return providerFailureToError(classify(error), { ...ctx, baseURL });
}

function classify(error: unknown): ProviderFailure {
  if (isAbort(error)) return { kind: "aborted", error };
  // fetch's own failure, when the provider did not wrap it (it checks `instanceof TypeError`, which
  // fails for an error of another realm, e.g. under jest)
  if (isFetchFailure(error)) return { kind: "connection", error, detail: connectionCause(error) };
  if (!APICallError.isInstance(error)) return { kind: "other", error };
  if (error.statusCode === undefined) return { kind: "connection", error, detail: connectionCause(error) };
  const code = errorCode(error.data);
  return {
    kind: "http",
    error,
    status: error.statusCode,
    headers: error.responseHeaders,
    message: error.message,
    ...(code !== undefined ? { code } : {}),
  };
}

/** The provider's machine-readable error code in a parsed error body (`{ error: { code } }`). */
function errorCode(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const inner = (data as { error?: unknown }).error;
  const code =
    typeof inner === "object" && inner !== null
      ? ((inner as { code?: unknown; type?: unknown }).code ?? (inner as { type?: unknown }).type)
      : (data as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function isFetchFailure(error: unknown): error is Error {
  const e = error as { name?: unknown; message?: unknown } | null;
  return (
    e?.name === "TypeError" &&
    typeof e.message === "string" &&
    /^(fetch failed|failed to fetch)$/i.test(e.message)
  );
}

/** The most useful text of a connection failure: its cause's code (`ECONNREFUSED`) or message. */
function connectionCause(error: Error): string {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string" && cause.message !== "") return cause.message;
  return error.message;
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "ResponseAborted";
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "the provider's API";
  }
}

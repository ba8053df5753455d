/**
 * Maps what a LangChain chat model throws to trace-ts's typed errors. LangChain does not
 * normalize provider errors, so this reads what they have in common: the SDK error's HTTP
 * `status` (kept by `@langchain/openai`, `@langchain/anthropic` and most others), the
 * `lc_error_code` LangChain adds (`MODEL_RATE_LIMIT`, `MODEL_AUTHENTICATION`, …), and the names of
 * its timeout, abort and context-overflow errors. The mapping itself is core's
 * `providerFailureToError`, so messages and causes are redacted like every provider's.
 */
import type { TraceError } from "@trace-ts/core";
import {
  connectionDetail,
  type HeaderSource,
  type ProviderErrorContext,
  type ProviderFailure,
  providerFailureToError,
} from "@trace-ts/core/provider";

/** HTTP statuses implied by the `lc_error_code`s LangChain integrations set. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  MODEL_AUTHENTICATION: 401,
  MODEL_RATE_LIMIT: 429,
  MODEL_NOT_FOUND: 404,
  INVALID_TOOL_RESULTS: 400,
  INVALID_PROMPT_INPUT: 400,
  MESSAGE_COERCION_FAILURE: 400,
};

/**
 * The trace-ts error for a failure of a LangChain model (trace-ts errors pass through):
 * 401/403 → `AuthenticationError`, 429 → `RateLimitError` (with the server's retry hint; an
 * exhausted quota → a non-retryable `ProviderError`), 400/404/413/422 and LangChain's
 * `ContextOverflowError` → `InvalidRequestError`, 5xx and other statuses → `ProviderError`,
 * a connection failure → a retryable `ProviderError`, a timeout → `LLMTimeoutError`, an abort →
 * `CancelledError`, anything else → a non-retryable `ProviderError` with the error as its cause.
 *
 * @param error what the model threw
 * @param ctx provider, model, where it was sent and the time limit, for messages
 */
export function langChainErrorToLLMError(error: unknown, ctx: ProviderErrorContext): TraceError {
  return providerFailureToError(classify(error), ctx);
}

interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly status?: unknown;
  readonly code?: unknown;
  readonly lc_error_code?: unknown;
  readonly headers?: unknown;
  readonly response?: { readonly status?: unknown; readonly headers?: unknown } | null;
  readonly error?: { readonly code?: unknown; readonly type?: unknown } | null;
}

function classify(error: unknown): ProviderFailure {
  if (typeof error !== "object" || error === null) return { kind: "other", error };
  const e = error as ErrorFields;
  const name = typeof e.name === "string" ? e.name : "";
  if (name === "AbortError" || name === "ModelAbortError") return { kind: "aborted", error };
  if (name === "TimeoutError" || name === "APIConnectionTimeoutError") return { kind: "timeout", error };
  if (name === "APIConnectionError" || name === "FetchError") {
    return { kind: "connection", error, detail: error instanceof Error ? connectionDetail(error) : name };
  }
  const status = statusOf(e, name);
  if (status === undefined) return { kind: "other", error };
  const code = codeOf(e, name);
  return {
    kind: "http",
    error,
    status,
    headers: headersOf(e),
    message: messageOf(e),
    ...(code === undefined ? {} : { code }),
  };
}

function statusOf(e: ErrorFields, name: string): number | undefined {
  if (typeof e.status === "number") return e.status;
  if (typeof e.response?.status === "number") return e.response.status;
  if (name === "ContextOverflowError") return 400;
  if (name === "InsufficientQuotaError") return 429;
  return typeof e.lc_error_code === "string" ? STATUS_OF_CODE[e.lc_error_code] : undefined;
}

function codeOf(e: ErrorFields, name: string): string | undefined {
  if (name === "InsufficientQuotaError" || name === "RateLimitQuotaExhaustedError")
    return "insufficient_quota";
  if (typeof e.code === "string") return e.code;
  if (typeof e.error?.code === "string") return e.error.code;
  return undefined;
}

function headersOf(e: ErrorFields): HeaderSource | undefined {
  const h = e.headers ?? e.response?.headers;
  return typeof h === "object" && h !== null ? (h as HeaderSource) : undefined;
}

/** The error's message without the troubleshooting link LangChain appends. */
function messageOf(e: ErrorFields): string {
  const text = typeof e.message === "string" ? e.message : "";
  return text.replace(/\s*Troubleshooting URL: \S+\s*$/u, "").trim();
}

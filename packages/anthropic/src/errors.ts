/**
 * Maps errors of the `@anthropic-ai/sdk` SDK to trace-ts's typed `LLMError`s: this module only
 * classifies the SDK's error classes; the mapping itself is core's `providerFailureToError`.
 * Anthropic's 529 "overloaded" becomes a retryable `ProviderError` like any status ≥ 500.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import type { TraceError } from "@trace-ts/core";
import {
  connectionDetail,
  type ProviderErrorContext,
  type ProviderFailure,
  providerFailureToError,
} from "@trace-ts/core/provider";

/** Who made the call, for error messages. */
export type ErrorContext = Omit<ProviderErrorContext, "keyVariable">;

/**
 * Converts anything the Anthropic SDK throws into an `LLMError`. trace-ts errors pass through.
 *
 * @param error what the SDK threw
 * @param ctx provider, model, base URL and timeout for the message
 */
export function toLLMError(error: unknown, ctx: ErrorContext): TraceError {
  return providerFailureToError(classify(error), { ...ctx, keyVariable: "ANTHROPIC_API_KEY" });
}

function classify(error: unknown): ProviderFailure {
  if (error instanceof APIUserAbortError) return { kind: "aborted", error };
  if (error instanceof APIConnectionTimeoutError) return { kind: "timeout", error };
  if (error instanceof APIConnectionError)
    return { kind: "connection", error, detail: connectionDetail(error) };
  if (error instanceof APIError) {
    return { kind: "http", error, status: error.status, headers: error.headers, message: error.message };
  }
  return { kind: "other", error };
}

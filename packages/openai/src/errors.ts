/**
 * Maps errors of the `openai` SDK to trace-ts's typed `LLMError`s: this module only classifies
 * the SDK's error classes; the mapping itself is core's `providerFailureToError`.
 */
import type { TraceError } from "@trace-ts/core";
import {
  connectionDetail,
  type ProviderErrorContext,
  type ProviderFailure,
  providerFailureToError,
} from "@trace-ts/core/provider";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

/** Who made the call, for error messages. */
export type ErrorContext = Omit<ProviderErrorContext, "keyVariable">;

/**
 * Converts anything the OpenAI SDK throws into an `LLMError`. Errors that already are trace-ts
 * errors pass through.
 *
 * @param error what the SDK threw
 * @param ctx provider, model, base URL and timeout for the message
 */
export function toLLMError(error: unknown, ctx: ErrorContext): TraceError {
  return providerFailureToError(classify(error), { ...ctx, keyVariable: "OPENAI_API_KEY" });
}

function classify(error: unknown): ProviderFailure {
  if (error instanceof APIUserAbortError) return { kind: "aborted", error };
  if (error instanceof APIConnectionTimeoutError) return { kind: "timeout", error };
  if (error instanceof APIConnectionError)
    return { kind: "connection", error, detail: connectionDetail(error) };
  if (error instanceof APIError) {
    return {
      kind: "http",
      error,
      status: error.status,
      headers: error.headers,
      message: error.message,
      ...(typeof error.code === "string" ? { code: error.code } : {}),
    };
  }
  return { kind: "other", error };
}

/**
 * Maps errors of the `openai` SDK to trace-ts's typed `LLMError`s.
 */
import {
  AuthenticationError,
  BadResponseError,
  CancelledError,
  InvalidRequestError,
  LLMError,
  LLMTimeoutError,
  ProviderError,
  parseRetryAfter,
  RateLimitError,
  redactString,
  TraceError,
} from "@trace-ts/core";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

/** Who made the call, for error messages. */
export interface ErrorContext {
  /** Provider name. */
  readonly provider: string;
  /** Model id. */
  readonly modelId: string;
  /** Base URL the call went to. */
  readonly baseURL: string;
  /** The call's timeout in ms. */
  readonly timeoutMs: number;
}

/**
 * Converts anything the OpenAI SDK throws into an `LLMError`. Errors that already are trace-ts
 * errors pass through.
 *
 * @param error what the SDK threw
 * @param ctx provider, model, base URL and timeout for the message
 */
export function toLLMError(error: unknown, ctx: ErrorContext): TraceError {
  if (error instanceof TraceError) return error;
  const opts = { provider: ctx.provider, modelId: ctx.modelId, cause: error };
  const where = `${ctx.provider}:${ctx.modelId}`;
  if (error instanceof APIUserAbortError) return new CancelledError(undefined, opts);
  if (error instanceof APIConnectionTimeoutError) {
    return new LLMTimeoutError(`${where}: no response within ${ctx.timeoutMs} ms from ${ctx.baseURL}`, opts);
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError(
      `${where}: connection to ${ctx.baseURL} failed or was dropped (${causeText(error)}); check that the server is running and reachable`,
      opts,
    );
  }
  if (error instanceof APIError) {
    const status = error.status;
    const retryAfterMs = parseRetryAfter(error.headers);
    const text = redactString(error.message);
    const code = typeof error.code === "string" ? error.code : undefined;
    if (status === 401 || status === 403) {
      return new AuthenticationError(
        `${where}: the server rejected the credentials (HTTP ${status}): ${text}. Check OPENAI_API_KEY (or the apiKey option)`,
        { ...opts, status },
      );
    }
    if (status === 429) {
      if (code === "insufficient_quota") {
        return new ProviderError(
          `${where}: quota exhausted (HTTP 429): ${text}. Check your plan and billing`,
          {
            ...opts,
            status,
            retryable: false,
          },
        );
      }
      return new RateLimitError(`${where}: rate limited (HTTP 429): ${text}`, {
        ...opts,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (status === 400 || status === 404 || status === 413 || status === 422) {
      return new InvalidRequestError(`${where}: request rejected (HTTP ${status}): ${text}`, {
        ...opts,
        status,
      });
    }
    if (status !== undefined) {
      return new ProviderError(`${where}: server error (HTTP ${status}): ${text}`, {
        ...opts,
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    return new ProviderError(`${where}: ${text}`, opts);
  }
  // name check, not instanceof: the SyntaxError may come from another realm (e.g. under jest)
  if ((error as { name?: unknown } | null)?.name === "SyntaxError") {
    return new BadResponseError(
      `${where}: the response body is not valid JSON (${(error as Error).message})`,
      opts,
    );
  }
  if (error instanceof LLMError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`${where}: unexpected failure: ${redactString(message)}`, {
    ...opts,
    retryable: false,
  });
}

function causeText(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  const c = cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof c?.code === "string") return c.code;
  if (typeof c?.message === "string" && c.message !== "") return c.message;
  return error.message;
}

/**
 * The part of error mapping every HTTP provider shares: turning a classified SDK failure (aborted,
 * timed out, connection lost, an HTTP status, something else) into trace-ts's typed `LLMError`s
 * with messages that say what to do. Providers only classify their SDK's error classes.
 */
import { TraceError } from "../errors/trace-error.js";
import {
  AuthenticationError,
  BadResponseError,
  CancelledError,
  InvalidRequestError,
  LLMError,
  LLMTimeoutError,
  ProviderError,
  RateLimitError,
} from "./errors.js";
import { redactString } from "./redact.js";
import { type HeaderSource, parseRetryAfter } from "./retry-after.js";

/** Who made the failing call, for error messages. */
export interface ProviderErrorContext {
  /** Provider name, e.g. `openai`. */
  readonly provider: string;
  /** Model id. */
  readonly modelId: string;
  /** Base URL the call went to. */
  readonly baseURL: string;
  /** The call's timeout in ms. */
  readonly timeoutMs: number;
  /** Environment variable holding the provider's API key, named in authentication errors. */
  readonly keyVariable?: string;
}

/** A provider SDK's failure, classified by the provider. */
export type ProviderFailure =
  | { readonly kind: "aborted"; readonly error: unknown }
  | { readonly kind: "timeout"; readonly error: unknown }
  | { readonly kind: "connection"; readonly error: unknown; readonly detail: string }
  | {
      readonly kind: "http";
      readonly error: unknown;
      /** HTTP status, when a response arrived. */
      readonly status: number | undefined;
      /** Response headers (for retry hints). */
      readonly headers: HeaderSource | null | undefined;
      /** The provider's error message. */
      readonly message: string;
      /** The provider's machine-readable error code, when it sent one. */
      readonly code?: string;
    }
  | { readonly kind: "other"; readonly error: unknown };

/**
 * The typed error for a classified provider failure. trace-ts errors pass through unchanged;
 * 401/403 → `AuthenticationError` (naming the key variable), 429 → `RateLimitError` with the
 * server's retry hint (a 429 saying the quota is exhausted → a non-retryable `ProviderError`),
 * 400/404/413/422 → `InvalidRequestError`, other statuses → `ProviderError` (retryable for 408,
 * 409, ≥ 500), a body that is not JSON → `BadResponseError`. Messages are redacted of secrets.
 */
export function providerFailureToError(failure: ProviderFailure, ctx: ProviderErrorContext): TraceError {
  const error = failure.error;
  if (error instanceof TraceError) return error;
  const opts = { provider: ctx.provider, modelId: ctx.modelId, cause: error };
  const where = `${ctx.provider}:${ctx.modelId}`;
  switch (failure.kind) {
    case "aborted":
      return new CancelledError(undefined, opts);
    case "timeout":
      return new LLMTimeoutError(
        `${where}: no response within ${ctx.timeoutMs} ms from ${ctx.baseURL}`,
        opts,
      );
    case "connection":
      return new ProviderError(
        `${where}: connection to ${ctx.baseURL} failed or was dropped (${failure.detail}); check that the server is running and reachable`,
        opts,
      );
    case "http":
      return httpError(failure, where, ctx, opts);
    default:
      break;
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

function httpError(
  failure: Extract<ProviderFailure, { kind: "http" }>,
  where: string,
  ctx: ProviderErrorContext,
  opts: { provider: string; modelId: string; cause: unknown },
): TraceError {
  const { status, code } = failure;
  const retryAfterMs = parseRetryAfter(failure.headers);
  const retryHint = retryAfterMs !== undefined ? { retryAfterMs } : {};
  const text = redactString(failure.message);
  if (status === 401 || status === 403) {
    const key = ctx.keyVariable ? `Check ${ctx.keyVariable} (or the apiKey option)` : "Check the API key";
    return new AuthenticationError(
      `${where}: the server rejected the credentials (HTTP ${status}): ${text}. ${key}`,
      {
        ...opts,
        status,
      },
    );
  }
  if (status === 429) {
    if (code === "insufficient_quota") {
      return new ProviderError(`${where}: quota exhausted (HTTP 429): ${text}. Check your plan and billing`, {
        ...opts,
        status,
        retryable: false,
      });
    }
    return new RateLimitError(`${where}: rate limited (HTTP 429): ${text}`, { ...opts, ...retryHint });
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
      ...retryHint,
    });
  }
  return new ProviderError(`${where}: ${text}`, opts);
}

/** The most useful text of a connection error: its cause's code (`ECONNRESET`) or message. */
export function connectionDetail(error: Error): string {
  const c = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof c?.code === "string") return c.code;
  if (typeof c?.message === "string" && c.message !== "") return c.message;
  return error.message;
}

/**
 * The part of error mapping every HTTP provider shares: turning a classified SDK failure (aborted,
 * timed out, connection lost, an HTTP status, something else) into trace-ts's typed `LLMError`s
 * with messages that say what to do. Providers only classify their SDK's error classes.
 *
 * Secrets never leave through these errors: every message is redacted (the provider's exact
 * secrets, the key env vars, registered secrets, key-shaped strings, URL credentials), and the
 * SDK error is kept as `cause` only as a redacted copy (`redactError`), so `util.inspect(error)`
 * shows no key either.
 */
import { clause } from "../errors/clause.js";
import { TraceError } from "../errors/trace-error.js";
import type { CallSignal } from "./call-signal.js";
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
import { knownSecrets, redactError, redactString } from "./redact.js";
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
  /**
   * Exact secret values the provider was configured with (its API key, whatever its shape;
   * credential headers; a base-URL password: see `providerSecrets`), removed from messages and
   * from the kept `cause` besides the env-var values and registered secrets.
   */
  readonly secrets?: readonly string[];
}

/** A provider SDK's failure, classified by the provider. */
export type ProviderFailure =
  | {
      /** The caller aborted the call (its `signal`); becomes a `CancelledError`. */
      readonly kind: "aborted";
      /** What the SDK threw; kept as the cause as it is (it carries the caller's abort reason). */
      readonly error: unknown;
    }
  | {
      /** The call's timeout elapsed before a complete response; becomes an `LLMTimeoutError`. */
      readonly kind: "timeout";
      /** What the SDK threw; kept as a redacted cause. */
      readonly error: unknown;
    }
  | {
      /** The connection could not be made or was dropped; becomes a retryable `ProviderError`. */
      readonly kind: "connection";
      /** What the SDK threw; kept as a redacted cause. */
      readonly error: unknown;
      /** Short reason put in the message, e.g. the socket error code (see `connectionDetail`). */
      readonly detail: string;
    }
  | {
      /** The server answered with an error; mapped by `status` (see `providerFailureToError`). */
      readonly kind: "http";
      /** What the SDK threw; kept as a redacted cause. */
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
  | {
      /**
       * Anything else: a `SyntaxError` (body not JSON) becomes a `BadResponseError`, an
       * `LLMError` passes through, the rest a non-retryable `ProviderError`.
       */
      readonly kind: "other";
      /** What the SDK threw; kept as a redacted cause. */
      readonly error: unknown;
    };

/**
 * The typed error for a classified provider failure. trace-ts errors pass through unchanged;
 * 401/403 → `AuthenticationError` (naming the key variable), 429 → `RateLimitError` with the
 * server's retry hint (a 429 saying the quota is exhausted → a non-retryable `ProviderError`),
 * 400/404/413/422 → `InvalidRequestError`, other statuses → `ProviderError` (retryable for 408,
 * 409, ≥ 500), a body that is not JSON → `BadResponseError`. Messages are redacted of secrets
 * and the cause is a redacted copy of the SDK error (an abort keeps its reason as it is: it is the
 * caller's own value).
 */
export function providerFailureToError(failure: ProviderFailure, ctx: ProviderErrorContext): TraceError {
  const error = failure.error;
  if (error instanceof TraceError) return error;
  const base = { provider: ctx.provider, modelId: ctx.modelId };
  if (failure.kind === "aborted") return new CancelledError(undefined, { ...base, cause: error });
  const secrets = [...(ctx.secrets ?? []), ...knownSecrets()];
  const clean = (text: string): string => redactString(text, secrets);
  const opts = { ...base, cause: redactError(error, secrets) };
  const where = `${ctx.provider}:${ctx.modelId}`;
  switch (failure.kind) {
    case "timeout":
      return new LLMTimeoutError(
        clean(`${where}: no complete response within ${ctx.timeoutMs} ms from ${ctx.baseURL}`),
        opts,
      );
    case "connection":
      return new ProviderError(
        clean(
          `${where}: connection to ${ctx.baseURL} failed or was dropped (${failure.detail}); check that the server is running and reachable`,
        ),
        opts,
      );
    case "http":
      return httpError(failure, where, ctx, opts, clean);
    default:
      break;
  }
  // name check, not instanceof: the SyntaxError may come from another realm (e.g. under jest)
  if ((error as { name?: unknown } | null)?.name === "SyntaxError") {
    return new BadResponseError(
      clean(`${where}: the response body is not valid JSON (${(error as Error).message})`),
      opts,
    );
  }
  if (error instanceof LLMError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(clean(`${where}: unexpected failure: ${message}`), {
    ...opts,
    retryable: false,
  });
}

function httpError(
  failure: Extract<ProviderFailure, { kind: "http" }>,
  where: string,
  ctx: ProviderErrorContext,
  opts: { provider: string; modelId: string; cause: unknown },
  clean: (text: string) => string,
): TraceError {
  const { status, code } = failure;
  const retryAfterMs = parseRetryAfter(failure.headers);
  const retryHint = retryAfterMs !== undefined ? { retryAfterMs } : {};
  const text = clean(failure.message);
  if (status === 401 || status === 403) {
    const key = ctx.keyVariable ? `Check ${ctx.keyVariable} (or the apiKey option)` : "Check the API key";
    return new AuthenticationError(
      `${where}: the server rejected the credentials (HTTP ${status}): ${clause(text)}. ${key}`,
      {
        ...opts,
        status,
      },
    );
  }
  if (status === 429) {
    if (code === "insufficient_quota") {
      return new ProviderError(
        `${where}: quota exhausted (HTTP 429): ${clause(text)}. Check your plan and billing`,
        {
          ...opts,
          status,
          retryable: false,
        },
      );
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

/**
 * The message of a `TraceError` a provider builds itself (e.g. a `BadResponseError` quoting the
 * body) with the same redaction as {@link providerFailureToError}'s messages.
 *
 * @param text the message
 * @param secrets the provider's exact secrets (see `providerSecrets`)
 */
export function redactProviderText(text: string, secrets: readonly string[] = []): string {
  return redactString(text, [...secrets, ...knownSecrets()]);
}

/**
 * The error for a call its {@link CallSignal} aborted, or undefined when it was not aborted (map
 * `error` as usual then). Aborted by the caller's signal → `CancelledError` (its reason as the
 * cause); by the time limit → `LLMTimeoutError`, whatever the SDK threw (an abort, a body read
 * cut short, a connection error).
 *
 * @param call the call's signal
 * @param error what the SDK threw
 * @param ctx who made the call
 */
export function callAbortError(
  call: CallSignal,
  error: unknown,
  ctx: ProviderErrorContext,
): TraceError | undefined {
  if (call.abortedBy === "caller") {
    // built here, not by providerFailureToError: a trace-ts error as the abort reason must not
    // pass through as if the call itself had failed with it
    return new CancelledError(undefined, {
      provider: ctx.provider,
      modelId: ctx.modelId,
      cause: call.signal.reason,
    });
  }
  if (call.abortedBy === "timeout") {
    return providerFailureToError(
      { kind: "timeout", error: error instanceof TraceError ? undefined : error },
      ctx,
    );
  }
  return undefined;
}

/** The most useful text of a connection error: its cause's code (`ECONNRESET`) or message. */
export function connectionDetail(error: Error): string {
  const c = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof c?.code === "string") return c.code;
  if (typeof c?.message === "string" && c.message !== "") return c.message;
  return error.message;
}

/**
 * Retry middleware: retries retryable failures (rate limits, timeouts, 5xx, dropped connections)
 * with exponential backoff and jitter, honouring the server's `retry-after` hints. Providers in
 * trace-ts turn their SDK's own retries off, so this is the only retry policy.
 */
import { validateOptions } from "../../util/options.js";
import { CancelledError, isRetryableError, LLMError } from "../errors.js";
import { sleep } from "../sleep.js";
import type { LanguageModel } from "../types.js";
import { defineMiddleware, type LanguageModelMiddleware } from "./wrap.js";

/** Passed to {@link RetryOptions.onRetry} before each wait. */
export interface RetryEvent {
  /** The model being retried. */
  readonly model: LanguageModel;
  /** 1-based number of the attempt that failed. */
  readonly attempt: number;
  /** Total attempts allowed. */
  readonly maxAttempts: number;
  /** How long the middleware will wait before the next attempt, in ms. */
  readonly delayMs: number;
  /** The failure. */
  readonly error: unknown;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Total attempts including the first (default 3; 1 disables retrying). */
  readonly maxAttempts?: number;
  /** Backoff before the first retry, in ms (default 500). */
  readonly initialDelayMs?: number;
  /** Upper bound of a backoff delay, in ms (default 20 000). */
  readonly maxDelayMs?: number;
  /** Growth factor of the backoff per attempt (default 2). */
  readonly factor?: number;
  /**
   * Randomize delays to spread out clients retrying together (default true): the delay is drawn
   * uniformly from [d/2, d] where d is the exponential backoff.
   */
  readonly jitter?: boolean;
  /**
   * Longest server-requested wait (`retry-after`) the middleware accepts, in ms (default 60 000).
   * When a server asks for longer, the error is thrown instead of waiting.
   */
  readonly maxRetryAfterMs?: number;
  /**
   * Decides whether an error is retried (default: `LLMError`s whose `retryable` is true, i.e.
   * rate limits, timeouts, 5xx/408/409 and connection failures; never cancellations).
   */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait; use it for logging. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Source of randomness in [0, 1) for the jitter (default `Math.random`; for tests). */
  readonly random?: () => number;
}

const SCHEMA = {
  maxAttempts: "integer",
  initialDelayMs: "number",
  maxDelayMs: "number",
  factor: "number",
  jitter: "boolean",
  maxRetryAfterMs: "number",
  shouldRetry: "function",
  onRetry: "function",
  random: "function",
} as const;

/**
 * Computes the backoff before retry number `attempt` (1-based) without jitter.
 * @param attempt the attempt that failed (1 = the first call)
 * @param options initial delay, factor and cap
 */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "factor"> = {},
): number {
  const initial = options.initialDelayMs ?? 500;
  const factor = options.factor ?? 2;
  const cap = options.maxDelayMs ?? 20_000;
  return Math.min(cap, initial * factor ** Math.max(0, attempt - 1));
}

function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof LLMError && "retryAfterMs" in error) {
    const v = (error as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  }
  return undefined;
}

/**
 * Retries failed calls with exponential backoff and jitter. A server's `retry-after` (carried by
 * `RateLimitError.retryAfterMs` / `ProviderError.retryAfterMs`) replaces the computed backoff.
 * Aborting the request's signal during a wait rejects at once with `CancelledError`.
 *
 * @example
 * const model = wrapModel(openai("gpt-4o-mini"), retry({ maxAttempts: 5 }));
 *
 * @param options attempts, delays, jitter and hooks
 */
export function retry(options: RetryOptions = {}): LanguageModelMiddleware {
  validateOptions("retry", options, SCHEMA);
  const maxAttempts = options.maxAttempts ?? 3;
  if (maxAttempts < 1) throw new RangeError(`retry: maxAttempts must be >= 1, got ${maxAttempts}`);
  for (const key of ["initialDelayMs", "maxDelayMs", "maxRetryAfterMs"] as const) {
    const v = options[key];
    if (v !== undefined && v < 0) throw new RangeError(`retry: ${key} must be >= 0, got ${v}`);
  }
  if (options.factor !== undefined && options.factor < 1) {
    throw new RangeError(`retry: factor must be >= 1, got ${options.factor}`);
  }
  const jitter = options.jitter ?? true;
  const maxRetryAfter = options.maxRetryAfterMs ?? 60_000;
  const shouldRetry = options.shouldRetry ?? ((error: unknown) => isRetryableError(error));
  const random = options.random ?? Math.random;

  return defineMiddleware("retry", async (request, next, model) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(request);
      } catch (error) {
        if (error instanceof CancelledError || request.signal?.aborted) throw error;
        if (attempt >= maxAttempts || !shouldRetry(error, attempt)) throw error;
        const hinted = retryAfterOf(error);
        if (hinted !== undefined && hinted > maxRetryAfter) throw error;
        let delayMs: number;
        if (hinted !== undefined) delayMs = hinted;
        else {
          const base = backoffDelay(attempt, options);
          delayMs = jitter ? base / 2 + (random() * base) / 2 : base;
        }
        options.onRetry?.({ model, attempt, maxAttempts, delayMs, error });
        await sleep(delayMs, request.signal);
      }
    }
  });
}

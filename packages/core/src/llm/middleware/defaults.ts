/**
 * `withDefaults`: the usual middleware stack in the right order, from a few options.
 */
import { validateOptions } from "../../util/options.js";
import type { LanguageModel } from "../types.js";
import { Budget, type BudgetOptions, enforceBudget } from "./budget.js";
import { type ResponseCacheOptions, responseCache } from "./cache.js";
import type { Cassette, CassetteOptions } from "./cassette.js";
import { type LLMLogEvent, type LogOptions, logCalls, redactingEmitter, summarizeError } from "./log.js";
import { type RateLimiter, rateLimit } from "./rate-limit.js";
import { type RetryOptions, retry } from "./retry.js";
import { trackUsage, UsageTracker } from "./usage.js";
import { type LanguageModelMiddleware, wrapModel } from "./wrap.js";

/** Options of {@link withDefaults}. Everything is optional; only retry is on by default. */
export interface WithDefaultsOptions {
  /** Retry policy (default: 3 attempts, 0.5 s initial backoff); `false` disables retrying. */
  readonly retry?: RetryOptions | false;
  /** Most calls in flight at once (default: unlimited). */
  readonly concurrency?: number;
  /** Most calls started per minute (default: unlimited). */
  readonly requestsPerMinute?: number;
  /**
   * A rate limit shared with other processes (e.g. `RedisRateLimiter` from `@trace-ts/scale`), in
   * the rateLimit layer: each attempt takes a permit after its local `concurrency` and
   * `requestsPerMinute` slots and holds it while the model runs. Default: none.
   */
  readonly limiter?: RateLimiter;
  /** Response cache: `true` for an in-memory LRU, or options (e.g. `{ directory }`). Default off. */
  readonly cache?: boolean | ResponseCacheOptions;
  /** Tracker that accumulates usage and cost (create it yourself to read the totals). */
  readonly usage?: UsageTracker;
  /** A budget to enforce: a shared `Budget`, or options to create one for this model only. */
  readonly budget?: Budget | BudgetOptions;
  /** Log hook: a callback, or full log options. Receives redacted events, including retries. */
  readonly log?: ((event: LLMLogEvent) => void) | LogOptions;
  /**
   * Record or replay the model's calls (`{ path, mode: "record" | "replay" }`, or a shared
   * `Cassette`), in the response-cache layer: outside retry, rate limit and budget, so a replay
   * never reaches the model. Without `cache`, a cache layer is added that only records or
   * replays (no tier, no sharing of concurrent calls).
   */
  readonly cassette?: CassetteOptions | Cassette;
}

const SCHEMA = {
  retry: "object",
  concurrency: "integer",
  requestsPerMinute: "integer",
  limiter: "object",
  cache: "object",
  usage: "object",
  budget: "object",
  log: "object",
  cassette: "object",
} as const;

/**
 * Wraps a model in the usual middleware stack. From the outside in:
 * `logCalls → trackUsage → responseCache → retry → rateLimit → enforceBudget → model`.
 * A `cassette` records or replays in the `responseCache` layer.
 * So cache hits are logged and counted but cost no budget and wait for no slot; each attempt
 * takes a rate-limit slot but backoff waits do not; the budget reserves for each attempt when it
 * is dispatched (after its slot), so calls waiting in the queue or in a backoff hold no budget,
 * and a failed attempt's reservation is released before the next one.
 *
 * @example
 * const usage = new UsageTracker({ prices });
 * const model = withDefaults(openai("gpt-4o-mini"), {
 *   concurrency: 8, cache: { directory: ".cache/llm" }, usage, budget: { maxCost: 1, prices },
 *   log: (e) => console.error(e),
 * });
 *
 * @param model the provider model
 * @param options which layers to add
 */
export function withDefaults(model: LanguageModel, options: WithDefaultsOptions = {}): LanguageModel {
  const { retry: retryOption, cache, log, cassette, ...rest } = options;
  validateOptions("withDefaults", { ...rest, cassette }, SCHEMA);
  if (retryOption !== undefined && retryOption !== false && typeof retryOption !== "object") {
    throw new TypeError("withDefaults: retry must be retry options or false");
  }
  if (cache !== undefined && typeof cache !== "boolean" && typeof cache !== "object") {
    throw new TypeError("withDefaults: cache must be a boolean or response-cache options");
  }
  if (cassette !== undefined && typeof cache === "object" && cache.cassette !== undefined) {
    throw new TypeError("withDefaults: give the cassette once, either as cassette or as cache.cassette");
  }
  if (log !== undefined && typeof log !== "function" && typeof log !== "object") {
    throw new TypeError("withDefaults: log must be a callback or log options");
  }
  const logOptions: LogOptions | undefined = typeof log === "function" ? { onEvent: log } : log;
  if (rest.usage !== undefined && !(rest.usage instanceof UsageTracker)) {
    throw new TypeError("withDefaults: usage must be a UsageTracker");
  }

  let retryMiddleware: LanguageModelMiddleware | undefined;
  if (retryOption !== false) {
    const retryOptions: RetryOptions = retryOption ?? {};
    if (logOptions && retryOptions.onRetry === undefined) {
      const emit = redactingEmitter(logOptions.onEvent, logOptions.secrets);
      retryMiddleware = retry({
        ...retryOptions,
        onRetry: (e) =>
          emit({
            type: "retry",
            model: `${e.model.provider}:${e.model.modelId}`,
            attempt: e.attempt,
            maxAttempts: e.maxAttempts,
            delayMs: e.delayMs,
            error: summarizeError(e.error),
          }),
      });
    } else retryMiddleware = retry(retryOptions);
  }
  const limited =
    rest.concurrency !== undefined || rest.requestsPerMinute !== undefined || rest.limiter !== undefined
      ? rateLimit({
          concurrency: rest.concurrency,
          requestsPerMinute: rest.requestsPerMinute,
          limiter: rest.limiter,
        })
      : undefined;
  const budget =
    rest.budget === undefined
      ? undefined
      : rest.budget instanceof Budget
        ? rest.budget
        : new Budget(rest.budget);

  let cacheOptions: ResponseCacheOptions | undefined =
    cache === undefined || cache === false ? undefined : cache === true ? {} : cache;
  if (cassette !== undefined)
    cacheOptions =
      cacheOptions === undefined ? { memory: false, dedupe: false, cassette } : { ...cacheOptions, cassette };

  return wrapModel(
    model,
    logOptions && logCalls(logOptions),
    rest.usage && trackUsage(rest.usage),
    cacheOptions && responseCache(cacheOptions),
    retryMiddleware,
    limited,
    budget && enforceBudget(budget),
  );
}

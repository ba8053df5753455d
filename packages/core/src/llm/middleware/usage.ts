/**
 * Usage and cost accounting: counts calls, tokens and money per model and in total, and per
 * measured piece of work (`UsageTracker.measure`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { validateOptions } from "../../util/options.js";
import { costOf, type ModelPrice, type PriceTable, priceLookup } from "../prices.js";
import type { GenerateResult, LanguageModel, TokenUsage } from "../types.js";
import { defineMiddleware, type LanguageModelMiddleware } from "./wrap.js";

/** Running totals for one model or for everything. */
export interface UsageTotals {
  /** Calls that returned a result (including cache hits). */
  readonly calls: number;
  /** Of `calls`, how many were answered from the response cache (they cost nothing). */
  readonly cachedCalls: number;
  /** Calls that threw. */
  readonly failedCalls: number;
  /** Prompt tokens billed at the input rate. */
  readonly inputTokens: number;
  /** Generated tokens. */
  readonly outputTokens: number;
  /** Prompt tokens read from the provider's prompt cache. */
  readonly cacheReadTokens: number;
  /** Prompt tokens written to the provider's prompt cache. */
  readonly cacheWriteTokens: number;
  /** All tokens: input + output + cache read + cache write. */
  readonly totalTokens: number;
  /** Money spent on calls whose model has a price, in the price table's currency. */
  readonly cost: number;
  /** Calls (not cached) whose model had no price, so `cost` does not include them. */
  readonly unpricedCalls: number;
}

/** One accounted call, passed to {@link UsageTrackerOptions.onUsage}. */
export interface UsageRecord {
  /** `provider:modelId` of the model called. */
  readonly model: string;
  /** Tokens the call consumed (zero for cache hits). */
  readonly usage: TokenUsage;
  /** Its cost, or undefined when the model has no price. */
  readonly cost: number | undefined;
  /** Whether it was a cache hit. */
  readonly cached: boolean;
}

/** Options of {@link UsageTracker}. */
export interface UsageTrackerOptions {
  /** Prices per model (see `PriceTable`); without them only tokens are counted. */
  readonly prices?: PriceTable;
  /** Called after each successful call with what it consumed. */
  readonly onUsage?: (record: UsageRecord) => void;
}

const ZERO: UsageTotals = {
  calls: 0,
  cachedCalls: 0,
  failedCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  totalTokens: 0,
  cost: 0,
  unpricedCalls: 0,
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Totals being collected by `UsageTracker.measure` scopes, with the tracker each belongs to. */
interface MeasureScope {
  readonly tracker: UsageTracker;
  readonly totals: Mutable<UsageTotals>;
}

/** The measure scopes enclosing the current async context (innermost last). */
const measuring = new AsyncLocalStorage<readonly MeasureScope[]>();

/** What `UsageTracker.measure` resolves with. */
export interface MeasuredUsage<T> {
  /** What the measured function returned. */
  readonly value: T;
  /** The calls it made through this tracker (in its async context, however deeply nested). */
  readonly usage: UsageTotals;
}

/**
 * Accumulates usage and cost. Wrap models with `trackUsage(tracker)` (one tracker may watch many
 * models) and read `totals()` / `byModel()` at any time.
 *
 * @example
 * const tracker = new UsageTracker({ prices: { "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 } } });
 * const model = wrapModel(openai("gpt-4o-mini"), trackUsage(tracker));
 * // ... run ...
 * console.log(tracker.totals().cost);
 */
export class UsageTracker {
  /** The price table used for costs. */
  readonly prices: PriceTable | undefined;
  readonly #onUsage: UsageTrackerOptions["onUsage"];
  readonly #price: (provider: string, modelId: string, reported?: string) => ModelPrice | undefined;
  #total: Mutable<UsageTotals> = { ...ZERO };
  #byModel = new Map<string, Mutable<UsageTotals>>();

  /** @param options prices and a per-call hook */
  constructor(options: UsageTrackerOptions = {}) {
    validateOptions("UsageTracker", options, { prices: "object", onUsage: "function" });
    this.prices = options.prices;
    this.#onUsage = options.onUsage;
    this.#price = priceLookup(options.prices);
  }

  /** Totals over every model. */
  totals(): UsageTotals {
    return { ...this.#total };
  }

  /** Totals per model, keyed by `provider:modelId`. */
  byModel(): Record<string, UsageTotals> {
    const out: Record<string, UsageTotals> = {};
    for (const [k, v] of this.#byModel) out[k] = { ...v };
    return out;
  }

  /**
   * Runs `fn` and counts the calls reported to this tracker from inside it (its async context:
   * awaited work, timers and promises it starts) apart from everything else — e.g. the model
   * calls of one example's forward pass while other examples run concurrently. Scopes nest; the
   * tracker's own totals count every call as before.
   * @param fn the work to measure
   * @param settled called with what was measured when `fn` settles, also when it throws (the
   *   usage of failed work is otherwise lost with the error)
   */
  async measure<T>(
    fn: () => T | Promise<T>,
    settled?: (usage: UsageTotals) => void,
  ): Promise<MeasuredUsage<T>> {
    const scope: MeasureScope = { tracker: this, totals: { ...ZERO } };
    const outer = measuring.getStore() ?? [];
    try {
      const value = await measuring.run([...outer, scope], fn);
      return { value, usage: { ...scope.totals } };
    } finally {
      settled?.({ ...scope.totals });
    }
  }

  /** Starts counting from zero again. */
  reset(): void {
    this.#total = { ...ZERO };
    this.#byModel.clear();
  }

  /**
   * Accounts one successful call (the middleware calls this; call it yourself for usage that
   * bypasses the middleware).
   * @param model the model that answered
   * @param result its result
   */
  record(model: Pick<LanguageModel, "provider" | "modelId">, result: GenerateResult): UsageRecord {
    const key = `${model.provider}:${model.modelId}`;
    const cached = result.cached === true;
    const usage: TokenUsage = cached ? { inputTokens: 0, outputTokens: 0 } : result.usage;
    const price = cached ? undefined : this.#price(model.provider, model.modelId, result.model);
    const cost = cached ? 0 : price ? costOf(usage, price) : undefined;
    for (const t of [this.#total, this.#entry(key), ...this.#scopes()]) {
      t.calls++;
      if (cached) t.cachedCalls++;
      t.inputTokens += usage.inputTokens;
      t.outputTokens += usage.outputTokens;
      t.cacheReadTokens += usage.cacheReadTokens ?? 0;
      t.cacheWriteTokens += usage.cacheWriteTokens ?? 0;
      t.totalTokens +=
        usage.inputTokens + usage.outputTokens + (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
      if (cost === undefined) t.unpricedCalls++;
      else t.cost += cost;
    }
    const record: UsageRecord = { model: key, usage, cost, cached };
    this.#onUsage?.(record);
    return record;
  }

  /**
   * Accounts one failed call.
   * @param model the model that failed
   */
  recordFailure(model: Pick<LanguageModel, "provider" | "modelId">): void {
    this.#total.failedCalls++;
    this.#entry(`${model.provider}:${model.modelId}`).failedCalls++;
    for (const t of this.#scopes()) t.failedCalls++;
  }

  /** The totals of this tracker's measure scopes enclosing the current async context. */
  #scopes(): Mutable<UsageTotals>[] {
    const scopes = measuring.getStore();
    if (scopes === undefined) return [];
    return scopes.filter((s) => s.tracker === this).map((s) => s.totals);
  }

  #entry(key: string): Mutable<UsageTotals> {
    let e = this.#byModel.get(key);
    if (!e) {
      e = { ...ZERO };
      this.#byModel.set(key, e);
    }
    return e;
  }
}

/**
 * Middleware that reports every call of the wrapped model to `tracker`.
 * @param tracker where the totals accumulate
 */
export function trackUsage(tracker: UsageTracker): LanguageModelMiddleware {
  if (!(tracker instanceof UsageTracker)) throw new TypeError("trackUsage: pass a UsageTracker");
  return defineMiddleware("trackUsage", async (request, next, model) => {
    let result: GenerateResult;
    try {
      result = await next(request);
    } catch (error) {
      tracker.recordFailure(model);
      throw error;
    }
    tracker.record(model, result);
    return result;
  });
}

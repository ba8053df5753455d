/**
 * Usage metering of a training run: what each step and evaluation spent (tokens, calls, cost) and
 * the run's totals, read from the usage tracker when there is one, else from the optimizer's calls;
 * and whether the budget refused a call since the last mark.
 */
import type { ModelCall } from "@trace-ts/core";
import type { UsageTotals } from "@trace-ts/core/llm";
import type { UsageRecord } from "../log/records.js";

/** What the meter reads from a usage tracker (core's `UsageTracker` fits). */
export interface UsageSource {
  /** The price table; when absent, costs are unknown (null). */
  readonly prices: unknown;
  /** The running totals of every model reporting to the tracker. */
  totals(): UsageTotals;
}

/** What the meter reads from a model budget (core's `Budget` fits). */
export interface RefusalSource {
  /** The budget's state; only `refusedCalls` is read. */
  state(): { readonly refusedCalls: number };
}

/** No tokens, no calls, no cost: the totals of a run that has spent nothing. */
export const ZERO_USAGE: UsageRecord = { inputTokens: 0, outputTokens: 0, totalTokens: 0, calls: 0, cost: 0 };

/**
 * Counts what a run spends. `mark()` sets the point that `absorb()` and `budgetRefused` measure
 * from; `absorb()` adds what was spent since the last absorb (or mark) to the totals.
 */
export class UsageMeter {
  readonly #tracker: UsageSource | undefined;
  readonly #budget: RefusalSource | undefined;
  #totals: UsageRecord = ZERO_USAGE;
  #trackerMark: UsageTotals | undefined;
  #refusedMark = 0;

  /**
   * @param tracker the usage tracker the run's models report to, if any
   * @param budget the run's model budget, if any
   */
  constructor(tracker: UsageSource | undefined, budget: RefusalSource | undefined) {
    this.#tracker = tracker;
    this.#budget = budget;
  }

  /** Tokens and cost of the run so far. */
  get totals(): UsageRecord {
    return this.#totals;
  }

  /**
   * Puts back saved totals (a rollback point or a checkpoint).
   * @param totals the run's totals at that point
   */
  restore(totals: UsageRecord): void {
    this.#totals = totals;
  }

  /** Starts measuring from now: the tracker's totals and the budget's refusals at this point. */
  mark(): void {
    this.#trackerMark = this.#tracker?.totals();
    this.#refusedMark = this.#budget?.state().refusedCalls ?? 0;
  }

  /** Whether the budget refused a call since the last `mark()`. */
  get budgetRefused(): boolean {
    return this.#budget !== undefined && this.#budget.state().refusedCalls > this.#refusedMark;
  }

  /**
   * Adds what was spent since the last absorb (or mark) to the totals and returns it: from the
   * usage tracker when there is one (every model; cost null when it has no prices or a call was
   * unpriced), else from the optimizer's calls (cost null).
   * @param calls the optimizer's calls in that time, used when there is no tracker
   */
  absorb(calls: readonly ModelCall[] | undefined): UsageRecord {
    const usage = this.#tracker === undefined ? usageOfCalls(calls) : this.#sinceMark(this.#tracker);
    const t = this.#totals;
    this.#totals = {
      inputTokens: t.inputTokens + usage.inputTokens,
      outputTokens: t.outputTokens + usage.outputTokens,
      totalTokens: t.totalTokens + usage.totalTokens,
      calls: t.calls + usage.calls,
      cost: t.cost === null || usage.cost === null ? null : t.cost + usage.cost,
    };
    return usage;
  }

  /** What the tracker counted since its mark (failed calls count as calls); moves the mark. */
  #sinceMark(tracker: UsageSource): UsageRecord {
    const now = tracker.totals();
    const was = this.#trackerMark ?? now;
    const cost =
      tracker.prices === undefined || now.unpricedCalls > was.unpricedCalls ? null : now.cost - was.cost;
    this.#trackerMark = now;
    return {
      inputTokens: now.inputTokens - was.inputTokens,
      outputTokens: now.outputTokens - was.outputTokens,
      totalTokens: now.totalTokens - was.totalTokens,
      calls: now.calls + now.failedCalls - was.calls - was.failedCalls,
      cost: cost === null ? null : Math.max(0, cost),
    };
  }
}

/** Tokens of a list of model calls (prompt-cache reads and writes count in the total); cost unknown. */
function usageOfCalls(calls: readonly ModelCall[] | undefined): UsageRecord {
  let input = 0;
  let output = 0;
  let extra = 0;
  for (const c of calls ?? []) {
    input += c.usage?.inputTokens ?? 0;
    output += c.usage?.outputTokens ?? 0;
    extra += (c.usage?.cacheReadTokens ?? 0) + (c.usage?.cacheWriteTokens ?? 0);
  }
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: input + output + extra,
    calls: calls?.length ?? 0,
    cost: null,
  };
}

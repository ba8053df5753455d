/** Usage metering of a training run: per-interval usage, totals and budget refusals. */
import { describe, expect, it } from "@jest/globals";
import type { ModelCall } from "@trace-ts/core";
import type { UsageTotals } from "@trace-ts/core/llm";
import { UsageMeter, type UsageSource, ZERO_USAGE } from "../src/train/usage-meter.js";

const NONE: UsageTotals = {
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

/** A usage tracker whose totals the test sets. */
function tracker(priced: boolean): UsageSource & { now: UsageTotals } {
  return {
    prices: priced ? {} : undefined,
    now: NONE,
    totals() {
      return this.now;
    },
  };
}

function call(inputTokens: number, outputTokens: number, cached = 0): ModelCall {
  return {
    purpose: "propose",
    messages: [],
    usage: { inputTokens, outputTokens, cacheReadTokens: cached },
    durationMs: 1,
  };
}

describe("UsageMeter", () => {
  it("without a tracker counts the optimizer's calls (cache tokens in the total), cost unknown", () => {
    const meter = new UsageMeter(undefined, undefined);
    expect(meter.totals).toEqual(ZERO_USAGE);
    const usage = meter.absorb([
      call(10, 2, 5),
      call(3, 1),
      { purpose: "retry 1", messages: [], durationMs: 1 },
    ]);
    expect(usage).toEqual({ inputTokens: 13, outputTokens: 3, totalTokens: 21, calls: 3, cost: null });
    expect(meter.absorb(undefined)).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      calls: 0,
      cost: null,
    });
    expect(meter.totals).toEqual({ inputTokens: 13, outputTokens: 3, totalTokens: 21, calls: 3, cost: null });
  });

  it("with a tracker measures from the mark, then from each absorb; failed calls count as calls", () => {
    const t = tracker(true);
    t.now = { ...NONE, calls: 4, inputTokens: 100, outputTokens: 10, totalTokens: 110, cost: 1 };
    const meter = new UsageMeter(t, undefined);
    meter.mark();
    t.now = {
      ...NONE,
      calls: 6,
      failedCalls: 1,
      inputTokens: 130,
      outputTokens: 15,
      totalTokens: 145,
      cost: 1.5,
    };
    // the optimizer's calls are ignored when a tracker counts every model
    expect(meter.absorb([call(1000, 1000)])).toEqual({
      inputTokens: 30,
      outputTokens: 5,
      totalTokens: 35,
      calls: 3,
      cost: 0.5,
    });
    t.now = { ...t.now, calls: 7, inputTokens: 140, outputTokens: 16, totalTokens: 156, cost: 1.75 };
    expect(meter.absorb(undefined)).toEqual({
      inputTokens: 10,
      outputTokens: 1,
      totalTokens: 11,
      calls: 1,
      cost: 0.25,
    });
    expect(meter.totals).toEqual({ inputTokens: 40, outputTokens: 6, totalTokens: 46, calls: 4, cost: 0.75 });
  });

  it("cost is unknown for an interval with an unpriced call, and the totals' cost stays unknown", () => {
    const t = tracker(true);
    const meter = new UsageMeter(t, undefined);
    meter.mark();
    t.now = { ...NONE, calls: 1, cost: 0.5, unpricedCalls: 1 };
    expect(meter.absorb(undefined).cost).toBeNull();
    t.now = { ...t.now, calls: 2, cost: 0.75 };
    expect(meter.absorb(undefined).cost).toBe(0.25);
    expect(meter.totals.cost).toBeNull();
  });

  it("cost is unknown with a tracker that has no prices", () => {
    const t = tracker(false);
    const meter = new UsageMeter(t, undefined);
    meter.mark();
    t.now = { ...NONE, calls: 1, cost: 0 };
    expect(meter.absorb(undefined)).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      calls: 1,
      cost: null,
    });
  });

  it("tells whether the budget refused a call since the last mark", () => {
    let refusedCalls = 2;
    const meter = new UsageMeter(undefined, { state: () => ({ refusedCalls }) });
    meter.mark();
    expect(meter.budgetRefused).toBe(false);
    refusedCalls = 3;
    expect(meter.budgetRefused).toBe(true);
    meter.mark();
    expect(meter.budgetRefused).toBe(false);
    expect(new UsageMeter(undefined, undefined).budgetRefused).toBe(false);
  });

  it("restores saved totals and adds to them", () => {
    const meter = new UsageMeter(undefined, undefined);
    meter.restore({ inputTokens: 5, outputTokens: 5, totalTokens: 10, calls: 1, cost: 2 });
    meter.absorb([call(1, 1)]);
    expect(meter.totals).toEqual({ inputTokens: 6, outputTokens: 6, totalTokens: 12, calls: 2, cost: null });
  });
});

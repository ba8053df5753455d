import { describe, expect, it } from "@jest/globals";
import { Budget, BudgetExceededError, type GenerateRequest, UsageTracker } from "@trace-ts/core";
import {
  costOf,
  enforceBudget,
  lookupPrice,
  MissingPriceError,
  type PriceTable,
  responseCache,
  trackUsage,
  type UsageRecord,
  wrapModel,
} from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const req = (content = "hi", extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});
const usage = (inputTokens: number, outputTokens: number, more: object = {}) => ({
  text: "x",
  usage: { inputTokens, outputTokens, ...more },
});

const prices: PriceTable = {
  "m-small": { inputPerMillion: 1, outputPerMillion: 2 },
  "p:m-big": {
    inputPerMillion: 10,
    outputPerMillion: 30,
    cacheReadPerMillion: 1,
    cacheWritePerMillion: 12.5,
  },
  "m-snap*": { inputPerMillion: 3, outputPerMillion: 4 },
};

describe("prices", () => {
  it("looks up provider:model, then model, then the longest prefix*", () => {
    expect(lookupPrice(prices, "x", "m-small")?.inputPerMillion).toBe(1);
    expect(lookupPrice(prices, "p", "m-big")?.inputPerMillion).toBe(10);
    expect(lookupPrice(prices, "other", "m-big")).toBeUndefined();
    expect(lookupPrice(prices, "x", "m-snap-2024-01-01")?.inputPerMillion).toBe(3);
    expect(lookupPrice(prices, "x", "unknown", "m-small")?.inputPerMillion).toBe(1);
  });

  it("prices cache reads and writes separately", () => {
    const cost = costOf(
      {
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        cacheReadTokens: 1_000_000,
        cacheWriteTokens: 1_000_000,
      },
      prices["p:m-big"]!,
    );
    expect(cost).toBeCloseTo(10 + 30 + 1 + 12.5, 9);
  });
});

describe("UsageTracker", () => {
  it("totals tokens and cost per model and overall", async () => {
    const tracker = new UsageTracker({ prices });
    const small = wrapModel(
      new ScriptedModel([usage(1000, 500), usage(2000, 0)], { modelId: "m-small", provider: "p" }),
      trackUsage(tracker),
    );
    const big = wrapModel(
      new ScriptedModel([usage(100, 10, { cacheReadTokens: 50, cacheWriteTokens: 20 })], {
        modelId: "m-big",
        provider: "p",
      }),
      trackUsage(tracker),
    );
    const unpriced = wrapModel(
      new ScriptedModel([usage(7, 3)], { modelId: "mystery", provider: "p" }),
      trackUsage(tracker),
    );
    await small.generate(req());
    await small.generate(req());
    await big.generate(req());
    await unpriced.generate(req());
    const byModel = tracker.byModel();
    expect(byModel["p:m-small"]).toMatchObject({
      calls: 2,
      inputTokens: 3000,
      outputTokens: 500,
      unpricedCalls: 0,
    });
    expect(byModel["p:m-small"]!.cost).toBeCloseTo((3000 * 1 + 500 * 2) / 1e6, 12);
    expect(byModel["p:m-big"]!.cost).toBeCloseTo((100 * 10 + 10 * 30 + 50 * 1 + 20 * 12.5) / 1e6, 12);
    expect(byModel["p:mystery"]).toMatchObject({ calls: 1, unpricedCalls: 1, cost: 0, totalTokens: 10 });
    const total = tracker.totals();
    expect(total.calls).toBe(4);
    expect(total.inputTokens).toBe(3107);
    expect(total.totalTokens).toBe(3107 + 513 + 50 + 20);
    expect(total.cost).toBeCloseTo(byModel["p:m-small"]!.cost + byModel["p:m-big"]!.cost, 12);
    tracker.reset();
    expect(tracker.totals().calls).toBe(0);
  });

  it("counts cache hits as free calls and failures separately", async () => {
    const records: UsageRecord[] = [];
    const tracker = new UsageTracker({ prices, onUsage: (r) => records.push(r) });
    const base = new ScriptedModel([usage(1000, 1000), new Error("down")], { modelId: "m-small" });
    const model = wrapModel(base, trackUsage(tracker), responseCache());
    await model.generate(req("a"));
    await model.generate(req("a"));
    await expect(model.generate(req("b"))).rejects.toThrow("down");
    expect(tracker.totals()).toMatchObject({ calls: 2, cachedCalls: 1, failedCalls: 1, inputTokens: 1000 });
    expect(records.map((r) => r.cached)).toEqual([false, true]);
    expect(records[1]!.cost).toBe(0);
  });
});

describe("Budget", () => {
  it("refuses a call before sending it when its reservation would exceed the token budget", async () => {
    // a prompt bound of 5 tokens (the default bound is tested in budget-dispatch.test.ts)
    const budget = new Budget({ maxTokens: 100, estimateInputTokens: () => 5 });
    const base = new ScriptedModel(() => usage(10, 20));
    const model = wrapModel(base, enforceBudget(budget));
    // maxTokens 30 → reservation 35
    await model.generate(req("hi", { maxTokens: 30 }));
    await model.generate(req("hi", { maxTokens: 30 }));
    expect(budget.state()).toMatchObject({ spentTokens: 60, reservedTokens: 0, remainingTokens: 40 });
    const refused = model.generate(req("hi", { maxTokens: 40 }));
    await expect(refused).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(refused).rejects.toMatchObject({
      code: "LLM_BUDGET_EXCEEDED",
      limit: "tokens",
      max: 100,
      used: 60,
      requested: 45,
    });
    expect(base.callCount).toBe(2);
    await model.generate(req("hi", { maxTokens: 30 })); // 35 still fits
    expect(base.callCount).toBe(3);
    expect(budget.state().refusedCalls).toBe(1);
  });

  it("caps the output of requests without maxTokens so the reservation is a bound", async () => {
    const budget = new Budget({ maxTokens: 1_000, defaultMaxOutputTokens: 50 });
    const base = new ScriptedModel(() => usage(1, 1));
    await wrapModel(base, enforceBudget(budget)).generate(req());
    expect(base.calls[0]!.request.maxTokens).toBe(50);
    const uncapped = new ScriptedModel(() => usage(1, 1));
    await wrapModel(
      uncapped,
      enforceBudget(new Budget({ maxTokens: 1_000, defaultMaxOutputTokens: 50, capOutputTokens: false })),
    ).generate(req());
    expect(uncapped.calls[0]!.request.maxTokens).toBeUndefined();
  });

  it("concurrent calls never overshoot: in-flight reservations count", async () => {
    const budget = new Budget({ maxTokens: 1_000, estimateInputTokens: () => 5 });
    // each call really uses exactly what it reserves (5 input + maxTokens 95 = 100)
    const base = new ScriptedModel(() => usage(5, 95), { latencyMs: 15 });
    const model = wrapModel(base, enforceBudget(budget));
    const settled = await Promise.allSettled(
      Array.from({ length: 25 }, () => model.generate(req("hi", { maxTokens: 95 }))),
    );
    const ok = settled.filter((s) => s.status === "fulfilled").length;
    const refused = settled.filter(
      (s) => s.status === "rejected" && s.reason instanceof BudgetExceededError,
    ).length;
    expect(ok).toBe(10);
    expect(refused).toBe(15);
    expect(base.maxConcurrentCalls).toBe(10);
    expect(budget.state()).toMatchObject({ spentTokens: 1_000, reservedTokens: 0, remainingTokens: 0 });
    expect(budget.exhausted).toBe(true);
  });

  it("releases the reservation of a failed call", async () => {
    const budget = new Budget({ maxTokens: 200 });
    const base = new ScriptedModel([new Error("down"), usage(5, 95)]);
    const model = wrapModel(base, enforceBudget(budget));
    await expect(model.generate(req("hi", { maxTokens: 95 }))).rejects.toThrow("down");
    expect(budget.state()).toMatchObject({ spentTokens: 0, reservedTokens: 0 });
    await model.generate(req("hi", { maxTokens: 95 }));
    expect(budget.state().spentTokens).toBe(100);
  });

  it("enforces a cost budget with the model's price", async () => {
    // m-small: $1/M input, $2/M output → a call reserving 5 input + 1_000_000 output costs ≈ $2
    const budget = new Budget({ maxCost: 3, prices });
    const base = new ScriptedModel(() => usage(5, 1_000_000), { modelId: "m-small" });
    const model = wrapModel(base, enforceBudget(budget));
    await model.generate(req("hi", { maxTokens: 1_000_000 }));
    expect(budget.state().spentCost).toBeCloseTo(2.000005, 9);
    await expect(model.generate(req("hi", { maxTokens: 1_000_000 }))).rejects.toMatchObject({
      limit: "cost",
    });
    expect(base.callCount).toBe(1);
  });

  it("a cost budget refuses models without a price", async () => {
    const budget = new Budget({ maxCost: 1, prices });
    const model = wrapModel(new ScriptedModel(["x"], { modelId: "mystery" }), enforceBudget(budget));
    await expect(model.generate(req())).rejects.toBeInstanceOf(MissingPriceError);
    expect(budget.state().reservedCost).toBe(0);
  });

  it("validates its options", () => {
    expect(() => new Budget({})).toThrow(/maxTokens and\/or maxCost/);
    expect(() => new Budget({ maxCost: 1 })).toThrow(/price table/);
    expect(() => new Budget({ maxTokens: -1 })).toThrow(RangeError);
  });
});

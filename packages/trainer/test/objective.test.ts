/** Objectives: how candidates with several metrics are compared. */
import { describe, expect, it } from "@jest/globals";
import { InvalidOptionError } from "@trace-ts/core";
import { meanMetrics, Objective } from "@trace-ts/trainer";

describe("Objective", () => {
  it("by default reads the guide's score, maximized, and fills in defaults", () => {
    const o = Objective.from(undefined);
    expect(o.config).toEqual({
      kind: "scalar",
      metric: "score",
      minimize: [],
      missing: "worst",
      tieBreak: "first",
    });
    expect(o.isDefault).toBe(true);
    expect(o.value({ score: 0.4, cost: 9 })).toBe(0.4);
    expect(o.describe()).toBe("score");
    expect(o.better({ score: 0.5 }, { score: 0.4 })).toBe(true);
    expect(o.better({ score: 0.4 }, { score: 0.4 })).toBe(false);
  });

  it("scalar on a minimized metric prefers the lower value", () => {
    const o = Objective.from({ kind: "scalar", metric: "latencyMs", minimize: ["latencyMs"] });
    expect(o.isDefault).toBe(false);
    expect(o.rank([{ latencyMs: 30 }, { latencyMs: 10 }, { latencyMs: 20 }])).toEqual([1, 2, 0]);
    expect(o.describe()).toBe("−latencyMs");
  });

  it("weighted sums oriented metrics with positive weights", () => {
    const o = Objective.from({ kind: "weighted", weights: { score: 1, cost: 100 }, minimize: ["cost"] });
    expect(o.value({ score: 0.9, cost: 0.002 })).toBeCloseTo(0.7);
    // a cheaper, slightly worse candidate wins
    expect(
      o.rank([
        { score: 0.9, cost: 0.002 },
        { score: 0.8, cost: 0 },
      ]),
    ).toEqual([1, 0]);
    expect(o.describe()).toBe("score − 100·cost");
  });

  it("Pareto: dominance, fronts and ranking by front", () => {
    const o = Objective.from({ kind: "pareto", metrics: ["score", "cost"], minimize: ["cost"] });
    const items = [
      { score: 0.9, cost: 3 }, // front 0
      { score: 0.5, cost: 1 }, // front 0
      { score: 0.5, cost: 2 }, // dominated by 1 → front 1
      { score: 0.4, cost: 4 }, // dominated by 0, 1, 2 → front 2
    ];
    expect(o.dominates(items[1]!, items[2]!)).toBe(true);
    expect(o.dominates(items[0]!, items[1]!)).toBe(false);
    expect(o.dominates(items[1]!, items[0]!)).toBe(false);
    expect(o.fronts(items)).toEqual([0, 0, 1, 2]);
    expect(o.rank(items)).toEqual([0, 1, 2, 3]);
    // the run's single score is the first metric
    expect(o.value(items[1]!)).toBe(0.5);
    // a challenger that is better on one metric and worse on the other does not replace
    expect(o.better(items[1]!, items[0]!)).toBe(false);
    expect(o.better({ score: 0.9, cost: 2 }, items[0]!)).toBe(true);
    expect(o.describe()).toBe("pareto(score, −cost)");
  });

  it("a missing metric is the worst value, or the number configured", () => {
    const worst = Objective.from({ kind: "pareto", metrics: ["score", "brevity"] });
    expect(worst.oriented({ score: 1 }, "brevity")).toBe(Number.NEGATIVE_INFINITY);
    expect(worst.dominates({ score: 1, brevity: 0 }, { score: 1 })).toBe(true);
    const filled = Objective.from({
      kind: "weighted",
      weights: { score: 1, cost: 2 },
      minimize: ["cost"],
      missing: 0.5,
    });
    expect(filled.value({ score: 1 })).toBe(0);
  });

  it("seeded tie-breaks are fixed by the seed and the candidates' keys, not their order", () => {
    const tied = [{ score: 1 }, { score: 1 }, { score: 1 }, { score: 1 }, { score: 1 }];
    const keys = ["a", "b", "c", "d", "e"];
    const first = Objective.from({ kind: "scalar" });
    expect(first.rank(tied, keys)).toEqual([0, 1, 2, 3, 4]);
    const seeded = (seed: number) => Objective.from({ kind: "scalar", tieBreak: "seeded" }, seed);
    const order = seeded(7).rank(tied, keys);
    expect(seeded(7).rank(tied, keys)).toEqual(order);
    // the same candidates listed in another order come out in the same order of keys
    const reversed = seeded(7).rank([...tied].reverse(), [...keys].reverse());
    expect(reversed.map((i) => [...keys].reverse()[i])).toEqual(order.map((i) => keys[i]));
    // some seed orders them differently from another
    const orders = new Set([1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(seeded(s).rank(tied, keys))));
    expect(orders.size).toBeGreaterThan(1);
    // ties only: a better candidate still comes first
    expect(seeded(7).rank([{ score: 0 }, { score: 2 }, { score: 0 }], keys.slice(0, 3))[0]).toBe(1);
  });

  it("refuses bad configurations with InvalidOptionError naming the field", () => {
    const bad: unknown[] = [
      { kind: "best" },
      { kind: "weighted", weights: {} },
      { kind: "weighted", weights: { cost: -1 } },
      { kind: "pareto", metrics: ["score"] },
      { kind: "pareto", metrics: ["score", "score"] },
      { kind: "scalar", minimize: ["cost"] },
      { kind: "scalar", missing: "zero" },
      { kind: "scalar", tieBreak: "random" },
      { kind: "scalar", weight: 1 },
    ];
    for (const config of bad) {
      expect(() => Objective.from(config as never)).toThrow(InvalidOptionError);
    }
    expect(() => Objective.from({ kind: "weighted", weights: { cost: -1 } })).toThrow(/minimize/);
  });

  it("checkMeasured names a metric nothing measured, with a hint for cost", () => {
    const o = Objective.from({ kind: "weighted", weights: { score: 1, cost: 1 }, minimize: ["cost"] });
    expect(() => o.checkMeasured(new Set(["score", "latencyMs"]))).toThrow(/"cost".*usage/);
    expect(() => o.checkMeasured(new Set(["score", "cost"]))).not.toThrow();
    const filled = Objective.from({ kind: "weighted", weights: { score: 1, cost: 1 }, missing: 0 });
    expect(() => filled.checkMeasured(new Set(["score"]))).not.toThrow();
  });
});

describe("meanMetrics", () => {
  it("averages each metric over the entries that have it", () => {
    expect(meanMetrics([{ score: 1, cost: 2 }, { score: 0 }, { score: 0.5, cost: 4 }])).toEqual({
      cost: 3,
      score: 0.5,
    });
    expect(meanMetrics([])).toEqual({});
  });
});

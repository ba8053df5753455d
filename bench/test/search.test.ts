import { describe, expect, it } from "@jest/globals";
import { graphScope, node, ops, type ParameterNode, type Proposal } from "@trace-ts/core";
import { searchAlgorithms } from "../src/search/algorithms.js";
import { hintText, readHints } from "../src/search/hints.js";
import { NoisyProposer, type NoisyProposerOptions } from "../src/search/noisy-proposer.js";
import { runSearch, valuesAtBudgets } from "../src/search/run.js";
import {
  accuracyCost,
  accuracyCostMargin,
  multimodal,
  perExample,
  searchTasks,
} from "../src/search/tasks.js";

const SPECS = { x: { min: -100, max: 100, step: 1 }, y: { min: -100, max: 100, step: 1 } };

/**
 * Two parameters x and y (fresh names x:0, y:0); `feedback` is sent backward from an output that
 * depends on both, so the proposer sees both and reads the hints in it.
 */
function problem(feedback: string, options: Partial<NoisyProposerOptions> = {}, values = { x: 0, y: 0 }) {
  const [x, y] = graphScope(() => [
    node(values.x, { trainable: true, name: "x" }),
    node(values.y, { trainable: true, name: "y" }),
  ]);
  const proposer = new NoisyProposer([x!, y!], { seed: 1, specs: SPECS, ...options });
  proposer.zeroFeedback();
  proposer.backward(ops.add(x!, y!), feedback);
  return { x: x!, y: y!, proposer };
}

const suggested = (proposal: Proposal) => proposal.suggestion as Record<string, number>;
const moveOf = (proposal: Proposal, parameter: ParameterNode) => {
  const after = proposal.updates.get(parameter);
  return after === undefined ? 0 : (after as number) - (parameter.data as number);
};

describe("hints", () => {
  it("reads back what it writes, in order", () => {
    const text = `Too low; ${hintText("x", "increase")}. Also ${hintText("rule2", "decrease")}.`;
    expect(readHints(text)).toEqual([
      { name: "x", direction: "increase" },
      { name: "rule2", direction: "decrease" },
    ]);
    expect(readHints("increase x, please")).toEqual([]);
  });
});

describe("NoisyProposer", () => {
  it("gives the same proposal for the same seed and problem, and another for another sample", async () => {
    const a = problem(`${hintText("x", "increase")}`, { quality: 0.5 });
    const b = problem(`${hintText("x", "increase")}`, { quality: 0.5 });
    const first = await a.proposer.propose();
    const again = await b.proposer.propose();
    expect(suggested(again)).toEqual(suggested(first));
    expect(Object.keys(suggested(first)).length).toBeGreaterThan(0);
    // the candidates of proposeCandidates() differ by sample index; candidate 0 is the plain proposal
    const d = problem(`${hintText("x", "increase")}`, { quality: 0.5 });
    const candidates = await d.proposer.proposeCandidates(6);
    expect(suggested(candidates[0]!)).toEqual(suggested(first));
    const distinct = new Set(candidates.map((c) => JSON.stringify(c.suggestion)));
    expect(distinct.size).toBeGreaterThan(3);
    // asked in another order (and concurrently), each sample still gets its own answer
    const c = problem(`${hintText("x", "increase")}`, { quality: 0.5 });
    const reversed = await Promise.all([5, 4, 3, 2, 1].map((sample) => c.proposer.propose({ sample })));
    expect(reversed.reverse().map(suggested)).toEqual(candidates.slice(1).map(suggested));
    // asked the same question again, the same proposer answers afresh (a sampling model)
    const repeated = await a.proposer.propose();
    expect(suggested(repeated)).not.toEqual(suggested(first));
    // and its state carries that over: a proposer restored from it answers the same
    const restored = problem(`${hintText("x", "increase")}`, { quality: 0.5 });
    restored.proposer.loadState(a.proposer.state());
    const fromA = await a.proposer.propose();
    expect(suggested(await restored.proposer.propose())).toEqual(suggested(fromA));
    // another seed answers differently
    const other = problem(`${hintText("x", "increase")}`, { quality: 0.5, seed: 2 });
    const others = await other.proposer.proposeCandidates(6);
    expect(others.map(suggested)).not.toEqual(candidates.map(suggested));
  });

  it("follows the hint at quality 1 and ignores it at quality 0", async () => {
    const draws = 200;
    const count = async (quality: number, collateral = 0) => {
      let upX = 0;
      let movedY = 0;
      for (let seed = 0; seed < draws; seed++) {
        const { x, y, proposer } = problem(`${hintText("x", "increase")}`, { quality, seed, collateral });
        const proposal = await proposer.propose();
        if (moveOf(proposal, x) > 0) upX++;
        if (moveOf(proposal, y) !== 0) movedY++;
      }
      return { upX, movedY };
    };
    const follow = await count(1);
    expect(follow).toEqual({ upX: draws, movedY: 0 });
    // a careless edit: with collateral 1, every hinted move also moves the other parameter
    expect(await count(1, 1)).toEqual({ upX: draws, movedY: draws });
    const ignore = await count(0);
    // random moves: a random parameter (x or y) in a random direction → x goes up about 1 in 4
    expect(ignore.upX).toBeGreaterThan(draws * 0.12);
    expect(ignore.upX).toBeLessThan(draws * 0.38);
    expect(ignore.movedY).toBeGreaterThan(draws * 0.35);
    expect(ignore.movedY).toBeLessThan(draws * 0.65);
  });

  it("moves the way the majority of hints say, within bounds, and not at all without hints", async () => {
    const feedback = [hintText("x", "decrease"), hintText("x", "decrease"), hintText("x", "increase")].join(
      "; ",
    );
    for (let seed = 0; seed < 20; seed++) {
      const { x, proposer } = problem(feedback, { quality: 1, seed, collateral: 0 }, { x: -99.5, y: 0 });
      const after = (await proposer.propose()).updates.get(x);
      // down from -99.5, clamped at the lower bound -100
      expect(after).toBe(-100);
    }
    const { proposer } = problem("Correct.", { quality: 1 });
    const none = await proposer.propose();
    expect(none.updates.size).toBe(0);
    expect(none.calls).toEqual([]);
  });

  it("answers nothing past its limit and counts what it was asked", async () => {
    const { proposer } = problem(hintText("x", "increase"), { quality: 1, limit: 2, collateral: 0 });
    const proposals = await proposer.proposeCandidates(3);
    expect(proposals.map((p) => p.updates.size)).toEqual([1, 1, 0]);
    expect([proposer.asked, proposer.answered]).toEqual([3, 2]);
    proposer.observeScores(proposals.map((proposal) => ({ proposal, score: 0.5 })));
    expect(proposer.observed).toBe(3);
  });

  it("refuses bad options", () => {
    const x = graphScope(() => node(0, { trainable: true, name: "x" }));
    expect(() => new NoisyProposer([x], { seed: 1, specs: SPECS, quality: 1.5 })).toThrow(/quality/);
    expect(() => new NoisyProposer([x], { seed: 1, specs: {} })).toThrow(/no entry for parameter x/);
  });
});

describe("search tasks", () => {
  it("multimodal: the stated optimum is the global one, above the two local bumps", () => {
    const { optimum } = multimodal;
    expect(multimodal.trueScore(optimum.values)).toBe(optimum.value);
    expect(optimum.values.x).toBeCloseTo(8.2, 1);
    for (let x = 0; x <= 10; x += 0.01) {
      if (Math.abs(x - optimum.values.x!) > 1e-3)
        expect(multimodal.trueScore({ x })).toBeLessThan(optimum.value);
    }
    // the local maxima near 2 and 5 are below the 95% target
    expect(multimodal.trueScore({ x: 2 })).toBeLessThan(0.95 * optimum.value);
    expect(multimodal.trueScore({ x: 5 })).toBeLessThan(0.95 * optimum.value);
  });

  it("per-example: the rules' targets score 1 and any other rule set less", () => {
    const { optimum } = perExample;
    expect(optimum.value).toBe(1);
    expect(perExample.trueScore(optimum.values)).toBe(1);
    for (const name of Object.keys(optimum.values)) {
      for (const delta of [-1, 1]) {
        expect(
          perExample.trueScore({ ...optimum.values, [name]: optimum.values[name]! + delta }),
        ).toBeLessThan(1);
      }
    }
    expect(perExample.trueScore(perExample.initial)).toBeLessThan(0.5);
  });

  it("accuracy-cost: the optimum is where marginal accuracy equals λ × marginal cost", () => {
    const { optimum } = accuracyCost;
    const effort = optimum.values.effort!;
    expect(accuracyCost.trueScore(optimum.values)).toBe(optimum.value);
    expect(Math.abs(accuracyCostMargin(effort))).toBeLessThan(1e-9);
    for (const e of [0, 1, effort - 0.5, effort + 0.5, 10, 20])
      expect(accuracyCost.trueScore({ effort: e })).toBeLessThan(optimum.value);
    expect(accuracyCost.objective).toEqual({
      kind: "weighted",
      weights: { score: 1, cost: 3 },
      minimize: ["cost"],
    });
  });
});

describe("search benchmark runner", () => {
  it("reads values at budgets from the last step within each one, the final one at the largest", () => {
    const curve = [
      { proposals: 0, value: 0.1 },
      { proposals: 3, value: 0.4 },
      { proposals: 9, value: 0.2 },
    ];
    expect(valuesAtBudgets({ curve, final: 0.5 }, [2, 8, 16])).toEqual([0.1, 0.4, 0.5]);
  });

  it("a tiny run gives well-formed rows for every available algorithm", async () => {
    const { entries } = await searchAlgorithms();
    const budgets = [4, 8];
    const results = await runSearch({
      tasks: searchTasks,
      algorithms: entries,
      seeds: [1, 2],
      budgets,
      quality: 0.7,
      concurrency: 2,
    });
    expect(results.map((r) => r.task.name)).toEqual(["multimodal", "per-example", "accuracy-cost"]);
    for (const result of results) {
      expect(result.rows.map((r) => r.algorithm)).toEqual(entries.map((e) => e.name));
      expect(result.initial).toBe(result.task.trueScore(result.task.initial));
      // the target closes 95% of the gap from the start to the optimum
      expect(result.target).toBeCloseTo(
        result.initial + 0.95 * (result.task.optimum.value - result.initial),
        12,
      );
      for (const row of result.rows) {
        expect(row.budgets.map((b) => b.budget)).toEqual(budgets);
        expect(row.runs.map((r) => r.seed)).toEqual([1, 2]);
        for (const b of row.budgets) {
          expect(Number.isFinite(b.mean)).toBe(true);
          expect(b.p25).toBeLessThanOrEqual(b.p75);
          expect(b.mean).toBeLessThanOrEqual(result.task.optimum.value + 1e-9);
        }
        for (const run of row.runs) {
          expect(run.proposals).toBeGreaterThan(0);
          expect(run.proposals).toBeLessThanOrEqual(8);
          expect(run.curve[0]).toEqual({ proposals: 0, value: result.initial });
          // every run used its budget and stopped cleanly between steps
          expect([run.reason, run.proposals]).toEqual(["cancelled", 8]);
        }
        expect(row.reached).toBe(row.runs.filter((r) => r.toTarget !== null).length);
      }
    }
    // the same seeds give the same runs
    const again = await runSearch({
      tasks: [perExample],
      algorithms: entries.slice(0, 2),
      seeds: [1, 2],
      budgets,
      quality: 0.7,
      concurrency: 2,
    });
    const curves = (rows: readonly { runs: readonly { curve: unknown }[] }[]) =>
      rows.map((r) => r.runs.map((run) => run.curve));
    expect(curves(again[0]!.rows)).toEqual(curves(results[1]!.rows.slice(0, 2)));
  });
});

import { describe, expect, it } from "@jest/globals";
import { OptimizerStateError } from "@trace-ts/core";
import {
  addToHistory,
  historyFromState,
  meanScore,
  type OproHistoryEntry,
  rankHistory,
  renderHistory,
} from "@trace-ts/opro";

const entry = (step: number, score?: number, value = `v${step}`): OproHistoryEntry => ({
  step,
  values: { x0: value },
  ...(score === undefined ? {} : { score }),
  feedback: [
    { output: "out0", feedback: `feedback of step ${step}`, ...(score === undefined ? {} : { score }) },
  ],
});

describe("OPRO history ordering", () => {
  const history = [entry(1, 0.2), entry(2), entry(3, 0.9), entry(4, 0.5), entry(5), entry(6, 0.9)];

  it("maximize: best score first, ties newest first, unscored last and newest first", () => {
    expect(rankHistory(history, "maximize").map((e) => e.step)).toEqual([6, 3, 4, 1, 5, 2]);
  });

  it("minimize: lowest score first", () => {
    expect(rankHistory(history, "minimize").map((e) => e.step)).toEqual([1, 4, 6, 3, 5, 2]);
  });

  it("does not reorder its input", () => {
    rankHistory(history, "maximize");
    expect(history.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("keeps at most historySize entries, dropping the worst, in recording order", () => {
    let kept: OproHistoryEntry[] = [];
    for (const e of history) kept = addToHistory(kept, e, 3, "maximize");
    expect(kept.map((e) => e.step)).toEqual([3, 4, 6]);
    expect(addToHistory(kept, entry(7), 3, "maximize").map((e) => e.step)).toEqual([3, 4, 6]);
    expect(addToHistory(kept, entry(8, 1), 3, "maximize").map((e) => e.step)).toEqual([3, 6, 8]);
  });

  it("a solution's score is the mean of its outputs' scores", () => {
    expect(
      meanScore([
        { output: "a", feedback: "", score: 1 },
        { output: "b", feedback: "no score" },
        { output: "c", feedback: "", score: 0 },
      ]),
    ).toBe(0.5);
    expect(meanScore([{ output: "a", feedback: "text" }])).toBeUndefined();
  });
});

describe("OPRO history rendering within a budget", () => {
  const ranked = rankHistory(
    Array.from({ length: 30 }, (_, i) => entry(i + 1, i / 10, "x".repeat(300))),
    "maximize",
  );

  it("chooses the best solutions first, stops at the character budget, and prints them best last", () => {
    const shown = renderHistory(ranked, { charBudget: 2000, valueChars: 1000 });
    expect(shown.text.length).toBeLessThanOrEqual(2000);
    expect(shown.shown).toBeGreaterThan(1);
    expect(shown.shown + shown.omitted).toBe(30);
    const titles = [...shown.text.matchAll(/### Solution (\d+): score ([\d.]+) \(step (\d+)/g)];
    expect(titles.map((m) => Number(m[1]))).toEqual(Array.from({ length: shown.shown }, (_, i) => i + 1));
    // the best ones were chosen (steps 30, 29, …) and are printed in ascending order of score
    expect(titles.map((m) => Number(m[3]))).toEqual(
      Array.from({ length: shown.shown }, (_, i) => 30 - shown.shown + 1 + i),
    );
    // adding one more solution would pass the budget
    const more = renderHistory(ranked.slice(0, shown.shown + 1), { charBudget: 1e9, valueChars: 1000 });
    expect(more.text.length).toBeGreaterThan(2000);
  });

  it("cuts values of lower-ranked solutions to valueChars with a visible marker, never the best one", () => {
    const shown = renderHistory(ranked, { charBudget: 10_000, valueChars: 50 });
    const blocks = [...shown.text.matchAll(/<value name="x0">\n([\s\S]*?)\n<\/value>/g)].map((m) => m[1]!);
    expect(blocks.at(-1)).toBe("x".repeat(300));
    expect(blocks.at(-2)).toBe(`${"x".repeat(50)}…[250 more characters]`);
    expect(blocks[0]).toBe(`${"x".repeat(50)}…[250 more characters]`);
  });

  it("always shows the best solution, even when it alone is over the budget", () => {
    const huge = rankHistory([entry(1, 1, "y".repeat(5000)), entry(2, 0)], "maximize");
    const shown = renderHistory(huge, { charBudget: 1000, valueChars: 100 });
    expect(shown.shown).toBe(1);
    expect(shown.omitted).toBe(1);
    expect(shown.text).toContain("y".repeat(5000));
  });

  it("marks the solution evaluated in this step", () => {
    const current = entry(9, 0.4);
    const shown = renderHistory(rankHistory([entry(1, 0.8), current], "maximize"), {
      charBudget: 10_000,
      valueChars: 100,
      current,
    });
    expect(shown.text).toContain("### Solution 1: score 0.4 (step 9, the current values)");
    expect(shown.text).toContain("### Solution 2: score 0.8 (step 1)\n");
  });
});

describe("OPRO history in saved state", () => {
  it("accepts what it wrote and refuses malformed entries with a reason", () => {
    const saved = JSON.parse(JSON.stringify({ history: [entry(1, 0.5), entry(2)] }));
    expect(historyFromState(saved)).toEqual([entry(1, 0.5), entry(2)]);
    expect(() => historyFromState({})).toThrow(/needs a history array/);
    expect(() => historyFromState({ history: [{ step: "1", values: {}, feedback: [] }] })).toThrow(
      /history\[0\]\.step/,
    );
    expect(() => historyFromState({ history: [{ step: 1, values: [], feedback: [] }] })).toThrow(
      OptimizerStateError,
    );
    expect(() => historyFromState({ history: [{ step: 1, values: {}, feedback: [{ output: 1 }] }] })).toThrow(
      /feedback\[0\]/,
    );
  });
});

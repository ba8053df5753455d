import { describe, expect, it } from "@jest/globals";
import { ScriptedModel } from "@trace-ts/core/testing";
import { scriptedRateModel } from "../src/numeric/scripted.js";
import { priceFeedback, trainRate } from "../src/numeric/train.js";
import { scriptedRepairModel } from "../src/repair/scripted.js";
import { CASES, repairMedian } from "../src/repair/train.js";

describe("numeric example", () => {
  it("moves the rate to the value that prices every parcel right", async () => {
    let model: ScriptedModel | undefined;
    const run = await trainRate({
      model: (key) => {
        model = scriptedRateModel(key);
        return model;
      },
      log: () => {},
    });
    expect(run.rates).toEqual([1, 3, 2.5]);
    expect(run.rate.data).toBe(2.5);
    // each parcel's feedback reached the optimizer separately
    const firstPrompt = model!.calls[0]!.request.messages.at(-1)!.content;
    expect(firstPrompt).toContain("too low by 3.00");
    expect(firstPrompt).toContain("too low by 15.00");
  });

  it("feedback says the direction and size of the error", () => {
    expect(priceFeedback(10, 10, 2)).toBe("Correct.");
    expect(priceFeedback(12, 10, 2)).toMatch(/too high by 2\.00/);
  });
});

describe("repair example", () => {
  it("rewrites median from failing tests until all pass, accepting TypeScript", async () => {
    const run = await repairMedian({ model: scriptedRepairModel, log: () => {} });
    expect(run.failures).toEqual([2, 2, 0]);
    for (const c of CASES) expect(run.median([...c.values]).data).toBe(c.expected);
    expect(run.median.getSource()).toContain("sort((a, b) => a - b)");
  });

  it("a suggestion that does not compile is refused and the old code keeps running", async () => {
    const run = await repairMedian({
      model: (key) =>
        new ScriptedModel([
          JSON.stringify({
            reasoning: "",
            answer: "",
            suggestion: { [key]: "median(values) { return values[; }" },
          }),
        ]),
      steps: 2,
      log: () => {},
    });
    expect(run.reports[0]!.applied).toEqual([]);
    expect(run.reports[0]!.error).toBeDefined();
    expect(run.median([3, 1, 2]).data).toBe(1); // still the original (buggy) code
  });
});

// guide(fn) written inline in train()/evaluate() gets its output and example types from the
// forward function and the dataset (checked by `tsc -p tsconfig.test.json`: each @ts-expect-error
// must be an error); on its own, an unannotated example is Example<unknown, unknown>. The guide it
// returns is also callable.
import { describe, expect, it } from "@jest/globals";
import { type Example, evaluate, type FunctionGuide, type Guide, guide, train } from "@trace-ts/trainer";
import { multiplierSetup, scaled } from "./helpers/setup.js";

describe("the types of an inline guide", () => {
  it("in evaluate(), output and example types come from the forward function and the dataset", async () => {
    const dataset = [
      { input: "ab", target: 2 },
      { input: "abc", target: 4 },
    ];
    const result = await evaluate({
      forward: (text: string) => text.length,
      dataset,
      guide: guide((out, ex) => {
        const length: number = out;
        const input: string = ex.input;
        const target: number | undefined = ex.target;
        // @ts-expect-error the target is a number, not a string
        const wrong: string | undefined = ex.target;
        return length === target && input !== wrong;
      }),
    });
    expect(result.results.map((r) => r.score)).toEqual([1, 0]);
  });

  it("in train(), ex.target! is the dataset's target type (not {})", async () => {
    const { agent, optimizer, forward } = multiplierSetup(2, () => 3);
    const result = await train({
      agent,
      optimizer,
      forward,
      train: scaled(3, 4),
      batchSize: 2,
      maxSteps: 1,
      progress: false,
      guide: guide((out, ex) => {
        const target: number = ex.target!;
        // @ts-expect-error a number has no length
        void ex.target!.length;
        return { score: out === target ? 1 : 0, feedback: `expected ${target.toFixed(0)}` };
      }),
    });
    expect(result.steps).toBe(1);
  });

  it("on its own, an unannotated example is Example<unknown, unknown>", async () => {
    const g = guide((out: string, ex) => {
      const example: Example<unknown, unknown> = ex;
      // @ts-expect-error ex.target is unknown, which is not {} (what ex.target! is)
      const asObject: NonNullable<unknown> = ex.target;
      return out === example.target || asObject === null;
    });
    const typed: Guide<string, unknown, unknown> = g;
    expect(await typed.check("a", { input: 1, target: "a" }, { index: 0 })).toEqual({
      score: 1,
      feedback: "Correct.",
    });
  });
});

describe("a guide made by guide(fn) is callable", () => {
  it("g(output, example) is g.check with context { index: 0 }; name and maxScore are kept", async () => {
    const seen: number[] = [];
    const g: FunctionGuide<number, number, number> = guide(
      function close(out: number, ex: Example<number, number>, context) {
        seen.push(context.index);
        return out === ex.target;
      },
      { maxScore: 1 },
    );
    expect(typeof g).toBe("function");
    expect([g.name, g.maxScore]).toEqual(["close", 1]);
    expect(await g(3, { input: 1, target: 3 })).toEqual({ score: 1, feedback: "Correct." });
    expect(await g.check(2, { input: 1, target: 3 }, { index: 7 })).toEqual({
      score: 0,
      feedback: "Incorrect.",
    });
    expect(seen).toEqual([0, 7]);
  });
});

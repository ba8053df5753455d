/** Best parameters and early stopping (`earlyStop.patience`, `minDelta`, `target`). */
import { describe, expect, it } from "@jest/globals";
import { EarlyStopping } from "../src/train/early-stop.js";

describe("EarlyStopping", () => {
  it("keeps the parameters with the highest score, and their step", () => {
    const es = new EarlyStopping({});
    expect(es.best).toBeNull();
    es.consider(0.5, 0, [1]);
    es.consider(0.4, 1, [2]);
    expect(es.best).toEqual({ score: 0.5, step: 0, values: [1] });
    es.consider(0.7, 2, [3]);
    es.consider(0.7, 3, [4]); // a tie does not replace the best
    expect(es.best).toEqual({ score: 0.7, step: 2, values: [3] });
  });

  it("the initial score (step 0) is the patience baseline; later considered scores are not", () => {
    const es = new EarlyStopping({ patience: 1 });
    es.consider(0.5, 0, [1]);
    expect(es.state).toEqual({ bestScore: 0.5, sinceImprovement: 0 });
    es.consider(0.9, 1, [2]);
    expect(es.state).toEqual({ bestScore: 0.5, sinceImprovement: 0 });
    expect(es.observe(0.5)).toBe("early-stop"); // no better than the baseline
  });

  it("stops after `patience` measurements in a row without improvement", () => {
    const es = new EarlyStopping({ patience: 2 });
    expect(es.observe(0.5)).toBeUndefined();
    expect(es.observe(0.4)).toBeUndefined();
    expect(es.observe(0.6)).toBeUndefined(); // improvement: the count starts again
    expect(es.state).toEqual({ bestScore: 0.6, sinceImprovement: 0 });
    expect(es.observe(0.6)).toBeUndefined();
    expect(es.observe(0.1)).toBe("early-stop");
    expect(es.state).toEqual({ bestScore: 0.6, sinceImprovement: 2 });
  });

  it("a rise of at most minDelta is no improvement", () => {
    const es = new EarlyStopping({ patience: 1, minDelta: 0.1 });
    es.observe(0.5);
    expect(es.observe(0.55)).toBe("early-stop");
    const again = new EarlyStopping({ patience: 1, minDelta: 0.1 });
    again.observe(0.5);
    expect(again.observe(0.65)).toBeUndefined();
    expect(again.state.bestScore).toBe(0.65);
  });

  it("stops when a score reaches the target, before counting patience", () => {
    const es = new EarlyStopping({ target: 0.9, patience: 1 });
    expect(es.observe(0.89)).toBeUndefined();
    expect(es.observe(0.9)).toBe("target-reached");
    expect(new EarlyStopping({}).observe(1)).toBeUndefined(); // no target, no patience: never
  });

  it("restores saved bookkeeping, and states returned earlier stay as they were", () => {
    const es = new EarlyStopping({ patience: 3 });
    es.consider(0.5, 0, [1]);
    es.observe(0.4);
    const best = es.best;
    const state = es.state;
    es.consider(0.8, 2, [2]);
    es.observe(0.8);
    expect(state).toEqual({ bestScore: 0.5, sinceImprovement: 1 });
    es.restore(best, state);
    expect(es.best).toEqual({ score: 0.5, step: 0, values: [1] });
    expect(es.observe(0.3)).toBeUndefined();
    expect(es.observe(0.3)).toBe("early-stop");
  });
});

/**
 * A batch in which every example already has the guide's top score gives the optimizer nothing to
 * fix: with `skipPerfectBatches` (the default) no optimizer call is made and the step record says
 * so (`skipped: "perfect-batch"`).
 */
import { describe, expect, it } from "@jest/globals";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  type Algorithm,
  beamSearch,
  bestOfN,
  exactMatch,
  guide,
  llmJudge,
  type StepRecord,
  train,
  ucbSearch,
} from "@trace-ts/trainer";
import { adder, adderModelReply, additionExamples, JsonOptimizer } from "./helpers/agents.js";
import { recorder } from "./helpers/setup.js";

const DIGITS = "Add the numbers. Reply with digits only.";

/** An adder whose answers are right (with `instruction` = DIGITS) and a silent optimizer. */
function setup(instruction: string) {
  const agent = adder(new ScriptedModel((r) => adderModelReply(r.messages)), instruction);
  const optimizerModel = new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" });
  const optimizer = new JsonOptimizer(agent.parameters(), { model: optimizerModel });
  return { agent, optimizer, optimizerModel };
}

const stepsOf = (records: readonly { type: string }[]) =>
  records.filter((r): r is StepRecord => r.type === "step");

describe("skipping the optimizer on perfect batches", () => {
  it("built-in guides declare their top score", () => {
    expect(exactMatch().maxScore).toBe(1);
    expect(llmJudge({ model: new ScriptedModel([]) }).maxScore).toBe(1);
    expect(guide(() => 1).maxScore).toBeUndefined();
    expect(guide(() => 1, { maxScore: 10 }).maxScore).toBe(10);
    expect(() => guide(() => 1, { maxScore: Number.NaN })).toThrow(/maxScore must be a finite number/);
  });

  it("minibatch makes no optimizer call for a perfect batch and logs the skip", async () => {
    const { agent, optimizer, optimizerModel } = setup(DIGITS);
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(6),
      batchSize: 3,
      onRecord,
      progress: false,
    });
    expect(result.steps).toBe(2);
    expect(optimizerModel.callCount).toBe(0);
    for (const step of stepsOf(records)) {
      expect(step.skipped).toBe("perfect-batch");
      expect(step.proposals).toEqual([]);
      expect(step.kept).toBe(false);
      expect(step.note).toMatch(/^skipped: every example of the batch has the guide's top score/);
      expect(step.batch.scores).toEqual([1, 1, 1]);
    }
  });

  it("steps as before when one example is wrong, when the option is off, or without a top score", async () => {
    // one example of each batch gets the wrong answer
    const agent = adder(
      new ScriptedModel((r, i) => (i % 3 === 0 ? "-1" : adderModelReply(r.messages))),
      DIGITS,
    );
    const model = new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" });
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer: new JsonOptimizer(agent.parameters(), { model }),
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(6),
      batchSize: 3,
      concurrency: 1,
      onRecord,
      progress: false,
    });
    expect(model.callCount).toBe(2);
    expect(stepsOf(records).every((s) => s.skipped === undefined && s.proposals.length === 1)).toBe(true);

    const off = setup(DIGITS);
    await train({
      agent: off.agent,
      optimizer: off.optimizer,
      forward: off.agent.forward,
      guide: exactMatch(),
      train: additionExamples(6),
      batchSize: 3,
      skipPerfectBatches: false,
      progress: false,
    });
    expect(off.optimizerModel.callCount).toBe(2);

    const noTop = setup(DIGITS);
    await train({
      agent: noTop.agent,
      optimizer: noTop.optimizer,
      forward: noTop.agent.forward,
      guide: guide((out: string, ex: { target?: string }) => out === ex.target),
      train: additionExamples(6),
      batchSize: 3,
      progress: false,
    });
    expect(noTop.optimizerModel.callCount).toBe(2);

    const withTop = setup(DIGITS);
    await train({
      agent: withTop.agent,
      optimizer: withTop.optimizer,
      forward: withTop.agent.forward,
      guide: guide((out: string, ex: { target?: string }) => (out === ex.target ? 5 : 0), { maxScore: 5 }),
      train: additionExamples(6),
      batchSize: 3,
      progress: false,
    });
    expect(withTop.optimizerModel.callCount).toBe(0);
  });

  const searches: [string, () => Algorithm][] = [
    ["best-of-n", () => bestOfN({ n: 2 })],
    ["beam-search", () => beamSearch({ width: 2, branches: 2 })],
    ["ucb-search", () => ucbSearch({ bufferSize: 2 })],
  ];
  it.each(searches)("%s asks for no proposal on a perfect batch", async (_name, algorithm) => {
    const { agent, optimizer, optimizerModel } = setup(DIGITS);
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(4),
      validation: additionExamples(2, 30),
      algorithm: algorithm(),
      batchSize: 2,
      onRecord,
      progress: false,
    });
    expect(result.steps).toBe(2);
    expect(optimizerModel.callCount).toBe(0);
    expect(stepsOf(records).map((s) => s.skipped)).toEqual(["perfect-batch", "perfect-batch"]);
    expect(result.best?.score).toBe(1);
  });

  it("a search algorithm still proposes on a batch that is not perfect", async () => {
    const { agent, optimizer, optimizerModel } = setup("Add the numbers.");
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(4),
      algorithm: bestOfN({ n: 2 }),
      batchSize: 2,
      onRecord,
      progress: false,
    });
    expect(optimizerModel.callCount).toBe(4);
    expect(stepsOf(records).map((s) => s.skipped)).toEqual([undefined, undefined]);
  });
});

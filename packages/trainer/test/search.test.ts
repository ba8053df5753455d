import { describe, expect, it } from "@jest/globals";
import { beamSearch, bestOfN, type EvalRecord, type StepRecord, train, ucbSearch } from "@trace-ts/trainer";
import { closeness, multiplierSetup, recorder, scaled } from "./helpers/setup.js";

const steps = (records: readonly { type: string }[]) =>
  records.filter((r): r is StepRecord => r.type === "step");

describe("best-of-N search", () => {
  it("evaluates N proposals and keeps the best one", async () => {
    // target factor 3; the three proposals of step 1 are 5, 3 and 4
    const { agent, optimizer, model } = multiplierSetup(1, (_c, index) => [5, 3, 4][index]);
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      validation: scaled(3, 3, 10),
      algorithm: bestOfN({ n: 3 }),
      batchSize: 2,
      maxSteps: 1,
      onRecord,
      progress: false,
    });
    expect(model.callCount).toBe(3);
    expect(agent.factor.data).toBe(3);
    const [step] = steps(records);
    expect(step!.proposals.map((p) => p.applied[0]!.after)).toEqual([5, 3, 4]);
    expect(step!.proposals.map((p) => p.score)).toEqual([1 / 3, 1, 2 / 3].map((x) => expect.closeTo(x, 10)));
    expect(step!.proposals.map((p) => p.chosen)).toEqual([false, true, false]);
    expect(step!.kept).toBe(true);
    expect(step!.score).toMatchObject({ value: 1, on: "validation", metrics: { score: 1 } });
    expect(result.best).toEqual({ score: 1, step: 1 });
    const labels = records.filter((r) => r.type === "eval").map((r) => (r as { label: string }).label);
    expect(labels).toEqual(["initial", "candidate 1", "candidate 2", "candidate 3"]);
  });

  it("keeps the current parameters when no candidate beats them (scoring on the batch)", async () => {
    const { agent, optimizer } = multiplierSetup(3, (_c, index) => [5, 1, 5][index]);
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      algorithm: bestOfN({ n: 3 }),
      batchSize: 2,
      maxSteps: 1,
      onRecord,
      progress: false,
    });
    expect(agent.factor.data).toBe(3);
    const [step] = steps(records);
    expect(step!.kept).toBe(false);
    expect(step!.note).toMatch(/no candidate beat the current parameters/);
    expect(step!.score).toMatchObject({ value: 1, on: "batch", metrics: { score: 1 } });
    // the duplicate proposal (5 twice) was scored once: candidates are scored by re-running the batch
    expect(step!.proposals[2]!.score).toBe(step!.proposals[0]!.score);
  });
});

describe("beam search", () => {
  it("expands every candidate and keeps the best `width`", async () => {
    // every parent proposes +1 then +2; target factor 6 from 1
    const { agent, optimizer } = multiplierSetup(1, (current, index) => current + (index % 2 === 0 ? 1 : 2));
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(6, 6),
      validation: scaled(6, 2, 10),
      algorithm: beamSearch({ width: 2, branches: 2 }),
      batchSize: 2,
      maxSteps: 3,
      onRecord,
      progress: false,
    });
    const s = steps(records);
    // step 1: 1 → {2, 3}; step 2: 3 → {4, 5}, 2 → {3, 4} (duplicates); step 3: 5 → {6, 7}
    expect(s[0]!.proposals.map((p) => p.applied[0]?.after)).toEqual([2, 3]);
    expect(s[1]!.proposals.map((p) => [p.parent, p.applied[0]?.after])).toEqual([
      [0, 4],
      [0, 5],
      [1, 3],
      [1, 4],
    ]);
    expect(s[1]!.proposals.map((p) => p.score)).toEqual([
      expect.closeTo(4 / 6, 10),
      expect.closeTo(5 / 6, 10),
      null,
      null,
    ]);
    expect(s.map((x) => x.applied[0]?.after)).toEqual([3, 5, 6]);
    expect(agent.factor.data).toBe(6);
    expect(result.best).toEqual({ score: 1, step: 3 });
    expect(s[2]!.proposals.filter((p) => p.chosen)).toHaveLength(1);
  });
});

describe("UCB search", () => {
  it("keeps a bounded buffer and ends with the candidate of best mean score", async () => {
    // proposals alternate between +1 and -1 from the chosen parent; target factor 4 from 1
    const { agent, optimizer } = multiplierSetup(1, (current, index) => current + (index % 3 === 2 ? -1 : 1));
    const { records, onRecord } = recorder();
    const algorithm = ucbSearch({ bufferSize: 3, exploration: 0.5, evalSize: 2 });
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 10),
      validation: scaled(4, 4, 20),
      algorithm,
      batchSize: 2,
      maxSteps: 6,
      seed: 3,
      onRecord,
      progress: false,
    });
    expect(result.steps).toBe(6);
    expect(agent.factor.data).toBe(4);
    expect(result.best?.score).toBe(1);
    const buffer = (algorithm.state() as { candidates: { values: unknown[]; count: number }[] }).candidates;
    expect(buffer.length).toBe(3);
    expect(buffer.map((c) => c.values[0])).toContain(4);
    for (const s of steps(records)) expect(s.proposals).toHaveLength(1);
    // two evaluations of evalSize examples per step: the parent and the new candidate
    const evals = records.filter((r): r is EvalRecord => r.type === "eval" && r.step > 0);
    expect(evals.length).toBeGreaterThanOrEqual(6);
    expect(evals.every((e) => e.indices?.length === 2)).toBe(true);
  });
});

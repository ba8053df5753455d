/**
 * Pareto search: per-example fronts and wins, parent sampling by wins, the minibatch gate, merges,
 * budgets, objectives with several metrics, and state that survives a resume.
 */
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { type GenerateRequest, graphScope, node, ops, type ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  type EvalRecord,
  type Example,
  guide,
  paretoSearch,
  Rng,
  type RunLogRecord,
  resume,
  type StepRecord,
  type TrainConfig,
  train,
} from "@trace-ts/trainer";
import { mergeSnapshots } from "../src/algorithms/merge.js";
import {
  dominatesOnExamples,
  exampleFronts,
  nearestCommonAncestor,
  parentWeights,
  sampleByWeight,
  winCounts,
} from "../src/algorithms/pareto-pool.js";
import { JsonOptimizer, multiplier, promptVariables, userText } from "./helpers/agents.js";
import { normalizedLog } from "./helpers/log.js";
import { closeness, recorder, scaled } from "./helpers/setup.js";
import { tempDirs } from "./helpers/tmp.js";

const tempDir = tempDirs("trainer-pareto-");

const steps = (records: readonly RunLogRecord[]) => records.filter((r): r is StepRecord => r.type === "step");
const candidateEvals = (records: readonly RunLogRecord[]) =>
  records
    .filter((r): r is EvalRecord => r.type === "eval" && /^(candidate|merge) \d+$/.test(r.label))
    .map((r) => r.label);

/** The JSON state of a pareto search, as far as the tests read it. */
interface SavedState {
  pareto: { pool: string; indices: number[] };
  lineage: { parents: number[]; values: unknown[] }[];
  pool: { id: number; scores: (number | null)[]; metrics: Record<string, number> }[];
  triedMerges: [number, number][];
  spent: { modelCalls: number; rollouts: number };
}
const saved = (algorithm: { state(): unknown }) => algorithm.state() as SavedState;

/**
 * A JsonOptimizer over `parameters` whose scripted model answers from the values in the prompt
 * and the candidate's sample index only (never from call order, so a resumed run gets the same
 * answers): `respond(values by parameter name, sample)` gives the suggestion by parameter name.
 */
function scripted(
  parameters: readonly ParameterNode[],
  respond: (
    values: Record<string, number>,
    sample: number,
    prompt: string,
  ) => Readonly<Record<string, number | undefined>>,
) {
  const model = new ScriptedModel((request: GenerateRequest) => {
    const prompt = userText(request.messages);
    const vars = promptVariables(prompt);
    const values = Object.fromEntries(parameters.map((p) => [p.name.split(":")[0]!, vars[p.key] as number]));
    const suggestion = respond(values, request.sample ?? 0, prompt);
    return JSON.stringify({
      suggestion: Object.fromEntries(
        Object.entries(suggestion)
          .filter(([, v]) => v !== undefined)
          .map(([name, v]) => [parameters.find((p) => p.name.split(":")[0] === name)!.key, v]),
      ),
    });
  });
  return { model, optimizer: new JsonOptimizer(parameters, { model }) };
}

/** A multiplier agent (factor `initial`) with a scripted optimizer. */
function multiplierRun(
  initial: number,
  respond: (factor: number, sample: number, prompt: string) => number | undefined,
) {
  const agent = graphScope(() => multiplier(initial));
  const { model, optimizer } = scripted([agent.factor], ({ factor }, sample, prompt) => {
    const v = respond(factor!, sample, prompt);
    return v === undefined ? {} : { factor: v };
  });
  return { agent, model, optimizer };
}

describe("pareto pool helpers", () => {
  // candidate × example; example 4 has no value for anyone
  const values = [
    [1, 0.5, null, 0.2, null],
    [1, 0.7, 0.1, 0.2, null],
    [0.5, 0.7, null, 0.9, null],
    [0.2, 0.1, 0, 0.1, null],
  ];

  it("computes per-example fronts (ties: all of them) and wins", () => {
    const fronts = exampleFronts(values, 5);
    expect(fronts).toEqual([[0, 1], [1, 2], [1], [2], []]);
    expect(winCounts(fronts, 4)).toEqual([1, 3, 2, 0]);
  });

  it("gives no parent weight to a candidate without wins or dominated on the examples", () => {
    expect(dominatesOnExamples(values[1]!, values[0]!)).toBe(true);
    expect(dominatesOnExamples(values[0]!, values[1]!)).toBe(false);
    expect(dominatesOnExamples(values[1]!, values[1]!)).toBe(false);
    // candidate 0 is on example 0's front but candidate 1 dominates it
    expect(parentWeights(values, 5)).toEqual([0, 3, 2, 0]);
    // twins: neither dominates the other, both keep their wins
    expect(parentWeights([values[2]!, values[2]!], 5)).toEqual([3, 3]);
  });

  it("draws parents in proportion to their weights", () => {
    const rng = Rng.fromSeed(5);
    const weights = [3, 1, 0, 2];
    const counts = [0, 0, 0, 0];
    const draws = 12_000;
    for (let i = 0; i < draws; i++) counts[sampleByWeight(weights, rng)]!++;
    expect(counts[2]).toBe(0);
    const expected = [3 / 6, 1 / 6, 0, 2 / 6];
    counts.forEach((c, i) => {
      expect(Math.abs(c / draws - expected[i]!)).toBeLessThan(0.02);
    });
    // the same seed draws the same parents
    const again = Rng.fromSeed(5);
    const first = Rng.fromSeed(5);
    const a = Array.from({ length: 50 }, () => sampleByWeight(weights, first));
    expect(Array.from({ length: 50 }, () => sampleByWeight(weights, again))).toEqual(a);
  });

  it("finds the nearest common ancestor and merges what each side changed", () => {
    const parents = [[], [0], [0], [1], [2], [3, 4]];
    expect(nearestCommonAncestor(parents, 3, 4)).toBe(0);
    expect(nearestCommonAncestor(parents, 5, 3)).toBe(3);
    expect(nearestCommonAncestor(parents, 3, 1)).toBe(1);
    expect(nearestCommonAncestor([[], []], 0, 1)).toBeUndefined();
    const rng = Rng.fromSeed(1);
    // a changed the first value, b the second; both changed the third (a has more wins)
    expect(mergeSnapshots([3, 0, "x"], [1, 5, "y"], [1, 0, "z"], 2, 1, rng)).toEqual([3, 5, "x"]);
    expect(mergeSnapshots([3, 0, "x"], [1, 5, "y"], [1, 0, "z"], 1, 2, rng)).toEqual([3, 5, "y"]);
    // no draw unless the wins tie on a parameter both changed
    const untouched = rng.clone();
    mergeSnapshots([3, 0], [1, 5], [1, 0], 1, 1, rng);
    expect(rng.state()).toEqual(untouched.state());
  });
});

describe("pareto search", () => {
  // examples 0–2 need factor 2, example 3 needs factor 3
  const mixed: Example<number, number>[] = [
    { id: "a", input: 1, target: 2 },
    { id: "b", input: 2, target: 4 },
    { id: "c", input: 3, target: 6 },
    { id: "d", input: 4, target: 12 },
  ];

  it("keeps a candidate that is best on only one example and draws it as a parent", async () => {
    const { agent, optimizer } = multiplierRun(1, (f) =>
      f === 1 ? 3 : f === 3 ? 2 : f === 2 ? 1.9 : undefined,
    );
    const { records, onRecord } = recorder();
    const algorithm = paretoSearch({ poolSize: 2 });
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: mixed,
      validation: mixed,
      algorithm,
      batchSize: 4,
      maxSteps: 10,
      seed: 4,
      onRecord,
      progress: false,
    });
    const state = saved(algorithm);
    // 1 → 3 (candidate 1, best only on example 3), 3 → 2 (candidate 2, best on examples 0–2);
    // the start (candidate 0) has no wins and is pruned from the pool of 2
    expect(state.lineage.map((l) => l.values[0])).toEqual([1, 3, 2]);
    expect(state.pool.map((m) => m.id)).toEqual([1, 2]);
    expect(agent.factor.data).toBe(2);
    const s = steps(records);
    expect(s[0]!.proposals[0]!.parent).toBe(0);
    expect(s[1]!.proposals[0]!.parent).toBe(1);
    // later steps draw candidate 1 (1 win) as well as candidate 2 (3 wins)
    const later = s.slice(2).map((x) => x.proposals[0]?.parent);
    expect(later).toContain(1);
    expect(later).toContain(2);
    expect(s.at(-1)!.score).toEqual({
      value: expect.closeTo(11 / 12, 10),
      on: "validation",
      metrics: expect.anything(),
    });
  });

  it("evaluates on the Pareto set only candidates at least as good as their parent on the batch", async () => {
    // from 2: first 1 (worse), then 3 (better)
    const run = async (gate: "batch" | "none") => {
      let asked = 0;
      const { agent, optimizer } = multiplierRun(2, (f) => (f === 2 ? (asked++ === 0 ? 1 : 3) : undefined));
      const { records, onRecord } = recorder();
      const algorithm = paretoSearch({ gate });
      await train({
        agent,
        optimizer,
        forward: agent.forward,
        guide: closeness,
        train: scaled(3, 4),
        validation: scaled(3, 3, 10),
        algorithm,
        batchSize: 2,
        maxSteps: 2,
        onRecord,
        progress: false,
      });
      return { agent, records, algorithm };
    };
    const gated = await run("batch");
    expect(candidateEvals(gated.records)).toEqual(["candidate 0", "candidate 1"]);
    const [first] = steps(gated.records);
    expect(first!.kept).toBe(false);
    expect(first!.note).toMatch(/did worse than its parent on the batch .* not evaluated/);
    expect(first!.proposals[0]!.score).toBeLessThan(first!.batch.mean);
    expect(saved(gated.algorithm).lineage.map((l) => l.values[0])).toEqual([2, 3]);
    expect(gated.agent.factor.data).toBe(3);

    const ungated = await run("none");
    expect(candidateEvals(ungated.records)).toEqual(["candidate 0", "candidate 1", "candidate 2"]);
    expect(saved(ungated.algorithm).lineage.map((l) => l.values[0])).toEqual([2, 1, 3]);
  });

  it("merges two candidates, taking from each the parameter it changed", async () => {
    const agent = graphScope(() => {
      const a = node(1, { trainable: true, name: "a", description: "slope" });
      const b = node(0, { trainable: true, name: "b", description: "offset" });
      return { a, b, parameters: () => [a, b], forward: (x: number) => ops.add(ops.multiply(a, x), b) };
    });
    // from the start, sample 0 changes the slope, sample 1 the offset; then nothing
    const { model, optimizer } = scripted([agent.a, agent.b], (v, sample) =>
      v.a === 1 && v.b === 0 ? (sample === 0 ? { a: 3 } : { b: 5 }) : {},
    );
    // target 3x + 5: the slope wins at x = 10, the offset at x = 1
    const data = [
      { id: "small", input: 1, target: 8 },
      { id: "large", input: 10, target: 35 },
    ];
    const { records, onRecord } = recorder();
    const algorithm = paretoSearch({ numProposals: 2, merge: { every: 2 } });
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: data,
      validation: data,
      algorithm,
      batchSize: 2,
      maxSteps: 2,
      onRecord,
      progress: false,
    });
    expect([agent.a.data, agent.b.data]).toEqual([3, 5]);
    expect(model.callCount).toBe(2); // the merge asks no model
    const state = saved(algorithm);
    expect(state.lineage).toEqual([
      { parents: [], values: [1, 0] },
      { parents: [0], values: [3, 0] },
      { parents: [0], values: [1, 5] },
      { parents: [1, 2], values: [3, 5] },
    ]);
    expect(state.triedMerges).toEqual([[1, 2]]);
    const merge = steps(records)[1]!;
    expect(merge.proposals).toHaveLength(1);
    const [p] = merge.proposals;
    expect(p!.reasoning).toBe("merge of candidates 1 and 2");
    expect(p!.calls).toEqual([]);
    // relative to the better parent (3x): the offset changed
    expect(p!.parent).toBe(1);
    expect(p!.applied.map((c) => [c.before, c.after])).toEqual([[0, 5]]);
    expect(p!.chosen).toBe(true);
    expect(p!.score).toBe(1);
    expect(candidateEvals(records)).toEqual(["candidate 0", "candidate 1", "candidate 2", "merge 3"]);
  });

  it.each([
    // set-up: 3 validation rollouts; each step: batch 2 + new candidate's batch 2 + evaluation 3
    ["maxRollouts", { maxRollouts: 12 }, /maxRollouts: 17\/12/],
    // no usage tracker: 1 model call per rollout, plus 1 optimizer call per step
    ["maxModelCalls", { maxModelCalls: 15 }, /maxModelCalls: 19\/15/],
  ] as const)("%s ends the run with reason search-budget", async (_name, budget, message) => {
    const { agent, optimizer } = multiplierRun(1, (f) => f + 1);
    const { records, onRecord } = recorder();
    const algorithm = paretoSearch(budget);
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(10, 4),
      validation: scaled(10, 3, 10),
      algorithm,
      batchSize: 2,
      maxSteps: 10,
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("search-budget");
    expect(result.steps).toBe(2);
    expect(saved(algorithm).spent).toEqual({ rollouts: 17, modelCalls: 19 });
    expect(JSON.stringify(records.filter((r) => r.type === "end"))).toMatch(message);
    expect(agent.factor.data).toBe(3);
  });

  it("compares candidates per example with the run's objective", async () => {
    // each example costs 0.3 per unit of output: the accurate factor 3 costs more than it gains
    const costly = guide(
      (out: number, example: Example<number, number>) => {
        const t = example.target!;
        const score = Math.max(0, 1 - Math.abs(out - t) / Math.abs(t));
        return { score, feedback: out === t ? "Correct." : `Expected ${t}.`, metrics: { cost: 0.3 * out } };
      },
      { name: "costly" },
    );
    const run = async (objective: TrainConfig<number, number, number>["objective"]) => {
      const { agent, optimizer } = multiplierRun(1, (f) => (f === 1 ? 3 : undefined));
      const algorithm = paretoSearch({ gate: "none" });
      await train({
        agent,
        optimizer,
        forward: agent.forward,
        guide: costly,
        train: scaled(3, 3),
        validation: scaled(3, 3),
        algorithm,
        batchSize: 3,
        maxSteps: 1,
        progress: false,
        ...(objective ? { objective } : {}),
      });
      return { agent, state: saved(algorithm) };
    };
    const plain = await run(undefined);
    expect(plain.agent.factor.data).toBe(3);
    expect(plain.state.pool.map((m) => m.scores)).toEqual([
      [1 / 3, 1 / 3, 1 / 3].map((x) => expect.closeTo(x, 10)),
      [1, 1, 1],
    ]);
    const weighted = await run({ kind: "weighted", weights: { score: 1, cost: 1 }, minimize: ["cost"] });
    // score − cost per example: factor 1 gives 1/3 − 0.3x, factor 3 gives 1 − 0.9x
    expect(weighted.state.pool.map((m) => m.scores)).toEqual([
      [1, 2, 3].map((x) => expect.closeTo(1 / 3 - 0.3 * x, 10)),
      [1, 2, 3].map((x) => expect.closeTo(1 - 0.9 * x, 10)),
    ]);
    expect(weighted.state.pool[1]!.metrics.cost).toBeCloseTo(1.8, 10);
    // factor 3 is on example 0's front only, and the cheaper start stays in effect
    expect(weighted.agent.factor.data).toBe(1);
  });

  it("round-trips its state and rejects a damaged one", async () => {
    const { agent, optimizer } = multiplierRun(1, (f, sample) => f + 1 + sample);
    const algorithm = paretoSearch({ numProposals: 2, merge: { every: 2 } });
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(5, 6),
      algorithm,
      batchSize: 2,
      maxSteps: 3,
      progress: false,
    });
    const state = JSON.parse(JSON.stringify(algorithm.state())) as SavedState;
    expect(state.pareto.pool).toBe("train");
    expect(state.pareto.indices).toEqual([0, 1, 2, 3, 4, 5]);
    expect(state.lineage.length).toBeGreaterThan(1);
    const fresh = paretoSearch({ numProposals: 2, merge: { every: 2 } });
    fresh.loadState(state);
    expect(fresh.state()).toEqual(state);

    const damaged: [unknown, RegExp][] = [
      [null, /must be an object/],
      [{ ...state, pareto: { pool: "test", indices: [0] } }, /pareto.pool/],
      [{ ...state, pareto: { pool: "train", indices: [0, 0] } }, /twice/],
      [{ ...state, lineage: [] }, /lineage/],
      [{ ...state, lineage: [{ parents: [1], values: [1] }, ...state.lineage.slice(1)] }, /parents/],
      [{ ...state, pool: [{ ...state.pool[0]!, id: 99 }] }, /id/],
      [{ ...state, pool: [{ ...state.pool[0]!, scores: [1] }] }, /one score/],
      [{ ...state, pool: [{ ...state.pool[0]!, metrics: { score: "high" } }] }, /metrics/],
      [{ ...state, triedMerges: [[2, 1]] }, /triedMerges/],
      [{ ...state, spent: { modelCalls: -1, rollouts: 0 } }, /spent/],
    ];
    for (const [bad, problem] of damaged) {
      const target = paretoSearch();
      expect(() => target.loadState(bad)).toThrow(TypeError);
      expect(() => target.loadState(bad)).toThrow(problem);
    }
  });

  it("rejects bad options", () => {
    expect(() => paretoSearch({ gate: "strict" as "batch" })).toThrow(/gate/);
    expect(() => paretoSearch({ poolSize: 0 })).toThrow(/poolSize/);
    expect(() => paretoSearch({ merge: { every: 0 } })).toThrow(/every/);
    expect(() => paretoSearch({ merge: { often: 2 } as unknown as { every: number } })).toThrow(/often/);
    expect(() => paretoSearch({ width: 2 } as object)).toThrow(/width/);
  });

  it("resumed from a checkpoint, ends like an uninterrupted run", async () => {
    const setup = (dir: string, maxSteps: number) => {
      const s = multiplierRun(1, (f, sample, prompt) => {
        const small = (prompt.match(/Too small/g) ?? []).length;
        const big = (prompt.match(/Too big/g) ?? []).length;
        return small > big ? f + 1 + 2 * sample : big > small ? f - 1 - sample : undefined;
      });
      const config: TrainConfig<number, number, number> = {
        agent: s.agent,
        optimizer: s.optimizer,
        forward: s.agent.forward,
        guide: closeness,
        // odd inputs need factor 2, even ones factor 4: candidates win on different examples
        train: Array.from({ length: 10 }, (_, i) => ({
          id: `x${i + 1}`,
          input: i + 1,
          target: (i % 2 === 0 ? 2 : 4) * (i + 1),
        })),
        algorithm: paretoSearch({ numProposals: 2, paretoSize: 5, gate: "none", merge: { every: 3 } }),
        batchSize: 2,
        maxSteps,
        seed: 9,
        checkpoint: join(dir, "checkpoint.json"),
        log: join(dir, "log.jsonl"),
        progress: false,
      };
      return { ...s, config };
    };
    const whole = setup(tempDir(), 4);
    const full = await train(whole.config);
    expect(full.steps).toBe(4);
    expect(whole.agent.factor.data).not.toBe(1);
    // step 3 merged two candidates (drawn with the run's generator)
    const merged = steps(normalizedLog(whole.config.log!) as RunLogRecord[])[2]!;
    expect(merged.proposals[0]!.reasoning).toMatch(/^merge of candidates \d+ and \d+$/);

    const dir = tempDir();
    const first = setup(dir, 2);
    expect((await train(first.config)).steps).toBe(2);
    const second = setup(dir, 4); // a fresh process rebuilds agent, optimizer and algorithm
    const resumed = await resume(second.config);
    expect(resumed.resumed).toBe(true);
    expect(resumed.steps).toBe(4);
    expect(second.agent.factor.data).toBe(whole.agent.factor.data);
    // the state holds each candidate's mean metrics; only the wall-clock latencyMs differs
    const timeless = (state: unknown) =>
      JSON.parse(JSON.stringify(state, (key, value: unknown) => (key === "latencyMs" ? undefined : value)));
    expect(timeless(second.config.algorithm!.state())).toEqual(timeless(whole.config.algorithm!.state()));
    // the run record keeps the first invocation's maxSteps; everything else is the same
    const sameLimit = (log: unknown[]) =>
      log.map((r) => ((r as { type: string }).type === "run" ? { ...(r as object), maxSteps: null } : r));
    expect(sameLimit(normalizedLog(second.config.log!))).toEqual(sameLimit(normalizedLog(whole.config.log!)));
  });
});

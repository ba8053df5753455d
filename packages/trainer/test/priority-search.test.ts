import { describe, expect, it } from "@jest/globals";
import { type Optimizer, type ParameterNode, type Proposal, ProviderError } from "@trace-ts/core";
import {
  type CandidateView,
  type EvalRecord,
  type Example,
  guide,
  type PriorityContext,
  type PrioritySearchOptions,
  prioritySearch,
  type StepRecord,
  streamingPrioritySearch,
  type TrainConfig,
  train,
} from "@trace-ts/trainer";
import type { Algorithm, AlgorithmContext, BatchRun, StepOutcome } from "../src/algorithms/types.js";
import { Rng } from "../src/data/rng.js";
import type { Metrics } from "../src/objective/metrics.js";
import { Objective } from "../src/objective/objective.js";
import { closeness, multiplierSetup, recorder, scaled } from "./helpers/setup.js";

const steps = (records: readonly { type: string }[]) =>
  records.filter((r): r is StepRecord => r.type === "step");
const evals = (records: readonly { type: string }[]) =>
  records.filter((r): r is EvalRecord => r.type === "eval");
/** [parent, value proposed] of each proposal of a step. */
const expansions = (s: StepRecord) => s.proposals.map((p) => [p.parent, p.applied[0]?.after ?? null]);
type Memory = { memory: { id: number; values: unknown[]; count: number; sums: Record<string, number> }[] };
const memoryOf = (a: Algorithm) => (a.state() as Memory).memory;

/**
 * A multiplier run towards factor 6 on 6 training examples (batch 2), with the proposals of
 * `table` in call order (undefined: no suggestion). Scores depend only on the factor.
 */
function run(
  algorithm: Algorithm,
  table: readonly (number | undefined)[],
  extra: Partial<TrainConfig<number, number, number>> = {},
) {
  const s = multiplierSetup(1, (_current, index) => table[index]);
  const { records, onRecord } = recorder();
  let forwards = 0;
  const config: TrainConfig<number, number, number> = {
    agent: s.agent,
    optimizer: s.optimizer,
    forward: (x) => {
      forwards++;
      return s.forward(x);
    },
    guide: closeness,
    train: scaled(6, 6),
    algorithm,
    batchSize: 2,
    maxSteps: 2,
    onRecord,
    progress: false,
    ...extra,
  };
  return { ...s, records, config, forwards: () => forwards };
}

describe("priority search: exploit and explore", () => {
  it("expands the best candidate and the one of highest priority, sharing the step's minibatch", async () => {
    // step 1: 1 → 2, 3; step 2: best 3 → 4, 5 and explored 2 → 3 (known), 4 (made this step)
    const algorithm = prioritySearch({ numCandidates: 2, numProposals: 2 });
    const r = run(algorithm, [2, 3, 4, 5, 3, 4]);
    const result = await train(r.config);
    const [s1, s2] = steps(r.records);
    expect(expansions(s1!)).toEqual([
      [0, 2],
      [0, 3],
    ]);
    expect(expansions(s2!)).toEqual([
      [2, 4],
      [2, 5],
      [1, 3],
      [1, 4],
    ]);
    // new candidates were scored on the batch (no validation set): exact since scores depend on the factor
    expect(s2!.proposals.map((p) => p.score)).toEqual([
      expect.closeTo(4 / 6, 10),
      expect.closeTo(5 / 6, 10),
      null,
      null,
    ]);
    expect(s2!.proposals.map((p) => p.chosen)).toEqual([false, true, false, false]);
    expect(s2!.note).toMatch(/2 proposals repeat a known candidate/);
    expect(s2!.score).toMatchObject({ value: expect.closeTo(5 / 6, 10), on: "batch" });
    expect(r.agent.factor.data).toBe(5);
    expect(result.steps).toBe(2);
    expect(memoryOf(algorithm).map((c) => [c.id, c.values[0]])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    // each expanded candidate ran the same minibatch: its rollouts were added to its statistics
    const c1 = memoryOf(algorithm).find((c) => c.id === 1)!;
    expect(c1.count).toBe(4); // its validation on the step-1 batch plus its step-2 expansion
    expect(algorithm.name).toBe("priority-search");
    expect(algorithm.options).toEqual({
      numCandidates: 2,
      numProposals: 2,
      memorySize: 16,
      shortTermSteps: 2,
      priority: "mean",
      exploration: 1,
      validate: null,
      evalSize: null,
      filter: false,
    });
  });
});

describe("priority search: priority rules", () => {
  // validated on 3 validation examples: at step 2 the memory holds c0 (factor 1, 5 rollouts:
  // 3 validation + 2 batch), c1 (3, the best, 3 rollouts) and c2 (0.5, 3 rollouts)
  const table = [3, 0.5, 3.5, 2.5, 0.9, 0.8];
  const explored = async (options: PrioritySearchOptions) => {
    const r = run(prioritySearch({ numCandidates: 2, ...options }), table, {
      validation: scaled(6, 3, 10),
    });
    await train(r.config);
    const s2 = steps(r.records)[1]!;
    expect(s2.proposals.slice(0, 2).map((p) => p.parent)).toEqual([1, 1]);
    return s2.proposals[2]!.parent;
  };

  it("mean: the other candidate of highest mean", async () => {
    expect(await explored({ priority: "mean" })).toBe(0);
  });
  it("recency: the newest candidate", async () => {
    expect(await explored({ priority: "recency" })).toBe(2);
  });
  it("ucb: the exploration bonus favours the candidate with fewer rollouts", async () => {
    expect(await explored({ priority: "ucb", exploration: 0 })).toBe(0);
    expect(await explored({ priority: "ucb", exploration: 100 })).toBe(2);
  });
  it("a function: sees each candidate's view and the step", async () => {
    const seen: [CandidateView, PriorityContext][] = [];
    const lowest = (c: CandidateView, context: PriorityContext) => {
      seen.push([c, context]);
      return -c.value;
    };
    expect(await explored({ priority: lowest })).toBe(2);
    const atStep2 = seen.filter(([, ctx]) => ctx.step === 2).map(([c, ctx]) => [c.id, c.count, ctx.total]);
    expect(atStep2).toEqual(
      expect.arrayContaining([
        [0, 5, 11],
        [2, 3, 11],
      ]),
    );
    const c2 = seen.find(([c]) => c.id === 2)![0];
    expect(c2).toMatchObject({
      createdStep: 1,
      lastExpandedStep: null,
      value: expect.closeTo(1 - 5.5 / 6, 10),
    });
    expect(c2.metrics.score).toBeCloseTo(1 - 5.5 / 6, 10);
    expect(prioritySearch({ priority: lowest }).options.priority).toBe("custom");
  });
  it("a function returning NaN is an error", async () => {
    const r = run(prioritySearch({ numCandidates: 2, priority: () => Number.NaN }), table);
    await expect(train(r.config)).rejects.toThrow(/priority function returned NaN/);
  });
});

describe("priority search: memory", () => {
  it("bounds the long-term memory by dropping the lowest priority, never the best", async () => {
    // recency priority, no short-term memory, 2 kept: the best (3, made at step 1) outlives newer ones
    const algorithm = prioritySearch({
      numCandidates: 2,
      priority: "recency",
      memorySize: 2,
      shortTermSteps: 0,
    });
    const r = run(algorithm, [3, 0.5, 2.5, 2, 0.75, 0.8]);
    await train(r.config);
    const [s1, s2] = steps(r.records);
    expect(expansions(s1!)).toEqual([
      [0, 3],
      [0, 0.5],
    ]);
    // after step 1 the starting candidate (oldest) was dropped: step 2 expands 3 and 0.5
    expect(s2!.proposals.map((p) => p.parent)).toEqual([1, 1, 2, 2]);
    expect(memoryOf(algorithm).map((c) => [c.id, c.values[0]])).toEqual([
      [1, 3],
      [3, 2.5],
    ]);
    expect(r.agent.factor.data).toBe(3);
  });

  it("keeps candidates of the short-term memory beyond the bound", async () => {
    const algorithm = prioritySearch({
      numCandidates: 2,
      priority: "recency",
      memorySize: 1,
      shortTermSteps: 1,
    });
    const r = run(algorithm, [3, 0.5, 2.5, 2, 0.75, 0.8]);
    await train(r.config);
    // step 2's four new candidates are short-term; of the older ones only the best (3) is left
    expect(memoryOf(algorithm).map((c) => c.values[0])).toEqual([3, 2.5, 2, 0.75, 0.8]);
  });

  it("adds neither duplicates nor proposals that change nothing", async () => {
    // step 1: 1 → 3, 3 (a repeat); step 2: 3 → 1 (the starting candidate), nothing
    const algorithm = prioritySearch({ numCandidates: 1 });
    const r = run(algorithm, [3, 3, 1, undefined]);
    await train(r.config);
    const [s1, s2] = steps(r.records);
    expect(s1!.note).toMatch(/^1 proposal repeats a known candidate$/);
    expect(s2!.note).toBe(
      "the best candidate is unchanged; 1 proposal changed nothing; 1 proposal repeats a known candidate",
    );
    expect(s2!.kept).toBe(false);
    expect(memoryOf(algorithm).map((c) => c.values[0])).toEqual([1, 3]);
  });
});

describe("priority search: filter", () => {
  it("drops the proposals the filter refuses before they are validated", async () => {
    const asked: [unknown, unknown, number][] = [];
    const algorithm = prioritySearch({
      numCandidates: 1,
      filter: async ({ values, parent, step, proposal }) => {
        expect(proposal.suggestion).toBeDefined();
        asked.push([values[0], parent[0], step]);
        return values[0] !== 5;
      },
    });
    const r = run(algorithm, [5, 2, 4, 5], { validation: scaled(6, 3, 10) });
    await train(r.config);
    const [s1] = steps(r.records);
    expect(asked).toEqual([
      [5, 1, 1],
      [2, 1, 1],
      [4, 2, 2],
      [5, 2, 2],
    ]);
    expect(s1!.note).toBe("1 proposal was dropped by the filter");
    expect(s1!.proposals.map((p) => p.score)).toEqual([null, expect.closeTo(2 / 6, 10)]);
    // only the candidates kept were validated
    expect(evals(r.records).map((e) => e.label)).toEqual([
      "initial",
      "candidate 0",
      "candidate 1",
      "candidate 2",
    ]);
    expect(memoryOf(algorithm).map((c) => c.values[0])).toEqual([1, 2, 4]);
    expect(algorithm.options.filter).toBe(true);
  });
});

describe("priority search: validation of new candidates", () => {
  it("validation: each new candidate on a seeded sample of evalSize examples", async () => {
    const r = run(prioritySearch({ numCandidates: 1, evalSize: 2 }), [2, 3, 4, 5], {
      validation: scaled(6, 4, 10),
    });
    await train(r.config);
    const e = evals(r.records).filter((x) => x.label !== "initial");
    expect(e.map((x) => [x.step, x.label, x.indices?.length])).toEqual([
      [0, "candidate 0", 2],
      [1, "candidate 1", 2],
      [1, "candidate 2", 2],
      [2, "candidate 3", 2],
      [2, "candidate 4", 2],
    ]);
    // the candidates of one step share their sample
    expect(e[1]!.indices).toEqual(e[2]!.indices);
    expect(steps(r.records).map((s) => s.score?.on)).toEqual(["validation", "validation"]);
  });

  it("batch: new candidates re-run the step's minibatch, nothing is evaluated", async () => {
    const r = run(prioritySearch({ numCandidates: 1, validate: "batch" }), [2, 3, 4, 5], { maxSteps: 1 });
    await train(r.config);
    // the expanded candidate's batch, then each of the 2 new candidates on the same 2 examples
    expect(r.forwards()).toBe(6);
    expect(evals(r.records)).toEqual([]);
    expect(steps(r.records)[0]!.proposals.map((p) => p.score)).toEqual([
      expect.closeTo(2 / 6, 10),
      expect.closeTo(3 / 6, 10),
    ]);
  });

  it("rollouts: new candidates are not evaluated when made", async () => {
    const r = run(prioritySearch({ numCandidates: 1, validate: "rollouts" }), [2, 3, 4, 5], { maxSteps: 1 });
    await train(r.config);
    expect(r.forwards()).toBe(2);
    expect(steps(r.records)[0]!.proposals.map((p) => p.score)).toEqual([null, null]);
    // nothing new has statistics yet: the starting parameters stay in effect
    expect(r.agent.factor.data).toBe(1);
  });

  it("refuses validate 'validation' without a validation set", async () => {
    const r = run(prioritySearch({ validate: "validation" }), []);
    await expect(train(r.config)).rejects.toThrow(
      /'validation' is required by the priority-search algorithm/,
    );
  });
});

describe("streaming priority search", () => {
  it("explores candidates that have no rollouts yet first", async () => {
    const algorithm = streamingPrioritySearch({ numCandidates: 2, numProposals: 2 });
    const r = run(algorithm, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], { maxSteps: 3 });
    await train(r.config);
    const [s1, s2, s3] = steps(r.records);
    expect(s1!.proposals.map((p) => p.parent)).toEqual([0, 0]);
    // step 2: the only scored candidate (0) and the oldest unscored one (1)
    expect(s2!.proposals.map((p) => p.parent)).toEqual([0, 0, 1, 1]);
    // step 3: the best so far (1, factor 2) and the oldest unscored one (2)
    expect(s3!.proposals.map((p) => p.parent)).toEqual([1, 1, 2, 2]);
    expect(evals(r.records)).toEqual([]);
    // 3 steps × 2 candidates × 2 examples, no evaluation of new candidates
    expect(r.forwards()).toBe(2 + 4 + 4);
    expect(algorithm.name).toBe("streaming-priority-search");
    expect(algorithm.options).toMatchObject({ priority: "ucb", validate: "rollouts" });
  });

  it("does not use a validation set and accepts no validate option", async () => {
    const algorithm = streamingPrioritySearch();
    // its own defaults: 3 candidates per step, one proposal each
    expect(algorithm.options).toMatchObject({ numCandidates: 3, numProposals: 1 });
    const r = run(algorithm, [2, 3], { maxSteps: 1, validation: scaled(6, 2, 10) });
    await train(r.config);
    expect(steps(r.records)[0]!.proposals.map((p) => p.score)).toEqual([null]);
    expect(() => streamingPrioritySearch({ validate: "batch" } as never)).toThrow(/validate/);
  });
});

describe("priority search with a multi-metric objective", () => {
  /** closeness plus a cost: the square of the factor. */
  const costly = guide(
    (out: number, example: Example<number, number>) => {
      const t = example.target!;
      const factor = out / example.input;
      return {
        score: Math.max(0, 1 - Math.abs(out - t) / Math.abs(t)),
        feedback: out === t ? "Correct." : `Got ${out}, expected ${t}.`,
        metrics: { cost: factor * factor },
      };
    },
    { name: "costly" },
  );
  // target factor 3, proposals 3 and 2 from `start`
  const make = (start: number, table: number[]) => {
    const r = run(prioritySearch({ numCandidates: 1 }), table, {
      guide: costly,
      train: scaled(3, 4),
      maxSteps: 1,
    });
    r.agent.factor.data = start;
    return r;
  };

  it("a weighted objective that minimizes cost picks the cheaper candidate", async () => {
    const plain = make(1, [3, 2]);
    await train(plain.config);
    expect(plain.agent.factor.data).toBe(3);

    // 12·score − cost: factor 1 → 3, factor 3 → 3, factor 2 → 4
    const weighted = make(1, [3, 2]);
    await train({
      ...weighted.config,
      objective: { kind: "weighted", weights: { score: 12, cost: 1 }, minimize: ["cost"] },
    });
    expect(weighted.agent.factor.data).toBe(2);
    const [s] = steps(weighted.records);
    expect(s!.proposals.map((p) => p.chosen)).toEqual([false, true]);
    expect(s!.proposals.map((p) => p.score)).toEqual([expect.closeTo(3, 10), expect.closeTo(4, 10)]);
    expect(s!.proposals[1]!.metrics).toMatchObject({ score: expect.closeTo(2 / 3, 10), cost: 4 });
    expect(s!.score).toMatchObject({ value: expect.closeTo(4, 10), metrics: { cost: 4 } });
  });

  it("a Pareto objective: a candidate that trades score for cost does not replace the current one", async () => {
    // from 2 (score 2/3, cost 4): 3 (1, 9) and 1 (1/3, 1) are not better on both
    const tie = make(2, [3, 1]);
    await train({
      ...tie.config,
      objective: { kind: "pareto", metrics: ["score", "cost"], minimize: ["cost"] },
    });
    expect(tie.agent.factor.data).toBe(2);
    expect(steps(tie.records)[0]!.kept).toBe(false);
    // from 4 (2/3, 16): 3 (1, 9) dominates it
    const dominated = make(4, [5, 3]);
    await train({
      ...dominated.config,
      objective: { kind: "pareto", metrics: ["score", "cost"], minimize: ["cost"] },
    });
    expect(dominated.agent.factor.data).toBe(3);
  });
});

/** A context for calling the algorithm directly: one number parameter towards 4. */
function fakeWorld(seed: number) {
  const world = { x: 1, rng: Rng.fromSeed(seed), observed: [] as (number | undefined)[][] };
  const score = (x: number) => Math.max(0, 1 - Math.abs(x - 4) / 4);
  const parameter = { key: "x", name: "x" } as unknown as ParameterNode;
  const batchOf = (indices: readonly number[]): BatchRun => {
    const s = score(world.x);
    const metrics: Metrics = { score: s };
    return {
      epoch: 1,
      indices,
      results: indices.map((index) => ({
        index,
        score: s,
        feedback: "",
        output: world.x,
        metrics,
        durationMs: 0,
      })),
      scores: indices.map(() => s),
      feedback: indices.map(() => ""),
      mean: s,
      metrics,
      value: s,
      errors: 0,
      outages: [],
      perfect: false,
    };
  };
  const proposalFor = (value: number): Proposal => ({
    updates: new Map([[parameter, value]]),
    suggestion: { x: value },
    rejected: [],
    terminate: false,
    calls: [],
  });
  const context = (step: number): AlgorithmContext => ({
    step,
    optimizer: {} as Optimizer,
    parameters: [parameter],
    rng: world.rng,
    signal: new AbortController().signal,
    hasValidation: true,
    validationSize: 5,
    trainSize: 6,
    initialScore: score(world.x),
    skipPerfectBatches: false,
    objective: Objective.from(undefined),
    nextBatch: () => ({ epoch: 1, indices: world.rng.sample(6, 2) }),
    runBatch: async (batch) => batchOf(batch.indices),
    evaluate: async () => score(world.x),
    measure: async (_label, options) => {
      const indices = options?.indices ?? [0, 1, 2, 3, 4];
      const s = score(world.x);
      return {
        value: s,
        metrics: { score: s },
        indices,
        examples: indices.map(() => ({ score: s })),
        rollouts: indices.length,
      };
    },
    snapshot: () => [world.x],
    restore: (snapshot) => {
      world.x = snapshot[0] as number;
    },
    propose: async () => proposalFor(world.x + 1),
    proposeCandidates: async (n) =>
      Array.from({ length: n }, (_, i) =>
        proposalFor(world.x + (i % 2 === 0 ? 1 : -0.5) * (world.rng.int(4) + 1)),
      ),
    observeScores: (scored) => void world.observed.push(scored.map((s) => s.score)),
    optimizerStep: async () => {
      throw new Error("not used");
    },
    apply: (proposal) => {
      const before = world.x;
      const after = proposal.updates.get(parameter) as number;
      if (after === before) return [];
      world.x = after;
      return [{ key: "x", name: "x", parameter, before, after }];
    },
    revert: (applied) => {
      for (const a of applied) world.x = a.before as number;
    },
    phase: () => {},
  });
  return { world, context };
}

const summary = (o: StepOutcome) => ({
  proposals: o.proposals.map((p) => [p.parent, p.applied[0]?.after, p.score, p.chosen]),
  kept: o.kept,
  note: o.note,
  score: o.score,
});

describe("priority search state", () => {
  it.each<[string, () => Algorithm]>([
    [
      "validation + ucb",
      () => prioritySearch({ evalSize: 2, priority: "ucb", numCandidates: 3, memorySize: 3 }),
    ],
    ["streaming", () => streamingPrioritySearch({ numCandidates: 2, shortTermSteps: 1, memorySize: 2 })],
  ])("%s: a restored state takes the same next steps", async (_name, make) => {
    const a = make();
    const { world: wa, context: ca } = fakeWorld(7);
    await a.init(ca(0));
    for (let step = 1; step <= 3; step++) await a.step(ca(step));
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = make();
    b.loadState(saved);
    expect(b.state()).toEqual(a.state());
    const { world: wb, context: cb } = fakeWorld(0);
    wb.x = wa.x;
    wb.rng = Rng.fromState(wa.rng.state());
    for (let step = 4; step <= 6; step++) {
      const oa = await a.step(ca(step));
      const ob = await b.step(cb(step));
      expect(summary(ob)).toEqual(summary(oa));
      expect(wb.x).toBe(wa.x);
    }
    expect(b.state()).toEqual(a.state());
    expect(wb.observed).toEqual(wa.observed.slice(-wb.observed.length));
    // the search did something: several candidates, one changed parameter
    expect(memoryOf(a).length).toBeGreaterThan(1);
  });

  it("loadState rejects malformed state, naming the problem", () => {
    const good = {
      id: 0,
      values: [1],
      sums: { score: 1 },
      counts: { score: 2 },
      count: 2,
      createdStep: 0,
      lastExpandedStep: null,
      parent: null,
    };
    const load = (state: unknown) => () => prioritySearch().loadState(state);
    expect(load({ memory: [good], nextId: 1 })).not.toThrow();
    expect(load(null)).toThrow(TypeError);
    expect(load([])).toThrow(/must be \{ memory/);
    expect(load({ memory: [], nextId: 1 })).toThrow(/non-empty memory/);
    expect(load({ memory: [{ ...good, values: "1" }], nextId: 1 })).toThrow(/candidate 0 needs values/);
    expect(load({ memory: [{ ...good, sums: { score: "x" } }], nextId: 1 })).toThrow(/needs sums/);
    expect(load({ memory: [{ ...good, counts: { cost: 1 } }], nextId: 1 })).toThrow(/different metrics/);
    expect(load({ memory: [{ ...good, count: 1 }], nextId: 1 })).toThrow(/counts more rollouts/);
    expect(load({ memory: [{ ...good, count: -1 }], nextId: 1 })).toThrow(/needs count/);
    expect(load({ memory: [{ ...good, lastExpandedStep: "2" }], nextId: 1 })).toThrow(/lastExpandedStep/);
    expect(load({ memory: [{ ...good, parent: 1.5 }], nextId: 1 })).toThrow(/parent/);
    expect(load({ memory: [good, good], nextId: 1 })).toThrow(/repeats a candidate id/);
    expect(
      load({
        memory: [
          { ...good, id: 2 },
          { ...good, id: 1 },
        ],
        nextId: 3,
      }),
    ).toThrow(/creation order/);
    expect(load({ memory: [good], nextId: 0 })).toThrow(/nextId/);
  });
});

describe("priority search options", () => {
  it("are checked", () => {
    expect(() => prioritySearch({ numCandidates: 0 })).toThrow(/numCandidates/);
    expect(() => prioritySearch({ memorySize: 1.5 })).toThrow(/memorySize/);
    expect(() => prioritySearch({ shortTermSteps: -1 })).toThrow(/shortTermSteps/);
    expect(() => prioritySearch({ priority: "best" as never })).toThrow(/priority/);
    expect(() => prioritySearch({ priority: 3 as never })).toThrow(/priority/);
    expect(() => prioritySearch({ exploration: -1 })).toThrow(/exploration/);
    expect(() => prioritySearch({ validate: "train" as never })).toThrow(/validate/);
    expect(() => prioritySearch({ evalSize: 0 })).toThrow(/evalSize/);
    expect(() => prioritySearch({ filter: true as never })).toThrow(/filter/);
    expect(() => prioritySearch({ width: 2 } as never)).toThrow(/not a known option/);
  });
});

describe("priority search: rollback", () => {
  it("a step interrupted by a model outage is taken again from an intact state", async () => {
    // the filter of step 2 (after the step's batch was added to its candidate's statistics) meets
    // a model outage once: the run rolls back to the state taken before the step and retakes it
    let filtered = 0;
    const filter = () => {
      filtered++;
      if (filtered === 2) throw new ProviderError("connection refused (ECONNREFUSED 127.0.0.1:9)");
      return true;
    };
    const s = multiplierSetup(1, (_current, index) => [2, 3, 4, 5, 6, 7][index % 6]);
    const { records, onRecord } = recorder();
    const result = await train({
      agent: s.agent,
      optimizer: s.optimizer,
      forward: s.forward,
      guide: closeness,
      train: scaled(6, 6),
      algorithm: prioritySearch({ numCandidates: 1, numProposals: 1, validate: "batch", filter }),
      batchSize: 2,
      maxSteps: 3,
      onRecord,
      progress: false,
    });
    expect(filtered).toBe(4);
    expect(result.reason).toBe("max-steps");
    expect(records.filter((r) => r.type === "step").map((r) => r.step)).toEqual([1, 2, 3]);
  });
});

/**
 * Search algorithms ask the optimizer for their candidates with one `proposeCandidates` call
 * (through `AlgorithmContext.proposeCandidates`: the run's signal, stop rules and approval hooks)
 * and tell it every candidate's score (`observeScores`) before the chosen one is applied.
 */
import { describe, expect, it, jest } from "@jest/globals";
import {
  type ApprovalHook,
  BudgetExceededError,
  CancelledError,
  type GenerateRequest,
  graphScope,
  type LanguageModel,
  type Proposal,
  type ScoredProposal,
  type StepOptions,
} from "@trace-ts/core";
import { responseCache, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { Opro, valueBlock } from "@trace-ts/opro";
import {
  type Algorithm,
  type AlgorithmContext,
  beamSearch,
  bestOfN,
  type StepRecord,
  train,
} from "@trace-ts/trainer";
import { JsonOptimizer, multiplier } from "./helpers/agents.js";
import { closeness, recorder, scaled } from "./helpers/setup.js";

const steps = (records: readonly { type: string }[]) =>
  records.filter((r): r is StepRecord => r.type === "step");

/** What a JsonOptimizer was asked and told: its `proposeCandidates` calls and `observeScores` calls. */
class WatchedOptimizer extends JsonOptimizer {
  readonly asked: { count: number; signal: AbortSignal | undefined }[] = [];
  readonly observed: { scored: readonly ScoredProposal[]; valueThen: unknown }[] = [];

  override async proposeCandidates(count: number, options: StepOptions = {}): Promise<Proposal[]> {
    this.asked.push({ count, signal: options.signal });
    return super.proposeCandidates(count, options);
  }

  override observeScores(scored: readonly ScoredProposal[]): void {
    this.observed.push({ scored, valueThen: this.parameters[0]!.data });
  }
}

/**
 * A multiplier agent (factor 1) and a WatchedOptimizer whose model answers by the request's
 * sample index: `bySample[request.sample ?? 0]` (undefined: no suggestion).
 */
function sampledSetup(
  bySample: readonly (number | undefined)[],
  wrap: (model: LanguageModel) => LanguageModel = (m) => m,
) {
  const agent = graphScope(() => multiplier(1));
  const model = new ScriptedModel((request: GenerateRequest) => {
    const value = bySample[request.sample ?? 0];
    return JSON.stringify({ suggestion: value === undefined ? {} : { [agent.factor.key]: value } });
  });
  const optimizer = new WatchedOptimizer([agent.factor], { model: wrap(model) });
  return { agent, model, optimizer };
}

/** The values a candidate proposal would set (one per update). */
const suggested = (proposal: Proposal) => [...proposal.updates.values()];

describe("best-of-N through proposeCandidates", () => {
  it("asks for its n candidates with one call; samples stay distinct behind a response cache", async () => {
    // without sample indices the three identical requests would collapse into one cached answer
    const { agent, model, optimizer } = sampledSetup([5, 3, 4], (m) => wrapModel(m, responseCache()));
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
    expect(result.reason).toBe("max-steps");
    expect(optimizer.asked).toHaveLength(1);
    expect(optimizer.asked[0]!.count).toBe(3);
    expect(optimizer.asked[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(model.calls.map((c) => c.request.sample)).toEqual([undefined, 1, 2]);
    const [step] = steps(records);
    expect(step!.proposals.map((p) => p.applied[0]?.after)).toEqual([5, 3, 4]);
    expect(step!.proposals.map((p) => p.chosen)).toEqual([false, true, false]);
    expect(agent.factor.data).toBe(3);
  });

  it("tells the optimizer every candidate's score before the winner is applied", async () => {
    // 1 is the current value: that candidate changes nothing and has no score; 5 twice is scored once
    const { agent, optimizer } = sampledSetup([5, 3, 5, 1]);
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      validation: scaled(3, 3, 10),
      algorithm: bestOfN({ n: 4 }),
      batchSize: 2,
      maxSteps: 1,
      onRecord,
      progress: false,
    });
    expect(optimizer.observed).toHaveLength(1);
    const [{ scored, valueThen }] = optimizer.observed as [(typeof optimizer.observed)[number]];
    expect(valueThen).toBe(1); // nothing applied yet
    expect(scored.map((s) => suggested(s.proposal))).toEqual([[5], [3], [5], []]);
    expect(scored.map((s) => s.score)).toEqual([
      expect.closeTo(1 / 3, 10),
      1,
      expect.closeTo(1 / 3, 10),
      undefined,
    ]);
    // the proposals told are the ones the step record shows
    const [step] = steps(records);
    expect(step!.proposals.map((p) => p.score)).toEqual(scored.map((s) => s.score ?? null));
    expect(agent.factor.data).toBe(3);
    const evals = records.filter((r) => r.type === "eval").map((r) => (r as { label: string }).label);
    expect(evals).toEqual(["initial", "candidate 1", "candidate 2"]);
  });

  it("OPRO trained with best-of-N keeps every scored candidate in its history", async () => {
    const agent = graphScope(() => multiplier(1));
    const bySample = [5, 3, 4];
    const model = new ScriptedModel((request) =>
      valueBlock(agent.factor.key, String(bySample[request.sample ?? 0])),
    );
    const optimizer = new Opro([agent.factor], { model });
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      validation: scaled(3, 3, 10),
      algorithm: bestOfN({ n: 3 }),
      batchSize: 2,
      maxSteps: 1,
      progress: false,
    });
    expect(agent.factor.data).toBe(3);
    expect(optimizer.history.map((e) => [e.values[agent.factor.key], e.score])).toEqual([
      [5, expect.closeTo(1 / 3, 10)],
      [3, 1],
      [4, expect.closeTo(2 / 3, 10)],
    ]);
  });

  it.each(["reported by the candidates", "thrown by proposeCandidates"])(
    "a cancellation during proposeCandidates (%s) ends the run as cancelled",
    async (how) => {
      const controller = new AbortController();
      const agent = graphScope(() => multiplier(1));
      // the second candidate's model call cancels the run and waits for the abort
      const model = new ScriptedModel(
        (request) =>
          new Promise<string>((resolve, reject) => {
            if (request.sample !== 1) {
              resolve(JSON.stringify({ suggestion: { [agent.factor.key]: 2 } }));
              return;
            }
            request.signal!.addEventListener("abort", () => reject(new CancelledError()), { once: true });
            controller.abort();
          }),
      );
      const optimizer =
        how === "reported by the candidates"
          ? new WatchedOptimizer([agent.factor], { model })
          : new ThrowingOptimizer([agent.factor], { model });
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
        maxSteps: 3,
        signal: controller.signal,
        onRecord,
        progress: false,
      });
      expect(result).toMatchObject({ reason: "cancelled", steps: 0 });
      expect(steps(records)).toEqual([]);
      expect(agent.factor.data).toBe(1);
      expect(model.callCount).toBe(3);
      if (optimizer instanceof WatchedOptimizer) {
        expect(optimizer.asked).toHaveLength(1);
        expect(optimizer.observed).toEqual([]);
      }
    },
  );

  it("a spent budget reported by one candidate stops the run", async () => {
    const agent = graphScope(() => multiplier(1));
    const model = new ScriptedModel((request) =>
      request.sample === 2
        ? new BudgetExceededError("token budget spent", { limit: "tokens", max: 1, used: 1, requested: 5 })
        : JSON.stringify({ suggestion: { [agent.factor.key]: 3 } }),
    );
    const optimizer = new WatchedOptimizer([agent.factor], { model });
    const hook = jest.fn<ApprovalHook>(() => true);
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      algorithm: bestOfN({ n: 3 }),
      batchSize: 2,
      maxSteps: 3,
      approve: hook,
      progress: false,
    });
    expect(result).toMatchObject({ reason: "budget", steps: 0 });
    expect(agent.factor.data).toBe(1);
    expect(optimizer.observed).toEqual([]);
    // every candidate is checked before any is shown to the approval hooks
    expect(hook).not.toHaveBeenCalled();
  });
});

/** A JsonOptimizer whose `proposeCandidates` rejects (as OPRO's or OptoPrimeMulti's do) on a cancellation. */
class ThrowingOptimizer extends JsonOptimizer {
  override async proposeCandidates(count: number, options: StepOptions = {}): Promise<Proposal[]> {
    const proposals = await super.proposeCandidates(count, options);
    if (options.signal?.aborted) throw new CancelledError();
    return proposals;
  }
}

describe("beam search through proposeCandidates", () => {
  it("asks each member's branches with one call and tells the scores of each expansion", async () => {
    // every member proposes +1 (sample 0) and +2 (sample 1); target factor 6 from 1
    const agent = graphScope(() => multiplier(1));
    const model = new ScriptedModel((request) => {
      const current = Number(/^VAR \S+ = (.*)$/m.exec(request.messages.at(-1)!.content)![1]);
      return JSON.stringify({ suggestion: { [agent.factor.key]: current + 1 + (request.sample ?? 0) } });
    });
    const optimizer = new WatchedOptimizer([agent.factor], { model });
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(6, 6),
      validation: scaled(6, 2, 10),
      algorithm: beamSearch({ width: 2, branches: 2 }),
      batchSize: 2,
      maxSteps: 2,
      onRecord,
      progress: false,
    });
    // step 1: one member, one call; step 2: two members, one call each
    expect(optimizer.asked.map((a) => a.count)).toEqual([2, 2, 2]);
    expect(model.calls.map((c) => c.request.sample)).toEqual([undefined, 1, undefined, 1, undefined, 1]);
    // step 1: 1 → {2, 3}; step 2: 3 → {4, 5}, 2 → {3, 4} (both repeat a candidate: its score)
    expect(optimizer.observed.map((o) => o.scored.map((s) => [suggested(s.proposal)[0], s.score]))).toEqual([
      [
        [2, expect.closeTo(2 / 6, 10)],
        [3, expect.closeTo(3 / 6, 10)],
      ],
      [
        [4, expect.closeTo(4 / 6, 10)],
        [5, expect.closeTo(5 / 6, 10)],
      ],
      [
        [3, expect.closeTo(3 / 6, 10)],
        [4, expect.closeTo(4 / 6, 10)],
      ],
    ]);
    // told with the step's starting parameters in effect, before the new best is put in effect
    expect(optimizer.observed.map((o) => o.valueThen)).toEqual([1, 3, 3]);
    const s = steps(records);
    expect(s.map((x) => x.applied[0]?.after)).toEqual([3, 5]);
    expect(s[1]!.proposals.map((p) => p.score)).toEqual([
      expect.closeTo(4 / 6, 10),
      expect.closeTo(5 / 6, 10),
      null,
      null,
    ]);
  });
});

describe("AlgorithmContext.proposeCandidates", () => {
  it("hands back proposals only the context accepts for apply() under approval hooks", async () => {
    const agent = graphScope(() => multiplier(1));
    const model = new ScriptedModel((request) =>
      JSON.stringify({ suggestion: { [agent.factor.key]: 2 + (request.sample ?? 0) } }),
    );
    const optimizer = new JsonOptimizer([agent.factor], { model });
    let applied: unknown[] = [];
    const algorithm: Algorithm = {
      name: "pick-last",
      options: {},
      async init() {},
      async step(context: AlgorithmContext) {
        const batch = await context.runBatch(context.nextBatch(), { backward: true });
        const candidates = await context.proposeCandidates(3);
        context.observeScores(candidates.map((proposal) => ({ proposal, score: undefined })));
        applied = context.apply(candidates.at(-1)!).map((a) => a.after);
        return {
          batch,
          proposals: candidates.map((proposal, i) => ({ proposal, applied: [], chosen: i === 2 })),
          kept: true,
        };
      },
      state: () => null,
      loadState() {},
    };
    const hook = jest.fn<ApprovalHook>((change) => change.after !== 3);
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 2),
      algorithm,
      batchSize: 2,
      maxSteps: 1,
      approve: hook,
      onRecord,
      progress: false,
    });
    expect(hook).toHaveBeenCalledTimes(3);
    expect(applied).toEqual([4]);
    expect(steps(records)[0]!.proposals[1]!.rejected).toEqual([
      expect.objectContaining({ value: 3, vetoed: true }),
    ]);
  });
});

/**
 * UCB search: a buffer of candidate parameter sets with running score statistics; each step
 * expands the candidate with the highest upper confidence bound.
 */
import { InvalidOptionError } from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import { type Snapshot, sameSnapshot } from "../snapshot.js";
import { PERFECT_NOTE } from "./minibatch.js";
import { positiveInteger, savedCandidates } from "./scoring.js";
import type { Algorithm, AlgorithmContext, ProposalOutcome, StepOutcome } from "./types.js";

/** Options of `ucbSearch`. */
export interface UcbSearchOptions {
  /** Most candidates kept (default 8); beyond it the lowest mean score is dropped (never the best). */
  readonly bufferSize?: number;
  /** Weight of the exploration bonus `c · sqrt(ln N / n)` (default 1). */
  readonly exploration?: number;
  /**
   * Examples per evaluation, drawn at random (seeded) from the validation set — or from the
   * training set without one — each step (default: all of them).
   */
  readonly evalSize?: number;
}

interface Candidate {
  values: Snapshot;
  sum: number;
  count: number;
}

/**
 * UCB search (upper confidence bound over a buffer of candidates). Each step:
 * 1. picks the candidate with the highest `mean + c · sqrt(ln N / n)` (N = evaluations so far,
 *    n = the candidate's; an unevaluated candidate first; ties go to the older candidate);
 * 2. sets its parameters, runs a training minibatch with feedback and asks for one proposal;
 * 3. evaluates the parent and the new candidate on the same sample of `evalSize` examples
 *    (adding to the parent's statistics), adds the new candidate to the buffer and drops the
 *    weakest when the buffer is full;
 * 4. puts the candidate with the best mean score in effect.
 *
 * Cost per step: one minibatch, one proposal and two evaluations of `evalSize` examples.
 *
 * @param options buffer size, exploration weight and evaluation sample size
 */
export function ucbSearch(options: UcbSearchOptions = {}): Algorithm {
  validateOptions("ucbSearch", options, {
    bufferSize: "integer",
    exploration: "number",
    evalSize: "integer",
  });
  const bufferSize = positiveInteger("ucbSearch", "bufferSize", options.bufferSize ?? 8);
  const exploration = options.exploration ?? 1;
  if (!(exploration >= 0))
    throw new InvalidOptionError("ucbSearch", "exploration", `must be ≥ 0, got ${exploration}`);
  const evalSize =
    options.evalSize === undefined ? undefined : positiveInteger("ucbSearch", "evalSize", options.evalSize);
  let candidates: Candidate[] = [];

  const pool = (context: AlgorithmContext) =>
    (context.hasValidation ? "validation" : "train") as "validation" | "train";
  const sample = (context: AlgorithmContext): number[] | undefined => {
    const size = context.hasValidation ? context.validationSize : context.trainSize;
    return evalSize === undefined || evalSize >= size ? undefined : context.rng.sample(size, evalSize);
  };
  const mean = (c: Candidate) => (c.count === 0 ? Number.NEGATIVE_INFINITY : c.sum / c.count);
  const bestIndex = () => {
    let best = 0;
    for (let i = 1; i < candidates.length; i++) if (mean(candidates[i]!) > mean(candidates[best]!)) best = i;
    return best;
  };

  return {
    name: "ucb-search",
    options: { bufferSize, exploration, evalSize: evalSize ?? null },
    async init(context) {
      const values = context.snapshot();
      if (context.hasValidation && evalSize === undefined && context.initialScore !== null) {
        candidates = [{ values, sum: context.initialScore, count: 1 }];
        return;
      }
      const indices = sample(context);
      const score = await context.evaluate("candidate 0", {
        pool: pool(context),
        ...(indices ? { indices } : {}),
      });
      candidates = [{ values, sum: score, count: 1 }];
    },
    async step(context): Promise<StepOutcome> {
      const total = candidates.reduce((n, c) => n + c.count, 0);
      let parent = 0;
      let bestBound = Number.NEGATIVE_INFINITY;
      candidates.forEach((c, i) => {
        const bound =
          c.count === 0
            ? Number.POSITIVE_INFINITY
            : mean(c) + exploration * Math.sqrt(Math.log(Math.max(total, 1)) / c.count);
        if (bound > bestBound) {
          bestBound = bound;
          parent = i;
        }
      });
      const previousBest = candidates[bestIndex()]!;
      const parentCandidate = candidates[parent]!;
      context.restore(parentCandidate.values);
      const batch = await context.runBatch(context.nextBatch(), { backward: true });
      if (context.skipPerfectBatches && batch.perfect) {
        context.restore(previousBest.values);
        return {
          batch,
          proposals: [],
          kept: false,
          note: PERFECT_NOTE,
          skipped: "perfect-batch",
          score: { value: mean(previousBest), on: context.hasValidation ? "validation" : "batch" },
        };
      }
      context.phase("proposing");
      const proposal = await context.propose();
      const indices = sample(context);
      const where = { pool: pool(context), ...(indices ? { indices } : {}) };
      const parentScore = await context.evaluate(`candidate ${parent}`, where);
      parentCandidate.sum += parentScore;
      parentCandidate.count += 1;
      const applied = context.apply(proposal);
      let child: Candidate | undefined;
      let childScore: number | undefined;
      let note: string | undefined;
      if (applied.length > 0) {
        const values = context.snapshot();
        const twin = candidates.find((c) => sameSnapshot(c.values, values));
        if (twin) note = "the proposal equals a candidate already in the buffer";
        else {
          childScore = await context.evaluate("new candidate", where);
          child = { values, sum: childScore, count: 1 };
          candidates.push(child);
        }
        context.revert(applied);
      } else note = "the proposal changed nothing";
      if (candidates.length > bufferSize) {
        const keep = bestIndex();
        let worst = -1;
        candidates.forEach((c, i) => {
          if (i !== keep && (worst === -1 || mean(c) < mean(candidates[worst]!))) worst = i;
        });
        const dropped = candidates.splice(worst, 1)[0]!;
        if (dropped === child) note = "the new candidate scored lowest and was dropped from the full buffer";
      }
      const best = candidates[bestIndex()]!;
      context.restore(best.values);
      const outcome: ProposalOutcome = {
        proposal,
        applied,
        ...(childScore !== undefined ? { score: childScore } : {}),
        chosen: child !== undefined && best === child,
        parent,
      };
      return {
        batch,
        proposals: [outcome],
        kept: best !== previousBest,
        ...(note ? { note } : {}),
        score: { value: mean(best), on: context.hasValidation ? "validation" : "batch" },
        terminate: proposal.terminate,
      };
    },
    state() {
      return { candidates: candidates.map((c) => ({ values: c.values, sum: c.sum, count: c.count })) };
    },
    loadState(state) {
      candidates = savedCandidates("ucbSearch", state, "candidates").map((c) => {
        if (typeof c.sum !== "number" || !Number.isInteger(c.count))
          throw new TypeError("ucbSearch: saved candidates need sum and count");
        return { values: c.values as Snapshot, sum: c.sum, count: c.count as number };
      });
      if (candidates.length === 0) throw new TypeError("ucbSearch: saved buffer is empty");
    },
  };
}

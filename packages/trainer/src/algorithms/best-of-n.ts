/**
 * Best-of-N search: per step, N proposals from the same feedback, each evaluated, the best kept
 * when it beats the current parameters.
 */
import { validateOptions } from "@trace-ts/core/optimizer";
import type { Metrics } from "../objective/metrics.js";
import { type Snapshot, sameSnapshot } from "../snapshot.js";
import { PERFECT_NOTE } from "./minibatch.js";
import {
  measureCurrent,
  positiveInteger,
  resolveScoreOn,
  type Scored,
  type ScoreOn,
  savedMetrics,
} from "./scoring.js";
import type { Algorithm, ProposalOutcome, StepOutcome } from "./types.js";

/** Options of `bestOfN`. */
export interface BestOfNOptions {
  /** Proposals per step (default 4). */
  readonly n?: number;
  /**
   * Where candidates are scored: the validation set, or the step's minibatch (default: validation
   * when there is a validation set).
   */
  readonly scoreOn?: ScoreOn;
}

/**
 * Best-of-N search. Each step runs the minibatch and sends feedback backward once, then asks the
 * optimizer for `n` candidate proposals with one `proposeCandidates(n)` call (asked concurrently;
 * nothing is changed), applies each in turn, scores it and reverts it. Identical proposals are
 * scored once. The optimizer is told every candidate's score (`observeScores`, undefined for a
 * candidate that changed nothing) before anything is applied; then the best candidate (the first
 * in the run objective's ranking) replaces the current parameters only if it beats them: a
 * strictly higher value, or, with a Pareto objective, dominance.
 *
 * The candidates differ as the optimizer makes them differ: by default each is asked with its own
 * sample index (so a response cache keeps them apart), `OptoPrimeMulti` spreads temperatures and
 * prompt variants over them. With a deterministic model that ignores sample indices all N
 * proposals are the same: use a sampling temperature (or an optimizer that varies its
 * candidates) for this to search anything.
 *
 * @param options number of proposals and where to score them
 */
export function bestOfN(options: BestOfNOptions = {}): Algorithm {
  validateOptions("bestOfN", options, { n: "integer", scoreOn: "string" });
  const n = positiveInteger("bestOfN", "n", options.n ?? 4);
  let baseline: Scored | null = null;
  let scoreOn: ScoreOn = "batch";
  return {
    name: "best-of-n",
    options: { n, scoreOn: options.scoreOn ?? null },
    needsValidation: options.scoreOn === "validation",
    async init(context) {
      scoreOn = resolveScoreOn("bestOfN", options.scoreOn, context);
      // the initial evaluation's value is its score under the default objective; under another
      // one the current parameters are measured at the first step
      const initial = context.initialScore;
      baseline =
        scoreOn === "validation" && initial !== null && context.objective.isDefault
          ? { value: initial, metrics: { score: initial } }
          : null;
    },
    async step(context): Promise<StepOutcome> {
      scoreOn = resolveScoreOn("bestOfN", options.scoreOn, context);
      const sample = context.nextBatch();
      const batch = await context.runBatch(sample, { backward: true });
      if (context.skipPerfectBatches && batch.perfect) {
        const known: Scored | undefined =
          scoreOn === "batch" ? batch : scoreOn === "validation" && baseline !== null ? baseline : undefined;
        return {
          batch,
          proposals: [],
          kept: false,
          note: PERFECT_NOTE,
          skipped: "perfect-batch",
          ...(known !== undefined
            ? { score: { value: known.value, on: scoreOn, metrics: known.metrics } }
            : {}),
        };
      }
      const start = context.snapshot();
      const current: Scored =
        scoreOn === "validation"
          ? (baseline ?? (await measureCurrent(context, scoreOn, sample, "current")))
          : { value: batch.value, metrics: batch.metrics };
      context.phase(`${n} proposal${n === 1 ? "" : "s"}`);
      const asked = await context.proposeCandidates(n);
      const candidates: { outcome: ProposalOutcome; values: Snapshot | undefined; metrics?: Metrics }[] = [];
      for (const [i, proposal] of asked.entries()) {
        const k = i + 1;
        context.phase(`candidate ${k}/${asked.length}`);
        const applied = context.apply(proposal);
        if (applied.length === 0) {
          candidates.push({ outcome: { proposal, applied, chosen: false }, values: undefined });
          continue;
        }
        const values = context.snapshot();
        const twin = candidates.find((c) => c.values !== undefined && sameSnapshot(c.values, values));
        const scored: Scored =
          twin?.metrics !== undefined && twin.outcome.score !== undefined
            ? { value: twin.outcome.score, metrics: twin.metrics }
            : await measureCurrent(context, scoreOn, sample, `candidate ${k}`);
        context.revert(applied);
        candidates.push({
          outcome: { proposal, applied, score: scored.value, metrics: scored.metrics, chosen: false },
          values,
          metrics: scored.metrics,
        });
      }
      context.restore(start);
      // every candidate's score, before the winner is applied
      context.observeScores(asked.map((proposal, i) => ({ proposal, score: candidates[i]!.outcome.score })));
      // the objective's ranking of the scored candidates (in the order asked)
      const scoredIndices = candidates.flatMap((c, i) => (c.metrics === undefined ? [] : [i]));
      const ranking = context.objective.rank(
        scoredIndices.map((i) => candidates[i]!.metrics!),
        scoredIndices.map((i) => JSON.stringify(candidates[i]!.values)),
      );
      const best = ranking.length === 0 ? -1 : scoredIndices[ranking[0]!]!;
      const winner = best === -1 ? undefined : candidates[best]!;
      const kept = winner !== undefined && context.objective.better(winner.metrics!, current.metrics);
      const now: Scored = kept ? { value: winner.outcome.score!, metrics: winner.metrics! } : current;
      if (kept) context.restore(winner.values!);
      if (scoreOn === "validation") baseline = now;
      const proposals = candidates.map((c, i) => ({ ...c.outcome, chosen: kept && i === best }));
      return {
        batch,
        proposals,
        kept,
        ...(kept
          ? {}
          : {
              note:
                winner === undefined
                  ? "no proposal changed anything"
                  : `no candidate beat the current parameters (best ${winner.outcome.score!.toFixed(4)} vs ${current.value.toFixed(4)})`,
            }),
        score: { value: now.value, on: scoreOn, metrics: now.metrics },
        terminate: proposals.some((p) => p.proposal.terminate) && !kept,
      };
    },
    state() {
      return { baseline: baseline?.value ?? null, metrics: baseline?.metrics ?? null };
    },
    loadState(state) {
      const saved = state as { baseline?: unknown; metrics?: unknown } | null;
      const b = saved?.baseline;
      if (b !== null && typeof b !== "number")
        throw new TypeError("bestOfN: saved state needs { baseline: number | null }");
      const metrics = savedMetrics(saved?.metrics, b);
      baseline = b === null || metrics === null ? null : { value: b, metrics };
    },
  };
}

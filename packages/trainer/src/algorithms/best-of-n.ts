/**
 * Best-of-N search: per step, N proposals from the same feedback, each evaluated, the best kept
 * when it beats the current parameters.
 */
import { validateOptions } from "@trace-ts/core/optimizer";
import { type Snapshot, sameSnapshot } from "../snapshot.js";
import { PERFECT_NOTE } from "./minibatch.js";
import { positiveInteger, resolveScoreOn, type ScoreOn, scoreCurrent } from "./scoring.js";
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
 * candidate that changed nothing) before anything is applied; then the best candidate replaces
 * the current parameters only if it scores strictly higher than they do.
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
  let baseline: number | null = null;
  let scoreOn: ScoreOn = "batch";
  return {
    name: "best-of-n",
    options: { n, scoreOn: options.scoreOn ?? null },
    needsValidation: options.scoreOn === "validation",
    async init(context) {
      scoreOn = resolveScoreOn("bestOfN", options.scoreOn, context);
      baseline = scoreOn === "validation" ? context.initialScore : null;
    },
    async step(context): Promise<StepOutcome> {
      scoreOn = resolveScoreOn("bestOfN", options.scoreOn, context);
      const sample = context.nextBatch();
      const batch = await context.runBatch(sample, { backward: true });
      if (context.skipPerfectBatches && batch.perfect) {
        const known =
          scoreOn === "batch"
            ? batch.mean
            : scoreOn === "validation" && baseline !== null
              ? baseline
              : undefined;
        return {
          batch,
          proposals: [],
          kept: false,
          note: PERFECT_NOTE,
          skipped: "perfect-batch",
          ...(known !== undefined ? { score: { value: known, on: scoreOn } } : {}),
        };
      }
      const start = context.snapshot();
      const current =
        scoreOn === "validation" ? (baseline ?? (await context.evaluate("current"))) : batch.mean;
      context.phase(`${n} proposal${n === 1 ? "" : "s"}`);
      const asked = await context.proposeCandidates(n);
      const candidates: { outcome: ProposalOutcome; values: Snapshot | undefined }[] = [];
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
        let score: number;
        if (twin?.outcome.score !== undefined) score = twin.outcome.score;
        else score = await scoreCurrent(context, scoreOn, sample, `candidate ${k}`);
        context.revert(applied);
        candidates.push({ outcome: { proposal, applied, score, chosen: false }, values });
      }
      context.restore(start);
      // every candidate's score, before the winner is applied
      context.observeScores(asked.map((proposal, i) => ({ proposal, score: candidates[i]!.outcome.score })));
      let best = -1;
      for (let i = 0; i < candidates.length; i++) {
        const s = candidates[i]!.outcome.score;
        if (s !== undefined && (best === -1 || s > candidates[best]!.outcome.score!)) best = i;
      }
      const winner = best === -1 ? undefined : candidates[best]!;
      const kept = winner !== undefined && winner.outcome.score! > current;
      if (kept) {
        context.restore(winner.values!);
        if (scoreOn === "validation") baseline = winner.outcome.score!;
      } else if (scoreOn === "validation") baseline = current;
      const proposals = candidates.map((c, i) => ({ ...c.outcome, chosen: kept && i === best }));
      const value = kept ? winner.outcome.score! : current;
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
                  : `no candidate beat the current parameters (best ${winner.outcome.score!.toFixed(4)} vs ${current.toFixed(4)})`,
            }),
        score: { value, on: scoreOn },
        terminate: proposals.some((p) => p.proposal.terminate) && !kept,
      };
    },
    state() {
      return { baseline };
    },
    loadState(state) {
      const b = (state as { baseline?: unknown } | null)?.baseline;
      if (b !== null && typeof b !== "number")
        throw new TypeError("bestOfN: saved state needs { baseline: number | null }");
      baseline = b;
    },
  };
}

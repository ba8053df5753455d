/**
 * Beam search over parameter sets: keep the `width` best candidates; each step expands every
 * candidate with `branches` proposals and keeps the best `width` of parents and children.
 */
import type { Proposal } from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import type { Metrics } from "../objective/metrics.js";
import { type Snapshot, sameSnapshot } from "../snapshot.js";
import { PERFECT_NOTE } from "./minibatch.js";
import {
  measureCurrent,
  positiveInteger,
  resolveScoreOn,
  type ScoreOn,
  savedCandidates,
  savedMetrics,
} from "./scoring.js";
import type { Algorithm, BatchRun, ProposalOutcome, StepOutcome } from "./types.js";

/** Options of `beamSearch`. */
export interface BeamSearchOptions {
  /** Candidates kept after each step (default 3). */
  readonly width?: number;
  /** Proposals per candidate per step (default 2). */
  readonly branches?: number;
  /**
   * Where candidates are scored: the validation set (scores are kept across steps), or the
   * step's minibatch (every candidate is re-scored on it). Default: validation when there is a
   * validation set.
   */
  readonly scoreOn?: ScoreOn;
}

interface Member {
  values: Snapshot;
  score: number | null;
  metrics: Metrics | null;
}

/** A proposal of one member's expansion and the values it leads to (undefined: it changed nothing). */
interface Expansion {
  readonly proposal: Proposal;
  readonly values: Snapshot | undefined;
}

/**
 * Beam search. Each step draws one minibatch; for every candidate in the beam (best first) it
 * sets the candidate's parameters, runs the minibatch, sends feedback backward and asks the
 * optimizer for `branches` proposals with one `proposeCandidates(branches)` call (asked
 * concurrently). New candidates are scored (duplicates dropped), the optimizer is told the scores
 * of each candidate's proposals (`observeScores`, once per expanded candidate), the first `width`
 * of old and new candidates in the run objective's ranking form the next beam (ties favour older
 * candidates unless the objective breaks ties by seed; with a Pareto objective, whole fronts
 * first), and the first one's parameters are put in effect.
 *
 * Cost per step: `width × (batch + branches proposals)` plus the scoring of each new candidate.
 *
 * @param options beam width, branching and scoring place
 */
export function beamSearch(options: BeamSearchOptions = {}): Algorithm {
  validateOptions("beamSearch", options, { width: "integer", branches: "integer", scoreOn: "string" });
  const width = positiveInteger("beamSearch", "width", options.width ?? 3);
  const branches = positiveInteger("beamSearch", "branches", options.branches ?? 2);
  let beam: Member[] = [];
  return {
    name: "beam-search",
    options: { width, branches, scoreOn: options.scoreOn ?? null },
    needsValidation: options.scoreOn === "validation",
    async init(context) {
      const on = resolveScoreOn("beamSearch", options.scoreOn, context);
      const initial = on === "validation" && context.objective.isDefault ? context.initialScore : null;
      beam = [
        { values: context.snapshot(), score: initial, metrics: initial === null ? null : { score: initial } },
      ];
    },
    async step(context): Promise<StepOutcome> {
      const on = resolveScoreOn("beamSearch", options.scoreOn, context);
      const sample = context.nextBatch();
      const start = context.snapshot();
      const outcomes: ProposalOutcome[] = [];
      const children: (Member & { parent: number; outcome: number })[] = [];
      const expansions: Expansion[][] = [];
      const batchScores: { value: number; metrics: Metrics }[] = [];
      let first: BatchRun | undefined;
      let perfect = 0;
      for (let m = 0; m < beam.length; m++) {
        context.restore(beam[m]!.values);
        context.phase(`candidate ${m + 1}/${beam.length}: batch`);
        const run = await context.runBatch(sample, { backward: true });
        first ??= run;
        batchScores[m] = { value: run.value, metrics: run.metrics };
        // nothing to fix on this batch for this member: no proposals from it
        if (context.skipPerfectBatches && run.perfect) {
          perfect++;
          continue;
        }
        context.phase(`candidate ${m + 1}/${beam.length}: ${branches} proposal${branches === 1 ? "" : "s"}`);
        const expansion: Expansion[] = [];
        for (const proposal of await context.proposeCandidates(branches)) {
          const applied = context.apply(proposal);
          const values = context.snapshot();
          context.revert(applied);
          const duplicate =
            applied.length === 0 ||
            beam.some((x) => sameSnapshot(x.values, values)) ||
            children.some((c) => sameSnapshot(c.values, values));
          if (!duplicate)
            children.push({ values, score: null, metrics: null, parent: m, outcome: outcomes.length });
          expansion.push({ proposal, values: applied.length === 0 ? undefined : values });
          outcomes.push({ proposal, applied, chosen: false, parent: m });
        }
        expansions.push(expansion);
      }
      // score: members keep validation scores; on the batch, everything is scored on this batch
      if (on === "batch") {
        for (let m = 0; m < beam.length; m++) {
          beam[m]!.score = batchScores[m]!.value;
          beam[m]!.metrics = batchScores[m]!.metrics;
        }
      }
      for (let m = 0; m < beam.length; m++) {
        if (beam[m]!.metrics === null) {
          context.restore(beam[m]!.values);
          const scored = await measureCurrent(context, on, sample, `beam ${m + 1}`);
          beam[m]!.score = scored.value;
          beam[m]!.metrics = scored.metrics;
        }
      }
      for (let c = 0; c < children.length; c++) {
        context.restore(children[c]!.values);
        context.phase(`scoring new candidate ${c + 1}/${children.length}`);
        const scored = await measureCurrent(context, on, sample, `candidate ${c + 1}`);
        children[c]!.score = scored.value;
        children[c]!.metrics = scored.metrics;
      }
      const previousTop = beam[0]!;
      const pool: (Member & { outcome?: number })[] = [...beam, ...children];
      // each expansion's scores, told with the step's starting parameters in effect (before the
      // new best is): a duplicate has the score of the candidate it repeats, one that changed
      // nothing has none
      context.restore(start);
      for (const expansion of expansions) {
        context.observeScores(
          expansion.map(({ proposal, values }) => ({
            proposal,
            score:
              values === undefined
                ? undefined
                : (pool.find((x) => sameSnapshot(x.values, values))?.score ?? undefined),
          })),
        );
      }
      const ranked = context.objective
        .rank(
          pool.map((x) => x.metrics!),
          pool.map((x) => JSON.stringify(x.values)),
        )
        .slice(0, width)
        .map((i) => pool[i]!);
      beam = ranked.map((x) => ({ values: x.values, score: x.score, metrics: x.metrics }));
      const top = ranked[0]!;
      context.restore(top.values);
      const kept = top !== previousTop;
      const proposals = outcomes.map((o, i) => {
        const child = children.find((c) => c.outcome === i);
        return {
          ...o,
          ...(child ? { score: child.score!, metrics: child.metrics! } : {}),
          chosen: top.outcome === i,
        };
      });
      const skipped = perfect === beam.length && outcomes.length === 0;
      return {
        batch: first!,
        proposals,
        kept,
        ...(kept ? {} : { note: skipped ? PERFECT_NOTE : "the best candidate is unchanged" }),
        ...(skipped ? { skipped: "perfect-batch" as const } : {}),
        score: { value: top.score!, on, metrics: top.metrics! },
        terminate: outcomes.length > 0 && outcomes.every((o) => o.proposal.terminate),
      };
    },
    state() {
      return { beam: beam.map((m) => ({ values: m.values, score: m.score, metrics: m.metrics })) };
    },
    loadState(state) {
      beam = savedCandidates("beamSearch", state, "beam").map((c) => {
        const score = typeof c.score === "number" ? c.score : null;
        return { values: c.values as Snapshot, score, metrics: savedMetrics(c.metrics, score) };
      });
      if (beam.length === 0) throw new TypeError("beamSearch: saved beam is empty");
    },
  };
}

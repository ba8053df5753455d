/**
 * What the scores of a run say: the best parameters measured so far (kept for `restoreBest`) and
 * the early-stopping bookkeeping (`earlyStop.patience`, `minDelta`, `target`).
 */
import type { StopReason } from "../log/records.js";
import type { Snapshot } from "../snapshot.js";
import type { EarlyStopOptions } from "./config.js";

/** The best parameters measured so far: their score, the step that had them and their values. */
export interface BestParameters {
  /** The score. */
  readonly score: number;
  /** The step whose parameters had it (0: the initial parameters). */
  readonly step: number;
  /** The parameters' values, in the agent's order. */
  readonly values: Snapshot;
}

/** Early-stopping bookkeeping, as checkpoints store it. */
export interface EarlyStopState {
  /** The best measured score so far (the patience baseline), or null before any. */
  readonly bestScore: number | null;
  /** Measurements in a row that did not improve on `bestScore` by more than `minDelta`. */
  readonly sinceImprovement: number;
}

/** The stop reasons early stopping gives. */
export type EarlyStopReason = Extract<StopReason, "early-stop" | "target-reached">;

/** The state of a run that has measured nothing yet. */
const FRESH: EarlyStopState = { bestScore: null, sinceImprovement: 0 };

/**
 * Keeps the best parameters and decides early stops. Its state is replaced, never changed in
 * place, so what `best` and `state` returned stays valid as a rollback point.
 */
export class EarlyStopping {
  readonly #options: EarlyStopOptions;
  #best: BestParameters | null = null;
  #state: EarlyStopState = FRESH;

  /** @param options `patience`, `minDelta` (default 0) and `target`, all optional */
  constructor(options: EarlyStopOptions) {
    this.#options = options;
  }

  /** The best parameters measured so far, or null before anything was measured. */
  get best(): BestParameters | null {
    return this.#best;
  }

  /** The early-stopping bookkeeping. */
  get state(): EarlyStopState {
    return this.#state;
  }

  /**
   * Puts back saved bookkeeping (a rollback point or a checkpoint).
   * @param best the best parameters, or null
   * @param state the early-stopping bookkeeping
   */
  restore(best: BestParameters | null, state: EarlyStopState): void {
    this.#best = best;
    this.#state = state;
  }

  /**
   * A score of the parameters now in effect: they become the best when they beat it. The initial
   * score (step 0) also becomes the patience baseline when there is none yet.
   * @param score the score
   * @param step the step that measured it (0: the initial evaluation)
   * @param values the parameters' values
   */
  consider(score: number, step: number, values: Snapshot): void {
    if (this.#best === null || score > this.#best.score) this.#best = { score, step, values };
    if (step === 0 && this.#state.bestScore === null) this.#state = { bestScore: score, sinceImprovement: 0 };
  }

  /**
   * A step's measured score: counts it as an improvement (it beats the baseline by more than
   * `minDelta`) or not, and says whether the run must stop.
   * @param score the score measured after the step
   * @returns `target-reached` when the score reaches `target`; `early-stop` after `patience`
   *   measurements in a row without improvement; otherwise undefined
   */
  observe(score: number): EarlyStopReason | undefined {
    const { patience, minDelta = 0, target } = this.#options;
    const { bestScore, sinceImprovement } = this.#state;
    this.#state =
      bestScore === null || score > bestScore + minDelta
        ? { bestScore: score, sinceImprovement: 0 }
        : { bestScore, sinceImprovement: sinceImprovement + 1 };
    if (target !== undefined && score >= target) return "target-reached";
    if (patience !== undefined && this.#state.sinceImprovement >= patience) return "early-stop";
    return undefined;
  }
}

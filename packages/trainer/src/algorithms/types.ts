/**
 * The contract between the training loop and a training algorithm. The loop owns data order,
 * evaluation, logging, checkpoints and stopping; an algorithm decides what one step does.
 */
import type {
  AppliedChange,
  Optimizer,
  ParameterNode,
  Proposal,
  ScoredProposal,
  StepReport,
} from "@trace-ts/core";
import type { Rng } from "../data/rng.js";
import type { SampledBatch } from "../data/sampler.js";
import type { ExampleResult, OutageFailure } from "../evaluate.js";
import type { StepSkip } from "../log/records.js";
import type { Metrics } from "../objective/metrics.js";
import type { Objective } from "../objective/objective.js";
import type { Snapshot } from "../snapshot.js";

/** A minibatch after its forward pass: per-example results in batch order. */
export interface BatchRun {
  /** Epoch of the batch (from 1). */
  readonly epoch: number;
  /**
   * Indices into the training set of the examples scored (all of the batch unless a model outage
   * kept some from running; those are in `outages`).
   */
  readonly indices: readonly number[];
  /** Per-example outcomes. */
  readonly results: readonly ExampleResult[];
  /** Scores, in batch order. */
  readonly scores: readonly number[];
  /** Feedback sent (or that would be sent) backward, in batch order. */
  readonly feedback: readonly string[];
  /** Mean score. */
  readonly mean: number;
  /** Mean of each metric over the examples scored (`score`, the guide's metrics, automatic ones). */
  readonly metrics: Metrics;
  /** The run objective's value of `metrics` (the mean score under the default objective). */
  readonly value: number;
  /** Examples whose forward pass failed with an error. */
  readonly errors: number;
  /** Examples a model outage kept from running: not scored, no feedback sent backward. */
  readonly outages: readonly OutageFailure[];
  /**
   * Whether every example scored reached the guide's `maxScore` without an error (false when the
   * guide declares no maximum). With `skipPerfectBatches`, algorithms make no optimizer call then.
   */
  readonly perfect: boolean;
}

/** One proposal of a step and what became of it. */
export interface ProposalOutcome {
  /** The optimizer's proposal (or step report): prompts, responses, suggestion, rejections. */
  readonly proposal: Proposal | StepReport;
  /** The changes it makes relative to the parameters it started from. */
  readonly applied: readonly AppliedChange[];
  /** Its score (the objective's value), when evaluated. */
  readonly score?: number;
  /** What it measured (means per metric), when evaluated. */
  readonly metrics?: Metrics;
  /** Whether its parameters are in effect after the step. */
  readonly chosen: boolean;
  /** Index of the candidate it started from (beam/UCB). */
  readonly parent?: number;
}

/** What an algorithm's step did. */
export interface StepOutcome {
  /** The training minibatch, as the parameters in effect at the start of the step did on it. */
  readonly batch: BatchRun;
  /** The proposals made. */
  readonly proposals: readonly ProposalOutcome[];
  /** False when the update was undone or no candidate beat the current parameters. */
  readonly kept: boolean;
  /** Why not kept, or another remark. */
  readonly note?: string;
  /** Score of the parameters in effect after the step, when the algorithm measured it. */
  readonly score?: {
    /** The objective's value (the mean score under the default objective). */
    readonly value: number;
    /** What it was measured on: the validation set, or the step's training minibatch. */
    readonly on: "validation" | "batch";
    /** The means per metric it was computed from, when the algorithm has them. */
    readonly metrics?: Metrics;
  };
  /** The optimizer said the problem is solved. */
  readonly terminate?: boolean;
  /**
   * Set when the algorithm's own budget (e.g. `paretoSearch`'s `maxModelCalls`) is spent: the run
   * ends after this step with reason `search-budget` and this message.
   */
  readonly budgetSpent?: string;
  /** Set when the step made no optimizer call on purpose (logged as the step record's `skipped`). */
  readonly skipped?: StepSkip;
}

/** Options of `AlgorithmContext.evaluate`. */
export interface ContextEvaluateOptions {
  /** Which examples: indices into the pool (default: all). */
  readonly indices?: readonly number[];
  /** Which data (default `validation`). */
  readonly pool?: "validation" | "train";
}

/** What an evaluation measured (`AlgorithmContext.measure`). */
export interface Measurement {
  /** The objective's value of `metrics`. */
  readonly value: number;
  /** Mean of each metric over the examples scored. */
  readonly metrics: Metrics;
  /** Indices (into the pool) of the examples scored, in order (outages left out). */
  readonly indices: readonly number[];
  /** Each scored example's metrics, in the order of `indices`. */
  readonly examples: readonly Metrics[];
  /** How many examples were run (scored ones and those a model outage kept from running). */
  readonly rollouts: number;
}

/** What the training loop offers an algorithm during `init` and `step`. */
export interface AlgorithmContext {
  /** The step being taken (from 1), or 0 during `init`. */
  readonly step: number;
  /** The optimizer. */
  readonly optimizer: Optimizer;
  /** The trainable parameters, in checkpoint order. */
  readonly parameters: readonly ParameterNode[];
  /** The run's seeded generator (its state is checkpointed). */
  readonly rng: Rng;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** Whether a validation set was given. */
  readonly hasValidation: boolean;
  /** Size of the validation set (0 without one). */
  readonly validationSize: number;
  /** Size of the training set. */
  readonly trainSize: number;
  /** Validation score of the starting parameters (null without a validation set). */
  readonly initialScore: number | null;
  /**
   * Whether to make no optimizer call for a batch whose examples all have the guide's top score
   * (`BatchRun.perfect`): the run's `skipPerfectBatches` option.
   */
  readonly skipPerfectBatches: boolean;
  /** The next training minibatch (advances the data order). */
  nextBatch(): SampledBatch;
  /**
   * Runs the agent on a minibatch and scores it; with `backward`, first clears the parameters'
   * feedback, then sends each output its own feedback (in batch order) so the optimizer can step.
   */
  runBatch(batch: SampledBatch, options: { readonly backward: boolean }): Promise<BatchRun>;
  /**
   * How candidates are compared: the run's objective (`train({ objective })`; default: the
   * guide's score). Rank and compare candidates with it, not with raw scores.
   */
  readonly objective: Objective;
  /**
   * Evaluates the parameters in effect (logged as an `eval` record); resolves with the
   * objective's value (the mean score under the default objective).
   */
  evaluate(label: string, options?: ContextEvaluateOptions): Promise<number>;
  /**
   * Evaluates the parameters in effect like `evaluate`, and resolves with everything measured:
   * the objective's value, mean metrics and each example's metrics.
   */
  measure(label: string, options?: ContextEvaluateOptions): Promise<Measurement>;
  /** The parameters' current values. */
  snapshot(): Snapshot;
  /** Sets the parameters to `snapshot`. */
  restore(snapshot: Snapshot): void;
  /**
   * `optimizer.propose()` with the run's signal, its updates passed through the approval hooks (a
   * spent budget, cancellation or too many optimizer outages stop the run).
   */
  propose(): Promise<Proposal>;
  /**
   * `optimizer.proposeCandidates(count)` with the run's signal: `count` candidate proposals for
   * the current feedback, asked concurrently (with sample indices, or the optimizer's own way
   * of varying them), nothing changed. Each candidate gets what `propose()` gives one proposal:
   * the stop rules check what it reports, then its updates pass through the approval hooks.
   * Score the candidates, tell the optimizer with `observeScores()`, then apply the one chosen.
   *
   * @param count how many candidates (a positive integer)
   */
  proposeCandidates(count: number): Promise<Proposal[]>;
  /**
   * Tells the optimizer how the candidates of `proposeCandidates()` scored
   * (`optimizer.observeScores`), before the chosen one is applied: give every candidate, with
   * undefined as the score of one that was not scored (e.g. it changed nothing). Optimizers that
   * learn from scores (OPRO's history) record them; others ignore them.
   *
   * @param scored each candidate, as `proposeCandidates()` returned it, with its score
   */
  observeScores(scored: readonly ScoredProposal[]): void;
  /** `optimizer.step()` with the run's signal (same stopping rules as `propose`). */
  optimizerStep(): Promise<StepReport>;
  /**
   * Applies a proposal's updates; returns what changed. With approval hooks, only a proposal
   * returned by `propose()` or `proposeCandidates()` may be applied.
   */
  apply(proposal: Proposal): AppliedChange[];
  /** Undoes applied changes. */
  revert(applied: readonly AppliedChange[]): void;
  /** Shows what is running on the progress bar. */
  phase(text: string): void;
}

/**
 * A training algorithm. Algorithms are stateful objects made by factories (`minibatch()`,
 * `bestOfN()`, `beamSearch()`, `ucbSearch()`); use a fresh one per run.
 */
export interface Algorithm {
  /** Name in logs and checkpoints. */
  readonly name: string;
  /** Options as JSON (logged; must be equal when resuming). */
  readonly options: Readonly<Record<string, unknown>>;
  /** True when the algorithm cannot run without a validation set (checked before anything is written). */
  readonly needsValidation?: boolean;
  /** Sets up a fresh run (after the initial evaluation). */
  init(context: AlgorithmContext): Promise<void>;
  /** One training step. */
  step(context: AlgorithmContext): Promise<StepOutcome>;
  /** The algorithm's state as JSON (checkpointed after every step). */
  state(): unknown;
  /** Restores `state()` on resume. */
  loadState(state: unknown): void;
}

/**
 * One training run: owns the data order, random numbers, evaluation, run log, checkpoints, best
 * parameters and stopping rules; delegates what a step does to the algorithm.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import {
  type AppliedChange,
  findStopError,
  formatChanges,
  type ModelCall,
  type Node,
  type Proposal,
  type RunStopReason,
  type StepReport,
  sameValue,
  TraceError,
  type UsageTotals,
} from "@trace-ts/core";
import type {
  AlgorithmContext,
  BatchRun,
  ContextEvaluateOptions,
  ProposalOutcome,
  StepOutcome,
} from "../algorithms/types.js";
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  readCheckpoint,
  saveCheckpoint,
} from "../checkpoint/checkpoint.js";
import type { Dataset } from "../data/dataset.js";
import type { Example } from "../data/example.js";
import { Rng } from "../data/rng.js";
import { EpochSampler, type SampledBatch } from "../data/sampler.js";
import {
  CheckpointExistsError,
  CheckpointMismatchError,
  CheckpointValueError,
  ModelUnavailableError,
  RunCancelledError,
} from "../errors.js";
import {
  type Evaluation,
  type ExampleOutcome,
  isOutage,
  type OutageFailure,
  type RunSettings,
  runExamples,
  summarize,
} from "../evaluate.js";
import { stopReasonOfCode } from "../fatal.js";
import {
  type ChangeRecord,
  type DatasetInfo,
  type EvalRecord,
  type OutageRecord,
  type ParameterValueRecord,
  type ProposalRecord,
  RUN_LOG_FORMAT,
  RUN_LOG_VERSION,
  type StopReason,
  type UsageRecord,
} from "../log/records.js";
import { RunLogWriter } from "../log/writer.js";
import { TrainingProgress } from "../progress.js";
import { jsonCopy, restoreSnapshot, type Snapshot, snapshotChanges, takeSnapshot } from "../snapshot.js";
import type { Settings } from "./config.js";

/** What a training run ended with. */
export interface TrainResult {
  /** Why it stopped. */
  readonly reason: StopReason;
  /** Details (e.g. the budget error), or null. */
  readonly message: string | null;
  /** Completed steps. */
  readonly steps: number;
  /** The best score measured and the step whose parameters had it (null when nothing was measured). */
  readonly best: { readonly score: number; readonly step: number } | null;
  /** Whether the best parameters were put in effect at the end. */
  readonly restoredBest: boolean;
  /** The parameters' final values. */
  readonly parameters: readonly ParameterValueRecord[];
  /** The evaluation on the test set with the final parameters, when a test set was given. */
  readonly test: Evaluation | null;
  /** Tokens and cost of the run (completed steps and evaluations). */
  readonly totals: UsageRecord;
  /** The run's identifier. */
  readonly runId: string;
  /** Whether this call continued a run from a checkpoint. */
  readonly resumed: boolean;
}

/** Reasons that end a run for good (resume does not continue past them). */
const FINAL: ReadonlySet<StopReason> = new Set(["early-stop", "target-reached", "terminated"]);
const ZERO_USAGE: UsageRecord = { inputTokens: 0, outputTokens: 0, totalTokens: 0, calls: 0, cost: 0 };

/**
 * Internal: a run-stopping failure that was reported rather than thrown (an optimizer's
 * `errorCode`, the budget's refusal count), so that every stop goes through `findStopError`.
 */
class ReportedStop extends TraceError {
  readonly #reason: RunStopReason;
  constructor(reason: RunStopReason, message: string) {
    super("RUN_STOPPED", message);
    this.#reason = reason;
  }
  override get stopsRun(): RunStopReason {
    return this.#reason;
  }
}

/** How a run stops. */
type Stop = { reason: StopReason; message: string | null };
/** What a failed step (or set-up) leads to: a stop, a retry after a model outage, or a rethrow. */
type Failure = Stop | "retry" | undefined;

/** @internal Runs (or resumes) one training run. */
export class Session<I, O, T> {
  readonly #s: Settings<I, O, T>;
  readonly #params: Settings<I, O, T>["parameters"];
  readonly #controller = new AbortController();
  readonly #progress: TrainingProgress;
  #runId = "";
  #rng!: Rng;
  #sampler!: EpochSampler;
  #log!: RunLogWriter;
  #step = 0;
  #initialized = false;
  #initialScore: number | null = null;
  #best: { score: number; step: number; values: Snapshot } | null = null;
  #es = { bestScore: null as number | null, sinceImprovement: 0 };
  #finished: StopReason | null = null;
  #totals: UsageRecord = ZERO_USAGE;
  #trackerMark: UsageTotals | undefined;
  #refusedMark = 0;
  #resumed = false;
  #checkpointPath: string | undefined;
  /** Model outages in a row, counted separately for the examples' models and the optimizer's. */
  readonly #outages = { examples: 0, optimizer: 0 };
  /** Proposals `context.propose()` returned (their updates went through the approval hooks). */
  readonly #approved = new WeakSet<Proposal>();

  /** @param settings the validated configuration */
  constructor(settings: Settings<I, O, T>) {
    this.#s = settings;
    this.#params = settings.parameters;
    this.#progress = new TrainingProgress(settings.progress);
    this.#checkpointPath = settings.checkpoint;
  }

  /** Starts a fresh run. */
  async start(): Promise<TrainResult> {
    const s = this.#s;
    if (s.checkpoint !== undefined && !s.overwrite && existsSync(s.checkpoint)) {
      throw new CheckpointExistsError(s.checkpoint, "checkpoint");
    }
    this.#runId = s.runId ?? randomUUID();
    this.#rng = Rng.fromSeed(s.seed);
    this.#sampler = new EpochSampler(s.train.length, s.batchSize, this.#rng, s.shuffle);
    this.#log = RunLogWriter.create(s.log, {
      overwrite: s.overwrite,
      ...(s.onRecord ? { onRecord: s.onRecord } : {}),
    });
    this.#markUsage();
    try {
      this.#log.write({
        type: "run",
        time: now(),
        format: RUN_LOG_FORMAT,
        version: RUN_LOG_VERSION,
        runId: this.#runId,
        algorithm: s.algorithm.name,
        algorithmOptions: s.algorithm.options,
        optimizer: s.optimizer.name,
        seed: s.seed,
        batchSize: s.batchSize,
        epochs: s.epochs ?? null,
        maxSteps: s.maxSteps ?? null,
        concurrency: s.concurrency,
        datasets: {
          train: info(s.train),
          validation: s.validation ? info(s.validation) : null,
          test: s.test ? info(s.test) : null,
        },
        parameters: this.#parameterValues(),
      });
      await this.#saveCheckpoint();
      return await this.#run();
    } finally {
      this.#log.close();
      this.#progress.stop();
    }
  }

  /** Continues the run saved in the checkpoint. */
  async resume(): Promise<TrainResult> {
    const s = this.#s;
    const path = s.checkpoint!;
    const cp = await readCheckpoint(path);
    // check everything before changing anything
    this.#checkCompatible(cp, path);
    const values = this.#savedValues(cp, path);
    const bestValues = cp.best === null ? null : this.#inAgentOrder(cp, cp.best.values);
    this.#checkValues(values, "parameters", path);
    if (bestValues !== null) this.#checkValues(bestValues, "best", path);
    if (s.log !== undefined) {
      if (cp.log.path === null) {
        throw new CheckpointMismatchError(
          path,
          "the run had no log file, so a log cannot be continued; drop the log option",
        );
      }
      RunLogWriter.verify(s.log, cp.log.bytes, cp.runId, path);
    }
    this.#runId = cp.runId;
    if (s.agent?.loadState && cp.agentState !== null) s.agent.loadState(cp.agentState);
    restoreSnapshot(this.#params, values);
    s.optimizer.loadState(cp.optimizer);
    this.#rng = Rng.fromState(cp.rng);
    this.#sampler = new EpochSampler(s.train.length, s.batchSize, this.#rng, s.shuffle);
    this.#sampler.loadState(cp.data);
    if (cp.initialized) s.algorithm.loadState(cp.algorithm.state);
    this.#step = cp.step;
    this.#initialized = cp.initialized;
    this.#best =
      cp.best === null || bestValues === null
        ? null
        : { score: cp.best.score, step: cp.best.step, values: bestValues };
    this.#initialScore = null;
    this.#es = { bestScore: cp.earlyStop.bestScore, sinceImprovement: cp.earlyStop.sinceImprovement };
    this.#finished = cp.finished;
    this.#totals = cp.totals;
    this.#resumed = true;
    this.#log = RunLogWriter.reopen(s.log, cp.log.bytes, cp.log.records, cp.runId, path, s.onRecord);
    this.#markUsage();
    try {
      this.#log.write({ type: "resume", time: now(), step: this.#step, checkpoint: path });
      return await this.#run();
    } finally {
      this.#log.close();
      this.#progress.stop();
    }
  }

  // ---- the loop ----

  async #run(): Promise<TrainResult> {
    const s = this.#s;
    const unlink = linkSignal(s.signal, this.#controller);
    if (s.isolation !== undefined) s.optimizer.requireIsolation(s.isolation);
    const detach = s.approve === undefined ? undefined : s.optimizer.addApproval(s.approve);
    try {
      this.#progress.start(this.#plannedSteps(), this.#step);
      let stop: Stop | undefined;
      while (stop === undefined) {
        if (!this.#initialized) {
          // undefined with #initialized still false: a model outage below the limit; try again
          stop = await this.#initialize();
          continue;
        }
        const reason = this.#limitReached();
        if (reason !== undefined) {
          stop = { reason, message: null };
          break;
        }
        if (this.#controller.signal.aborted) {
          stop = { reason: "cancelled", message: null };
          break;
        }
        stop = await this.#takeStep();
      }
      return await this.#finish(stop.reason, stop.message);
    } finally {
      detach?.();
      unlink();
    }
  }

  async #initialize(): Promise<Stop | undefined> {
    const s = this.#s;
    const rollback = this.#memo();
    const logMark = this.#log.mark();
    try {
      if (s.validation) {
        this.#initialScore = await this.#evaluate(0, "initial", { pool: "validation" });
        this.#consider(this.#initialScore, 0, this.#snapshot());
      }
      await s.algorithm.init(this.#context(0));
      this.#initialized = true;
      this.#absorbUsage(undefined);
      await this.#saveCheckpoint();
      return undefined;
    } catch (error) {
      const stop = this.#stopFor(error);
      rollback();
      if (stop === undefined) throw error;
      if (stop === "retry") {
        this.#log.truncate(logMark);
        return undefined;
      }
      return stop;
    }
  }

  async #takeStep(): Promise<Stop | undefined> {
    const s = this.#s;
    const number = this.#step + 1;
    const started = performance.now();
    const before = this.#snapshot();
    const rollback = this.#memo();
    const logMark = this.#log.mark();
    const context = this.#context(number);
    let outcome: StepOutcome;
    let score: { value: number; on: "validation" | "batch" } | undefined;
    try {
      outcome = await s.algorithm.step(context);
      score = outcome.score;
      if (s.validation && score?.on !== "validation" && number % s.evalEvery === 0) {
        score = {
          value: await this.#evaluate(number, "after step", { pool: "validation" }),
          on: "validation",
        };
      }
      this.#checkBudget();
    } catch (error) {
      const stop = this.#stopFor(error);
      restoreSnapshot(this.#params, before);
      rollback();
      if (stop === undefined) throw error;
      if (stop === "retry") {
        // the optimizer's model failed (below the outage limit): take the same step again
        this.#log.truncate(logMark);
        return undefined;
      }
      return stop;
    }
    const after = this.#snapshot();
    // best parameters: scores of the parameters now in effect, on validation data when there is
    // some (a search algorithm without validation data scores its candidates on the batch)
    if (score !== undefined && (score.on === "validation" || !s.validation))
      this.#consider(score.value, number, after);
    const measured =
      score?.on === "validation" || !s.validation ? (score?.value ?? outcome.batch.mean) : undefined;
    let reason: StopReason | undefined;
    if (measured !== undefined) reason = this.#earlyStop(measured);
    if (reason === undefined && outcome.terminate && s.earlyStop.onTerminate) reason = "terminated";
    const usage = this.#absorbUsage(outcome.proposals.flatMap((p) => p.proposal.calls));
    const applied = snapshotChanges(this.#params, before, after);
    this.#step = number;
    this.#log.write({
      type: "step",
      time: now(),
      step: number,
      epoch: outcome.batch.epoch,
      batch: {
        indices: [...outcome.batch.indices],
        scores: [...outcome.batch.scores],
        feedback: [...outcome.batch.feedback],
        errors: outcome.batch.errors,
        mean: outcome.batch.mean,
        ...(outcome.batch.outages.length > 0 ? { outages: outcome.batch.outages.map(outageRecord) } : {}),
      },
      proposals: outcome.proposals.map(proposalRecord),
      applied: applied.map(changeRecord),
      diff: formatChanges(applied),
      kept: outcome.kept,
      note: outcome.note ?? null,
      ...(outcome.skipped !== undefined ? { skipped: outcome.skipped } : {}),
      score: score ?? null,
      best: this.#best === null ? null : { score: this.#best.score, step: this.#best.step },
      usage,
      totals: this.#totals,
      durationMs: performance.now() - started,
    });
    if (reason !== undefined && FINAL.has(reason)) this.#finished = reason;
    await this.#saveCheckpoint();
    this.#progress.step(number, {
      score: score?.value ?? outcome.batch.mean,
      best: this.#best?.score ?? null,
      tokens: this.#totals.totalTokens,
    });
    return reason === undefined ? undefined : { reason, message: null };
  }

  async #finish(reason: StopReason, message: string | null): Promise<TrainResult> {
    const s = this.#s;
    let restoredBest = false;
    if (s.restoreBest && this.#best !== null) {
      restoreSnapshot(this.#params, this.#best.values);
      restoredBest = true;
    }
    let test: Evaluation | null = null;
    let note = message;
    if (s.test && reason !== "cancelled" && reason !== "budget" && reason !== "model-unavailable") {
      try {
        const evaluation = await this.#evaluateFull(this.#step, "final", "test", s.test, undefined);
        test = evaluation;
        this.#absorbUsage(undefined);
      } catch (error) {
        const stop = this.#stopFor(error);
        if (stop === undefined) throw error;
        const why = stop === "retry" ? describeStop(error) : (stop.message ?? stop.reason);
        note = `${note ? `${note}; ` : ""}the test evaluation was skipped: ${why}`;
      }
    }
    const parameters = this.#parameterValues();
    this.#log.write({
      type: "end",
      time: now(),
      step: this.#step,
      reason,
      message: note,
      best: this.#best === null ? null : { score: this.#best.score, step: this.#best.step },
      restoredBest,
      parameters,
      totals: this.#totals,
    });
    return {
      reason,
      message: note,
      steps: this.#step,
      best: this.#best === null ? null : { score: this.#best.score, step: this.#best.step },
      restoredBest,
      parameters,
      test,
      totals: this.#totals,
      runId: this.#runId,
      resumed: this.#resumed,
    };
  }

  // ---- stopping ----

  #limitReached(): StopReason | undefined {
    const s = this.#s;
    if (this.#finished !== null) return this.#finished;
    if (s.maxSteps !== undefined && this.#step >= s.maxSteps) return "max-steps";
    if (s.epochs !== undefined && this.#sampler.epochsCompleted >= s.epochs) return "completed";
    return undefined;
  }

  #plannedSteps(): number {
    const s = this.#s;
    const byEpochs =
      s.epochs === undefined ? Number.POSITIVE_INFINITY : s.epochs * this.#sampler.batchesPerEpoch;
    const bySteps = s.maxSteps ?? Number.POSITIVE_INFINITY;
    return Math.min(byEpochs, bySteps);
  }

  #earlyStop(score: number): StopReason | undefined {
    const { patience, minDelta = 0, target } = this.#s.earlyStop;
    if (this.#es.bestScore === null || score > this.#es.bestScore + minDelta) {
      this.#es = { bestScore: score, sinceImprovement: 0 };
    } else {
      this.#es = { bestScore: this.#es.bestScore, sinceImprovement: this.#es.sinceImprovement + 1 };
    }
    if (target !== undefined && score >= target) return "target-reached";
    if (patience !== undefined && this.#es.sinceImprovement >= patience) return "early-stop";
    return undefined;
  }

  #consider(score: number, step: number, values: Snapshot): void {
    if (this.#best === null || score > this.#best.score) this.#best = { score, step, values };
    if (step === 0 && this.#es.bestScore === null) this.#es = { bestScore: score, sinceImprovement: 0 };
  }

  /**
   * Classifies an error by the error that stops runs in its cause chain (`findStopError`): a
   * budget refusal or a cancellation stops the run; a model outage the examples counted up to
   * the limit (`ModelUnavailableError`) stops it with reason `model-unavailable`; any other model
   * outage (the optimizer's model, thrown rather than reported) counts towards the limit and the
   * step is taken again ("retry"). Undefined: a real failure, to rethrow.
   */
  #stopFor(error: unknown): Failure {
    if (error instanceof ModelUnavailableError)
      return { reason: "model-unavailable", message: error.message };
    const stop = findStopError(error);
    if (stop?.stopsRun === "budget") return { reason: "budget", message: stop.message };
    if (stop?.stopsRun === "cancelled" || this.#controller.signal.aborted)
      return { reason: "cancelled", message: null };
    if (stop?.stopsRun === "outage") {
      try {
        this.#outage("optimizer", stop);
      } catch (limit) {
        return { reason: "model-unavailable", message: (limit as Error).message };
      }
      return "retry";
    }
    return undefined;
  }

  /**
   * Counts a model outage; throws `ModelUnavailableError` when `maxConsecutiveOutages` came in a
   * row from the same source.
   */
  #outage(source: "examples" | "optimizer", error: unknown): void {
    const count = ++this.#outages[source];
    if (count >= this.#s.maxConsecutiveOutages) throw new ModelUnavailableError(source, count, error);
  }

  /**
   * Optimizers report a failed model call in their proposal (`error`, `errorCode`) instead of
   * throwing. The code says whether it stops the run, as the error classes decide
   * (`stopReasonOfCode`): a budget refusal stops it, a cancellation too when the run was
   * cancelled, and an outage counts towards `maxConsecutiveOutages` (the step goes on without an
   * update); a proposal without an outage ends a run of the optimizer's outages.
   */
  #checkProposal(proposal: Proposal | StepReport): void {
    const reason = stopReasonOfCode(proposal.errorCode);
    if (reason === "budget") throw new ReportedStop("budget", proposal.error ?? "the model budget is spent");
    if (reason === "cancelled" && this.#controller.signal.aborted)
      throw new RunCancelledError(this.#controller.signal.reason);
    if (reason === "outage") this.#outage("optimizer", proposal.error ?? `${proposal.errorCode}`);
    else this.#outages.optimizer = 0;
    this.#checkBudget();
  }

  #checkBudget(): void {
    const budget = this.#s.budget;
    if (budget !== undefined && budget.state().refusedCalls > this.#refusedMark) {
      throw new ReportedStop("budget", "the model budget refused a call (see the budget's state)");
    }
  }

  /** Captures the in-memory state that a failed step must not change; returns the undo. */
  #memo(): () => void {
    const s = this.#s;
    const optimizer = s.optimizer.state();
    const algorithm = s.algorithm.state();
    const rng = this.#rng.state();
    const data = this.#sampler.state();
    const best = this.#best;
    const es = this.#es;
    const initialScore = this.#initialScore;
    return () => {
      s.optimizer.loadState(optimizer);
      if (this.#initialized) s.algorithm.loadState(algorithm);
      this.#rng = Rng.fromState(rng);
      this.#sampler = new EpochSampler(s.train.length, s.batchSize, this.#rng, s.shuffle);
      this.#sampler.loadState(data);
      this.#best = best;
      this.#es = es;
      this.#initialScore = initialScore;
    };
  }

  // ---- what algorithms get ----

  #context(step: number): AlgorithmContext {
    const s = this.#s;
    const session = this;
    return {
      step,
      optimizer: s.optimizer,
      parameters: this.#params,
      get rng() {
        return session.#rng;
      },
      signal: this.#controller.signal,
      hasValidation: s.validation !== undefined,
      validationSize: s.validation?.length ?? 0,
      trainSize: s.train.length,
      initialScore: this.#initialScore,
      skipPerfectBatches: s.skipPerfectBatches,
      nextBatch: () => this.#sampler.next(),
      runBatch: (batch, options) => this.#runBatch(batch, options.backward),
      evaluate: (label, options) => this.#evaluate(step, label, options ?? {}),
      snapshot: () => this.#snapshot(),
      restore: (snapshot) => restoreSnapshot(this.#params, snapshot),
      propose: async () => {
        const proposal = await s.optimizer.propose({ signal: this.#controller.signal });
        this.#checkProposal(proposal);
        return this.#approve(proposal);
      },
      optimizerStep: async () => {
        const report = await s.optimizer.step({ signal: this.#controller.signal });
        try {
          this.#checkProposal(report);
        } catch (error) {
          s.optimizer.revert(report.applied);
          throw error;
        }
        return report;
      },
      apply: (proposal: Proposal) => {
        if (s.optimizer.hasApproval && !this.#approved.has(proposal)) {
          throw new TypeError(
            "context.apply(): the optimizer has approval hooks, so only a proposal returned by context.propose() (whose updates were approved) can be applied",
          );
        }
        return s.optimizer.apply(proposal.updates, proposal.keys).applied as AppliedChange[];
      },
      revert: (applied) => s.optimizer.revert(applied),
      phase: (text) => this.#progress.phase(text),
    };
  }

  /**
   * Passes a proposal's updates through the optimizer's approval hooks: vetoed ones are dropped
   * from `updates` and added to `rejected` (so the step record shows them).
   */
  async #approve(proposal: Proposal): Promise<Proposal> {
    const optimizer = this.#s.optimizer;
    let approved = proposal;
    if (optimizer.hasApproval && proposal.updates.size > 0) {
      const { updates, rejected } = await optimizer.approve(proposal.updates, {
        keys: proposal.keys,
        reasoning: proposal.reasoning,
      });
      if (rejected.length > 0)
        approved = { ...proposal, updates, rejected: [...proposal.rejected, ...rejected] };
    }
    this.#approved.add(approved);
    return approved;
  }

  #settings(requireNode: boolean, label: string): RunSettings<I, O, T> {
    const s = this.#s;
    return {
      forward: s.forward,
      guide: s.guide,
      concurrency: s.concurrency,
      errorScore: s.errorScore,
      isolateNames: true,
      requireNode,
      signal: this.#controller.signal,
      onProgress: (done, total) => this.#progress.phase(`${label} ${done}/${total}`),
      onOutage: (error) => this.#outage("examples", error),
      onRan: () => {
        this.#outages.examples = 0;
      },
    };
  }

  /**
   * Runs examples; when a model outage kept every one of them from running (and the outage
   * limit is not reached yet), runs them again: there is nothing to score or learn from. Each
   * round adds to the outage count and nothing resets it, so this ends at the limit at the latest.
   */
  async #runCounted<E extends Example<I, T>>(
    items: readonly { readonly index: number; readonly example: E }[],
    settings: RunSettings<I, O, T>,
  ): Promise<ExampleOutcome<O>[]> {
    for (;;) {
      const outcomes = await runExamples(items, settings);
      if (!outcomes.every(isOutage) || outcomes.length === 0) return outcomes;
    }
  }

  async #runBatch(batch: SampledBatch, backward: boolean): Promise<BatchRun> {
    const s = this.#s;
    const items = batch.indices.map((index) => ({ index, example: s.train.at(index) }));
    // examples a model outage kept from running are left out: no score, no feedback, no backward
    const summary = summarize(await this.#runCounted(items, this.#settings(backward, "batch")), 0);
    const results = summary.results;
    const feedback = results.map((r) => r.feedback.trim() || `Score: ${r.score}`);
    if (backward) {
      s.optimizer.zeroFeedback();
      results.forEach((r, k) => {
        const output = r.output as Node;
        s.optimizer.backward(output, feedback[k]!, output.backwarded ? { retainGraph: true } : {});
      });
    }
    const top = s.guide.maxScore;
    return {
      epoch: batch.epoch,
      indices: results.map((r) => r.index),
      results,
      scores: summary.scores,
      feedback,
      mean: summary.mean,
      errors: summary.errors,
      outages: summary.outages,
      perfect:
        top !== undefined &&
        results.length > 0 &&
        results.every((r) => r.error === undefined && r.score >= top),
    };
  }

  async #evaluate(step: number, label: string, options: ContextEvaluateOptions): Promise<number> {
    const s = this.#s;
    const pool = options.pool ?? "validation";
    const data = pool === "validation" ? s.validation : s.train;
    if (data === undefined) throw new RangeError("evaluate: there is no validation set");
    return (await this.#evaluateFull(step, label, pool, data, options.indices)).mean;
  }

  async #evaluateFull(
    step: number,
    label: string,
    split: EvalRecord["split"],
    data: Dataset<Example<I, T>>,
    indices: readonly number[] | undefined,
  ): Promise<Evaluation<O>> {
    const started = performance.now();
    const order = indices ?? data.items.map((_, i) => i);
    const outcomes = await this.#runCounted(
      order.map((index) => ({ index, example: data.at(index) })),
      this.#settings(false, `${split} (${label})`),
    );
    const evaluation = summarize(outcomes, performance.now() - started);
    const outages = evaluation.outages;
    this.#log.write({
      type: "eval",
      time: now(),
      step,
      split,
      label,
      // with outages, the indices of the examples scored (the others are listed in outages)
      indices:
        outages.length > 0
          ? evaluation.results.map((r) => r.index)
          : indices === undefined
            ? null
            : [...indices],
      scores: [...evaluation.scores],
      mean: evaluation.mean,
      errors: evaluation.errors,
      ...(outages.length > 0 ? { outages: outages.map(outageRecord) } : {}),
      durationMs: evaluation.durationMs,
    });
    return evaluation;
  }

  // ---- values, usage, checkpoints ----

  #snapshot(): Snapshot {
    return takeSnapshot(this.#params);
  }

  #parameterValues(): ParameterValueRecord[] {
    const values = this.#snapshot();
    return this.#params.map((p, i) => ({ name: p.name, key: p.key, value: values[i] }));
  }

  #markUsage(): void {
    this.#trackerMark = this.#s.usage?.totals();
    this.#refusedMark = this.#s.budget?.state().refusedCalls ?? 0;
  }

  /**
   * Adds what was spent since the last mark to the totals and returns it: from the usage tracker
   * when there is one (every model), else from the optimizer's calls.
   */
  #absorbUsage(calls: readonly ModelCall[] | undefined): UsageRecord {
    const tracker = this.#s.usage;
    let usage: UsageRecord;
    if (tracker !== undefined) {
      const now = tracker.totals();
      const was = this.#trackerMark ?? now;
      const cost =
        tracker.prices === undefined || now.unpricedCalls > was.unpricedCalls ? null : now.cost - was.cost;
      usage = {
        inputTokens: now.inputTokens - was.inputTokens,
        outputTokens: now.outputTokens - was.outputTokens,
        totalTokens: now.totalTokens - was.totalTokens,
        calls: now.calls + now.failedCalls - was.calls - was.failedCalls,
        cost: cost === null ? null : Math.max(0, cost),
      };
      this.#trackerMark = now;
    } else {
      let input = 0;
      let output = 0;
      let extra = 0;
      for (const c of calls ?? []) {
        input += c.usage?.inputTokens ?? 0;
        output += c.usage?.outputTokens ?? 0;
        extra += (c.usage?.cacheReadTokens ?? 0) + (c.usage?.cacheWriteTokens ?? 0);
      }
      usage = {
        inputTokens: input,
        outputTokens: output,
        totalTokens: input + output + extra,
        calls: calls?.length ?? 0,
        cost: null,
      };
    }
    const t = this.#totals;
    this.#totals = {
      inputTokens: t.inputTokens + usage.inputTokens,
      outputTokens: t.outputTokens + usage.outputTokens,
      totalTokens: t.totalTokens + usage.totalTokens,
      calls: t.calls + usage.calls,
      cost: t.cost === null || usage.cost === null ? null : t.cost + usage.cost,
    };
    return usage;
  }

  async #saveCheckpoint(): Promise<void> {
    const s = this.#s;
    this.#log.sync();
    if (this.#checkpointPath === undefined) return;
    const values = this.#snapshot();
    const checkpoint: Checkpoint = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      runId: this.#runId,
      savedAt: now(),
      step: this.#step,
      initialized: this.#initialized,
      algorithm: {
        name: s.algorithm.name,
        options: s.algorithm.options,
        state: jsonCopy(s.algorithm.state(), `the state of algorithm ${s.algorithm.name}`),
      },
      settings: { seed: s.seed, batchSize: s.batchSize, shuffle: s.shuffle },
      datasets: { train: s.train.fingerprint(), validation: s.validation?.fingerprint() ?? null },
      parameters: this.#params.map((p, i) => ({ name: p.name, key: p.key, value: values[i] })),
      agentState: s.agent?.state ? jsonCopy(s.agent.state(), "the agent's state()") : null,
      optimizer: jsonCopy(
        s.optimizer.state(),
        `the state of optimizer ${s.optimizer.name}`,
      ) as Checkpoint["optimizer"],
      rng: this.#rng.state(),
      data: this.#sampler.state(),
      best:
        this.#best === null
          ? null
          : { score: this.#best.score, step: this.#best.step, values: this.#best.values },
      earlyStop: { ...this.#es },
      finished: this.#finished,
      totals: this.#totals,
      log: { path: this.#log.path ?? null, bytes: this.#log.bytes, records: this.#log.records },
    };
    await saveCheckpoint(this.#checkpointPath, checkpoint);
  }

  #checkCompatible(cp: Checkpoint, path: string): void {
    const s = this.#s;
    const differences: string[] = [];
    if (cp.algorithm.name !== s.algorithm.name)
      differences.push(`algorithm ${cp.algorithm.name} vs ${s.algorithm.name}`);
    else if (JSON.stringify(cp.algorithm.options) !== JSON.stringify(s.algorithm.options)) {
      differences.push(
        `algorithm options ${JSON.stringify(cp.algorithm.options)} vs ${JSON.stringify(s.algorithm.options)}`,
      );
    }
    if (cp.settings.seed !== s.seed) differences.push(`seed ${cp.settings.seed} vs ${s.seed}`);
    if (cp.settings.batchSize !== s.batchSize)
      differences.push(`batchSize ${cp.settings.batchSize} vs ${s.batchSize}`);
    if (cp.settings.shuffle !== s.shuffle) differences.push(`shuffle ${cp.settings.shuffle} vs ${s.shuffle}`);
    if (cp.datasets.train !== s.train.fingerprint()) differences.push("the training set differs");
    if (cp.datasets.validation !== (s.validation?.fingerprint() ?? null))
      differences.push("the validation set differs");
    if (cp.optimizer.optimizer !== s.optimizer.name)
      differences.push(`optimizer ${cp.optimizer.optimizer} vs ${s.optimizer.name}`);
    if (differences.length > 0) throw new CheckpointMismatchError(path, differences.join("; "));
  }

  /**
   * Runs each parameter's validator on the saved values, as `Optimizer.apply` does for an update
   * (values equal to the current one are not checked again), so that a damaged or hand-edited
   * checkpoint is refused before anything changes.
   */
  #checkValues(values: Snapshot, where: "parameters" | "best", path: string): void {
    if (values.length !== this.#params.length) {
      throw new CheckpointMismatchError(
        path,
        `its ${where} values are ${values.length} for ${this.#params.length} parameters`,
      );
    }
    this.#params.forEach((p, i) => {
      const value = values[i];
      if (sameValue(p._data, value)) return;
      const reason = p.validate(value);
      if (reason !== undefined) throw new CheckpointValueError(path, p.name, where, reason);
    });
  }

  /** Saved values listed in the checkpoint's parameter order, in the agent's order (see `#savedValues`). */
  #inAgentOrder(cp: Checkpoint, values: Snapshot): Snapshot {
    if (this.#s.matchParameters === "position" || values.length !== cp.parameters.length) return values;
    const at = new Map(cp.parameters.map((p, i) => [p.name, i]));
    return this.#params.map((p) => values[at.get(p.name) ?? -1]);
  }

  #savedValues(cp: Checkpoint, path: string): Snapshot {
    const saved = cp.parameters;
    const current = this.#params;
    if (this.#s.matchParameters === "position") {
      if (saved.length !== current.length) {
        throw new CheckpointMismatchError(
          path,
          `it has ${saved.length} parameters, the agent has ${current.length}`,
        );
      }
      return saved.map((p) => p.value);
    }
    const byName = new Map(saved.map((p) => [p.name, p]));
    const missing = current.filter((p) => !byName.has(p.name)).map((p) => p.name);
    const extra = saved.filter((p) => !current.some((c) => c.name === p.name)).map((p) => p.name);
    if (missing.length > 0 || extra.length > 0) {
      throw new CheckpointMismatchError(
        path,
        `parameter names differ (not in the checkpoint: ${missing.join(", ") || "none"}; only in the checkpoint: ${extra.join(", ") || "none"}). ` +
          "Create the agent the same way as in the saved run, or pass matchParameters: 'position'",
      );
    }
    return current.map((p) => byName.get(p.name)!.value);
  }
}

// ---- helpers ----

function now(): string {
  return new Date().toISOString();
}

function info<E>(data: Dataset<E>): DatasetInfo {
  return { name: data.name, size: data.length, fingerprint: data.fingerprint() };
}

function linkSignal(outer: AbortSignal | undefined, controller: AbortController): () => void {
  if (outer === undefined) return () => {};
  if (outer.aborted) {
    controller.abort(outer.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener("abort", onAbort, { once: true });
  return () => outer.removeEventListener("abort", onAbort);
}

function outageRecord(failure: OutageFailure): OutageRecord {
  return { index: failure.index, error: failure.error };
}

function describeStop(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function changeRecord(change: AppliedChange): ChangeRecord {
  return { key: change.key, name: change.name, before: change.before ?? null, after: change.after ?? null };
}

function proposalRecord(outcome: ProposalOutcome): ProposalRecord {
  const p: Proposal | StepReport = outcome.proposal;
  return {
    parent: outcome.parent ?? null,
    calls: p.calls.map((c) => ({
      purpose: c.purpose,
      prompt: c.messages.map((m) => ({ role: m.role, content: m.content })),
      response: c.response ?? null,
      usage: c.usage ? { inputTokens: c.usage.inputTokens, outputTokens: c.usage.outputTokens } : null,
      error: c.error ?? null,
      durationMs: c.durationMs,
    })),
    suggestion: p.suggestion,
    reasoning: p.reasoning ?? null,
    terminate: p.terminate,
    error: p.error ?? null,
    rejected: p.rejected.map((r) => ({
      key: r.key,
      value: r.value ?? null,
      reason: r.reason,
      ...(r.vetoed === true ? { vetoed: true } : {}),
    })),
    applied: outcome.applied.map(changeRecord),
    diff: formatChanges(outcome.applied),
    score: outcome.score ?? null,
    chosen: outcome.chosen,
  };
}

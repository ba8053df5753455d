/**
 * One training run: owns the data order, random numbers, evaluation, run log, checkpoints, best
 * parameters and stopping rules; delegates what a step does to the algorithm.
 *
 * The session orchestrates; the parts live in their own modules: the run state that rollbacks,
 * checkpoints and resume share (`run-state.ts`, with the checkpoint checks in
 * `checkpoint/compat.ts`), usage metering (`usage-meter.ts`), best parameters and early stopping
 * (`early-stop.ts`), stop rules and outage counting (`stops.ts`), running examples
 * (`examples.ts`), the algorithm's context (`context.ts`) and log records (`log-records.ts`).
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { type Proposal, rootErrorCode } from "@trace-ts/core";
import { type ActiveSpan, instrument, type SpanStart } from "@trace-ts/core/instrumentation";
import type { AlgorithmContext, StepOutcome } from "../algorithms/types.js";
import { readCheckpoint, saveCheckpoint } from "../checkpoint/checkpoint.js";
import { Rng } from "../data/rng.js";
import { EpochSampler } from "../data/sampler.js";
import { CheckpointExistsError, CheckpointMismatchError } from "../errors.js";
import type { Evaluation } from "../evaluate.js";
import type { GraphRecordPart } from "../log/content.js";
import type { ParameterValueRecord, StepRecord, StopReason, UsageRecord } from "../log/records.js";
import { RunLogWriter } from "../log/writer.js";
import { TrainingProgress } from "../progress.js";
import { restoreSnapshot, snapshotChanges, takeSnapshot } from "../snapshot.js";
import type { Settings } from "./config.js";
import { algorithmContext } from "./context.js";
import { EarlyStopping } from "./early-stop.js";
import { ExampleRunner } from "./examples.js";
import { bestRecord, endRecord, now, parameterValues, runRecord, stepRecord } from "./log-records.js";
import {
  captureRunState,
  checkpointOf,
  identityOf,
  type RunPieces,
  type RunState,
  restoreRunState,
  runStateOf,
} from "./run-state.js";
import { linkSignal, type Stop, StopRules } from "./stops.js";
import { UsageMeter } from "./usage-meter.js";

/** What a training run ended with. */
export interface TrainResult {
  /** Why it stopped. */
  readonly reason: StopReason;
  /** Details (e.g. the budget error), or null. */
  readonly message: string | null;
  /** Completed steps. */
  readonly steps: number;
  /** The best score measured and the step whose parameters had it (null when nothing was measured). */
  readonly best: {
    /** The best score measured. */
    readonly score: number;
    /** The step whose parameters had it (0: the initial parameters). */
    readonly step: number;
  } | null;
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
const FINAL: ReadonlySet<StopReason> = new Set([
  "early-stop",
  "target-reached",
  "terminated",
  "search-budget",
]);

/** @internal Runs (or resumes) one training run. */
export class Session<I, O, T> {
  readonly #s: Settings<I, O, T>;
  readonly #controller = new AbortController();
  readonly #progress: TrainingProgress;
  readonly #usage: UsageMeter;
  readonly #stops: StopRules;
  readonly #runner: ExampleRunner<I, O, T>;
  /** The run state, live: what a failed step rolls back to and a checkpoint saves. */
  readonly #run: RunPieces;
  /** Proposals `context.propose()` returned (their updates went through the approval hooks). */
  readonly #approved = new WeakSet<Proposal>();
  /** Graphs of the proposals made, for their log records. */
  readonly #graphs = new WeakMap<object, GraphRecordPart>();
  #runId = "";
  #log!: RunLogWriter;
  #resumed = false;

  /** @param settings the validated configuration */
  constructor(settings: Settings<I, O, T>) {
    const s = settings;
    this.#s = s;
    this.#progress = new TrainingProgress(s.progress, s.objective.describe());
    this.#usage = new UsageMeter(s.usage, s.budget);
    const signal = this.#controller.signal;
    this.#stops = new StopRules(signal, s.maxConsecutiveOutages, this.#usage);
    this.#runner = new ExampleRunner(s, {
      signal,
      progress: this.#progress,
      stops: this.#stops,
      write: (record) => this.#log.write(record),
    });
    const samplerFor = (rng: Rng) => new EpochSampler(s.train.length, s.batchSize, rng, s.shuffle);
    const rng = Rng.fromSeed(s.seed);
    this.#run = {
      parameters: s.parameters,
      agent: s.agent,
      optimizer: s.optimizer,
      algorithm: s.algorithm,
      scores: new EarlyStopping(s.earlyStop),
      usage: this.#usage,
      samplerFor,
      step: 0,
      initialized: false,
      initialScore: null,
      finished: null,
      rng,
      sampler: samplerFor(rng),
    };
  }

  /** Starts a fresh run. */
  async start(): Promise<TrainResult> {
    const s = this.#s;
    if (s.checkpoint !== undefined && !s.overwrite && existsSync(s.checkpoint)) {
      throw new CheckpointExistsError(s.checkpoint, "checkpoint");
    }
    this.#runId = s.runId ?? randomUUID();
    this.#log = RunLogWriter.create(s.log, {
      overwrite: s.overwrite,
      ...(s.onRecord ? { onRecord: s.onRecord } : {}),
      ...(s.fence ? { fence: s.fence } : {}),
    });
    this.#usage.mark();
    return this.#logged(async () => {
      this.#log.write(runRecord(s, this.#runId, parameterValues(s.parameters)));
      await this.#saveCheckpoint();
    });
  }

  /** Continues the run saved in the checkpoint. */
  async resume(): Promise<TrainResult> {
    const s = this.#s;
    const path = s.checkpoint!;
    const cp = await readCheckpoint(path);
    // check everything before changing anything
    const run = { identity: identityOf(s), parameters: s.parameters, matchParameters: s.matchParameters };
    const state = runStateOf(cp, run, path);
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
    restoreRunState(this.#run, state);
    this.#resumed = true;
    this.#log = RunLogWriter.reopen(s.log, cp.log.bytes, cp.log.records, cp.runId, path, s.onRecord, s.fence);
    this.#usage.mark();
    return this.#logged(() =>
      this.#log.write({ type: "resume", time: now(), step: this.#run.step, checkpoint: path }),
    );
  }

  // ---- the loop ----

  /** Does `first` (the run's first log record), then runs; closes the log and the progress bar. */
  async #logged(first: () => Promise<void> | void): Promise<TrainResult> {
    try {
      await first();
      return await this.#loop();
    } finally {
      this.#log.close();
      this.#progress.stop();
    }
  }

  async #loop(): Promise<TrainResult> {
    const s = this.#s;
    const unlink = linkSignal(s.signal, this.#controller);
    if (s.isolation !== undefined) s.optimizer.requireIsolation(s.isolation);
    const detach = s.approve === undefined ? undefined : s.optimizer.addApproval(s.approve);
    try {
      this.#progress.start(this.#plannedSteps(), this.#run.step);
      let stop: Stop | undefined;
      while (stop === undefined) {
        if (!this.#run.initialized) {
          // undefined with initialized still false: a model outage below the limit; try again
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
    const run = this.#run;
    const rollback = captureRunState(run, "rollback");
    const logMark = this.#log.mark();
    try {
      if (s.validation) {
        run.initialScore = await this.#runner.evaluate(0, "initial", { pool: "validation" });
        run.scores.consider(run.initialScore, 0, takeSnapshot(run.parameters));
      }
      await s.algorithm.init(this.#context(0));
      run.initialized = true;
      this.#usage.absorb(undefined);
      await this.#saveCheckpoint();
      return undefined;
    } catch (error) {
      return this.#failed(error, rollback, logMark);
    }
  }

  /** One step as a unit of work of the current instrumentation (`trainer.step`). */
  #takeStep(): Promise<Stop | undefined> {
    const number = this.#run.step + 1;
    const start = (): SpanStart => ({
      operation: "trainer.step",
      name: "train step",
      attributes: {
        "trace_ts.train.run_id": this.#runId,
        "trace_ts.train.step": number,
        "trace_ts.train.algorithm": this.#s.algorithm.name,
      },
    });
    return instrument(start, (span) => this.#stepBody(number, span));
  }

  async #stepBody(number: number, span: ActiveSpan): Promise<Stop | undefined> {
    const s = this.#s;
    const run = this.#run;
    const started = performance.now();
    const rollback = captureRunState(run, "rollback");
    const before = rollback.parameters;
    const logMark = this.#log.mark();
    const context = this.#context(number);
    let outcome: StepOutcome;
    let score: StepRecord["score"] | undefined;
    try {
      outcome = await s.algorithm.step(context);
      score = outcome.score;
      if (s.validation && score?.on !== "validation" && number % s.evalEvery === 0) {
        const measured = await this.#runner.measure(number, "after step", { pool: "validation" });
        score = { value: measured.value, on: "validation", metrics: measured.metrics };
      }
      this.#stops.checkBudget();
    } catch (error) {
      const stop = this.#failed(error, rollback, logMark);
      span.setAttributes({
        "error.type": rootErrorCode(error) ?? "error",
        "trace_ts.train.stop": stop?.reason,
      });
      return stop;
    }
    // a value the objective could not compute (a metric it reads was missing everywhere) is no
    // measurement: it is neither recorded nor compared
    if (score !== undefined && score !== null && !Number.isFinite(score.value)) score = undefined;
    const after = takeSnapshot(run.parameters);
    // best parameters: scores of the parameters now in effect, on validation data when there is
    // some (a search algorithm without validation data scores its candidates on the batch)
    if (score !== undefined && (score.on === "validation" || !s.validation))
      run.scores.consider(score.value, number, after);
    const measured =
      score?.on === "validation" || !s.validation ? (score?.value ?? outcome.batch.value) : undefined;
    let reason: StopReason | undefined;
    let message: string | null = null;
    if (measured !== undefined && Number.isFinite(measured)) reason = run.scores.observe(measured);
    if (reason === undefined && outcome.terminate && s.earlyStop.onTerminate) reason = "terminated";
    if (reason === undefined && outcome.budgetSpent !== undefined) {
      reason = "search-budget";
      message = outcome.budgetSpent;
    }
    const usage = this.#usage.absorb(outcome.proposals.flatMap((p) => p.proposal.calls));
    const applied = snapshotChanges(run.parameters, before, after);
    run.step = number;
    this.#log.write(
      stepRecord({
        step: number,
        outcome,
        applied,
        score,
        best: bestRecord(run.scores.best),
        usage,
        totals: this.#usage.totals,
        durationMs: performance.now() - started,
        content: s.logContent,
        graphs: this.#graphs,
      }),
    );
    if (reason !== undefined && FINAL.has(reason)) run.finished = reason;
    span.setAttributes({
      "trace_ts.train.score": score?.value ?? outcome.batch.value,
      "trace_ts.train.score_on": score?.on ?? "batch",
      "trace_ts.train.kept": outcome.kept,
      "trace_ts.train.proposals": outcome.proposals.length,
      "trace_ts.train.terminate": outcome.terminate === true,
      "trace_ts.train.stop": reason,
    });
    await this.#saveCheckpoint();
    this.#progress.step(number, {
      score: score?.value ?? outcome.batch.value,
      best: run.scores.best?.score ?? null,
      tokens: this.#usage.totals.totalTokens,
    });
    return reason === undefined ? undefined : { reason, message };
  }

  /**
   * A set-up or step failed: rolls the run state back to before it and says what follows (see
   * `StopRules.classify`). On "retry" (the optimizer's model failed below the outage limit) the
   * log is cut back and undefined returned, so the same set-up or step is taken again; a real
   * failure is rethrown.
   */
  #failed(error: unknown, rollback: RunState, logMark: ReturnType<RunLogWriter["mark"]>): Stop | undefined {
    const stop = this.#stops.classify(error);
    restoreRunState(this.#run, rollback);
    if (stop === undefined) throw error;
    if (stop === "retry") {
      this.#log.truncate(logMark);
      return undefined;
    }
    return stop;
  }

  async #finish(reason: StopReason, message: string | null): Promise<TrainResult> {
    const s = this.#s;
    const run = this.#run;
    let restoredBest = false;
    if (s.restoreBest && run.scores.best !== null) {
      restoreSnapshot(run.parameters, run.scores.best.values);
      restoredBest = true;
    }
    let test: Evaluation | null = null;
    let note = message;
    if (s.test && reason !== "cancelled" && reason !== "budget" && reason !== "model-unavailable") {
      try {
        test = await this.#runner.evaluateFull(run.step, "final", "test", s.test, undefined);
        this.#usage.absorb(undefined);
      } catch (error) {
        const stop = this.#stops.classify(error);
        if (stop === undefined) throw error;
        const why = stop === "retry" ? describeStop(error) : (stop.message ?? stop.reason);
        note = `${note ? `${note}; ` : ""}the test evaluation was skipped: ${why}`;
      }
    }
    const parameters = parameterValues(run.parameters);
    const best = bestRecord(run.scores.best);
    const totals = this.#usage.totals;
    this.#log.write(
      endRecord({ step: run.step, reason, message: note, best, restoredBest, parameters, totals }),
    );
    return {
      reason,
      message: note,
      steps: run.step,
      best: bestRecord(run.scores.best),
      restoredBest,
      parameters,
      test,
      totals,
      runId: this.#runId,
      resumed: this.#resumed,
    };
  }

  // ---- limits, checkpoints, context ----

  #limitReached(): StopReason | undefined {
    const s = this.#s;
    const run = this.#run;
    if (run.finished !== null) return run.finished;
    if (s.maxSteps !== undefined && run.step >= s.maxSteps) return "max-steps";
    if (s.epochs !== undefined && run.sampler.epochsCompleted >= s.epochs) return "completed";
    return undefined;
  }

  #plannedSteps(): number {
    const s = this.#s;
    const byEpochs =
      s.epochs === undefined ? Number.POSITIVE_INFINITY : s.epochs * this.#run.sampler.batchesPerEpoch;
    const bySteps = s.maxSteps ?? Number.POSITIVE_INFINITY;
    return Math.min(byEpochs, bySteps);
  }

  async #saveCheckpoint(): Promise<void> {
    const s = this.#s;
    this.#log.sync();
    if (s.checkpoint === undefined) return;
    const state = captureRunState(this.#run, "checkpoint");
    const log = { path: this.#log.path ?? null, bytes: this.#log.bytes, records: this.#log.records };
    const meta = { runId: this.#runId, savedAt: now(), log };
    await saveCheckpoint(s.checkpoint, checkpointOf(state, identityOf(s), s.parameters, meta), s.fence);
  }

  #context(step: number): AlgorithmContext {
    return algorithmContext(step, {
      settings: this.#s,
      run: this.#run,
      signal: this.#controller.signal,
      runner: this.#runner,
      stops: this.#stops,
      progress: this.#progress,
      approved: this.#approved,
      graphs: this.#graphs,
    });
  }
}

function describeStop(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

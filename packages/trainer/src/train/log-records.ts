/**
 * Builds the records of a run log (see `log/records.ts` for their shapes) from what the training
 * loop has: settings, step outcomes, evaluations and proposals.
 */
import {
  type AppliedChange,
  formatChanges,
  type ModelCall,
  type ParameterNode,
  type Proposal,
  type StepReport,
} from "@trace-ts/core";
import type { ProposalOutcome, StepOutcome } from "../algorithms/types.js";
import type { Dataset } from "../data/dataset.js";
import type { Evaluation, OutageFailure } from "../evaluate.js";
import { type GraphRecordPart, type LogContent, loggedText } from "../log/content.js";
import {
  type CallRecord,
  type ChangeRecord,
  type DatasetInfo,
  type EndRecord,
  type EvalRecord,
  type OutageRecord,
  type ParameterValueRecord,
  type ProposalRecord,
  RUN_LOG_FORMAT,
  RUN_LOG_VERSION,
  type RunRecord,
  type StepRecord,
  type StopReason,
  type UsageRecord,
} from "../log/records.js";
import type { Objective } from "../objective/objective.js";
import { takeSnapshot } from "../snapshot.js";
import type { Settings } from "./config.js";
import type { BestParameters } from "./early-stop.js";

/** The best score and the step that had it, as records show it; null when nothing was measured. */
export type BestRecord = { readonly score: number; readonly step: number } | null;

/**
 * The best score and its step, without the values.
 * @param best the best parameters, or null
 */
export function bestRecord(best: BestParameters | null): BestRecord {
  return best === null ? null : { score: best.score, step: best.step };
}

/** The current time as an ISO string (every record's `time`). */
export function now(): string {
  return new Date().toISOString();
}

/**
 * A dataset's name, size and fingerprint.
 * @param data the dataset
 */
export function datasetInfo<E>(data: Dataset<E>): DatasetInfo {
  return { name: data.name, size: data.length, fingerprint: data.fingerprint() };
}

/**
 * The parameters' names, keys and current values (JSON copies).
 * @param parameters the parameters
 */
export function parameterValues(parameters: readonly ParameterNode[]): ParameterValueRecord[] {
  const values = takeSnapshot(parameters);
  return parameters.map((p, i) => ({ name: p.name, key: p.key, value: values[i] }));
}

/**
 * An example a model outage kept from running.
 * @param failure the outage
 */
export function outageRecord(failure: OutageFailure): OutageRecord {
  return { index: failure.index, error: failure.error };
}

/**
 * A changed value (absent values are recorded as null).
 * @param change the change
 */
export function changeRecord(change: AppliedChange): ChangeRecord {
  return { key: change.key, name: change.name, before: change.before ?? null, after: change.after ?? null };
}

/** What the log keeps of model text, and the graphs drawn for the step's proposals. */
export interface ContentFacts {
  /** The run's `logContent` settings. */
  readonly content: LogContent;
  /** The graph of each proposal (or step report) that had one, drawn when it was made. */
  readonly graphs: WeakMap<object, GraphRecordPart>;
}

/**
 * One optimizer call: always its purpose, tokens, error and duration; its messages and response
 * only when the run keeps them (redacted and capped).
 * @param call the call
 * @param content the run's `logContent` settings
 */
export function callRecord(call: ModelCall, content: LogContent): CallRecord {
  return {
    purpose: call.purpose,
    prompt: content.messages
      ? call.messages.map((m) => ({ role: m.role, content: loggedText(m.content, content) }))
      : [],
    response: content.messages && call.response !== undefined ? loggedText(call.response, content) : null,
    ...(content.messages ? {} : { omitted: true as const }),
    usage: call.usage ? { inputTokens: call.usage.inputTokens, outputTokens: call.usage.outputTokens } : null,
    error: call.error ?? null,
    durationMs: call.durationMs,
  };
}

/**
 * One proposal of a step: the optimizer's calls, suggestion, refusals and what was applied.
 * @param outcome the proposal and what the algorithm did with it
 * @param facts what the log keeps of model text, and the proposals' graphs
 */
export function proposalRecord(outcome: ProposalOutcome, facts: ContentFacts): ProposalRecord {
  const p: Proposal | StepReport = outcome.proposal;
  return {
    parent: outcome.parent ?? null,
    calls: p.calls.map((c) => callRecord(c, facts.content)),
    suggestion: p.suggestion,
    reasoning: p.reasoning ?? null,
    terminate: p.terminate,
    ...facts.graphs.get(p),
    error: p.error ?? null,
    rejected: p.rejected.map((r) => ({
      key: r.key,
      value: r.value ?? null,
      reason: r.reason,
      ...(r.vetoed === true ? { vetoed: true } : {}),
    })),
    applied: outcome.applied.map(changeRecord),
    diff: formatChanges(outcome.applied),
    score: outcome.score !== undefined && Number.isFinite(outcome.score) ? outcome.score : null,
    ...(outcome.metrics !== undefined ? { metrics: { ...outcome.metrics } } : {}),
    chosen: outcome.chosen,
  };
}

/**
 * The first record of a run: its identifier, configuration, datasets and starting values.
 * @param settings the run's validated configuration
 * @param runId the run's identifier
 * @param parameters the parameters and their starting values
 */
export function runRecord<I, O, T>(
  settings: Settings<I, O, T>,
  runId: string,
  parameters: readonly ParameterValueRecord[],
): RunRecord {
  const s = settings;
  return {
    type: "run",
    time: now(),
    format: RUN_LOG_FORMAT,
    version: RUN_LOG_VERSION,
    runId,
    algorithm: s.algorithm.name,
    algorithmOptions: s.algorithm.options,
    optimizer: s.optimizer.name,
    seed: s.seed,
    batchSize: s.batchSize,
    epochs: s.epochs ?? null,
    maxSteps: s.maxSteps ?? null,
    concurrency: s.concurrency,
    objective: s.objective.config,
    datasets: {
      train: datasetInfo(s.train),
      validation: s.validation ? datasetInfo(s.validation) : null,
      test: s.test ? datasetInfo(s.test) : null,
    },
    parameters,
  };
}

/** What a step record is made of. */
export interface StepFacts extends ContentFacts {
  /** The step's number (from 1). */
  readonly step: number;
  /** What the algorithm's step returned. */
  readonly outcome: StepOutcome;
  /** What changed over the whole step. */
  readonly applied: readonly AppliedChange[];
  /** The score of the parameters in effect after the step, when measured. */
  readonly score: StepRecord["score"] | undefined;
  /** The best score so far. */
  readonly best: BestRecord;
  /** What the step spent. */
  readonly usage: UsageRecord;
  /** What the run spent so far. */
  readonly totals: UsageRecord;
  /** Wall-clock time of the step in milliseconds. */
  readonly durationMs: number;
}

/**
 * The record of a completed step.
 * @param facts the step, its outcome, changes, score, usage and duration
 */
export function stepRecord(facts: StepFacts): StepRecord {
  const { outcome, applied } = facts;
  const batch = outcome.batch;
  return {
    type: "step",
    time: now(),
    step: facts.step,
    epoch: batch.epoch,
    batch: {
      indices: [...batch.indices],
      scores: [...batch.scores],
      feedback: [...batch.feedback],
      errors: batch.errors,
      mean: batch.mean,
      metrics: { ...batch.metrics },
      ...(batch.outages.length > 0 ? { outages: batch.outages.map(outageRecord) } : {}),
    },
    proposals: outcome.proposals.map((p) => proposalRecord(p, facts)),
    applied: applied.map(changeRecord),
    diff: formatChanges(applied),
    kept: outcome.kept,
    note: outcome.note ?? null,
    ...(outcome.skipped !== undefined ? { skipped: outcome.skipped } : {}),
    score:
      facts.score === undefined || facts.score === null
        ? null
        : {
            value: facts.score.value,
            on: facts.score.on,
            ...(facts.score.metrics !== undefined ? { metrics: { ...facts.score.metrics } } : {}),
          },
    best: facts.best,
    usage: facts.usage,
    totals: facts.totals,
    durationMs: facts.durationMs,
  };
}

/**
 * The record of an evaluation.
 * @param step the step it belongs to (0 before the first step)
 * @param split which data
 * @param label what was evaluated
 * @param indices the indices asked for, or undefined for the whole split in order
 * @param evaluation the result (with outages, the indices recorded are those scored)
 * @param objective the run's objective (its value is recorded unless it is the default)
 */
export function evalRecord(
  step: number,
  split: EvalRecord["split"],
  label: string,
  indices: readonly number[] | undefined,
  evaluation: Evaluation<unknown>,
  objective?: Objective,
): EvalRecord {
  const outages = evaluation.outages;
  const value =
    objective !== undefined && !objective.isDefault ? objective.value(evaluation.metrics) : undefined;
  return {
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
    metrics: { ...evaluation.metrics },
    ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
    errors: evaluation.errors,
    ...(outages.length > 0 ? { outages: outages.map(outageRecord) } : {}),
    durationMs: evaluation.durationMs,
  };
}

/** What the last record of a run is made of. */
export interface EndFacts {
  /** Completed steps. */
  readonly step: number;
  /** Why the run stopped. */
  readonly reason: StopReason;
  /** Details, or null. */
  readonly message: string | null;
  /** The best score and its step. */
  readonly best: BestRecord;
  /** Whether the best parameters were put back. */
  readonly restoredBest: boolean;
  /** The parameters' final values. */
  readonly parameters: readonly ParameterValueRecord[];
  /** What the run spent. */
  readonly totals: UsageRecord;
}

/**
 * The last record of a run.
 * @param facts how it ended
 */
export function endRecord(facts: EndFacts): EndRecord {
  return {
    type: "end",
    time: now(),
    step: facts.step,
    reason: facts.reason,
    message: facts.message,
    best: facts.best,
    restoredBest: facts.restoredBest,
    parameters: facts.parameters,
    totals: facts.totals,
  };
}

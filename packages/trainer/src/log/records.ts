/**
 * The records of a run log: one JSON object per line, told apart by `type`. The JSON Schema in
 * `schema/run-log.schema.json` (see `runLogSchema()`) describes the same shapes; docs/training.md
 * explains each field.
 */
import type { ChatMessage } from "@trace-ts/core";
import type { Metrics } from "../objective/metrics.js";
import type { ObjectiveConfig } from "../objective/objective.js";

/** `format` of the first record of every run log. */
export const RUN_LOG_FORMAT = "trace-ts/run-log";
/**
 * Version of the run-log schema written by this release. Additions that older readers can ignore
 * (a new optional field, a new stop reason) keep the version; a change to what an existing field
 * means or holds raises it.
 */
export const RUN_LOG_VERSION = 1;

/** Why a run stopped. */
export type StopReason =
  /** Every configured epoch was run. */
  | "completed"
  /** `maxSteps` steps were taken. */
  | "max-steps"
  /** The validation score did not improve for `earlyStop.patience` evaluations. */
  | "early-stop"
  /** The validation score reached `earlyStop.target`. */
  | "target-reached"
  /** The optimizer said the problem is solved (with `earlyStop.onTerminate`). */
  | "terminated"
  /** The model budget ran out (`BudgetExceededError`). */
  | "budget"
  /** The run's `AbortSignal` fired. */
  | "cancelled"
  /** The algorithm's own budget (e.g. `paretoSearch`'s `maxModelCalls`) is spent. */
  | "search-budget"
  /**
   * A language model could not be used: `maxConsecutiveOutages` model outages in a row
   * (`ModelUnavailableError`; the message names the model error).
   */
  | "model-unavailable";

/**
 * An example a model outage kept from running: it has no score, and its error was not sent to the
 * optimizer.
 */
export interface OutageRecord {
  /** Index of the example (into the split, or into the training set for a batch). */
  readonly index: number;
  /** The model error, as `Name: message`. */
  readonly error: string;
}

/** Why a step made no optimizer call. */
export type StepSkip =
  /** Every example of the batch had its guide's top score (`skipPerfectBatches`). */
  "perfect-batch";

/** A parameter and its value. */
export interface ParameterValueRecord {
  /** The parameter's node name (`prompt:0`). */
  readonly name: string;
  /** Its key as optimizers show it (`prompt0`). */
  readonly key: string;
  /** The value (JSON). */
  readonly value: unknown;
}

/** A dataset's identity in the log. */
export interface DatasetInfo {
  /** Its name. */
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  /** `Dataset.fingerprint()`. */
  readonly fingerprint: string;
}

/** A changed value. */
export interface ChangeRecord {
  /** The parameter's key in the optimizer's problem. */
  readonly key: string;
  /** The parameter's name. */
  readonly name: string;
  /** Value before. */
  readonly before: unknown;
  /** Value after. */
  readonly after: unknown;
}

/** One model call an optimizer made. */
export interface CallRecord {
  /** What the call was for (`propose`, `retry 1`, …). */
  readonly purpose: string;
  /**
   * The messages sent (redacted, each cut at `logContent.maxChars`); empty when messages are not
   * logged (`omitted`).
   */
  readonly prompt: readonly ChatMessage[];
  /** The reply text (redacted, cut), or null when the call failed or messages are not logged. */
  readonly response: string | null;
  /**
   * `true` when the run did not keep messages and responses (`logContent.messages` off, the
   * default); absent when they are kept, and in logs written before the option existed.
   */
  readonly omitted?: true;
  /** Tokens the provider reported, or null. */
  readonly usage: {
    /** Prompt tokens. */
    readonly inputTokens: number;
    /** Generated tokens. */
    readonly outputTokens: number;
  } | null;
  /** The failure, as `Name: message`, or null. */
  readonly error: string | null;
  /** Wall-clock time in milliseconds. */
  readonly durationMs: number;
}

/** One proposal an optimizer made within a step. */
export interface ProposalRecord {
  /** Index of the candidate this proposal started from (beam/UCB), or null. */
  readonly parent: number | null;
  /** The optimizer's model calls: prompts and responses. */
  readonly calls: readonly CallRecord[];
  /** The suggestion as parsed (key → value as the model wrote it). */
  readonly suggestion: Readonly<Record<string, unknown>>;
  /** The model's reasoning, or null. */
  readonly reasoning: string | null;
  /** The model said the problem is solved. */
  readonly terminate: boolean;
  /**
   * The traced graph the proposal was made from (its problem view, values as they were then) as
   * Graphviz DOT; absent when the optimizer read no graph, `logContent.graph` is off, or the
   * graph was too large (`graphOmitted`).
   */
  readonly graph?: string;
  /** Why the graph was left out (over `logContent.maxGraphChars`, or it could not be drawn). */
  readonly graphOmitted?: string;
  /** Why nothing could be proposed, or null. */
  readonly error: string | null;
  /**
   * Suggested values that were refused, with reasons; `vetoed: true` marks a usable value an
   * approval hook refused (absent otherwise).
   */
  readonly rejected: readonly {
    /** The key the model used (a parameter's key, or an unknown one). */
    readonly key: string;
    /** The value as the model wrote it (null when it gave none). */
    readonly value: unknown;
    /** Why it was refused; for a veto, it starts with `vetoed by the approval hook`. */
    readonly reason: string;
    /** `true` when an approval hook refused a usable value; absent otherwise. */
    readonly vetoed?: true;
  }[];
  /** The changes this proposal makes (relative to its starting point). */
  readonly applied: readonly ChangeRecord[];
  /** The same changes as a readable diff. */
  readonly diff: string;
  /** The candidate's score (the objective's value), when it was evaluated; null otherwise. */
  readonly score: number | null;
  /** The means per metric behind `score`, when the algorithm measured them. */
  readonly metrics?: Metrics;
  /** Whether this proposal's parameters are in effect after the step. */
  readonly chosen: boolean;
}

/** Tokens and cost. */
export interface UsageRecord {
  /** Prompt tokens. */
  readonly inputTokens: number;
  /** Generated tokens. */
  readonly outputTokens: number;
  /** All tokens (including prompt-cache reads and writes). */
  readonly totalTokens: number;
  /** Model calls. */
  readonly calls: number;
  /** Money, or null when unknown (no `usage` tracker, or unpriced models). */
  readonly cost: number | null;
}

/** First record: what this run is. */
export interface RunRecord {
  /** Always `run`. */
  readonly type: "run";
  /** ISO time the record was written. */
  readonly time: string;
  /** Always `trace-ts/run-log`. */
  readonly format: typeof RUN_LOG_FORMAT;
  /** Schema version (1). */
  readonly version: typeof RUN_LOG_VERSION;
  /** Identifier of the run (shared by the checkpoint). */
  readonly runId: string;
  /** Algorithm name (`minibatch`, `best-of-n`, `beam-search`, `ucb-search`, …). */
  readonly algorithm: string;
  /** The algorithm's options. */
  readonly algorithmOptions: Readonly<Record<string, unknown>>;
  /** The optimizer's name. */
  readonly optimizer: string;
  /** Seed of the run's random numbers. */
  readonly seed: number;
  /** Training examples per step. */
  readonly batchSize: number;
  /** Epoch limit, or null. */
  readonly epochs: number | null;
  /** Step limit, or null. */
  readonly maxSteps: number | null;
  /** Examples in flight at once. */
  readonly concurrency: number;
  /**
   * How candidates were compared (`train({ objective })`, defaults filled in); absent in logs
   * written before objectives existed (they compared the guide's score).
   */
  readonly objective?: ObjectiveConfig;
  /** The datasets. */
  readonly datasets: {
    /** The training set. */
    readonly train: DatasetInfo;
    /** The validation set, or null when none was given. */
    readonly validation: DatasetInfo | null;
    /** The test set, or null when none was given. */
    readonly test: DatasetInfo | null;
  };
  /** The parameters and their starting values. */
  readonly parameters: readonly ParameterValueRecord[];
}

/** An evaluation: scores of the parameters in effect (or of a candidate) on a set of examples. */
export interface EvalRecord {
  /** Always `eval`. */
  readonly type: "eval";
  /** ISO time. */
  readonly time: string;
  /** The step it belongs to (0 before the first step). */
  readonly step: number;
  /** Which data: `validation`, `train` or `test`. */
  readonly split: "validation" | "train" | "test";
  /** What was evaluated: `initial`, `after step`, `candidate 2`, `final`, … */
  readonly label: string;
  /**
   * Indices scored (into the split), or null for the whole split in order. When some examples
   * were left out for a model outage, the indices of those that were scored.
   */
  readonly indices: readonly number[] | null;
  /** Score per example, in the order evaluated. */
  readonly scores: readonly number[];
  /** Mean score. */
  readonly mean: number;
  /**
   * Mean of each metric over the examples scored (`score`, the guide's metrics, `latencyMs`, and
   * with a usage tracker `tokens`, `modelCalls`, `cost`); absent in older logs.
   */
  readonly metrics?: Metrics;
  /** The objective's value of `metrics`; present only when the run's objective is not the default. */
  readonly value?: number;
  /** Examples whose forward pass failed with an error. */
  readonly errors: number;
  /** Examples left out (not scored) because of a model outage; absent when there were none. */
  readonly outages?: readonly OutageRecord[];
  /** Wall-clock time in milliseconds. */
  readonly durationMs: number;
}

/** One training step. */
export interface StepRecord {
  /** Always `step`. */
  readonly type: "step";
  /** ISO time. */
  readonly time: string;
  /** Step number, from 1. */
  readonly step: number;
  /** Epoch of the step's minibatch, from 1. */
  readonly epoch: number;
  /** The minibatch, as the parameters in effect at the start of the step did on it. */
  readonly batch: {
    /** Indices into the training set (of the examples scored, when some met a model outage). */
    readonly indices: readonly number[];
    /** Score per example. */
    readonly scores: readonly number[];
    /** Feedback per example (what was sent backward). */
    readonly feedback: readonly string[];
    /** Examples whose forward pass failed with an error. */
    readonly errors: number;
    /** Mean score. */
    readonly mean: number;
    /** Mean of each metric over the examples scored; absent in older logs. */
    readonly metrics?: Metrics;
    /**
     * Examples of the batch left out (not scored, nothing sent backward) because of a model
     * outage; absent when there were none.
     */
    readonly outages?: readonly OutageRecord[];
  };
  /** Every proposal of the step, with its prompts, responses, suggestion and changes. */
  readonly proposals: readonly ProposalRecord[];
  /** What changed over the whole step (after any revert). */
  readonly applied: readonly ChangeRecord[];
  /** The same as a readable diff. */
  readonly diff: string;
  /** False when the step's update was reverted or no candidate beat the current parameters. */
  readonly kept: boolean;
  /** Why it was not kept, or other remarks; null when none. */
  readonly note: string | null;
  /** Present when the step made no optimizer call on purpose, and why. */
  readonly skipped?: StepSkip;
  /** Score of the parameters in effect after the step, when measured. */
  readonly score: {
    /** The objective's value (the mean score under the default objective). */
    readonly value: number;
    /** What it was measured on: the validation set, or the step's training minibatch. */
    readonly on: "validation" | "batch";
    /** The means per metric it was computed from, when the algorithm reported them. */
    readonly metrics?: Metrics;
  } | null;
  /** The best score so far and the step whose parameters had it. */
  readonly best: {
    /** The best score so far. */
    readonly score: number;
    /** The step whose parameters had it (0: the initial parameters). */
    readonly step: number;
  } | null;
  /** Tokens and cost of this step. */
  readonly usage: UsageRecord;
  /** Tokens and cost of the run so far (over completed steps and evaluations). */
  readonly totals: UsageRecord;
  /** Wall-clock time in milliseconds. */
  readonly durationMs: number;
}

/** Written when a run continues from a checkpoint. */
export interface ResumeRecord {
  /** Always `resume`. */
  readonly type: "resume";
  /** ISO time. */
  readonly time: string;
  /** The last completed step (the run continues with the next). */
  readonly step: number;
  /** The checkpoint file. */
  readonly checkpoint: string;
}

/** Last record of a run (a resumed run writes its own). */
export interface EndRecord {
  /** Always `end`. */
  readonly type: "end";
  /** ISO time. */
  readonly time: string;
  /** Completed steps. */
  readonly step: number;
  /** Why the run stopped. */
  readonly reason: StopReason;
  /** Details (e.g. the budget error's message), or null. */
  readonly message: string | null;
  /** Best score and its step, or null when nothing was measured. */
  readonly best: {
    /** The best score measured. */
    readonly score: number;
    /** The step whose parameters had it (0: the initial parameters). */
    readonly step: number;
  } | null;
  /** Whether the best parameters were put back at the end. */
  readonly restoredBest: boolean;
  /** The parameters' final values. */
  readonly parameters: readonly ParameterValueRecord[];
  /** Tokens and cost of the run. */
  readonly totals: UsageRecord;
}

/** Any run-log record. */
export type RunLogRecord = RunRecord | EvalRecord | StepRecord | ResumeRecord | EndRecord;

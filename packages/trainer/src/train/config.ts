/** The configuration of `train()` / `resume()` and its validation. */
import {
  type ApprovalHook,
  type Budget,
  createOptimizer,
  type DependencyContainer,
  InvalidOptionError,
  type IsolationLevel,
  isIsolationLevel,
  Optimizer,
  type ParameterNode,
  type UsageTracker,
} from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import type { Agent, Forward } from "../agent.js";
import { minibatch } from "../algorithms/minibatch.js";
import type { Algorithm } from "../algorithms/types.js";
import type { WriteFence } from "../checkpoint/fence.js";
import { Dataset } from "../data/dataset.js";
import type { Example } from "../data/example.js";
import type { Guide } from "../guides/types.js";
import { type LogContent, type LogContentOptions, logContentSettings } from "../log/content.js";
import type { RunLogRecord } from "../log/records.js";
import { Objective, type ObjectiveConfig } from "../objective/objective.js";
import type { ProgressOptions } from "../progress.js";
import type { ExampleExecutor } from "../remote/executor.js";

/** When to stop before the step or epoch limit. */
export interface EarlyStopOptions {
  /** Stop after this many measurements in a row without improvement (default: never). */
  readonly patience?: number;
  /** A rise smaller than this does not count as improvement (default 0). */
  readonly minDelta?: number;
  /** Stop once a measured score reaches this value (default: never). */
  readonly target?: number;
  /** Stop when the optimizer says the problem is solved (`TERMINATE`) (default false). */
  readonly onTerminate?: boolean;
}

/**
 * Everything a training run needs. Only `forward`, `guide`, `train` and an optimizer (or an agent
 * and a container that can build one) are required.
 *
 * @typeParam I example input
 * @typeParam O agent output value
 * @typeParam T example target
 */
export interface TrainConfig<I = unknown, O = unknown, T = unknown> {
  /** Runs the agent on one input; must return the traced output node for training. */
  readonly forward: Forward<I, O>;
  /** Scores each output and gives the feedback sent backward. */
  readonly guide: Guide<O, I, T>;
  /** Training examples. */
  readonly train: Dataset<Example<I, T>> | readonly Example<I, T>[];
  /** Validation examples: model selection, early stopping, keep-if-improves (optional). */
  readonly validation?: Dataset<Example<I, T>> | readonly Example<I, T>[];
  /** Test examples, evaluated once at the end with the final parameters (optional). */
  readonly test?: Dataset<Example<I, T>> | readonly Example<I, T>[];
  /** The optimizer (default: `createOptimizer(agent.parameters(), container)`). */
  readonly optimizer?: Optimizer;
  /** The agent (default: the optimizer's parameters). Its `state()`/`loadState()` are checkpointed when present. */
  readonly agent?: Agent;
  /** Container to build the default optimizer from (default: the root container). */
  readonly container?: DependencyContainer;
  /** The algorithm (default `minibatch()`). Use a fresh one per run. */
  readonly algorithm?: Algorithm;
  /** Training examples per step (default 4). */
  readonly batchSize?: number;
  /** Passes over the training set (default 1 when `maxSteps` is not given). */
  readonly epochs?: number;
  /** Most steps (default: no limit besides `epochs`). */
  readonly maxSteps?: number;
  /** Shuffle the training set every epoch (default true). */
  readonly shuffle?: boolean;
  /** Seed of all random choices of the run (default 0). */
  readonly seed?: number;
  /** Examples in flight at once, in batches and evaluations (default 4). */
  readonly concurrency?: number;
  /** Evaluate on the validation set every this many steps when the algorithm did not (default 1). */
  readonly evalEvery?: number;
  /** Score of an example whose forward pass failed with an error (default 0). */
  readonly errorScore?: number;
  /**
   * How candidates and evaluations are compared when the guide reports several metrics (default:
   * `{ kind: "scalar" }`, the guide's score). `weighted` sums metrics (e.g. score against `cost`
   * with `minimize: ["cost"]`); `pareto` keeps candidates no other beats on every metric. Every
   * algorithm selects with it; the run's best parameters, early stopping and the scores in the
   * log are its value. Metrics `latencyMs` and, with `usage`, `tokens`, `modelCalls` and `cost`
   * of the agent's own model calls are measured without the guide writing them.
   */
  readonly objective?: ObjectiveConfig;
  /** Early stopping. */
  readonly earlyStop?: EarlyStopOptions;
  /** Put the best parameters found back at the end (default true). */
  readonly restoreBest?: boolean;
  /** Checkpoint file, rewritten atomically after every step (default: none). */
  readonly checkpoint?: string;
  /** Run log file (JSON Lines; default: none). */
  readonly log?: string;
  /**
   * What the run log keeps of model text: the optimizer calls' messages and responses (opt-in,
   * redacted, capped) and each proposal's traced graph as DOT (on by default, capped). See
   * `LogContentOptions`.
   */
  readonly logContent?: LogContentOptions;
  /** Let `train()` replace an existing checkpoint and log (default false: refuse). */
  readonly overwrite?: boolean;
  /** Progress bar: `"auto"` (default: stderr when it is a terminal), false, or a stream. */
  readonly progress?: boolean | "auto" | ProgressOptions;
  /** The usage tracker your models report to; the log then has per-step tokens and cost of every call. */
  readonly usage?: UsageTracker;
  /** The budget your models are wrapped with; refused calls stop the run with reason `budget`. */
  readonly budget?: Budget;
  /** Cancels the run (it stops with reason `cancelled`, keeping the best parameters). */
  readonly signal?: AbortSignal;
  /**
   * Model outages in a row after which the run stops with reason `model-unavailable` (default 5).
   * An outage is a model error that survived the retries and says nothing about the agent
   * (connection refused, authentication, 5xx, timeout, rate limit, missing key or provider): the
   * example it hit is left out — not scored, nothing sent backward, never shown to the optimizer
   * — and counted. Examples (forward passes and guides) and the optimizer's calls are counted
   * separately; an example or optimizer call that gets through ends its run of outages.
   */
  readonly maxConsecutiveOutages?: number;
  /**
   * Make no optimizer call for a batch in which every example reached the guide's top score
   * (`guide.maxScore`; guides without one are never skipped): there is nothing to fix. The step
   * record has `skipped: "perfect-batch"` (default true).
   */
  readonly skipPerfectBatches?: boolean;
  /** Identifier of the run in log and checkpoint (default: a random UUID). */
  readonly runId?: string;
  /** Called with every run-log record as it is written (even without a log file). */
  readonly onRecord?: (record: RunLogRecord) => void;
  /**
   * How `resume` matches saved parameter values to the agent's parameters: by node `name` (names
   * must be equal; the default for plain parameters) or by `position` (same count, same order; the
   * default when the agent has `state()`/`loadState()`, which restore it by its own names).
   */
  readonly matchParameters?: "name" | "position";
  /**
   * Asked about every change the optimizer proposes before it is applied, in every algorithm
   * (added to the optimizer with `addApproval` for the run). A veto leaves the value unchanged and
   * shows in the step record's `proposals[].rejected` with `vetoed: true`. See
   * `requireStrictForCode()` and `rejectCodeChanges()` in @trace-ts/core.
   */
  readonly approve?: ApprovalHook;
  /**
   * Raises the isolation tier of the suggested code of the optimizer's code parameters for this
   * run (`optimizer.requireIsolation`); it never lowers a tier.
   */
  readonly isolation?: IsolationLevel;
  /**
   * Runs the run's evaluations (initial, validation, candidates' measurements, test) elsewhere,
   * e.g. on the BullMQ workers of @trace-ts/scale, with the parameter values in effect sent
   * along by name. Training batches always run here: backward needs their traced graphs. The
   * workers' model usage is theirs to count (a shared budget keeps the limit).
   */
  readonly executor?: ExampleExecutor;
  /**
   * Asked right before every checkpoint and run-log write; throws when another process has taken
   * the run over (see @trace-ts/scale's sweeps). Nothing is written after it refused.
   */
  readonly fence?: WriteFence;
}

/** Options of `resume`. */
export interface ResumeOptions {
  /** Start a fresh run when the checkpoint does not exist (default false: `CheckpointNotFoundError`). */
  readonly startIfMissing?: boolean;
}

const SCHEMA = {
  forward: "function",
  guide: "object",
  train: "object",
  validation: "object",
  test: "object",
  optimizer: "object",
  agent: "object",
  container: "object",
  algorithm: "object",
  batchSize: "integer",
  epochs: "integer",
  maxSteps: "integer",
  shuffle: "boolean",
  seed: "integer",
  concurrency: "integer",
  evalEvery: "integer",
  errorScore: "number",
  objective: "object",
  earlyStop: "object",
  restoreBest: "boolean",
  checkpoint: "string",
  log: "string",
  logContent: "object",
  overwrite: "boolean",
  usage: "object",
  budget: "object",
  signal: "object",
  maxConsecutiveOutages: "integer",
  skipPerfectBatches: "boolean",
  runId: "string",
  onRecord: "function",
  matchParameters: "string",
  approve: "function",
  isolation: "string",
  executor: "object",
  fence: "object",
} as const;

/** @internal A validated configuration with defaults filled in. */
export interface Settings<I, O, T> {
  readonly forward: Forward<I, O>;
  readonly guide: Guide<O, I, T>;
  readonly train: Dataset<Example<I, T>>;
  readonly validation: Dataset<Example<I, T>> | undefined;
  readonly test: Dataset<Example<I, T>> | undefined;
  readonly optimizer: Optimizer;
  readonly agent: Agent | undefined;
  readonly parameters: readonly ParameterNode[];
  readonly algorithm: Algorithm;
  readonly batchSize: number;
  readonly epochs: number | undefined;
  readonly maxSteps: number | undefined;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly concurrency: number;
  readonly evalEvery: number;
  readonly errorScore: number;
  readonly objective: Objective;
  readonly earlyStop: EarlyStopOptions;
  readonly restoreBest: boolean;
  readonly checkpoint: string | undefined;
  readonly log: string | undefined;
  readonly logContent: LogContent;
  readonly overwrite: boolean;
  readonly progress: boolean | "auto" | ProgressOptions;
  readonly usage: UsageTracker | undefined;
  readonly budget: Budget | undefined;
  readonly signal: AbortSignal | undefined;
  readonly maxConsecutiveOutages: number;
  readonly skipPerfectBatches: boolean;
  readonly runId: string | undefined;
  readonly onRecord: ((record: RunLogRecord) => void) | undefined;
  readonly matchParameters: "name" | "position";
  readonly approve: ApprovalHook | undefined;
  readonly isolation: IsolationLevel | undefined;
  readonly executor: ExampleExecutor | undefined;
  readonly fence: WriteFence | undefined;
}

const WHERE = "train()";

function dataset<I, T>(
  name: string,
  value: Dataset<Example<I, T>> | readonly Example<I, T>[] | undefined,
): Dataset<Example<I, T>> | undefined {
  if (value === undefined) return undefined;
  const ds =
    value instanceof Dataset ? value : Array.isArray(value) ? Dataset.from(value, { name }) : undefined;
  if (ds === undefined)
    throw new InvalidOptionError(WHERE, name, "must be a Dataset or an array of examples");
  if (ds.length === 0) throw new InvalidOptionError(WHERE, name, "is empty");
  return ds;
}

function nonNegative(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(value >= min))
    throw new InvalidOptionError(WHERE, name, `must be ≥ ${min}, got ${value}`);
}

/**
 * @internal Checks a configuration (unknown options, kinds, ranges) and fills in defaults,
 * building the default optimizer when none is given.
 */
export function normalizeConfig<I, O, T>(config: TrainConfig<I, O, T>): Settings<I, O, T> {
  if (config === undefined || config === null || typeof config !== "object") {
    throw new InvalidOptionError(WHERE, "(options)", "are required: { forward, guide, train, optimizer, … }");
  }
  // progress is boolean | "auto" | object, guide an object or a guide(fn) function: checked below
  const { progress: _progress, guide: _guide, ...checked } = config;
  validateOptions(WHERE, checked, SCHEMA);
  if (typeof config.forward !== "function") {
    throw new InvalidOptionError(WHERE, "forward", "is required: a function (input, context) => output node");
  }
  if (typeof config.guide?.check !== "function") {
    throw new InvalidOptionError(
      WHERE,
      "guide",
      "is required: an object with check(output, example, context)",
    );
  }
  const train = dataset("train", config.train);
  if (train === undefined)
    throw new InvalidOptionError(WHERE, "train", "is required: a Dataset or an array of examples");
  for (const [name, value, min] of [
    ["batchSize", config.batchSize, 1],
    ["epochs", config.epochs, 1],
    ["maxSteps", config.maxSteps, 0],
    ["seed", config.seed, 0],
    ["concurrency", config.concurrency, 1],
    ["evalEvery", config.evalEvery, 1],
    ["maxConsecutiveOutages", config.maxConsecutiveOutages, 1],
  ] as const) {
    nonNegative(name, value, min);
  }
  if (config.seed !== undefined && !Number.isSafeInteger(config.seed)) {
    throw new InvalidOptionError(WHERE, "seed", `must be a safe integer, got ${config.seed}`);
  }
  const earlyStop = config.earlyStop ?? {};
  validateOptions("train() earlyStop", earlyStop, {
    patience: "integer",
    minDelta: "number",
    target: "number",
    onTerminate: "boolean",
  });
  if (earlyStop.patience !== undefined && earlyStop.patience < 1) {
    throw new InvalidOptionError(WHERE, "earlyStop.patience", `must be ≥ 1, got ${earlyStop.patience}`);
  }
  if (earlyStop.minDelta !== undefined && earlyStop.minDelta < 0) {
    throw new InvalidOptionError(WHERE, "earlyStop.minDelta", `must be ≥ 0, got ${earlyStop.minDelta}`);
  }
  if (
    config.matchParameters !== undefined &&
    config.matchParameters !== "name" &&
    config.matchParameters !== "position"
  ) {
    throw new InvalidOptionError(
      WHERE,
      "matchParameters",
      `must be "name" or "position", got "${config.matchParameters}"`,
    );
  }
  if (config.isolation !== undefined && !isIsolationLevel(config.isolation)) {
    throw new InvalidOptionError(
      WHERE,
      "isolation",
      `must be "realm" or "strict", got ${JSON.stringify(config.isolation)}`,
    );
  }
  const progress = config.progress ?? "auto";
  if (progress !== true && progress !== false && progress !== "auto" && typeof progress !== "object") {
    throw new InvalidOptionError(WHERE, "progress", 'must be true, false, "auto" or { stream }');
  }
  const agent = config.agent;
  if (agent !== undefined) {
    if (typeof agent.parameters !== "function") {
      throw new InvalidOptionError(
        WHERE,
        "agent",
        "must have a parameters() method returning its ParameterNodes",
      );
    }
    if ((typeof agent.state === "function") !== (typeof agent.loadState === "function")) {
      throw new InvalidOptionError(
        WHERE,
        "agent",
        "has only one of state() and loadState(); give both or neither",
      );
    }
  }
  let optimizer = config.optimizer;
  if (optimizer !== undefined && !(optimizer instanceof Optimizer)) {
    throw new InvalidOptionError(
      WHERE,
      "optimizer",
      "must be an Optimizer (e.g. new OptoPrime(agent.parameters(), { model }))",
    );
  }
  if (optimizer === undefined) {
    if (agent === undefined) {
      throw new InvalidOptionError(
        WHERE,
        "optimizer",
        "is required unless an agent is given (the default optimizer is built for agent.parameters())",
      );
    }
    optimizer = createOptimizer(agent.parameters(), config.container);
  }
  const parameters: ParameterNode[] = [];
  for (const p of agent ? [...agent.parameters(), ...optimizer.parameters] : optimizer.parameters) {
    if (p.trainable && !parameters.includes(p)) parameters.push(p);
  }
  const names = new Set<string>();
  for (const p of parameters) {
    if (names.has(p.name)) {
      throw new InvalidOptionError(
        WHERE,
        "agent",
        `two parameters share the name ${p.name}; checkpoints identify parameters by name`,
      );
    }
    names.add(p.name);
  }
  const algorithm = config.algorithm ?? minibatch();
  for (const method of ["init", "step", "state", "loadState"] as const) {
    if (typeof algorithm[method] !== "function") {
      throw new InvalidOptionError(
        WHERE,
        "algorithm",
        `must be made by an algorithm factory such as minibatch(), bestOfN(), prioritySearch() or paretoSearch() (it has no ${method}())`,
      );
    }
  }
  const validation = dataset("validation", config.validation);
  if (algorithm.needsValidation && validation === undefined) {
    throw new InvalidOptionError(
      WHERE,
      "validation",
      `is required by the ${algorithm.name} algorithm as configured`,
    );
  }
  const epochs = config.epochs ?? (config.maxSteps === undefined ? 1 : undefined);
  return {
    forward: config.forward,
    guide: config.guide,
    train,
    validation,
    test: dataset("test", config.test),
    optimizer,
    agent,
    parameters,
    algorithm,
    batchSize: config.batchSize ?? 4,
    epochs,
    maxSteps: config.maxSteps,
    shuffle: config.shuffle ?? true,
    seed: config.seed ?? 0,
    concurrency: config.concurrency ?? 4,
    evalEvery: config.evalEvery ?? 1,
    errorScore: config.errorScore ?? 0,
    objective: Objective.from(config.objective, config.seed ?? 0),
    earlyStop,
    restoreBest: config.restoreBest ?? true,
    checkpoint: config.checkpoint,
    log: config.log,
    logContent: logContentSettings(config.logContent),
    overwrite: config.overwrite ?? false,
    progress,
    usage: config.usage,
    budget: config.budget,
    signal: config.signal,
    maxConsecutiveOutages: config.maxConsecutiveOutages ?? 5,
    skipPerfectBatches: config.skipPerfectBatches ?? true,
    runId: config.runId,
    onRecord: config.onRecord,
    // a model restores itself by its own state (parameter paths), so node names need not match
    matchParameters: config.matchParameters ?? (typeof agent?.loadState === "function" ? "position" : "name"),
    approve: config.approve,
    isolation: config.isolation,
    executor: config.executor,
    fence: config.fence,
  };
}

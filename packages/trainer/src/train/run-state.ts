/**
 * The state of a training run: everything a step may change and a checkpoint saves. One type,
 * `RunState`, captured from the session's live pieces by `captureRunState` and put back by
 * `restoreRunState`; a failed step rolls back to it, a checkpoint is written from it
 * (`checkpointOf`) and a resume restores it from a checkpoint (`runStateOf`).
 */
import type { Optimizer, OptimizerState, ParameterNode } from "@trace-ts/core";
import type { Agent } from "../agent.js";
import type { Algorithm } from "../algorithms/types.js";
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint } from "../checkpoint/checkpoint.js";
import {
  checkCompatible,
  checkValues,
  inAgentOrder,
  type MatchParameters,
  type RunIdentity,
  savedValues,
} from "../checkpoint/compat.js";
import { Rng, type RngState } from "../data/rng.js";
import type { EpochSampler, SamplerState } from "../data/sampler.js";
import type { StopReason, UsageRecord } from "../log/records.js";
import { jsonCopy, restoreSnapshot, type Snapshot, takeSnapshot } from "../snapshot.js";
import type { Settings } from "./config.js";
import type { BestParameters, EarlyStopping, EarlyStopState } from "./early-stop.js";
import type { UsageMeter } from "./usage-meter.js";

/** Everything of a run that a step may change: what a rollback point holds and a checkpoint saves. */
export interface RunState {
  /** Completed steps. */
  readonly step: number;
  /** Whether the initial evaluation and the algorithm's set-up are done. */
  readonly initialized: boolean;
  /** The parameters' values, in the agent's order. */
  readonly parameters: Snapshot;
  /** What `agent.state()` returned (checkpoints of agents that have it); otherwise null. */
  readonly agent: unknown;
  /** `optimizer.state()`. */
  readonly optimizer: OptimizerState;
  /** `algorithm.state()`. */
  readonly algorithm: unknown;
  /** The run's random-number generator. */
  readonly rng: RngState;
  /** The data order: epoch, permutation and position. */
  readonly data: SamplerState;
  /** The best parameters so far, or null. */
  readonly best: BestParameters | null;
  /** Early-stopping bookkeeping. */
  readonly earlyStop: EarlyStopState;
  /** Set when the run decided to stop for good (early stop, target reached, terminated). */
  readonly finished: StopReason | null;
  /** Tokens and cost of the run so far. */
  readonly totals: UsageRecord;
  /** The initial validation score, when measured in this process (checkpoints do not keep it). */
  readonly initialScore: number | null;
}

/**
 * The live pieces of a session that hold its run state: its components, read and restored
 * through their own `state()`/`loadState()`, and its progress, replaced in place by
 * `restoreRunState`.
 */
export interface RunPieces {
  /** The trainable parameters, in the agent's order. */
  readonly parameters: readonly ParameterNode[];
  /** The agent, when given (its `state()` is checkpointed when it has one). */
  readonly agent: Agent | undefined;
  /** The optimizer. */
  readonly optimizer: Optimizer;
  /** The training algorithm. */
  readonly algorithm: Algorithm;
  /** Best parameters and early-stopping bookkeeping. */
  readonly scores: EarlyStopping;
  /** Usage totals. */
  readonly usage: UsageMeter;
  /** Makes the data sampler that draws from `rng` (over the training set). */
  readonly samplerFor: (rng: Rng) => EpochSampler;
  /** Completed steps. */
  step: number;
  /** Whether the initial evaluation and the algorithm's set-up are done. */
  initialized: boolean;
  /** The initial validation score, when measured in this process. */
  initialScore: number | null;
  /** The reason the run stopped for good, or null. */
  finished: StopReason | null;
  /** The run's random-number generator. */
  rng: Rng;
  /** The data sampler (drawing from `rng`). */
  sampler: EpochSampler;
}

/**
 * What a capture is for. A `rollback` point stays in memory: component states are taken as they
 * are and the agent's own state is left out (the parameter values restore it). A `checkpoint`
 * also holds `agent.state()`, and every component state is copied as JSON (a value JSON cannot
 * hold is refused with `NotSerializableError` naming whose state it is).
 */
export type CapturePurpose = "rollback" | "checkpoint";

/**
 * Captures the run state from the session's live pieces.
 * @param run the live pieces
 * @param purpose a rollback point or a checkpoint
 */
export function captureRunState(run: RunPieces, purpose: CapturePurpose): RunState {
  const { agent, optimizer, algorithm } = run;
  const json = purpose === "checkpoint";
  const parameters = takeSnapshot(run.parameters);
  return {
    step: run.step,
    initialized: run.initialized,
    parameters,
    algorithm: json
      ? jsonCopy(algorithm.state(), `the state of algorithm ${algorithm.name}`)
      : algorithm.state(),
    agent: json && agent?.state ? jsonCopy(agent.state(), "the agent's state()") : null,
    optimizer: json
      ? (jsonCopy(optimizer.state(), `the state of optimizer ${optimizer.name}`) as OptimizerState)
      : optimizer.state(),
    rng: run.rng.state(),
    data: run.sampler.state(),
    best: run.scores.best,
    earlyStop: run.scores.state,
    finished: run.finished,
    totals: run.usage.totals,
    initialScore: run.initialScore,
  };
}

/**
 * Puts a run state back into the session's live pieces: the agent's own state (when saved and the
 * agent can load it), the parameter values, the optimizer's state, a new generator and sampler at
 * the saved position, the algorithm's state (once it was set up) and the run's progress.
 * @param run the live pieces
 * @param state what `captureRunState` or `runStateOf` returned
 */
export function restoreRunState(run: RunPieces, state: RunState): void {
  if (run.agent?.loadState && state.agent !== null) run.agent.loadState(state.agent);
  restoreSnapshot(run.parameters, state.parameters);
  run.optimizer.loadState(state.optimizer);
  run.rng = Rng.fromState(state.rng);
  run.sampler = run.samplerFor(run.rng);
  run.sampler.loadState(state.data);
  if (state.initialized) run.algorithm.loadState(state.algorithm);
  run.step = state.step;
  run.initialized = state.initialized;
  run.initialScore = state.initialScore;
  run.finished = state.finished;
  run.scores.restore(state.best, state.earlyStop);
  run.usage.restore(state.totals);
}

/**
 * What a checkpoint must match for a run with these settings.
 * @param settings the run's validated configuration
 */
export function identityOf<I, O, T>(settings: Settings<I, O, T>): RunIdentity {
  const s = settings;
  return {
    algorithm: { name: s.algorithm.name, options: s.algorithm.options },
    settings: { seed: s.seed, batchSize: s.batchSize, shuffle: s.shuffle },
    datasets: { train: s.train.fingerprint(), validation: s.validation?.fingerprint() ?? null },
    optimizer: s.optimizer.name,
    objective: s.objective.config,
  };
}

/** What a checkpoint holds besides the run state. */
export interface CheckpointMeta {
  /** The run's identifier. */
  readonly runId: string;
  /** ISO time of writing. */
  readonly savedAt: string;
  /** The run log (`path` null without a log file) and how much of it belongs to completed steps. */
  readonly log: { readonly path: string | null; readonly bytes: number; readonly records: number };
}

/**
 * The checkpoint of a run state (captured for a checkpoint). The initial score is not saved.
 * @param state the run state
 * @param identity the run's identity (must match on resume)
 * @param parameters the run's parameters (their names and keys are saved with the values)
 * @param meta run identifier, time and log position
 */
export function checkpointOf(
  state: RunState,
  identity: RunIdentity,
  parameters: readonly ParameterNode[],
  meta: CheckpointMeta,
): Checkpoint {
  const { best, earlyStop } = state;
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    runId: meta.runId,
    savedAt: meta.savedAt,
    step: state.step,
    initialized: state.initialized,
    algorithm: { name: identity.algorithm.name, options: identity.algorithm.options, state: state.algorithm },
    settings: {
      seed: identity.settings.seed,
      batchSize: identity.settings.batchSize,
      shuffle: identity.settings.shuffle,
    },
    objective: identity.objective,
    datasets: { train: identity.datasets.train, validation: identity.datasets.validation },
    parameters: parameters.map((p, i) => ({ name: p.name, key: p.key, value: state.parameters[i] })),
    agentState: state.agent,
    optimizer: state.optimizer,
    rng: state.rng,
    data: state.data,
    best: best === null ? null : { score: best.score, step: best.step, values: best.values },
    earlyStop: { bestScore: earlyStop.bestScore, sinceImprovement: earlyStop.sinceImprovement },
    finished: state.finished,
    totals: state.totals,
    log: { path: meta.log.path, bytes: meta.log.bytes, records: meta.log.records },
  };
}

/** The run that would continue a checkpoint: its identity and parameters. */
export interface ResumingRun {
  /** What the checkpoint must match. */
  readonly identity: RunIdentity;
  /** The run's parameters, in the agent's order. */
  readonly parameters: readonly ParameterNode[];
  /** How saved values are matched to the parameters. */
  readonly matchParameters: MatchParameters;
}

/**
 * The run state saved in a checkpoint, checked against the run that would continue it (see
 * `checkpoint/compat.ts`) and with its values in the run's parameter order. Changes nothing.
 * @param checkpoint the checkpoint
 * @param run the run that would continue it
 * @param path the checkpoint's file, for errors
 * @throws CheckpointMismatchError, CheckpointValueError
 */
export function runStateOf(checkpoint: Checkpoint, run: ResumingRun, path: string): RunState {
  const cp = checkpoint;
  const { parameters, matchParameters: match } = run;
  checkCompatible(cp, run.identity, path);
  const values = savedValues(cp, parameters, match, path);
  const bestValues = cp.best === null ? null : inAgentOrder(cp, cp.best.values, parameters, match);
  checkValues(values, parameters, "parameters", path);
  if (bestValues !== null) checkValues(bestValues, parameters, "best", path);
  return {
    step: cp.step,
    initialized: cp.initialized,
    parameters: values,
    agent: cp.agentState,
    optimizer: cp.optimizer,
    algorithm: cp.algorithm.state,
    rng: cp.rng,
    data: cp.data,
    best:
      cp.best === null || bestValues === null
        ? null
        : { score: cp.best.score, step: cp.best.step, values: bestValues },
    earlyStop: { bestScore: cp.earlyStop.bestScore, sinceImprovement: cp.earlyStop.sinceImprovement },
    finished: cp.finished,
    totals: cp.totals,
    initialScore: null,
  };
}

/**
 * Sweeps: the runs of a study (task × optimizer × seed × configuration), what a sweep job holds,
 * and what a finished run reports. Everything read back from Redis is checked before use.
 */

import { InvalidOptionError } from "@trace-ts/core";
import type { TrainResult } from "@trace-ts/trainer";

/** Version of the sweep job and result format; other versions are refused. */
export const SWEEP_FORMAT_VERSION = 1;

/** Default queue of sweeps. */
export const DEFAULT_SWEEP_QUEUE = "trace-ts-sweep";

/** A JSON value (a run's configuration). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** One training run of a sweep. */
export interface SweepRun {
  /** Unique in the sweep; names the run's folder (letters, digits, `_ - .`). */
  readonly id: string;
  /** The task (dataset and agent) the worker's sweep task should train. */
  readonly task: string;
  /** The optimizer to train with (the worker's sweep task decides what a name means). */
  readonly optimizer: string;
  /** The seed of the run. */
  readonly seed: number;
  /** The configuration's name (`default`, `batch-8`). */
  readonly configName: string;
  /** The configuration (JSON), given to the worker's sweep task as it is. */
  readonly config: { readonly [key: string]: JsonValue };
}

/** What a finished run reports (stored with the run and printed in the sweep's table). */
export interface SweepRunOutcome {
  /** Steps taken. */
  readonly steps: number;
  /** Why it stopped (`completed`, `max-steps`, `budget`, …). */
  readonly reason: string;
  /** The best score measured (validation, else batch), or null. */
  readonly best: number | null;
  /** The mean test score, or null without a test set. */
  readonly test: number | null;
  /** Whether it was resumed from a checkpoint at least once. */
  readonly resumed: boolean;
}

/** Options of `sweepGrid`. */
export interface SweepGridOptions {
  /** Task names. */
  readonly tasks: readonly string[];
  /** Optimizer names. */
  readonly optimizers: readonly string[];
  /** Seeds. */
  readonly seeds: readonly number[];
  /** Named configurations (default: one, `default`, empty). */
  readonly configs?: { readonly [name: string]: { readonly [key: string]: JsonValue } };
}

const ID_PART = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/;

/**
 * Every combination of tasks, optimizers, configurations and seeds, as runs with ids
 * `<task>.<optimizer>.<config>.s<seed>`.
 * @param options the lists to combine
 */
export function sweepGrid(options: SweepGridOptions): SweepRun[] {
  const configs = options.configs ?? { default: {} };
  const runs: SweepRun[] = [];
  for (const task of options.tasks)
    for (const optimizer of options.optimizers)
      for (const [configName, config] of Object.entries(configs))
        for (const seed of options.seeds)
          runs.push({
            id: `${task}.${optimizer}.${configName}.s${seed}`,
            task,
            optimizer,
            seed,
            configName,
            config,
          });
  checkRuns("sweepGrid", runs);
  return runs;
}

/**
 * Checks the runs of a sweep: ids safe as folder names and unique, seeds integers, configurations JSON.
 * @param where the caller, for errors
 * @param runs the runs
 */
export function checkRuns(where: string, runs: readonly SweepRun[]): void {
  if (!Array.isArray(runs) || runs.length === 0)
    throw new InvalidOptionError(where, "runs", "must be a non-empty list");
  const ids = new Set<string>();
  for (const run of runs) {
    if (typeof run?.id !== "string" || !ID_PART.test(run.id) || run.id.includes("..")) {
      throw new InvalidOptionError(
        where,
        "runs",
        `run id ${JSON.stringify(run?.id)} must be 1–100 letters, digits, _ - . (no "..")`,
      );
    }
    if (ids.has(run.id)) throw new InvalidOptionError(where, "runs", `run id ${run.id} appears twice`);
    ids.add(run.id);
    for (const field of ["task", "optimizer", "configName"] as const) {
      if (typeof run[field] !== "string" || !ID_PART.test(run[field]))
        throw new InvalidOptionError(
          where,
          "runs",
          `run ${run.id}: ${field} must be 1–100 letters, digits, _ - .`,
        );
    }
    if (!Number.isSafeInteger(run.seed))
      throw new InvalidOptionError(where, "runs", `run ${run.id}: seed must be an integer`);
    try {
      JSON.stringify(run.config);
    } catch {
      throw new InvalidOptionError(where, "runs", `run ${run.id}: config must be JSON`);
    }
  }
}

/**
 * What a run's `TrainResult` reports in a sweep.
 * @param result what `train()`/`resume()` returned
 */
export function sweepOutcome(result: TrainResult): SweepRunOutcome {
  return {
    steps: result.steps,
    reason: result.reason,
    best: result.best?.score ?? null,
    test: result.test?.mean ?? null,
    resumed: result.resumed,
  };
}

/** A run read back from Redis, or undefined when it is not a well-formed run. */
export function checkRun(value: unknown): SweepRun | undefined {
  const r = value as Partial<SweepRun> | null;
  if (typeof r !== "object" || r === null) return undefined;
  try {
    checkRuns("sweep", [r as SweepRun]);
  } catch {
    return undefined;
  }
  return r as SweepRun;
}

/** An outcome read back from Redis or a file, or undefined when it is not well-formed. */
export function checkRunOutcome(value: unknown): SweepRunOutcome | undefined {
  const o = value as Partial<SweepRunOutcome> | null;
  if (typeof o !== "object" || o === null) return undefined;
  const score = (v: unknown) => v === null || (typeof v === "number" && Number.isFinite(v));
  if (!Number.isInteger(o.steps) || typeof o.reason !== "string" || o.reason.length > 100) return undefined;
  if (!score(o.best) || !score(o.test) || typeof o.resumed !== "boolean") return undefined;
  return {
    steps: o.steps as number,
    reason: o.reason,
    best: o.best ?? null,
    test: o.test ?? null,
    resumed: o.resumed,
  };
}

/** Redis keys of a sweep (besides its queue). */
export const sweepKeys = {
  /** Hash run id → run (JSON). */
  runs: (prefix: string, sweep: string): string => `${prefix}sweep:${sweep}:runs`,
  /** Hash run id → outcome (JSON). */
  results: (prefix: string, sweep: string): string => `${prefix}sweep:${sweep}:results`,
  /** The fencing-token counter of a run. */
  fence: (prefix: string, sweep: string, run: string): string => `${prefix}sweep:${sweep}:fence:${run}`,
};

/** The job id of a run (BullMQ ids may not contain `:`). */
export function sweepJobId(sweep: string, run: string): string {
  return `${sweep}.${run}`;
}

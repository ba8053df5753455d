/** Helpers shared by the search algorithms. */
import { InvalidOptionError } from "@trace-ts/core";
import type { SampledBatch } from "../data/sampler.js";
import type { Metrics } from "../objective/metrics.js";
import type { AlgorithmContext } from "./types.js";

/** @internal A candidate's measurement: the objective's value and the mean metrics behind it. */
export interface Scored {
  /** The objective's value of `metrics`. */
  readonly value: number;
  /** Mean of each metric. */
  readonly metrics: Metrics;
}

/** Where search algorithms score candidates. */
export type ScoreOn = "validation" | "batch";

/** @internal The scoring place: as asked, or validation when there is a validation set, else the batch. */
export function resolveScoreOn(
  algorithm: string,
  asked: ScoreOn | undefined,
  context: AlgorithmContext,
): ScoreOn {
  if (asked === "validation" && !context.hasValidation) {
    throw new InvalidOptionError(algorithm, "scoreOn", "is 'validation' but no validation set was given");
  }
  return asked ?? (context.hasValidation ? "validation" : "batch");
}

/**
 * @internal Measures the parameters in effect on the validation set or on the step's minibatch:
 * the objective's value and the mean metrics.
 */
export async function measureCurrent(
  context: AlgorithmContext,
  on: ScoreOn,
  batch: SampledBatch,
  label: string,
): Promise<Scored> {
  const { value, metrics } =
    on === "validation" ? await context.measure(label) : await context.runBatch(batch, { backward: false });
  return { value, metrics };
}

/**
 * @internal Saved metrics of a candidate, or those of a state written before metrics were kept:
 * its score alone (exact for the default objective, the only one such states were written with).
 */
export function savedMetrics(metrics: unknown, score: number | null): Metrics | null {
  if (metrics !== undefined && metrics !== null) {
    if (
      typeof metrics !== "object" ||
      Array.isArray(metrics) ||
      !Object.values(metrics).every((v) => typeof v === "number")
    )
      throw new TypeError("saved metrics must be an object of numbers");
    return metrics as Metrics;
  }
  return score === null ? null : { score };
}

/** @internal Checks a positive integer option. */
export function positiveInteger(algorithm: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(algorithm, name, `must be a positive integer, got ${value}`);
  }
  return value;
}

/** @internal Checks a saved list of candidates `{ values: unknown[], … }`. */
export function savedCandidates(algorithm: string, state: unknown, key: string): Record<string, unknown>[] {
  const list = (state as Record<string, unknown> | null)?.[key];
  if (
    !Array.isArray(list) ||
    !list.every(
      (c) => c !== null && typeof c === "object" && Array.isArray((c as { values?: unknown }).values),
    )
  ) {
    throw new TypeError(`${algorithm}: saved state needs ${key}: [{ values: [...] , … }]`);
  }
  return list as Record<string, unknown>[];
}

/** Helpers shared by the search algorithms. */
import { InvalidOptionError } from "@trace-ts/core";
import type { SampledBatch } from "../data/sampler.js";
import type { AlgorithmContext } from "./types.js";

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

/** @internal Scores the parameters in effect on the validation set or on the step's minibatch. */
export async function scoreCurrent(
  context: AlgorithmContext,
  on: ScoreOn,
  batch: SampledBatch,
  label: string,
): Promise<number> {
  if (on === "validation") return context.evaluate(label);
  return (await context.runBatch(batch, { backward: false })).mean;
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

/**
 * Guides: functions that look at an agent's output for one example and say how good it is
 * (`score`, higher is better) and why (`feedback`, the text sent backward to the optimizer).
 */
import { describeValue } from "@trace-ts/core/optimizer";
import type { Example } from "../data/example.js";
import { GuideError } from "../errors.js";
import { checkGuideMetrics, type Metrics } from "../objective/metrics.js";

/** A guide's verdict on one output. */
export interface GuideResult {
  /** How good the output is; higher is better. Built-in guides use [0, 1]. */
  readonly score: number;
  /** What is right or wrong and, ideally, how to fix it; sent backward as the output's feedback. */
  readonly feedback: string;
  /**
   * Other named measurements of this output (e.g. `{ brevity: 0.8, cost: 0.002 }`): finite
   * numbers, at most 32, not named `score`. A run's `objective` can weigh them against the score
   * or keep a Pareto front over them; evaluations and run logs report their means. A name the run
   * measures automatically (`latencyMs`, `tokens`, `modelCalls`, `cost`) given here replaces the
   * automatic value.
   */
  readonly metrics?: Metrics;
}

/** What a guide receives besides the output and the example. */
export interface GuideContext {
  /** Index of the example in the dataset being run. */
  readonly index: number;
  /** Aborts work the guide started (e.g. an LLM judge's call). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Scores an agent's output for one example. Implement it directly, or build one with
 * `exactMatch()`, `guide(fn)` or `llmJudge()`.
 *
 * @typeParam O the output value (the data of the node the forward function returned)
 * @typeParam I the example input
 * @typeParam T the example target
 */
export interface Guide<O = unknown, I = unknown, T = unknown> {
  /** Name for logs and errors. */
  readonly name: string;
  /**
   * The best score this guide gives (1 for `exactMatch` and `llmJudge`), when it has one. Training
   * makes no optimizer call for a batch in which every example reached it (`skipPerfectBatches`).
   */
  readonly maxScore?: number;
  /**
   * Judges one output.
   * @param output the output value
   * @param example the example it was produced for
   * @param context example index and abort signal
   */
  check(output: O, example: Example<I, T>, context: GuideContext): GuideResult | Promise<GuideResult>;
}

/**
 * Checks that a guide returned `{ score: finite number, feedback: string, metrics?: { name: finite
 * number } }` and returns a clean copy; anything else throws `GuideError`.
 *
 * @param guideName the guide's name, for the error
 * @param value what the guide returned
 */
export function validGuideResult(guideName: string, value: unknown): GuideResult {
  if (value === null || typeof value !== "object") {
    throw new GuideError(guideName, `expected { score, feedback }, got ${describeValue(value)}`);
  }
  const { score, feedback, metrics } = value as { score?: unknown; feedback?: unknown; metrics?: unknown };
  if (typeof score !== "number" || !Number.isFinite(score)) {
    throw new GuideError(guideName, `score must be a finite number, got ${describeValue(score)}`);
  }
  if (typeof feedback !== "string") {
    throw new GuideError(guideName, `feedback must be a string, got ${describeValue(feedback)}`);
  }
  if (metrics === undefined) return { score, feedback };
  const checked = checkGuideMetrics(metrics);
  if ("problem" in checked) throw new GuideError(guideName, checked.problem);
  return { score, feedback, metrics: checked.metrics };
}

/** Guides from plain functions. */
import type { Example } from "../data/example.js";
import { GuideError } from "../errors.js";
import { type Guide, type GuideContext, type GuideResult, validGuideResult } from "./types.js";

/**
 * What a guide function may return: a full result, a score alone (feedback becomes
 * `Score: <n>.`), or a pass/fail flag (score 1 or 0, feedback `Correct.` / `Incorrect.`).
 */
export type GuideFunctionResult = GuideResult | number | boolean;

/** A function that judges one output (see `Guide.check`). */
export type GuideFunction<O, I, T> = (
  output: O,
  example: Example<I, T>,
  context: GuideContext,
) => GuideFunctionResult | Promise<GuideFunctionResult>;

/** Options of `guide`. */
export interface GuideOptions {
  /** Name for logs (default: the function's name, or `custom`). */
  readonly name?: string;
  /**
   * The best score the function gives, if it has one (e.g. 1): training makes no optimizer call
   * for a batch in which every example reached it (`skipPerfectBatches`). Default: none.
   */
  readonly maxScore?: number;
}

/**
 * Wraps a function as a guide. The function may return `{ score, feedback }`, a number or a
 * boolean; anything else, or a throw, becomes a `GuideError` naming the guide.
 *
 * @example
 * const closeEnough = guide((out: number, ex: Example<string, number>) =>
 *   Math.abs(out - ex.target!) < 0.01 ? { score: 1, feedback: "Correct." }
 *                                     : { score: 0, feedback: `Off by ${out - ex.target!}.` });
 *
 * @param fn the judging function
 * @param options a name for logs and the best score, when there is one
 */
export function guide<O = unknown, I = unknown, T = unknown>(
  fn: GuideFunction<O, I, T>,
  options: GuideOptions = {},
): Guide<O, I, T> {
  if (typeof fn !== "function")
    throw new TypeError("guide(fn): fn must be a function (output, example, context) => result");
  const maxScore = options.maxScore;
  if (maxScore !== undefined && (typeof maxScore !== "number" || !Number.isFinite(maxScore)))
    throw new TypeError(`guide(fn, { maxScore }): maxScore must be a finite number, got ${String(maxScore)}`);
  const name = options.name ?? (fn.name || "custom");
  return {
    name,
    ...(maxScore !== undefined ? { maxScore } : {}),
    async check(output, example, context) {
      let value: GuideFunctionResult;
      try {
        value = await fn(output, example, context);
      } catch (error) {
        if (error instanceof GuideError) throw error;
        throw new GuideError(
          name,
          `the guide function threw: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
      if (typeof value === "boolean")
        return { score: value ? 1 : 0, feedback: value ? "Correct." : "Incorrect." };
      if (typeof value === "number")
        return validGuideResult(name, { score: value, feedback: `Score: ${value}.` });
      return validGuideResult(name, value);
    },
  };
}

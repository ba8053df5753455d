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
 * A guide made by `guide(fn)`: a `Guide`, and also a function taking the same arguments as
 * `check` (`g(output, example)` scores one output, e.g. in a test; the context defaults to index
 * 0). Being callable is also what lets TypeScript type an inline `guide((out, ex) => …)` from the
 * dataset and forward function given to `train()` or `evaluate()`: `ex` is then
 * `Example<Input, Target>` of that dataset.
 *
 * @typeParam O the output value
 * @typeParam I the example input
 * @typeParam T the example target
 */
export interface FunctionGuide<O = unknown, I = unknown, T = unknown> extends Guide<O, I, T> {
  /** Same as `check`; `context` defaults to `{ index: 0 }`. */
  (output: O, example: Example<I, T>, context?: GuideContext): Promise<GuideResult>;
  /** Judges one output: the function's verdict as `{ score, feedback }`. */
  check(output: O, example: Example<I, T>, context: GuideContext): Promise<GuideResult>;
}

/**
 * Wraps a function as a guide. The function may return `{ score, feedback }`, a number or a
 * boolean; anything else, or a throw, becomes a `GuideError` naming the guide.
 *
 * Written inline in `train({ …, guide: guide((out, ex) => …) })` (or `evaluate`), the output and
 * example types come from the forward function and the dataset, so `ex.target` has the dataset's
 * target type; on its own, annotate what you need (`(out: string, ex: Example<string, number>)`);
 * unannotated, `ex` is `Example<unknown, unknown>`.
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
): FunctionGuide<O, I, T> {
  if (typeof fn !== "function")
    throw new TypeError("guide(fn): fn must be a function (output, example, context) => result");
  const maxScore = options.maxScore;
  if (maxScore !== undefined && (typeof maxScore !== "number" || !Number.isFinite(maxScore)))
    throw new TypeError(`guide(fn, { maxScore }): maxScore must be a finite number, got ${String(maxScore)}`);
  const name = options.name ?? (fn.name || "custom");
  const check = async (output: O, example: Example<I, T>, context: GuideContext): Promise<GuideResult> => {
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
  };
  const callable = (output: O, example: Example<I, T>, context: GuideContext = { index: 0 }) =>
    check(output, example, context);
  Object.defineProperty(callable, "name", { value: name, configurable: true });
  Object.defineProperty(callable, "check", { value: check, enumerable: true });
  if (maxScore !== undefined)
    Object.defineProperty(callable, "maxScore", { value: maxScore, enumerable: true });
  return callable as FunctionGuide<O, I, T>;
}

import { type Feedback, InvalidOptionError, type Node } from "@trace-ts/core";
import { CHARS_PER_TOKEN } from "@trace-ts/core/llm";
import {
  checkAtLeast,
  MODEL_OPTIMIZER_OPTION_SCHEMA,
  type ModelOptimizerOptions,
  type ModelOptimizerSettings,
  type OptionSchema,
} from "@trace-ts/core/optimizer";

/**
 * Reads a score from one output's feedback; return undefined when the feedback has none. It may be
 * called more than once for the same feedback (when the prompt is written and when the step
 * records the solution), so keep it a pure function.
 * @param feedback the feedback as passed to `backward()`
 * @param output the output node it was sent to
 */
export type ScoreOf = (feedback: Feedback, output: Node) => number | undefined;

/**
 * Options of `new Opro(parameters, options)`: the shared options of model-driven optimizers
 * (`model`, `container`, `objective`, `maxRetries`, `temperature`, `maxTokens`,
 * `valueCharBudget` — the longest value or feedback shown for a lower-ranked solution —,
 * `verbose`, `log`, `propagator`, `approve`, `isolation`) plus OPRO's own.
 */
export interface OproOptions extends ModelOptimizerOptions {
  /**
   * Score of one output's feedback. Default: the feedback itself when it is a number, else its
   * `score` field when it is a number (or numeric text), else none.
   */
  readonly scoreOf?: ScoreOf;
  /** Whether higher (`maximize`, default) or lower (`minimize`) scores are better. */
  readonly direction?: "maximize" | "minimize";
  /** Solutions kept in the history; the worst are dropped first (default 50). */
  readonly historySize?: number;
  /** Longest history section of the prompt, in characters (default 12000, at least 100). */
  readonly historyCharBudget?: number;
  /** The same budget in estimated tokens (4 characters each); the smaller of the two applies. */
  readonly historyTokenBudget?: number;
}

/** `OproOptions` with defaults filled in: `Opro.settings`. */
export interface OproSettings extends ModelOptimizerSettings {
  /** How a score is read from one output's feedback. */
  readonly scoreOf: ScoreOf;
  /** Whether higher or lower scores are better. */
  readonly direction: "maximize" | "minimize";
  /** Solutions kept in the history. */
  readonly historySize: number;
  /** Longest history section of the prompt, in characters (the smaller of the two budgets). */
  readonly historyCharBudget: number;
}

/** Objective used when none is given. */
export const DEFAULT_OPRO_OBJECTIVE =
  "Find values of the variables for which the program's outputs get the best scores and feedback.";

/** The option names and kinds `Opro` accepts (`Opro.optionSchema`). */
export const OPRO_OPTION_SCHEMA = {
  ...MODEL_OPTIMIZER_OPTION_SCHEMA,
  scoreOf: "function",
  direction: "string",
  historySize: "integer",
  historyCharBudget: "integer",
  historyTokenBudget: "integer",
} as const satisfies OptionSchema;

/**
 * The default `scoreOf`: a finite number is its own score; a plain object's `score` field counts
 * when it is a finite number or text holding one; anything else has no score.
 */
export function defaultScoreOf(feedback: Feedback): number | undefined {
  if (typeof feedback === "number") return Number.isFinite(feedback) ? feedback : undefined;
  if (feedback === null || typeof feedback !== "object") return undefined;
  const score = feedback.score;
  const value =
    typeof score === "number"
      ? score
      : typeof score === "string" && score.trim() !== ""
        ? Number(score)
        : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Checks OPRO's own options (out-of-range values and an unknown direction throw
 * `InvalidOptionError`) and adds them to the shared settings.
 *
 * @param where the optimizer, for error messages
 * @param options the user's options (already checked against `OPRO_OPTION_SCHEMA`)
 * @param shared the resolved shared settings
 */
export function resolveOproSettings(
  where: string,
  options: OproOptions,
  shared: ModelOptimizerSettings,
): OproSettings {
  const direction = options.direction ?? "maximize";
  if (direction !== "maximize" && direction !== "minimize")
    throw new InvalidOptionError(where, "direction", `must be "maximize" or "minimize", got "${direction}"`);
  checkAtLeast(where, "historySize", options.historySize, 1);
  checkAtLeast(where, "historyCharBudget", options.historyCharBudget, 100);
  checkAtLeast(where, "historyTokenBudget", options.historyTokenBudget, 25);
  const tokens = (options.historyTokenBudget ?? Number.POSITIVE_INFINITY) * CHARS_PER_TOKEN;
  return {
    ...shared,
    scoreOf: options.scoreOf ?? defaultScoreOf,
    direction,
    historySize: options.historySize ?? 50,
    historyCharBudget: Math.min(options.historyCharBudget ?? 12_000, tokens),
  };
}

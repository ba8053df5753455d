import {
  CHARS_PER_TOKEN,
  type DependencyContainer,
  type Feedback,
  type LanguageModel,
  type Node,
  OPTIMIZER_OPTION_SCHEMA,
  type OptimizerOptions,
  validateOptions,
} from "@trace-ts/core";

/**
 * Reads a score from one output's feedback; return undefined when the feedback has none.
 * @param feedback the feedback as passed to `backward()`
 * @param output the output node it was sent to
 */
export type ScoreOf = (feedback: Feedback, output: Node) => number | undefined;

/** Options of `new Opro(parameters, options)`. */
export interface OproOptions extends OptimizerOptions {
  /**
   * The model that proposes solutions. Default: the default model of `container`, looked up at
   * the first `step()` (so it may be registered after the optimizer is built).
   */
  readonly model?: LanguageModel;
  /** Container to take the default model from (default: the root container). */
  readonly container?: DependencyContainer;
  /** What a good solution achieves, shown in the prompt. */
  readonly objective?: string;
  /** Re-asks after an unusable answer (default 2). */
  readonly maxRetries?: number;
  /**
   * Score of one output's feedback. Default: the feedback itself when it is a number, else its
   * `score` field when it is a number (or numeric text), else none.
   */
  readonly scoreOf?: ScoreOf;
  /** Whether higher (`maximize`, default) or lower (`minimize`) scores are better. */
  readonly direction?: "maximize" | "minimize";
  /** Solutions kept in the history; the worst are dropped first (default 50). */
  readonly historySize?: number;
  /** Longest history section of the prompt, in characters (default 12000). */
  readonly historyCharBudget?: number;
  /** The same budget in estimated tokens (4 characters each); the smaller of the two applies. */
  readonly historyTokenBudget?: number;
  /** Longest text of one value or one feedback in the prompt, in characters (default 2000). */
  readonly valueCharBudget?: number;
  /** Sampling temperature (default: the model's). */
  readonly temperature?: number;
}

/** `OproOptions` with defaults filled in. */
export interface ResolvedOproOptions {
  readonly model: LanguageModel | undefined;
  readonly container: DependencyContainer | undefined;
  readonly objective: string;
  readonly maxRetries: number;
  readonly scoreOf: ScoreOf;
  readonly direction: "maximize" | "minimize";
  readonly historySize: number;
  readonly historyCharBudget: number;
  readonly valueCharBudget: number;
  readonly temperature: number | undefined;
}

/** Objective used when none is given. */
export const DEFAULT_OPRO_OBJECTIVE =
  "Find values of the variables for which the program's outputs get the best scores and feedback.";

const SCHEMA = {
  model: "object",
  container: "object",
  objective: "string",
  maxRetries: "integer",
  scoreOf: "function",
  direction: "string",
  historySize: "integer",
  historyCharBudget: "integer",
  historyTokenBudget: "integer",
  valueCharBudget: "integer",
  temperature: "number",
  ...OPTIMIZER_OPTION_SCHEMA,
} as const;

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

function atLeast(name: string, value: number, min: number): number {
  if (value < min) throw new RangeError(`Opro: ${name} must be at least ${min}, got ${value}`);
  return value;
}

/** Checks options (unknown names and wrong types throw `InvalidOptionError`) and fills defaults. */
export function resolveOproOptions(options: OproOptions): ResolvedOproOptions {
  validateOptions("Opro", options, SCHEMA);
  const direction = options.direction ?? "maximize";
  if (direction !== "maximize" && direction !== "minimize") {
    throw new RangeError(`Opro: direction must be "maximize" or "minimize", got "${String(direction)}"`);
  }
  if (options.model !== undefined && typeof options.model.generate !== "function") {
    throw new TypeError("Opro: model must be a LanguageModel (an object with generate(request))");
  }
  const chars = atLeast("historyCharBudget", options.historyCharBudget ?? 12_000, 100);
  const tokens =
    options.historyTokenBudget === undefined
      ? Number.POSITIVE_INFINITY
      : atLeast("historyTokenBudget", options.historyTokenBudget, 25) * CHARS_PER_TOKEN;
  return {
    model: options.model,
    container: options.container,
    objective: options.objective?.trim() || DEFAULT_OPRO_OBJECTIVE,
    maxRetries: atLeast("maxRetries", options.maxRetries ?? 2, 0),
    scoreOf: options.scoreOf ?? defaultScoreOf,
    direction,
    historySize: atLeast("historySize", options.historySize ?? 50, 1),
    historyCharBudget: Math.min(chars, tokens),
    valueCharBudget: atLeast("valueCharBudget", options.valueCharBudget ?? 2000, 1),
    temperature: options.temperature,
  };
}

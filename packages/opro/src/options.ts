import { type Feedback, InvalidOptionError, type Node, type ParameterNode } from "@trace-ts/core";
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

/** What `OproCandidateScore` is told about the candidate it scores. */
export interface OproCandidateInfo {
  /** Sample index of the candidate (0, 1, …), as its model request carried it. */
  readonly sample: number;
  /** The temperature it was sampled at. */
  readonly temperature: number;
  /** The suggestion as the model wrote it (key → value text). */
  readonly suggestion: Readonly<Record<string, unknown>>;
}

/**
 * Scores one candidate of a scored `step()` on the scale of the history (with
 * `direction: "minimize"`, lower is better). While it runs, the parameters hold the candidate's
 * values (`updates`); they are restored afterwards, also when it throws. A throw, a NaN or a
 * non-number rules the candidate out (a cancellation is passed on).
 *
 * @param updates the candidate's converted, validated new values by parameter
 * @param candidate its sample index, temperature and suggestion
 */
export type OproCandidateScore = (
  updates: ReadonlyMap<ParameterNode, unknown>,
  candidate: OproCandidateInfo,
) => number | Promise<number>;

/** One task example shown in the prompt (OPRO's exemplars): an input and the output wanted for it. */
export interface OproExemplar {
  /** The input (question), shown as text or JSON. */
  readonly input: unknown;
  /** The output wanted (answer), shown as text or JSON. */
  readonly output: unknown;
}

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
  /**
   * Candidates per scored step and per `proposeCandidates()` without a count (default 8, as the
   * paper). A plain `step()` asks one solution; with `score`, it asks `candidates` solutions (one
   * model request each) and applies the best.
   */
  readonly candidates?: number;
  /** Temperature of each candidate request (default 1.0, as the paper); the `temperature` option applies to single proposals. */
  readonly candidateTemperature?: number;
  /**
   * Scores the candidates of a `step()`: with it, `step()` asks `candidates` solutions, scores each
   * (values set while scoring, restored after), records all in the history and applies the best.
   * Without it, `step()` asks one solution.
   */
  readonly score?: OproCandidateScore;
  /** Task examples (input and wanted output) shown in the prompt, in order, within `exemplarCharBudget`. Default: none. */
  readonly exemplars?: readonly OproExemplar[];
  /**
   * Shows the inputs and outputs of this step's outputs that received feedback as examples
   * (after the `exemplars` given). Default false.
   */
  readonly exemplarsFromFeedback?: boolean;
  /** Longest examples section of the prompt, in characters (default 3000, at least 100). */
  readonly exemplarCharBudget?: number;
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
  /** Candidates per scored step and per `proposeCandidates()` without a count. */
  readonly candidates: number;
  /** Temperature of each candidate request. */
  readonly candidateTemperature: number;
  /** The score function of scored steps, when given. */
  readonly score: OproCandidateScore | undefined;
  /** Task examples shown in the prompt. */
  readonly exemplars: readonly OproExemplar[];
  /** Whether this step's inputs and outputs are shown as examples. */
  readonly exemplarsFromFeedback: boolean;
  /** Longest examples section of the prompt, in characters. */
  readonly exemplarCharBudget: number;
}

/** Objective used when none is given. */
export const DEFAULT_OPRO_OBJECTIVE =
  "Find values of the variables for which the program's outputs get the best scores and feedback.";

/** The option names and kinds `Opro` accepts (`Opro.optionSchema`). */
export const OPRO_OPTION_SCHEMA = {
  ...MODEL_OPTIMIZER_OPTION_SCHEMA,
  /** `scoreOf`: a function reading a score from one output's feedback. */
  scoreOf: "function",
  /** `direction`: `"maximize"` or `"minimize"` (checked when the settings are resolved). */
  direction: "string",
  /** `historySize`: an integer, at least 1 (default 50). */
  historySize: "integer",
  /** `historyCharBudget`: an integer number of characters, at least 100 (default 12000). */
  historyCharBudget: "integer",
  /** `historyTokenBudget`: an integer number of estimated tokens, at least 25. */
  historyTokenBudget: "integer",
  /** `candidates`: an integer, at least 1 (default 8). */
  candidates: "integer",
  /** `candidateTemperature`: a number, at least 0 (default 1.0). */
  candidateTemperature: "number",
  /** `score`: a function scoring one candidate of a scored `step()`. */
  score: "function",
  /** `exemplars`: an array of `{ input, output }` objects. */
  exemplars: "object",
  /** `exemplarsFromFeedback`: a boolean (default false). */
  exemplarsFromFeedback: "boolean",
  /** `exemplarCharBudget`: an integer number of characters, at least 100 (default 3000). */
  exemplarCharBudget: "integer",
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
  checkAtLeast(where, "candidates", options.candidates, 1);
  checkAtLeast(where, "candidateTemperature", options.candidateTemperature, 0);
  checkAtLeast(where, "exemplarCharBudget", options.exemplarCharBudget, 100);
  const exemplars = options.exemplars ?? [];
  if (!Array.isArray(exemplars) || exemplars.some((e) => e === null || typeof e !== "object"))
    throw new InvalidOptionError(where, "exemplars", "must be an array of { input, output } objects");
  const tokens = (options.historyTokenBudget ?? Number.POSITIVE_INFINITY) * CHARS_PER_TOKEN;
  return {
    ...shared,
    scoreOf: options.scoreOf ?? defaultScoreOf,
    direction,
    historySize: options.historySize ?? 50,
    historyCharBudget: Math.min(options.historyCharBudget ?? 12_000, tokens),
    candidates: options.candidates ?? 8,
    candidateTemperature: options.candidateTemperature ?? 1,
    score: options.score,
    exemplars: [...exemplars],
    exemplarsFromFeedback: options.exemplarsFromFeedback ?? false,
    exemplarCharBudget: options.exemplarCharBudget ?? 3000,
  };
}

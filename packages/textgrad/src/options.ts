import type { DependencyContainer, LanguageModel, OptimizerOptions } from "@trace-ts/core";
import { OPTIMIZER_OPTION_SCHEMA, validateOptions } from "@trace-ts/core";

/** Options of `new TextGrad(parameters, options)`. */
export interface TextGradOptions extends OptimizerOptions {
  /**
   * The model that writes gradients and updates. Default: the default model of `container`,
   * looked up at the first `step()` (so it may be registered after the optimizer is built).
   */
  readonly model?: LanguageModel;
  /** Container to take the default model from (default: the root container). */
  readonly container?: DependencyContainer;
  /** What the program should achieve, shown in every prompt. */
  readonly objective?: string;
  /** Most model calls in flight at once (default 4). */
  readonly concurrency?: number;
  /** Re-asks after an unusable answer, per call (default 2). */
  readonly maxRetries?: number;
  /**
   * Longest text of a value shown in gradient and combining prompts, in characters; longer values
   * are cut with a visible marker (default 2000). The value being updated is always shown in full.
   */
  readonly valueCharBudget?: number;
  /** Sampling temperature of every call (default: the model's). */
  readonly temperature?: number;
}

/** `TextGradOptions` with defaults filled in. */
export interface ResolvedTextGradOptions {
  readonly model: LanguageModel | undefined;
  readonly container: DependencyContainer | undefined;
  readonly objective: string;
  readonly concurrency: number;
  readonly maxRetries: number;
  readonly valueCharBudget: number;
  readonly temperature: number | undefined;
}

/** Objective used when none is given. */
export const DEFAULT_OBJECTIVE =
  "Change the trainable parameters so that the outputs satisfy the feedback they received.";

const SCHEMA = {
  model: "object",
  container: "object",
  objective: "string",
  concurrency: "integer",
  maxRetries: "integer",
  valueCharBudget: "integer",
  temperature: "number",
  ...OPTIMIZER_OPTION_SCHEMA,
} as const;

/** Checks options (unknown names and wrong types throw `InvalidOptionError`) and fills defaults. */
export function resolveTextGradOptions(options: TextGradOptions): ResolvedTextGradOptions {
  validateOptions("TextGrad", options, SCHEMA);
  const concurrency = options.concurrency ?? 4;
  if (concurrency < 1) throw new RangeError(`TextGrad: concurrency must be at least 1, got ${concurrency}`);
  const maxRetries = options.maxRetries ?? 2;
  if (maxRetries < 0) throw new RangeError(`TextGrad: maxRetries must be 0 or more, got ${maxRetries}`);
  const valueCharBudget = options.valueCharBudget ?? 2000;
  if (valueCharBudget < 1) {
    throw new RangeError(`TextGrad: valueCharBudget must be at least 1, got ${valueCharBudget}`);
  }
  if (options.model !== undefined && typeof options.model.generate !== "function") {
    throw new TypeError("TextGrad: model must be a LanguageModel (an object with generate(request))");
  }
  return {
    model: options.model,
    container: options.container,
    objective: options.objective?.trim() || DEFAULT_OBJECTIVE,
    concurrency,
    maxRetries,
    valueCharBudget,
    temperature: options.temperature,
  };
}

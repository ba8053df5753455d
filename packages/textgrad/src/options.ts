import {
  checkAtLeast,
  MODEL_OPTIMIZER_OPTION_SCHEMA,
  type ModelOptimizerOptions,
  type ModelOptimizerSettings,
  type OptionSchema,
} from "@trace-ts/core/optimizer";

/**
 * Options of `new TextGrad(parameters, options)`: the shared options of model-driven optimizers
 * (`model`, `container`, `objective`, `maxRetries`, `temperature`, `maxTokens`, `valueCharBudget`
 * — the longest value shown in gradient and combining prompts; the value being updated is always
 * shown in full —, `verbose`, `log`, …) plus `concurrency`.
 */
export interface TextGradOptions extends ModelOptimizerOptions {
  /** Most model calls in flight at once (default 4). */
  readonly concurrency?: number;
}

/** `TextGradOptions` after checking, with every default filled in (`TextGrad.settings`). */
export interface TextGradSettings extends ModelOptimizerSettings {
  /** Most model calls in flight at once. */
  readonly concurrency: number;
}

/** Objective used when none is given. */
export const DEFAULT_OBJECTIVE =
  "Change the trainable parameters so that the outputs satisfy the feedback they received.";

/** The option names and kinds `TextGrad` accepts. */
export const TEXTGRAD_OPTION_SCHEMA = {
  ...MODEL_OPTIMIZER_OPTION_SCHEMA,
  concurrency: "integer",
} as const satisfies OptionSchema;

/**
 * Checks TextGrad's own options (`concurrency` at least 1, else `InvalidOptionError`) and adds
 * them to the shared settings.
 *
 * @param shared the checked shared settings
 * @param where the optimizer's name, for error messages
 * @param options the user's options
 */
export function resolveTextGradSettings(
  shared: ModelOptimizerSettings,
  where: string,
  options: TextGradOptions,
): TextGradSettings {
  checkAtLeast(where, "concurrency", options.concurrency, 1);
  return { ...shared, concurrency: options.concurrency ?? 4 };
}

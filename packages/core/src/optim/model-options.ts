import type { DependencyContainer } from "tsyringe";
import { InvalidOptionError } from "../errors/graph-errors.js";
import type { LanguageModel } from "../llm/types.js";
import { type OptionSchema, validateOptions } from "../util/options.js";
import { OPTIMIZER_OPTION_SCHEMA, type OptimizerOptions } from "./optimizer.js";

/**
 * Options every optimizer that asks a language model accepts (`OptoPrime`, `TextGrad`, `Opro`, and
 * optimizers written on `ModelOptimizer`). Each optimizer adds its own on top.
 */
export interface ModelOptimizerOptions extends OptimizerOptions {
  /**
   * The language model to ask. Default: the default language model of `container`, looked up when
   * the first step runs, so an optimizer can be built before a model is registered.
   */
  readonly model?: LanguageModel;
  /** Where to look up the default language model (default: the root container). */
  readonly container?: DependencyContainer;
  /** What the optimization should achieve, shown in the prompts (default: the optimizer's own). */
  readonly objective?: string;
  /** How many times to re-ask after an unusable answer, per conversation (default 2). */
  readonly maxRetries?: number;
  /** Sampling temperature of the calls (default: the provider's). */
  readonly temperature?: number;
  /** Upper bound on tokens per answer (default: the provider's). */
  readonly maxTokens?: number;
  /**
   * Characters shown per value where the optimizer abbreviates values; longer values are cut with
   * a visible `…[N more characters]` marker (default 2000).
   */
  readonly valueCharBudget?: number;
  /** Print every prompt and response to `log` (default false). */
  readonly verbose?: boolean;
  /** Where `verbose` output goes (default `console.log`). */
  readonly log?: (message: string) => void;
}

/** `ModelOptimizerOptions` after checking, with every default filled in. */
export interface ModelOptimizerSettings {
  /** The `model` option, if given. */
  readonly model: LanguageModel | undefined;
  /** The `container` option, if given. */
  readonly container: DependencyContainer | undefined;
  /** The objective (the optimizer's default when none was given). */
  readonly objective: string;
  /** Re-asks after an unusable answer. */
  readonly maxRetries: number;
  /** Sampling temperature (undefined: the provider's). */
  readonly temperature: number | undefined;
  /** Answer token limit (undefined: the provider's). */
  readonly maxTokens: number | undefined;
  /** Characters per abbreviated value. */
  readonly valueCharBudget: number;
  /** Whether to print prompts and responses. */
  readonly verbose: boolean;
  /** Where verbose output goes. */
  readonly log: (message: string) => void;
}

/** The option names and kinds of `ModelOptimizerOptions`; optimizers spread it into their schema. */
export const MODEL_OPTIMIZER_OPTION_SCHEMA = {
  ...OPTIMIZER_OPTION_SCHEMA,
  /** `model`: a `LanguageModel` object. */
  model: "object",
  /** `container`: a tsyringe `DependencyContainer`. */
  container: "object",
  /** `objective`: text. */
  objective: "string",
  /** `maxRetries`: a whole number (at least 0). */
  maxRetries: "integer",
  /** `temperature`: a number (at least 0). */
  temperature: "number",
  /** `maxTokens`: a whole number (at least 1). */
  maxTokens: "integer",
  /** `valueCharBudget`: a number of characters (at least 1). */
  valueCharBudget: "number",
  /** `verbose`: a boolean. */
  verbose: "boolean",
  /** `log`: a function taking one message string. */
  log: "function",
} as const satisfies OptionSchema;

/** Defaults an optimizer chooses for the shared options. */
export interface ModelOptimizerDefaults {
  /** The objective used when none is given. */
  readonly objective: string;
  /** Default of `maxRetries` (2 when absent). */
  readonly maxRetries?: number;
  /** Default of `valueCharBudget` (2000 when absent). */
  readonly valueCharBudget?: number;
}

/** Default of `valueCharBudget`. */
export const DEFAULT_VALUE_CHAR_BUDGET = 2000;

/**
 * Throws `InvalidOptionError` unless `value` is absent or at least `min`: the one range check
 * optimizers use for their numeric options.
 *
 * @param where the optimizer, e.g. `OptoPrime`
 * @param name the option
 * @param value its value
 * @param min the smallest allowed value
 */
export function checkAtLeast(where: string, name: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(value >= min))
    throw new InvalidOptionError(where, name, `must be at least ${min}, got ${value}`);
}

/**
 * Checks an optimizer's options against `schema` (unknown names, wrong kinds, out-of-range
 * values and an empty objective throw `InvalidOptionError`) and returns the shared settings with
 * defaults filled in. The optimizer checks and fills its own options after this.
 *
 * @param where the optimizer's name, used in error messages
 * @param options the user's options
 * @param schema every option name the optimizer accepts (`MODEL_OPTIMIZER_OPTION_SCHEMA` plus its own)
 * @param defaults the optimizer's defaults for the shared options
 */
export function resolveModelOptimizerOptions(
  where: string,
  options: ModelOptimizerOptions,
  schema: OptionSchema,
  defaults: ModelOptimizerDefaults,
): ModelOptimizerSettings {
  validateOptions(where, options, schema);
  checkAtLeast(where, "maxRetries", options.maxRetries, 0);
  checkAtLeast(where, "temperature", options.temperature, 0);
  checkAtLeast(where, "maxTokens", options.maxTokens, 1);
  checkAtLeast(where, "valueCharBudget", options.valueCharBudget, 1);
  if (options.model !== undefined && typeof options.model.generate !== "function")
    throw new InvalidOptionError(
      where,
      "model",
      "must be a LanguageModel (an object with generate(request))",
    );
  if (options.objective !== undefined && options.objective.trim() === "")
    throw new InvalidOptionError(where, "objective", "must not be empty; leave it out for the default");
  return {
    model: options.model,
    container: options.container,
    objective: options.objective ?? defaults.objective,
    maxRetries: options.maxRetries ?? defaults.maxRetries ?? 2,
    temperature: options.temperature,
    maxTokens: options.maxTokens,
    valueCharBudget: options.valueCharBudget ?? defaults.valueCharBudget ?? DEFAULT_VALUE_CHAR_BUDGET,
    verbose: options.verbose ?? false,
    log: options.log ?? ((message: string) => console.log(message)),
  };
}

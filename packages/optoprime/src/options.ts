import {
  type DependencyContainer,
  InvalidOptionError,
  type LanguageModel,
  OPTIMIZER_OPTION_SCHEMA,
  type OptimizerOptions,
  type OptionSchema,
  validateOptions,
} from "@trace-ts/core";
import { DEFAULT_OBJECTIVE } from "./prompt/text.js";

/** Options of `OptoPrime` (and, with more, of `OptoPrimeMulti`). */
export interface OptoPrimeOptions extends OptimizerOptions {
  /**
   * The language model to ask. Default: the default model of `container` (`registerModel`),
   * looked up when the first step runs, so an optimizer can be built before a model exists.
   */
  readonly model?: LanguageModel;
  /** Where to look up the default model (default: the root container). */
  readonly container?: DependencyContainer;
  /** The #Instruction text: what the optimization should achieve (default: follow the feedback). */
  readonly objective?: string;
  /**
   * How many earlier steps to remember and show as #History (values the variables had and the
   * feedback they earned). Default 0: off, so each prompt depends only on the current graph.
   */
  readonly memorySize?: number;
  /** How many times to re-ask after an unusable answer (default 2, so at most 3 calls). */
  readonly maxRetries?: number;
  /**
   * Characters shown per value outside #Variables (inputs, intermediates, outputs, history);
   * longer values are cut with a visible `…[N more characters]` marker (default 2000).
   */
  readonly valueCharBudget?: number;
  /**
   * Estimated tokens the prompt may take (system + problem message, about 4 characters a
   * token); larger problems are shortened section by section and the report says what was cut.
   * Default 32,000; `Infinity` turns the limit off.
   */
  readonly promptTokenBudget?: number;
  /** Ask the provider for JSON output (`responseFormat: { type: "json" }`) (default true). */
  readonly jsonMode?: boolean;
  /** Where `verbose` output goes (default `console.log`). */
  readonly log?: (message: string) => void;
  /** Print every prompt and response to `log` (default false). */
  readonly verbose?: boolean;
  /** Sampling temperature of the proposal calls (default: the provider's). */
  readonly temperature?: number;
  /** Upper bound on tokens per answer (default: the provider's). */
  readonly maxTokens?: number;
}

/** Options after defaults (what `OptoPrime` and its subclasses read as `this.settings`). */
export interface OptoPrimeSettings {
  /** The `model` option, if given. */
  readonly model: LanguageModel | undefined;
  /** The `container` option, if given. */
  readonly container: DependencyContainer | undefined;
  /** The #Instruction text. */
  readonly objective: string;
  /** Earlier steps shown as #History (0: off). */
  readonly memorySize: number;
  /** Re-asks after an unusable answer. */
  readonly maxRetries: number;
  /** Characters per value outside #Variables. */
  readonly valueCharBudget: number;
  /** Estimated prompt token budget (Infinity: none). */
  readonly promptTokenBudget: number;
  /** Whether to ask for JSON output. */
  readonly jsonMode: boolean;
  /** Where verbose output goes. */
  readonly log: (message: string) => void;
  /** Whether to print prompts and responses. */
  readonly verbose: boolean;
  /** Sampling temperature (undefined: the provider's). */
  readonly temperature: number | undefined;
  /** Answer token limit (undefined: the provider's). */
  readonly maxTokens: number | undefined;
}

/** Default of `valueCharBudget`. */
export const DEFAULT_VALUE_CHAR_BUDGET = 2000;
/** Default of `promptTokenBudget`. */
export const DEFAULT_PROMPT_TOKEN_BUDGET = 32_000;

/** The option names and kinds `OptoPrime` accepts. */
export const OPTOPRIME_OPTION_SCHEMA: OptionSchema = {
  model: "object",
  container: "object",
  objective: "string",
  memorySize: "integer",
  maxRetries: "integer",
  valueCharBudget: "number",
  promptTokenBudget: "number",
  jsonMode: "boolean",
  log: "function",
  verbose: "boolean",
  temperature: "number",
  maxTokens: "integer",
  ...OPTIMIZER_OPTION_SCHEMA,
};

/**
 * Checks options and fills in defaults.
 * @throws InvalidOptionError for an unknown option, a wrong kind or an out-of-range value
 */
export function resolveOptions(
  where: string,
  options: OptoPrimeOptions,
  schema: OptionSchema,
): OptoPrimeSettings {
  validateOptions(where, options, schema);
  const atLeast = (name: keyof OptoPrimeOptions, value: number | undefined, min: number) => {
    if (value !== undefined && !(value >= min))
      throw new InvalidOptionError(where, name, `must be at least ${min}, got ${value}`);
  };
  atLeast("memorySize", options.memorySize, 0);
  atLeast("maxRetries", options.maxRetries, 0);
  atLeast("valueCharBudget", options.valueCharBudget, 1);
  atLeast("promptTokenBudget", options.promptTokenBudget, 100);
  atLeast("temperature", options.temperature, 0);
  atLeast("maxTokens", options.maxTokens, 1);
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
    objective: options.objective ?? DEFAULT_OBJECTIVE,
    memorySize: options.memorySize ?? 0,
    maxRetries: options.maxRetries ?? 2,
    valueCharBudget: options.valueCharBudget ?? DEFAULT_VALUE_CHAR_BUDGET,
    promptTokenBudget: options.promptTokenBudget ?? DEFAULT_PROMPT_TOKEN_BUDGET,
    jsonMode: options.jsonMode ?? true,
    log: options.log ?? ((message: string) => console.log(message)),
    verbose: options.verbose ?? false,
    temperature: options.temperature,
    maxTokens: options.maxTokens,
  };
}

import { InvalidOptionError } from "@trace-ts/core";
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
 * — the longest context value shown in gradient and combining prompts —, `verbose`, `log`, …) plus
 * TextGrad's own: `concurrency`, `critiqueTokenBudget`, `mergeOverTokens`, `partial`,
 * `passThroughOps`.
 */
export interface TextGradOptions extends ModelOptimizerOptions {
  /** Most model calls in flight at once (default 4). */
  readonly concurrency?: number;
  /**
   * Longest value under critique, in estimated tokens (default 8,000 ≈ 32,000 characters): the
   * input a gradient call asks about, and the value a combining call merges feedback for, are
   * shown whole up to this size and cut past it with a visible marker. Other values in those
   * prompts use `valueCharBudget`; the value being updated is always shown in full.
   */
  readonly critiqueTokenBudget?: number;
  /**
   * Merge the gradients of a node with one model call, but only when their concatenation (with
   * context) is longer than this many estimated tokens. Default: undefined, never merge — every
   * gradient reaches the update prompt whole, with its context.
   */
  readonly mergeOverTokens?: number;
  /**
   * Apply the parameters whose update succeeded even when others failed (default false: one
   * failure changes no parameter). Failed parameters are listed in `report.rejected` with the
   * reason, and `report.error` says that some failed.
   */
  readonly partial?: boolean;
  /**
   * Operation names that only forward text (default `DEFAULT_PASS_THROUGH_OPS`): the gradient of
   * their output goes to their inputs without a model call. `[]` gives every edge its own call.
   */
  readonly passThroughOps?: readonly string[];
}

/** `TextGradOptions` after checking, with every default filled in (`TextGrad.settings`). */
export interface TextGradSettings extends ModelOptimizerSettings {
  /** Most model calls in flight at once. */
  readonly concurrency: number;
  /** Longest value under critique, in estimated tokens. */
  readonly critiqueTokenBudget: number;
  /** Merge a node's gradients only past this many estimated tokens; undefined: never. */
  readonly mergeOverTokens: number | undefined;
  /** Apply the successful updates when others fail. */
  readonly partial: boolean;
  /** Operation names whose edges cost no call. */
  readonly passThroughOps: readonly string[];
}

/** Objective used when none is given. */
export const DEFAULT_OBJECTIVE =
  "Change the trainable parameters so that the outputs satisfy the feedback they received.";

/** Default of `critiqueTokenBudget`: 8,000 estimated tokens (about 32,000 characters). */
export const DEFAULT_CRITIQUE_TOKEN_BUDGET = 8000;

/**
 * Default of `passThroughOps`: core operations that only put their inputs' text together or
 * forward it (`concat`, `format`, `fmt`, `join`, `identity`, `clone`, `toString`).
 */
export const DEFAULT_PASS_THROUGH_OPS: readonly string[] = Object.freeze([
  "concat",
  "format",
  "fmt",
  "join",
  "identity",
  "clone",
  "toString",
]);

/** The option names and kinds `TextGrad` accepts. */
export const TEXTGRAD_OPTION_SCHEMA = {
  ...MODEL_OPTIMIZER_OPTION_SCHEMA,
  /** `concurrency`: an integer, at least 1 (default 4). */
  concurrency: "integer",
  /** `critiqueTokenBudget`: an integer number of estimated tokens, at least 1 (default 8,000). */
  critiqueTokenBudget: "integer",
  /** `mergeOverTokens`: an integer number of estimated tokens, at least 1 (default: never merge). */
  mergeOverTokens: "integer",
  /** `partial`: a boolean (default false). */
  partial: "boolean",
  /** `passThroughOps`: an array of operation names (default `DEFAULT_PASS_THROUGH_OPS`). */
  passThroughOps: "object",
} as const satisfies OptionSchema;

/**
 * Checks TextGrad's own options (`concurrency` at least 1, `critiqueTokenBudget` and
 * `mergeOverTokens` at least 1, `passThroughOps` an array of strings; else `InvalidOptionError`)
 * and adds them to the shared settings.
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
  checkAtLeast(where, "critiqueTokenBudget", options.critiqueTokenBudget, 1);
  checkAtLeast(where, "mergeOverTokens", options.mergeOverTokens, 1);
  const ops: unknown = options.passThroughOps ?? DEFAULT_PASS_THROUGH_OPS;
  if (!Array.isArray(ops) || !ops.every((op) => typeof op === "string")) {
    throw new InvalidOptionError(where, "passThroughOps", "must be an array of operation names");
  }
  return {
    ...shared,
    concurrency: options.concurrency ?? 4,
    critiqueTokenBudget: options.critiqueTokenBudget ?? DEFAULT_CRITIQUE_TOKEN_BUDGET,
    mergeOverTokens: options.mergeOverTokens,
    partial: options.partial ?? false,
    passThroughOps: Object.freeze([...(ops as string[])]),
  };
}

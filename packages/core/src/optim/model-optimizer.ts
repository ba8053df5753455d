import type { BackwardOptions } from "../backward/backward.js";
import type { Feedback, FeedbackRecord } from "../backward/feedback.js";
import { getDefaultLanguageModel, rootTraceContainer } from "../di/container.js";
import { rootErrorCode, type TraceError } from "../errors/trace-error.js";
import type { Node, ParameterNode } from "../graph/node.js";
import type { LanguageModel } from "../llm/types.js";
import type { ProblemView } from "../problem/problem-view.js";
import type { OptionSchema } from "../util/options.js";
import { type AskOutcome, type AskSpec, askModel } from "./ask.js";
import { ModelCallLog } from "./model-calls.js";
import {
  MODEL_OPTIMIZER_OPTION_SCHEMA,
  type ModelOptimizerDefaults,
  type ModelOptimizerOptions,
  type ModelOptimizerSettings,
  resolveModelOptimizerOptions,
} from "./model-options.js";
import { Optimizer } from "./optimizer.js";
import type { ModelCall, Proposal, RejectedChange } from "./report.js";

/** A conversation as `ModelOptimizer.ask()` takes it: `AskSpec` without what the optimizer fills in. */
export type OptimizerAsk<T> = Omit<AskSpec<T>, "optimizer" | "model" | "maxRetries" | "trace"> & {
  /** The model (default: `languageModel()`). */
  readonly model?: LanguageModel;
  /** Re-asks (default: the `maxRetries` setting). */
  readonly maxRetries?: number;
};

/** What `ModelOptimizer.failedProposal()` adds to the empty proposal. */
export interface FailedProposalParts {
  /** Calls made before it failed. */
  readonly calls: readonly ModelCall[];
  /** Values refused, if any. */
  readonly rejected?: readonly RejectedChange[];
  /** What the model answered, if anything was read. */
  readonly suggestion?: Readonly<Record<string, unknown>>;
  /** The optimizer's details. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Base class of optimizers that ask a language model for new values (OptoPrime, TextGrad, OPRO,
 * and your own). It owns the shared options (model, container, objective, retries, temperature,
 * token limit, value budget, verbosity) and the shared plumbing: which model to ask, the
 * ask → read → re-ask → give-up loop (`ask`, built on `askModel`), and the proposals for "no
 * feedback" and "failed". A subclass keeps only its prompt, its reader and its proposal logic.
 *
 * Subclasses declare the options they accept in a static `optionSchema` (spread
 * `MODEL_OPTIMIZER_OPTION_SCHEMA` into it) and pass their defaults and a function that resolves
 * their own settings to the constructor.
 *
 * @example
 * // a whole optimizer: see docs/optimizers.md ("Write your own")
 * class Rewrite extends ModelOptimizer {
 *   readonly name = "Rewrite";
 *   constructor(parameters: Iterable<ParameterNode>, options: ModelOptimizerOptions = {}) {
 *     super(parameters, options, { objective: "Follow the feedback." }, (shared) => shared);
 *   }
 *   async propose(options: StepOptions = {}): Promise<Proposal> { … this.ask({ … }) … }
 * }
 */
export abstract class ModelOptimizer<
  S extends ModelOptimizerSettings = ModelOptimizerSettings,
> extends Optimizer {
  /** Option names and kinds the class accepts; subclasses with more options override it. */
  static readonly optionSchema: OptionSchema = MODEL_OPTIMIZER_OPTION_SCHEMA;
  /** The options with defaults filled in. */
  readonly settings: S;

  /**
   * @param parameters the trainable parameters
   * @param options the user's options (checked against the class's static `optionSchema`)
   * @param defaults the subclass's defaults for the shared options
   * @param resolve checks the subclass's own options and returns the full settings
   * @throws InvalidOptionError for unknown or invalid options
   */
  protected constructor(
    parameters: Iterable<ParameterNode>,
    options: ModelOptimizerOptions,
    defaults: ModelOptimizerDefaults,
    resolve: (shared: ModelOptimizerSettings, where: string) => S,
  ) {
    super(parameters, options);
    const where = new.target.name;
    const schema = (new.target as unknown as { readonly optionSchema: OptionSchema }).optionSchema;
    this.settings = resolve(resolveModelOptimizerOptions(where, options, schema, defaults), where);
  }

  /** The language model to ask: the `model` option, else the container's default language model. */
  protected languageModel(): LanguageModel {
    return this.settings.model ?? getDefaultLanguageModel(this.settings.container ?? rootTraceContainer());
  }

  /**
   * Runs one conversation with the shared loop (`askModel`), filling in this optimizer's name,
   * model, `maxRetries`, temperature, token limit and verbose output.
   */
  protected ask<T>(spec: OptimizerAsk<T>): Promise<AskOutcome<T>> {
    const s = this.settings;
    const request = {
      ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
      ...(s.maxTokens !== undefined ? { maxTokens: s.maxTokens } : {}),
      ...spec.request,
    };
    return askModel({
      ...spec,
      optimizer: this.name,
      model: spec.model ?? this.languageModel(),
      maxRetries: spec.maxRetries ?? s.maxRetries,
      request,
      trace: s.verbose ? s.log : undefined,
    });
  }

  /** Prints `message` through the `log` option when `verbose` is set. */
  protected verboseLog(message: string): void {
    if (this.settings.verbose) this.settings.log(message);
  }

  /**
   * The proposal when no feedback reached any parameter: nothing asked, an error that says why —
   * `backward()` was not called (`NO_FEEDBACK`), or it was called on outputs that do not depend on
   * the parameters (`noDependencyMessage`, with the likely causes).
   */
  protected noFeedbackProposal(view: ProblemView): Proposal {
    const unreached =
      view.feedback.length > 0
        ? view.feedback.map((f) => f.output)
        : this.unreachedFeedback.map((r) => r.output);
    return {
      updates: new Map(),
      keys: keysOf(view),
      suggestion: {},
      rejected: [],
      terminate: false,
      error: unreached.length === 0 ? NO_FEEDBACK : noDependencyMessage(unreached),
      calls: [],
      view,
    };
  }

  /**
   * Sends feedback backward (see `Optimizer.backward`); with `verbose`, says at once when the
   * output depends on none of the parameters.
   */
  override backward(
    output: Node,
    feedback: Feedback,
    options: Omit<BackwardOptions, "propagator"> = {},
  ): FeedbackRecord {
    const record = super.backward(output, feedback, options);
    if (this.settings.verbose && this.unreachedFeedback.at(-1) === record)
      this.verboseLog(`${this.name}.backward: ${noDependencyMessage([output])}`);
    return record;
  }

  /**
   * The proposal of a step that obtained nothing usable: no updates, `error` from `failure`'s
   * message and `errorCode` from its cause chain (`rootErrorCode`: the provider's code for a failed
   * call, `UNUSABLE_ANSWER` for unusable answers).
   */
  protected failedProposal(view: ProblemView, failure: TraceError, parts: FailedProposalParts): Proposal {
    const errorCode = rootErrorCode(failure);
    return {
      updates: new Map(),
      keys: keysOf(view),
      suggestion: parts.suggestion ?? {},
      rejected: parts.rejected ?? [],
      terminate: false,
      error: failure.message,
      ...(errorCode !== undefined ? { errorCode } : {}),
      calls: parts.calls,
      ...(parts.details !== undefined ? { details: parts.details } : {}),
      view,
    };
  }

  /** A new call log for one proposal (kept here so subclasses need not import it). */
  protected newCallLog(): ModelCallLog {
    return new ModelCallLog();
  }
}

/** The message of a step whose parameters received no feedback because no backward call was made. */
export const NO_FEEDBACK =
  "no feedback reached the parameters: you have not called backward since the last zeroFeedback(). " +
  "Run the program, call optimizer.backward(output, feedback) for its output, then step() " +
  "(if you called output.backward() yourself instead, that output does not depend on these parameters)";

/**
 * The message of a step whose feedback went to outputs that do not depend on the optimizer's
 * parameters, with the usual ways a graph gets cut.
 *
 * @param outputs the outputs that received the feedback
 */
export function noDependencyMessage(outputs: readonly Node[]): string {
  const names = [...new Set(outputs.map((o) => o.name))];
  const shown = names.length > 5 ? [...names.slice(0, 5), `${names.length - 5} more`] : names;
  return (
    `feedback was given to outputs that do not depend on these parameters (${shown.join(", ")}), ` +
    "so no parameter can learn from it. Likely causes: a parameter's value was read with .data or " +
    "peek(), or put into a template string or String(), before being passed on, which cuts the graph " +
    "(pass the node itself, or build text with fmt`...`); a @bundle method was called directly instead " +
    "of through traced(obj) (direct calls return plain values, not nodes); or the parameter is not " +
    "trainable (node(value, { trainable: true }))"
  );
}

/** Parameter → key in `view`, for reports (`Proposal.keys`). */
export function keysOf(view: ProblemView): Map<ParameterNode, string> {
  return new Map(view.variables.map((v) => [v.node, v.key]));
}

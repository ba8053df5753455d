import {
  CancelledError,
  type ModelCall,
  ModelCallFailedError,
  type ParameterNode,
  type ProblemEntry,
  type ProblemView,
  type Proposal,
  type RejectedChange,
  rootErrorCode,
  type StepOptions,
  UnusableAnswerError,
} from "@trace-ts/core";
import { cancelledFrom } from "@trace-ts/core/llm";
import { type AnswerReading, keysOf, ModelOptimizer } from "@trace-ts/core/optimizer";
import pLimit from "p-limit";
import {
  BackwardRun,
  type PreparedUpdate,
  type VariableAnswer,
  type VariableFailure,
} from "./backward-run.js";
import {
  DEFAULT_OBJECTIVE,
  resolveTextGradSettings,
  TEXTGRAD_OPTION_SCHEMA,
  type TextGradOptions,
  type TextGradSettings,
} from "./options.js";
import { planTextGrad, type TextGradPlan } from "./plan.js";

/** `details` of a TextGrad step report. */
export type TextGradDetails = {
  /** Model calls made in this step (including re-asks). */
  readonly modelCalls: number;
  /**
   * Calls the step needs when every answer is usable, by kind (see `TextGrad.plan`): `gradient`
   * (edges not through pass-through operations), `update`, their `total`, and `combine`, the
   * merging calls actually made (only with `mergeOverTokens`, over the budget).
   */
  readonly plannedCalls: {
    /** Gradient calls: one per edge that does not go through a pass-through operation. */
    readonly gradient: number;
    /** Combining calls made to merge a node's gradients (0 unless `mergeOverTokens` is set). */
    readonly combine: number;
    /** Update calls: one per parameter to update. */
    readonly update: number;
    /** `gradient + combine + update`. */
    readonly total: number;
  };
  /** Edges whose gradient went through a pass-through operation without a call. */
  readonly passedThrough: number;
  /** Re-asks after unusable answers. */
  readonly retries: number;
  /** Most calls allowed in flight at once. */
  readonly concurrency: number;
  /** The gradients of each node that got some, by key, concatenated with their context as shown to the model. */
  readonly gradients: Readonly<Record<string, string>>;
};

/**
 * A TextGrad-style optimizer: feedback is turned into textual gradients that flow backward
 * through the graph, one model call per edge, and each parameter is then rewritten from its
 * gradient.
 *
 * For the subgraph between the parameters and the outputs that got feedback:
 * 1. each output's feedback is its first gradient;
 * 2. walking children before parents, each edge child → parent on a path to a parameter gets one
 *    call explaining how the parent should change to improve the child, given the child's
 *    gradients — except edges out of pass-through operations (`passThroughOps`: `concat`,
 *    `format`, …), which forward the child's gradients to the parent without a call;
 * 3. a node that receives several gradients keeps them all, each with its context (operation,
 *    inputs, output, text), concatenated; with `mergeOverTokens`, one call merges them when the
 *    concatenation is longer than that budget;
 * 4. each parameter gets one update call, showing every gradient that reached it, answering with
 *    the new value between `<new_value>` and `</new_value>`; it is converted and validated like
 *    every optimizer's suggestions (numbers, booleans, JSON, code that must compile).
 *
 * Calls that do not depend on each other run concurrently, at most `concurrency` at a time. If
 * any answer stays unusable after `maxRetries` re-asks, or a model call fails, the step changes
 * nothing and its report says why (`error`) — unless `partial`, where the parameters whose
 * update succeeded are applied and the others are listed in `rejected`. Cancelling through
 * `signal` rejects with `CancelledError`.
 *
 * Calls per step when every answer is usable: edges not out of pass-through operations +
 * parameters (+ merges over `mergeOverTokens`), see `plan()`; `details.modelCalls` in the report
 * gives the actual number.
 *
 * @example
 * const optimizer = new TextGrad(agent.parameters(), { model, objective: "Greet in the user's language." });
 * optimizer.zeroFeedback();
 * const out = agent.run(query);
 * optimizer.backward(out, "Wrong language: the user wrote in Spanish.");
 * const report = await optimizer.step();
 * console.log(report.details?.modelCalls, formatChanges(report.applied));
 */
export class TextGrad extends ModelOptimizer<TextGradSettings> {
  /**
   * The options `TextGrad` accepts: the shared ones plus `concurrency`, `critiqueTokenBudget`,
   * `mergeOverTokens`, `partial` and `passThroughOps`.
   */
  static override readonly optionSchema = TEXTGRAD_OPTION_SCHEMA;
  /** `TextGrad`. */
  readonly name = "TextGrad";

  /**
   * @param parameters the trainable parameters
   * @param options model (default: the container's default model), objective, concurrency,
   *   re-asks, value budgets, merging budget, partial application, pass-through operations,
   *   temperature, token limit, verbosity, propagator
   * @throws InvalidOptionError for unknown or invalid options (e.g. `concurrency` below 1, an
   *   empty `objective`, `passThroughOps` that is not an array of strings)
   */
  constructor(parameters: Iterable<ParameterNode>, options: TextGradOptions = {}) {
    super(parameters, options, { objective: DEFAULT_OBJECTIVE }, (shared, where) =>
      resolveTextGradSettings(shared, where, options),
    );
  }

  /**
   * The backward pass the next `step()` would run on the current feedback (no model call):
   * `calls` = gradient edges (not out of pass-through operations) + parameters; `maxCalls` adds
   * one merge per node with several gradients when `mergeOverTokens` is set.
   */
  plan(): TextGradPlan {
    return this.#plan(this.problem());
  }

  #plan(view: ProblemView): TextGradPlan {
    return planTextGrad(view, {
      passThroughOps: this.settings.passThroughOps,
      merging: this.settings.mergeOverTokens !== undefined,
    });
  }

  /**
   * Computes the textual gradients and asks for new values, without changing any parameter.
   * `options.sample` is sent with every request of the step (see `proposeCandidates`).
   */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    const model = this.languageModel();
    const external = options.signal;
    if (external?.aborted) throw cancelledFrom(external);
    const view = this.problem();
    const plan = this.#plan(view);
    if (plan.variables.length === 0) {
      return { ...this.noFeedbackProposal(view), details: details(plan, [], this.settings, new Map(), 0) };
    }
    const log = this.newCallLog();
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(external?.reason);
    external?.addEventListener("abort", onAbort, { once: true });
    const request = options.sample !== undefined ? { request: { sample: options.sample } } : {};
    const run = new BackwardRun({
      plan,
      view,
      ask: (question) => this.ask({ ...question, model, log, signal: controller.signal, ...request }),
      limit: pLimit(this.settings.concurrency),
      settings: this.settings,
      controller,
      prepare: (variable, raw) => this.#prepare(view, variable, raw),
    });
    let answers: readonly VariableAnswer[] | undefined;
    let failures: readonly VariableFailure[] = [];
    try {
      if (this.settings.partial) ({ answers, failures } = await run.updateEach());
      else answers = await run.updateAll();
    } catch {
      // wait for the calls still running so that the report holds every call of this step
      await Promise.allSettled(run.started);
    } finally {
      external?.removeEventListener("abort", onAbort);
    }
    const gradients = new Map([...run.gradients].map(([node, text]) => [view.keyOf(node), text]));
    const info = details(plan, log.calls, this.settings, gradients, run.merges);
    const contained = (error: unknown): error is UnusableAnswerError | ModelCallFailedError =>
      error instanceof UnusableAnswerError || error instanceof ModelCallFailedError;
    const uncontained = failures.find((f) => !contained(f.error));
    if (answers === undefined || answers.length === 0 || uncontained !== undefined) {
      const error = uncontained?.error ?? run.firstError;
      if (external?.aborted) throw error instanceof CancelledError ? error : cancelledFrom(external);
      if (contained(error)) {
        const rejected = [...run.rejected, ...gradientFailures(failures, run.rejected)];
        return this.failedProposal(view, error, { calls: log.calls, rejected, details: info });
      }
      throw error;
    }
    const updates = new Map<ParameterNode, unknown>();
    const suggestion: Record<string, unknown> = {};
    const reasoning: string[] = [];
    for (const a of answers) {
      suggestion[a.variable.key] = a.raw;
      if (a.reasoning) reasoning.push(`${a.variable.key}: ${a.reasoning}`);
      if (a.update !== undefined) updates.set(a.variable.node, a.update.value);
    }
    const partialFailure =
      failures.length > 0
        ? {
            error: `TextGrad could not update ${failures.length} of ${plan.variables.length} parameters (${failures
              .map((f) => `${f.variable.key}: ${messageOf(f.error)}`)
              .join("; ")}); the others were proposed (partial: true)`,
            ...(rootErrorCode(failures[0]!.error) !== undefined
              ? { errorCode: rootErrorCode(failures[0]!.error) }
              : {}),
          }
        : {};
    return {
      updates,
      keys: keysOf(view),
      suggestion,
      rejected: [...run.rejected, ...gradientFailures(failures, run.rejected)],
      reasoning: reasoning.length > 0 ? reasoning.join("\n\n") : undefined,
      terminate: false,
      ...partialFailure,
      calls: log.calls,
      details: info,
      view,
    };
  }

  /** Converts one suggested value with the shared conversion and validation of `Optimizer`. */
  #prepare(
    view: ProblemView,
    variable: ProblemEntry<ParameterNode>,
    raw: string,
  ): AnswerReading<PreparedUpdate> {
    const { updates, rejected } = this.prepareUpdates(view, { [variable.key]: raw });
    if (rejected.length > 0) return { ok: false, problems: [rejected[0]!.reason] };
    return {
      ok: true,
      value: updates.has(variable.node) ? { value: updates.get(variable.node) } : undefined,
    };
  }
}

/**
 * Rejections for the variables that failed before their update answer was read (a failed
 * gradient or model call); those with an unusable update answer are already in `rejected`.
 */
function gradientFailures(
  failures: readonly VariableFailure[],
  rejected: readonly RejectedChange[],
): RejectedChange[] {
  const listed = new Set(rejected.map((r) => r.key));
  return failures
    .filter((f) => !listed.has(f.variable.key))
    .map((f) => ({ key: f.variable.key, value: undefined, reason: messageOf(f.error) }));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function details(
  plan: TextGradPlan,
  calls: readonly ModelCall[],
  settings: TextGradSettings,
  gradients: ReadonlyMap<string, string>,
  merges: number,
): TextGradDetails {
  return {
    modelCalls: calls.length,
    plannedCalls: {
      gradient: plan.gradientEdges.length,
      combine: merges,
      update: plan.variables.length,
      total: plan.calls + merges,
    },
    passedThrough: plan.edges.length - plan.gradientEdges.length,
    retries: calls.filter((c) => c.purpose.includes("(retry ")).length,
    concurrency: settings.concurrency,
    gradients: Object.fromEntries(gradients),
  };
}

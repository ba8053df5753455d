import {
  CancelledError,
  type ModelCall,
  ModelCallFailedError,
  type ParameterNode,
  type ProblemEntry,
  type ProblemView,
  type Proposal,
  type StepOptions,
  UnusableAnswerError,
} from "@trace-ts/core";
import { cancelledFrom } from "@trace-ts/core/llm";
import { type AnswerReading, keysOf, ModelOptimizer } from "@trace-ts/core/optimizer";
import pLimit from "p-limit";
import { BackwardRun, type PreparedUpdate, type VariableAnswer } from "./backward-run.js";
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
  /** Calls the step needs when every answer is usable, by kind (see `TextGrad.plan`). */
  readonly plannedCalls: {
    readonly gradient: number;
    readonly combine: number;
    readonly update: number;
    readonly total: number;
  };
  /** Re-asks after unusable answers. */
  readonly retries: number;
  /** Most calls allowed in flight at once. */
  readonly concurrency: number;
  /** The final (combined) gradient of each node that got one, by key. */
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
 *    call explaining how the parent should change to improve the child, given the child's gradient;
 * 3. a node that receives several gradients (several children, or feedback plus children) gets one
 *    call that merges them;
 * 4. each parameter gets one update call answering with the new value between `<new_value>` and
 *    `</new_value>`; it is converted and validated like every optimizer's suggestions (numbers,
 *    booleans, JSON, code that must compile).
 *
 * Calls that do not depend on each other run concurrently, at most `concurrency` at a time. If
 * any answer stays unusable after `maxRetries` re-asks, or a model call fails, the step changes
 * nothing and its report says why (`error`). Cancelling through `signal` rejects with
 * `CancelledError`.
 *
 * Calls per step when every answer is usable: edges + nodes with two or more incoming gradients
 * + parameters (see `plan()`); `details.modelCalls` in the report gives the actual number.
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
  /** The options `TextGrad` accepts: the shared ones plus `concurrency`. */
  static override readonly optionSchema = TEXTGRAD_OPTION_SCHEMA;
  /** `TextGrad`. */
  readonly name = "TextGrad";

  /**
   * @param parameters the trainable parameters
   * @param options model (default: the container's default model), objective, concurrency,
   *   re-asks, value budget, temperature, token limit, verbosity, propagator
   * @throws InvalidOptionError for unknown or invalid options (e.g. `concurrency` below 1, an
   *   empty `objective`)
   */
  constructor(parameters: Iterable<ParameterNode>, options: TextGradOptions = {}) {
    super(parameters, options, { objective: DEFAULT_OBJECTIVE }, (shared, where) =>
      resolveTextGradSettings(shared, where, options),
    );
  }

  /** The backward pass the next `step()` would run on the current feedback (no model call). */
  plan(): TextGradPlan {
    return planTextGrad(this.problem());
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
    const plan = planTextGrad(view);
    if (plan.variables.length === 0) {
      return { ...this.noFeedbackProposal(view), details: details(plan, [], this.settings, new Map()) };
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
    let answers: VariableAnswer[] | undefined;
    try {
      answers = await run.updateAll();
    } catch {
      // wait for the calls still running so that the report holds every call of this step
      await Promise.allSettled(run.started);
    } finally {
      external?.removeEventListener("abort", onAbort);
    }
    const gradients = new Map([...run.gradients].map(([node, text]) => [view.keyOf(node), text]));
    const info = details(plan, log.calls, this.settings, gradients);
    if (answers === undefined) {
      const error = run.firstError;
      if (external?.aborted) throw error instanceof CancelledError ? error : cancelledFrom(external);
      if (error instanceof UnusableAnswerError || error instanceof ModelCallFailedError) {
        return this.failedProposal(view, error, { calls: log.calls, rejected: run.rejected, details: info });
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
    return {
      updates,
      keys: keysOf(view),
      suggestion,
      rejected: [],
      reasoning: reasoning.length > 0 ? reasoning.join("\n\n") : undefined,
      terminate: false,
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

function details(
  plan: TextGradPlan,
  calls: readonly ModelCall[],
  settings: TextGradSettings,
  gradients: ReadonlyMap<string, string>,
): TextGradDetails {
  return {
    modelCalls: calls.length,
    plannedCalls: {
      gradient: plan.edges.length,
      combine: plan.combined.length,
      update: plan.variables.length,
      total: plan.calls,
    },
    retries: calls.filter((c) => c.purpose.includes("(retry ")).length,
    concurrency: settings.concurrency,
    gradients: Object.fromEntries(gradients),
  };
}

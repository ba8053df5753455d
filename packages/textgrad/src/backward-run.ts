import {
  feedbackToText,
  type LanguageModel,
  type ModelCallLog,
  type Node,
  type ProblemEntry,
  type ProblemView,
  type RejectedChange,
  TraceError,
} from "@trace-ts/core";
import type { LimitFunction } from "p-limit";
import { type Answer, askUntilUsable, type ParsedAnswer, type Question } from "./ask.js";
import { UnusableAnswerError } from "./errors.js";
import type { ResolvedTextGradOptions } from "./options.js";
import { extractNewValue } from "./parse.js";
import type { GradientEdge, TextGradPlan } from "./plan.js";
import {
  combinePrompt,
  emptyRetryMessage,
  type GradientSource,
  gradientPrompt,
  updatePrompt,
  updateRetryMessage,
} from "./prompts.js";

/** A usable new value for one variable. */
export interface VariableAnswer {
  /** The variable. */
  readonly variable: ProblemEntry;
  /** The value as the model wrote it (text between the tags). */
  readonly raw: string;
  /** The model's reasoning before the tags. */
  readonly reasoning: string;
  /** The converted, validated value, or undefined when it equals the current value. */
  readonly update: { readonly value: unknown } | undefined;
}

/** Everything the caller provides to run one backward pass. */
export interface BackwardRunContext {
  readonly plan: TextGradPlan;
  readonly view: ProblemView;
  readonly model: LanguageModel;
  readonly log: ModelCallLog;
  readonly limit: LimitFunction;
  readonly options: ResolvedTextGradOptions;
  /** Aborted on the first failure so that the remaining calls stop early. */
  readonly controller: AbortController;
  /** Converts and validates a suggested value (the optimizer's `prepareUpdates`). */
  prepare(variable: ProblemEntry, raw: string): ParsedAnswer<{ readonly value: unknown } | undefined>;
}

const NO_FEEDBACK = "(no feedback reached this value)";

/**
 * One TextGrad backward pass and update. Each node's gradient is a promise, so a call starts as
 * soon as the gradient it needs is known: calls that do not depend on each other run at the same
 * time, up to the limiter's bound. The first failure aborts the rest.
 */
export class BackwardRun {
  readonly #ctx: BackwardRunContext;
  readonly #gradients = new Map<Node, Promise<string>>();
  /** Final gradient text per node, filled as gradients are known. */
  readonly gradients = new Map<Node, string>();
  /** Every promise started, so the caller can wait for all of them after a failure. */
  readonly started: Promise<unknown>[] = [];
  /** Update answers that stayed unusable after all re-asks (the last value and why). */
  readonly rejected: RejectedChange[] = [];
  /** The first failure, if any. */
  firstError: unknown;
  #failed = false;

  /** @param ctx plan, view, model, log, limiter, options and the abort controller */
  constructor(ctx: BackwardRunContext) {
    this.#ctx = ctx;
  }

  /** Computes the gradient of every variable and asks for each variable's new value. */
  updateAll(): Promise<VariableAnswer[]> {
    // children before parents: every gradient promise a node needs exists before the node's own
    // is made, so no recursion (a deep graph cannot overflow the stack)
    const nodes = this.#ctx.plan.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      this.#gradients.set(node, this.#track(this.#computeGradient(node)));
    }
    return Promise.all(this.#ctx.plan.variables.map((v) => this.#track(this.#update(v))));
  }

  async #update(variable: ProblemEntry): Promise<VariableAnswer> {
    const gradient = await this.#gradientOf(variable.node);
    try {
      return await this.#askUpdate(variable, gradient);
    } catch (error) {
      if (error instanceof UnusableAnswerError && error.value !== undefined) {
        this.rejected.push({ key: variable.key, value: error.value, reason: error.problem });
      }
      throw error;
    }
  }

  async #askUpdate(variable: ProblemEntry, gradient: string): Promise<VariableAnswer> {
    const { options } = this.#ctx;
    const answer = await this.#ask(`update ${variable.key}`, {
      messages: updatePrompt(variable, gradient, options.objective),
      parse: (text) => {
        const extracted = extractNewValue(text);
        if (!extracted.ok) return extracted;
        const prepared = this.#ctx.prepare(variable, extracted.value);
        if (!prepared.ok) return { ok: false, problem: prepared.problem, value: extracted.value };
        return {
          ok: true,
          value: { raw: extracted.value, reasoning: extracted.reasoning, update: prepared.value },
        };
      },
      retryMessage: (problem) => updateRetryMessage(variable.key, problem, variable.type),
    });
    return { variable, ...answer.value };
  }

  /** The gradient promise of a node of the plan (made by `updateAll`, children first). */
  #gradientOf(node: Node): Promise<string> {
    const promise = this.#gradients.get(node);
    if (promise === undefined) {
      throw new TraceError(
        "TEXTGRAD_INTERNAL",
        `TextGrad found no planned gradient for ${node.name}; this is a bug in @trace-ts/textgrad, please report it`,
      );
    }
    return promise;
  }

  async #computeGradient(node: Node): Promise<string> {
    const { plan, view, options } = this.#ctx;
    const inbox = plan.inbox.get(node);
    const key = view.keyOf(node);
    const pending: Promise<GradientSource>[] = [];
    for (const f of inbox?.feedback ?? []) {
      pending.push(Promise.resolve({ from: `feedback on ${key}`, text: feedbackToText(f.feedback) }));
    }
    for (const edge of inbox?.edges ?? []) {
      pending.push(this.#edgeGradient(edge).then((text) => ({ from: `through ${edge.childKey}`, text })));
    }
    const sources = await Promise.all(pending);
    let gradient: string;
    if (sources.length === 0) gradient = NO_FEEDBACK;
    else if (sources.length === 1) gradient = sources[0]!.text;
    else {
      const answer = await this.#ask(`combine ${key}`, {
        messages: combinePrompt(key, node, sources, options.objective, options.valueCharBudget),
        parse: nonEmpty,
        retryMessage: emptyRetryMessage,
      });
      gradient = answer.value;
    }
    this.gradients.set(node, gradient);
    return gradient;
  }

  #edgeGradient(edge: GradientEdge): Promise<string> {
    const { view, options } = this.#ctx;
    return this.#track(
      this.#gradientOf(edge.child).then(async (childGradient) => {
        const answer = await this.#ask(`gradient ${edge.childKey} -> ${edge.parentKey}`, {
          messages: gradientPrompt(
            edge,
            childGradient,
            options.objective,
            view.keyOf,
            options.valueCharBudget,
          ),
          parse: nonEmpty,
          retryMessage: emptyRetryMessage,
        });
        return answer.value;
      }),
    );
  }

  /** One limited model question with re-asks; failures abort the run. */
  #ask<T>(purpose: string, q: Pick<Question<T>, "messages" | "parse" | "retryMessage">): Promise<Answer<T>> {
    const { model, log, limit, options, controller } = this.#ctx;
    // the failure is recorded inside the limited task, before the limiter starts the next one
    return limit(async () => {
      try {
        return await askUntilUsable<T>({
          ...q,
          log,
          model,
          purpose,
          signal: controller.signal,
          maxRetries: options.maxRetries,
          temperature: options.temperature,
        });
      } catch (error) {
        this.#fail(error);
        throw error;
      }
    });
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.catch((error: unknown) => {
      this.#fail(error);
      throw error;
    });
    this.started.push(tracked.catch(() => undefined));
    return tracked;
  }

  /** Remembers the first failure and aborts the run, so that no further call starts. */
  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.firstError = error;
    this.#ctx.controller.abort(error);
  }
}

function nonEmpty(text: string): ParsedAnswer<string> {
  const trimmed = text.trim();
  return trimmed === "" ? { ok: false, problem: "the answer was empty" } : { ok: true, value: trimmed };
}

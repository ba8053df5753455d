import {
  feedbackToText,
  type Node,
  type ParameterNode,
  type ProblemEntry,
  type ProblemView,
  type RejectedChange,
  TraceError,
} from "@trace-ts/core";
import type { AnswerReading, AskOutcome, OptimizerAsk } from "@trace-ts/core/optimizer";
import type { LimitFunction } from "p-limit";
import type { TextGradSettings } from "./options.js";
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

/** What a call of the backward pass says; the optimizer fills in the rest (model, log, signal, …). */
export type BackwardQuestion<T> = Pick<OptimizerAsk<T>, "purpose" | "messages" | "read" | "retryMessage">;

/** Runs one conversation with the optimizer's shared loop (`ModelOptimizer.ask`). */
export type BackwardAsk = <T>(question: BackwardQuestion<T>) => Promise<AskOutcome<T>>;

/** A converted, validated value, or undefined when it equals the current value. */
export type PreparedUpdate = { readonly value: unknown } | undefined;

/** A usable new value for one variable. */
export interface VariableAnswer {
  /** The variable. */
  readonly variable: ProblemEntry<ParameterNode>;
  /** The value as the model wrote it (text between the tags). */
  readonly raw: string;
  /** The model's reasoning before the tags. */
  readonly reasoning: string;
  /** The converted, validated value, or undefined when it equals the current value. */
  readonly update: PreparedUpdate;
}

/** Everything the caller provides to run one backward pass. */
export interface BackwardRunContext {
  /** The calls to make. */
  readonly plan: TextGradPlan;
  /** The problem the plan was made from. */
  readonly view: ProblemView;
  /** Asks one question; its signal must be `controller.signal`. */
  readonly ask: BackwardAsk;
  /** Bounds the calls in flight. */
  readonly limit: LimitFunction;
  /** Objective and value budget of the prompts. */
  readonly settings: TextGradSettings;
  /** Aborted on the first failure so that the remaining calls stop early. */
  readonly controller: AbortController;
  /** Converts and validates a suggested value (the optimizer's `prepareUpdates`). */
  prepare(variable: ProblemEntry<ParameterNode>, raw: string): AnswerReading<PreparedUpdate>;
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

  /** @param ctx plan, view, ask, limiter, settings and the abort controller */
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

  async #update(variable: ProblemEntry<ParameterNode>): Promise<VariableAnswer> {
    const gradient = await this.#gradientOf(variable.node);
    return this.#ask(
      {
        purpose: `update ${variable.key}`,
        messages: updatePrompt(variable, gradient, this.#ctx.settings.objective),
        read: (text): AnswerReading<VariableAnswer> => {
          const extracted = extractNewValue(text);
          if (!extracted.ok) return { ok: false, problems: [extracted.problem] };
          const { value: raw, reasoning } = extracted;
          const prepared = this.#ctx.prepare(variable, raw);
          if (!prepared.ok)
            return {
              ok: false,
              problems: prepared.problems,
              value: { variable, raw, reasoning, update: undefined },
            };
          return { ok: true, value: { variable, raw, reasoning, update: prepared.value } };
        },
        retryMessage: (problems) => updateRetryMessage(variable.key, problems, variable.type),
      },
      (last, problems) =>
        this.rejected.push({ key: variable.key, value: last.raw, reason: problems.join("; ") }),
    );
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
    const { plan, view, settings } = this.#ctx;
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
      gradient = await this.#ask({
        purpose: `combine ${key}`,
        messages: combinePrompt(key, node, sources, settings.objective, settings.valueCharBudget),
        read: nonEmpty,
        retryMessage: emptyRetryMessage,
      });
    }
    this.gradients.set(node, gradient);
    return gradient;
  }

  #edgeGradient(edge: GradientEdge): Promise<string> {
    const { view, settings } = this.#ctx;
    return this.#track(
      this.#gradientOf(edge.child).then((childGradient) =>
        this.#ask({
          purpose: `gradient ${edge.childKey} -> ${edge.parentKey}`,
          messages: gradientPrompt(
            edge,
            childGradient,
            settings.objective,
            view.keyOf,
            settings.valueCharBudget,
          ),
          read: nonEmpty,
          retryMessage: emptyRetryMessage,
        }),
      ),
    );
  }

  /**
   * One limited model question with re-asks; a failure aborts the run and rejects with its error
   * (`UnusableAnswerError`, `ModelCallFailedError` or `CancelledError`). `refused` receives what
   * was read from the last refused answer, if anything.
   */
  #ask<T>(
    question: BackwardQuestion<T>,
    refused?: (last: T, problems: readonly string[]) => void,
  ): Promise<T> {
    // the failure is recorded inside the limited task, before the limiter starts the next one
    return this.#ctx.limit(async () => {
      try {
        const outcome = await this.#ctx.ask(question);
        if (outcome.ok) return outcome.value;
        if (outcome.value !== undefined) refused?.(outcome.value, outcome.problems.at(-1) ?? []);
        throw outcome.error;
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

function nonEmpty(text: string): AnswerReading<string> {
  const trimmed = text.trim();
  return trimmed === "" ? { ok: false, problems: ["the answer was empty"] } : { ok: true, value: trimmed };
}

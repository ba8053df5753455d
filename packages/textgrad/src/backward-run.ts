import {
  feedbackToText,
  ModelCallFailedError,
  type Node,
  type ParameterNode,
  type ProblemEntry,
  type ProblemView,
  type RejectedChange,
  TraceError,
  UnusableAnswerError,
} from "@trace-ts/core";
import { estimateTextTokens } from "@trace-ts/core/llm";
import type { AnswerReading, AskOutcome, OptimizerAsk } from "@trace-ts/core/optimizer";
import type { LimitFunction } from "p-limit";
import type { TextGradSettings } from "./options.js";
import { extractNewValue } from "./parse.js";
import type { GradientEdge, TextGradPlan } from "./plan.js";
import {
  combinePrompt,
  emptyRetryMessage,
  formatGradients,
  type GradientEntry,
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
  /** Objective, value budgets, merging budget and `partial`. */
  readonly settings: TextGradSettings;
  /** Aborted on the first failure so that the remaining calls stop early. */
  readonly controller: AbortController;
  /** Converts and validates a suggested value (the optimizer's `prepareUpdates`). */
  prepare(variable: ProblemEntry<ParameterNode>, raw: string): AnswerReading<PreparedUpdate>;
}

/** A variable whose gradient or update failed (with `partial`). */
export interface VariableFailure {
  /** The variable. */
  readonly variable: ProblemEntry<ParameterNode>;
  /** Why: `UnusableAnswerError`, `ModelCallFailedError`, `CancelledError`, … */
  readonly error: unknown;
}

/** What `updateEach` gives: the usable answers and the variables that failed. */
export interface UpdateOutcome {
  /** Usable new values, in the order of the plan's variables. */
  readonly answers: readonly VariableAnswer[];
  /** Variables without a usable new value. */
  readonly failures: readonly VariableFailure[];
}

/**
 * One TextGrad backward pass and update. Each node's gradients are a promise, so a call starts as
 * soon as the gradients it needs are known: calls that do not depend on each other run at the
 * same time, up to the limiter's bound. Without `partial`, the first failure aborts the rest;
 * with it, a failure only stops what depends on the failed call.
 */
export class BackwardRun {
  readonly #ctx: BackwardRunContext;
  readonly #gradients = new Map<Node, Promise<readonly GradientEntry[]>>();
  /** Final gradients per node as shown to the model (concatenated, with context), as they are known. */
  readonly gradients = new Map<Node, string>();
  /** Every promise started, so the caller can wait for all of them after a failure. */
  readonly started: Promise<unknown>[] = [];
  /** Update answers that stayed unusable after all re-asks (the last value and why). */
  readonly rejected: RejectedChange[] = [];
  /** Merging calls made (only with `mergeOverTokens`). */
  merges = 0;
  /** The first failure, if any. */
  firstError: unknown;
  #failed = false;
  #aborted = false;

  /** @param ctx plan, view, ask, limiter, settings and the abort controller */
  constructor(ctx: BackwardRunContext) {
    this.#ctx = ctx;
  }

  /** Computes the gradient of every variable and asks for each variable's new value; all or nothing. */
  updateAll(): Promise<VariableAnswer[]> {
    return Promise.all(this.#start());
  }

  /**
   * Like `updateAll`, but waits for every variable: one variable's failure does not stop the
   * others (for `partial`).
   */
  async updateEach(): Promise<UpdateOutcome> {
    const { variables } = this.#ctx.plan;
    const settled = await Promise.allSettled(this.#start());
    const answers: VariableAnswer[] = [];
    const failures: VariableFailure[] = [];
    settled.forEach((result, i) => {
      if (result.status === "fulfilled") answers.push(result.value);
      else failures.push({ variable: variables[i]!, error: result.reason });
    });
    return { answers, failures };
  }

  #start(): Promise<VariableAnswer>[] {
    // children before parents: every gradient promise a node needs exists before the node's own
    // is made, so no recursion (a deep graph cannot overflow the stack)
    const nodes = this.#ctx.plan.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      this.#gradients.set(node, this.#track(this.#computeGradient(node)));
    }
    return this.#ctx.plan.variables.map((v) => this.#track(this.#update(v)));
  }

  async #update(variable: ProblemEntry<ParameterNode>): Promise<VariableAnswer> {
    const entries = await this.#gradientOf(variable.node);
    const { settings, view } = this.#ctx;
    const gradients = formatGradients(entries, variable.node, view.keyOf, settings.valueCharBudget);
    return this.#ask(
      {
        purpose: `update ${variable.key}`,
        messages: updatePrompt(variable, gradients, entries.length, settings.objective),
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

  /** The gradient promise of a node of the plan (made by `#start`, children first). */
  #gradientOf(node: Node): Promise<readonly GradientEntry[]> {
    const promise = this.#gradients.get(node);
    if (promise === undefined) {
      throw new TraceError(
        "TEXTGRAD_INTERNAL",
        `TextGrad found no planned gradient for ${node.name}; this is a bug in @trace-ts/textgrad, please report it`,
      );
    }
    return promise;
  }

  /**
   * The gradients of `node`: its own feedback, one entry per gradient call into it, and every
   * entry of a pass-through child (marked as forwarded). They stay separate, each with its
   * context; only with `mergeOverTokens`, and only when their concatenation is longer than it,
   * one call merges them.
   */
  async #computeGradient(node: Node): Promise<readonly GradientEntry[]> {
    const { plan, view, settings } = this.#ctx;
    const inbox = plan.inbox.get(node);
    const pending: Promise<readonly GradientEntry[]>[] = [];
    for (const f of inbox?.feedback ?? []) {
      pending.push(
        Promise.resolve([{ kind: "feedback", subject: node, via: [], text: feedbackToText(f.feedback) }]),
      );
    }
    for (const edge of inbox?.edges ?? []) {
      if (edge.passThrough) {
        pending.push(
          this.#gradientOf(edge.child).then((entries) =>
            entries.map((e) => ({ ...e, via: [...e.via, edge.child] })),
          ),
        );
      } else {
        pending.push(
          this.#edgeGradient(edge).then((text) => [
            { kind: "edge", subject: node, op: edge.child, via: [], text },
          ]),
        );
      }
    }
    let entries: readonly GradientEntry[] = (await Promise.all(pending)).flat();
    let shown = formatGradients(entries, node, view.keyOf, settings.valueCharBudget);
    const budget = settings.mergeOverTokens;
    if (budget !== undefined && entries.length >= 2 && estimateTextTokens(shown) > budget) {
      const key = view.keyOf(node);
      this.merges++;
      const text = await this.#ask({
        purpose: `combine ${key}`,
        messages: combinePrompt(
          key,
          node,
          shown,
          entries.length,
          settings.objective,
          settings.critiqueTokenBudget,
        ),
        read: nonEmpty,
        retryMessage: emptyRetryMessage,
      });
      entries = [{ kind: "merged", subject: node, via: [], merged: entries.length, text }];
      shown = formatGradients(entries, node, view.keyOf, settings.valueCharBudget);
    }
    this.gradients.set(node, shown);
    return entries;
  }

  #edgeGradient(edge: GradientEdge): Promise<string> {
    const { view, settings } = this.#ctx;
    return this.#track(
      this.#gradientOf(edge.child).then((childEntries) =>
        this.#ask({
          purpose: `gradient ${edge.childKey} -> ${edge.parentKey}`,
          messages: gradientPrompt(
            edge,
            formatGradients(childEntries, edge.child, view.keyOf, settings.valueCharBudget),
            settings.objective,
            view.keyOf,
            { valueChars: settings.valueCharBudget, critiqueTokens: settings.critiqueTokenBudget },
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

  /**
   * Remembers the first failure and, unless `partial` (where an unusable answer or a failed model
   * call only stops what depends on it), aborts the run so that no further call starts.
   */
  #fail(error: unknown): void {
    if (this.#aborted) return;
    if (!this.#failed) {
      this.#failed = true;
      this.firstError = error;
    }
    const contained = error instanceof UnusableAnswerError || error instanceof ModelCallFailedError;
    if (this.#ctx.settings.partial && contained) return;
    this.#aborted = true;
    this.#ctx.controller.abort(error);
  }
}

function nonEmpty(text: string): AnswerReading<string> {
  const trimmed = text.trim();
  return trimmed === "" ? { ok: false, problems: ["the answer was empty"] } : { ok: true, value: trimmed };
}

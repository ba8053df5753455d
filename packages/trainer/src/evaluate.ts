/**
 * Running an agent over examples with bounded concurrency: forward pass, guide, and the rule that
 * errors inside traced operations become feedback while budget, cancellation and configuration
 * failures stop the run.
 */
import { setMaxListeners } from "node:events";
import { describeError, ExecutionError, graphScope, Node, TraceError, validateOptions } from "@trace-ts/core";
import pLimit from "p-limit";
import type { Forward } from "./agent.js";
import type { Dataset } from "./data/dataset.js";
import type { Example } from "./data/example.js";
import { AgentError, ForwardOutputError, GuideError, RunCancelledError } from "./errors.js";
import { stoppingError } from "./fatal.js";
import { type Guide, validGuideResult } from "./guides/types.js";

/** The outcome of one example. */
export interface ExampleResult<O = unknown> {
  /** Index of the example in the dataset. */
  readonly index: number;
  /** The example's id, when it has one. */
  readonly id?: string;
  /** The guide's score (or `errorScore` when the agent failed). */
  readonly score: number;
  /** The guide's feedback, or the error feedback of the failed operation. */
  readonly feedback: string;
  /**
   * What the forward function returned: the output node (or the `ExceptionNode` of a failure),
   * or a plain value when the forward function returned one.
   */
  readonly output: Node<O> | O;
  /** The error, as `Name: message`, when the agent failed inside a traced operation. */
  readonly error?: string;
  /** Wall-clock time of forward pass and guide, in milliseconds. */
  readonly durationMs: number;
}

/** The outcome of an evaluation. */
export interface Evaluation<O = unknown> {
  /** Mean score. */
  readonly mean: number;
  /** Scores in the order of the examples evaluated. */
  readonly scores: readonly number[];
  /** Per-example outcomes, same order. */
  readonly results: readonly ExampleResult<O>[];
  /** How many examples failed with an error (scored `errorScore`). */
  readonly errors: number;
  /** Wall-clock time in milliseconds. */
  readonly durationMs: number;
}

/** Options of `evaluate`. */
export interface EvaluateOptions<I, O, T> {
  /** Runs the agent on one input. */
  readonly forward: Forward<I, O>;
  /** Scores each output. */
  readonly guide: Guide<O, I, T>;
  /** The examples. */
  readonly dataset: Dataset<Example<I, T>> | readonly Example<I, T>[];
  /** Evaluate only these indices of the dataset, in this order (default: all). */
  readonly indices?: readonly number[];
  /** Most examples in flight at once (default 8). */
  readonly concurrency?: number;
  /** Cancels the evaluation: it rejects with `RunCancelledError` and in-flight work gets the abort. */
  readonly signal?: AbortSignal;
  /** Score of an example whose forward pass threw an `ExecutionError` (default 0). */
  readonly errorScore?: number;
  /** Called after each finished example with the count so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Run each forward pass in its own naming scope (`graphScope`), so node keys do not depend on
   * how concurrent passes interleave (default true).
   */
  readonly isolateNames?: boolean;
}

const OPTIONS = {
  forward: "function",
  guide: "object",
  dataset: "object",
  indices: "object",
  concurrency: "integer",
  signal: "object",
  errorScore: "number",
  onProgress: "function",
  isolateNames: "boolean",
} as const;

/** @internal Settings shared by evaluation and training batches. */
export interface RunSettings<I, O, T> {
  readonly forward: Forward<I, O>;
  readonly guide: Guide<O, I, T>;
  readonly concurrency: number;
  readonly errorScore: number;
  readonly isolateNames: boolean;
  /** Training needs output nodes: a plain value throws `ForwardOutputError`. */
  readonly requireNode: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the agent on every example (or on `indices`) with at most `concurrency` in flight, scores
 * each output with the guide, and returns the scores in example order.
 *
 * - An `ExecutionError` in the agent (an error inside a traced operation) is not a crash: the
 *   example scores `errorScore` and its feedback is the exception node's error feedback.
 * - A spent budget (`BudgetExceededError`), a cancellation (`RunCancelledError`) or a
 *   configuration failure (missing API key, unknown model, …) stops the evaluation at once:
 *   nothing new starts, in-flight work is aborted, and the promise rejects with that error.
 * - Anything else thrown by the forward function outside traced operations is an `AgentError`;
 *   a guide that fails throws `GuideError` (or its own `TraceError`).
 *
 * @param options forward function, guide, dataset, concurrency and signal
 */
export async function evaluate<I, O, T>(options: EvaluateOptions<I, O, T>): Promise<Evaluation<O>> {
  validateOptions("evaluate", options, OPTIONS);
  const dataset = options.dataset;
  const items: readonly Example<I, T>[] = isExampleArray(dataset) ? dataset : dataset.items;
  const indices = options.indices ?? items.map((_, i) => i);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= items.length) {
      throw new RangeError(`evaluate: index ${i} is outside the dataset (length ${items.length})`);
    }
  }
  const concurrency = options.concurrency ?? 8;
  if (concurrency < 1) throw new RangeError(`evaluate: concurrency must be ≥ 1, got ${concurrency}`);
  const started = performance.now();
  const results = await runExamples(
    indices.map((index) => ({ index, example: items[index]! })),
    {
      forward: options.forward,
      guide: options.guide,
      concurrency,
      errorScore: options.errorScore ?? 0,
      isolateNames: options.isolateNames ?? true,
      requireNode: false,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );
  return summarize(results, performance.now() - started);
}

function isExampleArray<I, T>(
  value: Dataset<Example<I, T>> | readonly Example<I, T>[],
): value is readonly Example<I, T>[] {
  return Array.isArray(value);
}

/** @internal Mean, scores and error count of finished results. */
export function summarize<O>(results: readonly ExampleResult<O>[], durationMs: number): Evaluation<O> {
  const scores = results.map((r) => r.score);
  const mean = scores.length === 0 ? 0 : scores.reduce((a, b) => a + b, 0) / scores.length;
  return { mean, scores, results, errors: results.filter((r) => r.error !== undefined).length, durationMs };
}

/**
 * @internal Runs examples with bounded concurrency; results come back in the order given. The
 * first stopping error aborts everything in flight and rejects.
 */
export async function runExamples<I, O, T>(
  items: readonly { readonly index: number; readonly example: Example<I, T> }[],
  settings: RunSettings<I, O, T>,
): Promise<ExampleResult<O>[]> {
  const outer = settings.signal;
  if (outer?.aborted) throw new RunCancelledError(outer.reason);
  if (items.length === 0) return [];
  const controller = new AbortController();
  // every call in flight may listen for the abort (model calls, sleeps): not a leak
  setMaxListeners(Math.max(10, settings.concurrency * 4 + 10), controller.signal);
  const limit = pLimit(settings.concurrency);
  const results: ExampleResult<O>[] = new Array(items.length);
  let onOuterAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      let failed = false;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        limit.clearQueue();
        controller.abort(error);
        reject(error);
      };
      onOuterAbort = () => fail(new RunCancelledError(outer?.reason));
      outer?.addEventListener("abort", onOuterAbort, { once: true });
      items.forEach((item, k) => {
        limit(async () => {
          if (controller.signal.aborted) return;
          results[k] = await runOne(item.index, item.example, controller.signal, settings);
          if (failed) return;
          finished++;
          settings.onProgress?.(finished, items.length);
          if (finished === items.length) resolve();
        }).catch((error: unknown) => fail(outer?.aborted ? new RunCancelledError(outer.reason) : error));
      });
    });
  } finally {
    if (onOuterAbort) outer?.removeEventListener("abort", onOuterAbort);
  }
  return results;
}

async function runOne<I, O, T>(
  index: number,
  example: Example<I, T>,
  signal: AbortSignal,
  settings: RunSettings<I, O, T>,
): Promise<ExampleResult<O>> {
  const started = performance.now();
  const id = example.id === undefined ? {} : { id: example.id };
  let output: Node<O> | O;
  try {
    const context = { index, signal };
    output = settings.isolateNames
      ? await graphScope(() => settings.forward(example.input, context))
      : await settings.forward(example.input, context);
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    const stop = stoppingError(error);
    if (stop) throw stop;
    if (error instanceof ExecutionError) {
      const node = error.exceptionNode;
      return {
        index,
        ...id,
        score: settings.errorScore,
        feedback: node.errorFeedback(),
        output: node as unknown as Node<O>,
        error: describeError(error.cause ?? error),
        durationMs: performance.now() - started,
      };
    }
    throw new AgentError(index, error);
  }
  if (settings.requireNode && !(output instanceof Node)) throw new ForwardOutputError(index);
  const value = output instanceof Node ? (output.data as O) : output;
  let verdict: { score: number; feedback: string };
  try {
    verdict = validGuideResult(
      settings.guide.name,
      await settings.guide.check(value, example, { index, signal }),
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    const stop = stoppingError(error);
    if (stop) throw stop;
    if (error instanceof TraceError) throw error;
    throw new GuideError(
      settings.guide.name,
      `failed on example ${index}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return {
    index,
    ...id,
    score: verdict.score,
    feedback: verdict.feedback,
    output,
    durationMs: performance.now() - started,
  };
}

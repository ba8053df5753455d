/**
 * Running an agent over examples with bounded concurrency: forward pass, guide, and the rule that
 * errors inside traced operations become feedback while errors that stop runs (core's
 * `stopsRun`: budget, cancellation, model outage) do not.
 */
import { setMaxListeners } from "node:events";
import {
  describeError,
  ExecutionError,
  findStopError,
  graphScope,
  InvalidOptionError,
  Node,
  type ParameterNode,
  TraceError,
  type UsageTracker,
} from "@trace-ts/core";
import type { UsageTotals } from "@trace-ts/core/llm";
import { validateOptions } from "@trace-ts/core/optimizer";
import pLimit from "p-limit";
import type { Forward } from "./agent.js";
import type { Dataset } from "./data/dataset.js";
import type { Example } from "./data/example.js";
import { AgentError, ForwardOutputError, GuideError, RunCancelledError } from "./errors.js";
import { stoppingError } from "./fatal.js";
import { type Guide, type GuideResult, validGuideResult } from "./guides/types.js";
import { type Metrics, meanMetrics } from "./objective/metrics.js";
import type { ExampleExecutor, ParameterValue } from "./remote/executor.js";
import { runRemote } from "./remote/run-remote.js";
import { valuesByName } from "./snapshot.js";

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
  /**
   * What was measured: `score`, the guide's own `metrics`, and automatically `latencyMs` (the
   * forward pass's wall-clock time) and — with a usage tracker — `tokens`, `modelCalls` and (when
   * every call was priced) `cost` of the agent's model calls in the forward pass.
   */
  readonly metrics: Metrics;
  /** Wall-clock time of forward pass and guide, in milliseconds. */
  readonly durationMs: number;
}

/**
 * An example that could not be run because a language model could not be used (an outage: see
 * core's `RunStopReason`). It has no score and its error is never sent to an optimizer.
 */
export interface OutageFailure {
  /** Index of the example in the dataset. */
  readonly index: number;
  /** The example's id, when it has one. */
  readonly id?: string;
  /** The model error, as `Name: message`. */
  readonly error: string;
}

/** The outcome of an evaluation. */
export interface Evaluation<O = unknown> {
  /** Mean score of the examples that were scored. */
  readonly mean: number;
  /** Scores in the order of the examples evaluated. */
  readonly scores: readonly number[];
  /** Mean of each metric over the examples scored (see `ExampleResult.metrics`). */
  readonly metrics: Metrics;
  /** Per-example outcomes, same order. */
  readonly results: readonly ExampleResult<O>[];
  /** How many examples failed with an error (scored `errorScore`). */
  readonly errors: number;
  /**
   * Examples left out because a model outage kept them from running (only in training, which
   * counts them; `evaluate()` rejects at the first outage instead), in the order evaluated.
   */
  readonly outages: readonly OutageFailure[];
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
  /**
   * The usage tracker the agent's models report to: each result's metrics then include the
   * `tokens`, `modelCalls` and `cost` of its forward pass.
   */
  readonly usage?: UsageTracker;
  /**
   * Runs the examples elsewhere instead of in this process (e.g. `BullmqExecutor` of
   * @trace-ts/scale, whose workers hold the agent's code). Results keep the dataset's order; an
   * output is then its value (JSON), not a node. `concurrency`, `isolateNames` and `usage` are the
   * workers' business; the rules (which errors are feedback, which stop the evaluation) are the same.
   */
  readonly executor?: ExampleExecutor;
  /**
   * With `executor`: the parameters whose current values are sent along, so the workers run the
   * values in effect here (by name). Default: none, the workers' own values.
   */
  readonly parameters?: Iterable<ParameterNode>;
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
  usage: "object",
  executor: "object",
  parameters: "object",
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
  /** Measures the usage of each forward pass (metrics `tokens`, `modelCalls`, `cost`). */
  readonly usage?: UsageTracker;
  /**
   * Training: an example that meets a model outage is reported here and left out (not scored)
   * instead of stopping everything; the hook may throw (e.g. when too many came in a row), which
   * stops the run. Without it, an outage rejects like a budget refusal.
   */
  readonly onOutage?: (error: TraceError) => void;
  /** Training: called when an example ran without an outage (breaks a run of outages). */
  readonly onRan?: () => void;
  /** Runs the examples elsewhere (never used when `requireNode`: outputs must be local nodes). */
  readonly executor?: ExampleExecutor;
  /** The parameter values sent with the examples to the executor. */
  readonly parameters?: () => readonly ParameterValue[];
}

/** @internal What happened to one example: a result, or an outage that kept it from running. */
export type ExampleOutcome<O> = ExampleResult<O> | (OutageFailure & { readonly outage: true });

/** @internal Whether an outcome is an outage. */
export function isOutage<O>(
  outcome: ExampleOutcome<O>,
): outcome is OutageFailure & { readonly outage: true } {
  return (outcome as { outage?: unknown }).outage === true;
}

/**
 * Runs the agent on every example (or on `indices`) with at most `concurrency` in flight, scores
 * each output with the guide, and returns the scores in example order.
 *
 * - An `ExecutionError` in the agent (an error inside a traced operation) is not a crash: the
 *   example scores `errorScore` and its feedback is the exception node's error feedback.
 * - An error that stops runs (core's `findStopError`: a spent budget, a cancellation — rejected
 *   as `RunCancelledError` —, or a model outage such as a refused connection, a 5xx, a timeout or
 *   a missing API key) stops the evaluation at once: nothing new starts, in-flight work is
 *   aborted, and the promise rejects with that error.
 * - Anything else thrown by the forward function outside traced operations is an `AgentError`;
 *   a guide that fails throws `GuideError` (or its own `TraceError`).
 *
 * @param options forward function, guide, dataset, concurrency and signal
 */
export async function evaluate<I, O, T>(options: EvaluateOptions<I, O, T>): Promise<Evaluation<O>> {
  // a guide made by guide(fn) is a function, so `guide` is checked by its `check` method below
  const unchecked =
    options === null || typeof options !== "object" ? options : { ...options, guide: undefined };
  validateOptions("evaluate", unchecked, OPTIONS);
  if (typeof options.guide?.check !== "function")
    throw new InvalidOptionError(
      "evaluate",
      "guide",
      "must be a guide: an object with check(output, example, context)",
    );
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
  const outcomes = await runExamples(
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
      ...(options.usage ? { usage: options.usage } : {}),
      ...(options.executor
        ? { executor: options.executor, parameters: () => valuesByName([...(options.parameters ?? [])]) }
        : {}),
    },
  );
  return summarize(outcomes, performance.now() - started);
}

function isExampleArray<I, T>(
  value: Dataset<Example<I, T>> | readonly Example<I, T>[],
): value is readonly Example<I, T>[] {
  return Array.isArray(value);
}

/**
 * @internal Mean, scores and error count of finished examples; outages are set apart (they have
 * no score).
 */
export function summarize<O>(outcomes: readonly ExampleOutcome<O>[], durationMs: number): Evaluation<O> {
  const results: ExampleResult<O>[] = [];
  const outages: OutageFailure[] = [];
  for (const o of outcomes) {
    if (isOutage(o))
      outages.push({ index: o.index, ...(o.id === undefined ? {} : { id: o.id }), error: o.error });
    else results.push(o);
  }
  const scores = results.map((r) => r.score);
  const mean = scores.length === 0 ? 0 : scores.reduce((a, b) => a + b, 0) / scores.length;
  return {
    mean,
    scores,
    metrics: meanMetrics(results.map((r) => r.metrics)),
    results,
    errors: results.filter((r) => r.error !== undefined).length,
    outages,
    durationMs,
  };
}

/**
 * @internal Runs examples with bounded concurrency; outcomes come back in the order given. The
 * first stopping error aborts everything in flight and rejects (with `onOutage`, an outage is an
 * outcome instead, unless the hook throws).
 */
export async function runExamples<I, O, T>(
  items: readonly { readonly index: number; readonly example: Example<I, T> }[],
  settings: RunSettings<I, O, T>,
): Promise<ExampleOutcome<O>[]> {
  if (settings.executor !== undefined && !settings.requireNode) return runRemote(items, settings);
  const outer = settings.signal;
  if (outer?.aborted) throw new RunCancelledError(outer.reason);
  if (items.length === 0) return [];
  const controller = new AbortController();
  // every call in flight may listen for the abort (model calls, sleeps): not a leak
  setMaxListeners(Math.max(10, settings.concurrency * 4 + 10), controller.signal);
  const limit = pLimit(settings.concurrency);
  const results: ExampleOutcome<O>[] = new Array(items.length);
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
        // a failure is handled inside the task, before p-limit starts the next one
        const failWith = (error: unknown) =>
          fail(outer?.aborted ? new RunCancelledError(outer.reason) : error);
        limit(async () => {
          if (controller.signal.aborted) return;
          try {
            results[k] = await runOne(item.index, item.example, controller.signal, settings);
          } catch (error) {
            failWith(error);
            return;
          }
          if (failed) return;
          finished++;
          settings.onProgress?.(finished, items.length);
          if (finished === items.length) resolve();
        }).catch(failWith);
      });
    });
  } finally {
    if (onOuterAbort) outer?.removeEventListener("abort", onOuterAbort);
  }
  return results;
}

/**
 * @internal Runs one example here: forward pass, guide, and the rules of what is feedback. Stop
 * errors other than an outage with `onOutage` are thrown, as are agent and guide failures.
 */
export async function runOne<I, O, T>(
  index: number,
  example: Example<I, T>,
  signal: AbortSignal,
  settings: RunSettings<I, O, T>,
): Promise<ExampleOutcome<O>> {
  const started = performance.now();
  const id = example.id === undefined ? {} : { id: example.id };
  /** An error that stops runs: an outage (with `onOutage`) becomes the outcome, others reject. */
  const stopped = (error: unknown): ExampleOutcome<O> | undefined => {
    if (signal.aborted) throw signal.reason ?? error;
    const stop = findStopError(error);
    if (stop === undefined) return undefined;
    if (stop.stopsRun === "outage" && settings.onOutage) {
      settings.onOutage(stop);
      return { index, ...id, outage: true, error: describeError(stop) };
    }
    throw stoppingError(stop) ?? stop;
  };
  let output: Node<O> | O;
  let usage: UsageTotals | undefined;
  let latencyMs = 0;
  try {
    const context = { index, signal };
    const forward = () =>
      settings.isolateNames
        ? graphScope(() => settings.forward(example.input, context))
        : settings.forward(example.input, context);
    try {
      output = settings.usage
        ? (
            await settings.usage.measure(forward, (u) => {
              usage = u;
            })
          ).value
        : await forward();
    } finally {
      latencyMs = performance.now() - started;
    }
  } catch (error) {
    const outage = stopped(error);
    if (outage !== undefined) return outage;
    if (error instanceof ExecutionError) {
      const node = error.exceptionNode;
      settings.onRan?.();
      return {
        index,
        ...id,
        score: settings.errorScore,
        feedback: node.errorFeedback(),
        output: node as unknown as Node<O>,
        error: describeError(error.cause ?? error),
        metrics: automaticMetrics(settings.errorScore, latencyMs, usage, settings.usage, undefined),
        durationMs: performance.now() - started,
      };
    }
    throw new AgentError(index, error);
  }
  if (settings.requireNode && !(output instanceof Node)) throw new ForwardOutputError(index);
  const value = output instanceof Node ? (output.data as O) : output;
  let verdict: GuideResult;
  try {
    verdict = validGuideResult(
      settings.guide.name,
      await settings.guide.check(value, example, { index, signal }),
    );
  } catch (error) {
    const outage = stopped(error);
    if (outage !== undefined) return outage;
    if (error instanceof TraceError) throw error;
    throw new GuideError(
      settings.guide.name,
      `failed on example ${index}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  settings.onRan?.();
  return {
    index,
    ...id,
    score: verdict.score,
    feedback: verdict.feedback,
    output,
    metrics: automaticMetrics(verdict.score, latencyMs, usage, settings.usage, verdict.metrics),
    durationMs: performance.now() - started,
  };
}

/**
 * An example's metrics: its score, the forward pass's latency, the usage of its model calls (with
 * a tracker; `cost` only when every call had a price), then the guide's metrics (which win).
 */
function automaticMetrics(
  score: number,
  latencyMs: number,
  usage: UsageTotals | undefined,
  tracker: UsageTracker | undefined,
  fromGuide: Metrics | undefined,
): Metrics {
  const metrics: Record<string, number> = { score, latencyMs };
  if (usage !== undefined) {
    metrics.tokens = usage.totalTokens;
    metrics.modelCalls = usage.calls;
    if (tracker?.prices !== undefined && usage.unpricedCalls === 0) metrics.cost = usage.cost;
  }
  return fromGuide === undefined ? metrics : { ...metrics, ...fromGuide };
}

/**
 * Runs examples for a training run: the minibatches of its steps (sending each output's feedback
 * backward) and its evaluations (each written to the run log). Model outages are counted through
 * the run's `StopRules`; examples an outage kept from running are left out.
 */
import type { Node } from "@trace-ts/core";
import { instrument, type SpanStart } from "@trace-ts/core/instrumentation";
import type { BatchRun, ContextEvaluateOptions, Measurement } from "../algorithms/types.js";
import type { Dataset } from "../data/dataset.js";
import type { Example } from "../data/example.js";
import type { SampledBatch } from "../data/sampler.js";
import {
  type Evaluation,
  type ExampleOutcome,
  isOutage,
  type RunSettings,
  runExamples,
  summarize,
} from "../evaluate.js";
import type { EvalRecord } from "../log/records.js";
import type { Metrics } from "../objective/metrics.js";
import type { TrainingProgress } from "../progress.js";
import { valuesByName } from "../snapshot.js";
import type { Settings } from "./config.js";
import { evalRecord } from "./log-records.js";
import type { StopRules } from "./stops.js";

/** What the runner uses of its session besides the settings. */
export interface RunnerLinks {
  /** The run's signal. */
  readonly signal: AbortSignal;
  /** The progress display. */
  readonly progress: TrainingProgress;
  /** Counts model outages. */
  readonly stops: StopRules;
  /** Writes an evaluation's record to the run log. */
  readonly write: (record: EvalRecord) => void;
}

/** Runs a training run's batches and evaluations. */
export class ExampleRunner<I, O, T> {
  readonly #s: Settings<I, O, T>;
  readonly #links: RunnerLinks;
  /** Whether the objective's metrics were checked against what examples measure. */
  #checked = false;

  /**
   * @param settings the run's validated configuration
   * @param links signal, progress, outage counting and the log
   */
  constructor(settings: Settings<I, O, T>, links: RunnerLinks) {
    this.#s = settings;
    this.#links = links;
  }

  /**
   * Runs a minibatch of the training set; with `backward`, sends each result's feedback (or its
   * score when it has none) backward from its output node.
   * @param batch the minibatch
   * @param backward whether to send feedback backward
   */
  async runBatch(batch: SampledBatch, backward: boolean): Promise<BatchRun> {
    const s = this.#s;
    const items = batch.indices.map((index) => ({ index, example: s.train.at(index) }));
    // examples a model outage kept from running are left out: no score, no feedback, no backward
    const summary = summarize(await this.#runCounted(items, this.#settings(backward, "batch")), 0);
    const results = summary.results;
    const feedback = results.map((r) => r.feedback.trim() || `Score: ${r.score}`);
    if (backward) {
      s.optimizer.zeroFeedback();
      results.forEach((r, k) => {
        const output = r.output as Node;
        s.optimizer.backward(output, feedback[k]!, output.backwarded ? { retainGraph: true } : {});
      });
    }
    const top = s.guide.maxScore;
    this.#check(summary.results);
    return {
      epoch: batch.epoch,
      indices: results.map((r) => r.index),
      results,
      scores: summary.scores,
      feedback,
      mean: summary.mean,
      metrics: summary.metrics,
      value: s.objective.value(summary.metrics),
      errors: summary.errors,
      outages: summary.outages,
      perfect:
        top !== undefined &&
        results.length > 0 &&
        results.every((r) => r.error === undefined && r.score >= top),
    };
  }

  /**
   * Evaluates the parameters in effect on the validation set (default) or the training set and
   * returns the mean score.
   * @param step the step it belongs to
   * @param label what is evaluated
   * @param options which pool and which indices
   */
  async evaluate(step: number, label: string, options: ContextEvaluateOptions): Promise<number> {
    return (await this.measure(step, label, options)).value;
  }

  /**
   * Evaluates like `evaluate` and returns everything measured.
   * @param step the step it belongs to
   * @param label what is evaluated
   * @param options which pool and which indices
   */
  async measure(step: number, label: string, options: ContextEvaluateOptions): Promise<Measurement> {
    const s = this.#s;
    const pool = options.pool ?? "validation";
    const data = pool === "validation" ? s.validation : s.train;
    if (data === undefined) throw new RangeError("evaluate: there is no validation set");
    const evaluation = await this.evaluateFull(step, label, pool, data, options.indices);
    return {
      value: s.objective.value(evaluation.metrics),
      metrics: evaluation.metrics,
      indices: evaluation.results.map((r) => r.index),
      examples: evaluation.results.map((r) => r.metrics),
      rollouts: evaluation.results.length + evaluation.outages.length,
    };
  }

  /**
   * Evaluates the parameters in effect on (some of) a dataset and writes the eval record.
   * @param step the step it belongs to
   * @param label what is evaluated
   * @param split which data, for the record
   * @param data the dataset
   * @param indices which examples, or undefined for all in order
   */
  async evaluateFull(
    step: number,
    label: string,
    split: EvalRecord["split"],
    data: Dataset<Example<I, T>>,
    indices: readonly number[] | undefined,
  ): Promise<Evaluation<O>> {
    const order = indices ?? data.items.map((_, i) => i);
    const start = (): SpanStart => ({
      operation: "trainer.evaluate",
      name: `evaluate ${split}`,
      attributes: {
        "trace_ts.eval.step": step,
        "trace_ts.eval.split": split,
        "trace_ts.eval.label": label,
        "trace_ts.eval.examples": order.length,
      },
    });
    // the examples' model calls and bundle calls become children of this unit of work
    return instrument(start, async (span) => {
      const started = performance.now();
      const outcomes = await this.#runCounted(
        order.map((index) => ({ index, example: data.at(index) })),
        this.#settings(false, `${split} (${label})`),
      );
      const evaluation = summarize(outcomes, performance.now() - started);
      this.#check(evaluation.results);
      this.#links.write(evalRecord(step, split, label, indices, evaluation, this.#s.objective));
      span.setAttributes({
        "trace_ts.eval.mean": Number.isFinite(evaluation.mean) ? evaluation.mean : undefined,
        "trace_ts.eval.errors": evaluation.errors,
        "trace_ts.eval.outages": evaluation.outages.length,
      });
      return evaluation;
    });
  }

  /**
   * Once per run, on the first results that ran without an error: every metric the objective
   * reads must be measured by some of them (`InvalidOptionError` otherwise: a misspelt name, or
   * `cost` without a priced usage tracker).
   */
  #check(results: readonly { readonly metrics: Metrics; readonly error?: string }[]): void {
    if (this.#checked || this.#s.objective.isDefault) return;
    const clean = results.filter((r) => r.error === undefined);
    if (clean.length === 0) return;
    this.#checked = true;
    const measured = new Set<string>();
    for (const r of clean) for (const name of Object.keys(r.metrics)) measured.add(name);
    this.#s.objective.checkMeasured(measured);
  }

  /**
   * Runs examples; when a model outage kept every one of them from running (and the outage
   * limit is not reached yet), runs them again: there is nothing to score or learn from. Each
   * round adds to the outage count and nothing resets it, so this ends at the limit at the latest.
   */
  async #runCounted<E extends Example<I, T>>(
    items: readonly { readonly index: number; readonly example: E }[],
    settings: RunSettings<I, O, T>,
  ): Promise<ExampleOutcome<O>[]> {
    for (;;) {
      const outcomes = await runExamples(items, settings);
      if (!outcomes.every(isOutage) || outcomes.length === 0) return outcomes;
    }
  }

  #settings(requireNode: boolean, label: string): RunSettings<I, O, T> {
    const s = this.#s;
    const { signal, progress, stops } = this.#links;
    return {
      forward: s.forward,
      guide: s.guide,
      concurrency: s.concurrency,
      errorScore: s.errorScore,
      isolateNames: true,
      requireNode,
      signal,
      onProgress: (done, total) => progress.phase(`${label} ${done}/${total}`),
      onOutage: (error) => stops.outage("examples", error),
      ...(s.usage ? { usage: s.usage } : {}),
      onRan: () => stops.ran(),
      // batches need their graphs here; evaluations may run elsewhere
      ...(s.executor !== undefined && !requireNode
        ? {
            executor: s.executor,
            parameters: () => valuesByName(s.parameters),
          }
        : {}),
    };
  }
}

import {
  CancelledError,
  type ChatMessage,
  cancelledFrom,
  type FeedbackRecord,
  getDefaultModel,
  type LanguageModel,
  type ModelCall,
  ModelCallLog,
  Optimizer,
  type ParameterNode,
  type ProblemView,
  type Proposal,
  type RejectedChange,
  rootErrorCode,
  rootTraceContainer,
  type StepOptions,
  type StepReport,
} from "@trace-ts/core";
import { OproModelCallFailedError, OproUnusableAnswerError } from "./errors.js";
import { feedbackForPrompt } from "./feedback-text.js";
import {
  addToHistory,
  historyFromState,
  meanScore,
  type OproFeedback,
  type OproHistoryEntry,
  rankHistory,
} from "./history.js";
import { type OproOptions, type ResolvedOproOptions, resolveOproOptions } from "./options.js";
import { readSolution } from "./parse.js";
import { oproPrompt, oproRetryMessage, renderHistory } from "./prompt.js";

/** `details` of an OPRO step report. */
export type OproDetails = {
  /** Model calls made in this step (1 + re-asks). */
  readonly modelCalls: number;
  /** Re-asks after unusable answers. */
  readonly retries: number;
  /** Solutions known when the prompt was written (history plus the one evaluated now). */
  readonly historySize: number;
  /** Solutions shown in the prompt. */
  readonly shown: number;
  /** Solutions left out of the prompt by the budget. */
  readonly omitted: number;
  /** Score of the values evaluated in this step, when the feedback had scores. */
  readonly currentScore: number | undefined;
  /** Best score known so far, when any. */
  readonly bestScore: number | undefined;
  /** Variables the answer gave no block for (they keep their value). */
  readonly missing: readonly string[];
};

/** What `propose()` hands to `afterStep()` through the report's `details` object. */
interface PendingEntry {
  readonly entry: OproHistoryEntry;
  readonly records: readonly FeedbackRecord[];
}

const NO_FEEDBACK =
  "no feedback reached any of the parameters: call optimizer.backward(output, feedback) after running the program and before step()";

/**
 * An OPRO-style optimizer ("optimization by prompting"): it keeps the history of the values it
 * tried and how the outputs were judged (scores and/or feedback), shows the best of them first
 * within a character budget, and asks the model for a new solution. The program's graph is not
 * shown, only values and judgements.
 *
 * Each `step()` records the current values with the feedback they received in this step (once:
 * calling `step()` again without new feedback does not record them twice). Scores come from
 * numeric feedback, from a `score` field of structured feedback, or from the `scoreOf` option; a
 * solution's score is the mean over its outputs that have one. Without scores, solutions are
 * ordered newest first.
 *
 * The answer gives one `<value name="key">…</value>` block per variable; values are converted and
 * validated like every optimizer's suggestions. An unusable answer is re-asked (`maxRetries`);
 * if none is usable, or the model fails, nothing changes and the report says why (`error`).
 * The history is part of `state()`.
 *
 * @example
 * const optimizer = new Opro([temperature, prompt], { model, objective: "Maximize accuracy." });
 * optimizer.zeroFeedback();
 * const out = await run(prompt, temperature);
 * optimizer.backward(out, { score: accuracy(out.data), feedback: "missed 3 of 10" });
 * const report = await optimizer.step();
 */
export class Opro extends Optimizer {
  /** `OPRO`. */
  readonly name = "OPRO";
  readonly #options: ResolvedOproOptions;
  #history: OproHistoryEntry[] = [];
  readonly #consumed = new WeakSet<FeedbackRecord>();
  readonly #pending = new WeakMap<object, PendingEntry>();

  /**
   * @param parameters the trainable parameters
   * @param options model (default: the container's default model), objective, scoring, history
   *   size and budget, re-asks, temperature, propagator
   */
  constructor(parameters: Iterable<ParameterNode>, options: OproOptions = {}) {
    super(parameters, options);
    this.#options = resolveOproOptions(options);
  }

  /** The options in effect (defaults filled in). */
  get options(): ResolvedOproOptions {
    return this.#options;
  }

  /** The recorded solutions, oldest first. */
  get history(): readonly OproHistoryEntry[] {
    return this.#history;
  }

  /** The recorded solutions, best first (the order the prompt uses). */
  rankedHistory(): OproHistoryEntry[] {
    return rankHistory(this.#history, this.#options.direction);
  }

  /** Asks for a new solution from the history and the current feedback; changes nothing. */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    const model = this.#model();
    const signal = options.signal;
    if (signal?.aborted) throw cancelledFrom(signal);
    const view = this.problem();
    const keys = new Map(view.variables.map((v) => [v.node as ParameterNode, v.key]));
    const records = view.feedback.map((f) => f.record);
    const current = records.some((r) => !this.#consumed.has(r)) ? this.#evaluate(view) : undefined;
    const all = current === undefined ? this.#history : [...this.#history, current];
    const ranked = rankHistory(all, this.#options.direction);
    const history = renderHistory(ranked, {
      charBudget: this.#options.historyCharBudget,
      valueChars: this.#options.valueCharBudget,
      current,
    });
    const info = (calls: readonly ModelCall[], missing: readonly string[]): OproDetails => ({
      modelCalls: calls.length,
      retries: Math.max(0, calls.length - 1),
      historySize: all.length,
      shown: history.shown,
      omitted: history.omitted,
      currentScore: current?.score,
      bestScore: ranked.find((e) => e.score !== undefined)?.score,
      missing,
    });
    const result = (fields: Omit<Proposal, "keys" | "terminate" | "details">, missing: string[] = []) => {
      const details = info(fields.calls, missing);
      if (current !== undefined) this.#pending.set(details, { entry: current, records });
      return { ...fields, keys, terminate: false, details };
    };
    if (view.variables.length === 0) {
      return result({ updates: new Map(), suggestion: {}, rejected: [], calls: [], error: NO_FEEDBACK });
    }

    const log = new ModelCallLog();
    const variableKeys = view.variables.map((v) => v.key);
    let messages: ChatMessage[] = oproPrompt({
      objective: this.#options.objective,
      variables: view.variables,
      history,
      direction: this.#options.direction,
    });
    let problems: string[] = [];
    let rejected: RejectedChange[] = [];
    for (let attempt = 0; attempt <= this.#options.maxRetries; attempt++) {
      const purpose = attempt === 0 ? "propose" : `propose (retry ${attempt})`;
      let text: string;
      try {
        text = (await log.generate(model, this.#request(messages, signal), purpose)).text;
      } catch (error) {
        if (error instanceof CancelledError || signal?.aborted) {
          throw error instanceof CancelledError ? error : cancelledFrom(signal);
        }
        const failure = new OproModelCallFailedError(purpose, error);
        return result({
          updates: new Map(),
          suggestion: {},
          rejected: [],
          calls: log.calls,
          error: failure.message,
          errorCode: rootErrorCode(failure),
        });
      }
      const parsed = readSolution(text);
      if (!parsed.ok) {
        problems = [parsed.problem];
        rejected = [];
      } else {
        const prepared = this.prepareUpdates(view, parsed.values);
        rejected = prepared.rejected;
        // blocks for keys that are not variables of this step (e.g. copied from an older solution)
        // are reported but do not block an answer that has blocks for real variables
        const known = variableKeys.filter((k) => k in parsed.values);
        const blocking = known.length === 0 ? rejected : rejected.filter((r) => variableKeys.includes(r.key));
        problems = blocking.map((r) => `${r.key}: ${r.reason}`);
        if (problems.length === 0) {
          const missing = variableKeys.filter((k) => !(k in parsed.values));
          return result(
            {
              updates: prepared.updates,
              suggestion: parsed.values,
              rejected,
              reasoning: parsed.reasoning || undefined,
              calls: log.calls,
            },
            missing,
          );
        }
      }
      messages = [
        ...messages,
        { role: "assistant", content: text },
        { role: "user", content: oproRetryMessage(problems, variableKeys) },
      ];
    }
    const failure = new OproUnusableAnswerError(problems, this.#options.maxRetries + 1);
    return result({
      updates: new Map(),
      suggestion: {},
      rejected,
      calls: log.calls,
      error: failure.message,
      errorCode: failure.code,
    });
  }

  /** Records the solution evaluated in this step (even when no new one could be proposed). */
  protected override afterStep(report: StepReport): void {
    const pending = report.details === undefined ? undefined : this.#pending.get(report.details);
    if (pending === undefined) return;
    this.#history = addToHistory(
      this.#history,
      pending.entry,
      this.#options.historySize,
      this.#options.direction,
    );
    for (const r of pending.records) this.#consumed.add(r);
  }

  /** `{ history }`: every recorded solution, as plain JSON. */
  protected override saveState(): unknown {
    return { history: JSON.parse(JSON.stringify(this.#history)) as unknown };
  }

  /** Restores the history saved by `saveState()`. */
  protected override restoreState(data: unknown): void {
    this.#history = historyFromState(data);
  }

  /** The current values with the feedback and scores their outputs received. */
  #evaluate(view: ProblemView): OproHistoryEntry {
    // outputs are named by position, not by node key: keys would reveal the graph's operations
    const feedback = view.feedback.map((f, i): OproFeedback => {
      const output = `output ${i + 1}`;
      const score = this.#options.scoreOf(f.feedback, f.output);
      if (typeof score !== "number" || !Number.isFinite(score)) {
        return { output, feedback: feedbackForPrompt(f.feedback, undefined) };
      }
      return { output, feedback: feedbackForPrompt(f.feedback, score), score };
    });
    const values = Object.fromEntries(view.variables.map((v) => [v.key, snapshot(v.value)]));
    const score = meanScore(feedback);
    const entry = { step: this.steps + 1, values, feedback };
    return score === undefined ? entry : { ...entry, score };
  }

  #request(messages: readonly ChatMessage[], signal: AbortSignal | undefined) {
    return {
      messages,
      ...(signal === undefined ? {} : { signal }),
      ...(this.#options.temperature === undefined ? {} : { temperature: this.#options.temperature }),
    };
  }

  #model(): LanguageModel {
    return this.#options.model ?? getDefaultModel(this.#options.container ?? rootTraceContainer());
  }
}

/** A copy of a value that later in-place changes cannot alter (the value itself if it cannot be cloned). */
function snapshot(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

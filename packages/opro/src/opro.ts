import type {
  FeedbackRecord,
  ModelCall,
  ParameterNode,
  ProblemView,
  Proposal,
  ScoredProposal,
  StepOptions,
  StepReport,
} from "@trace-ts/core";
import { cancelledFrom } from "@trace-ts/core/llm";
import {
  type AnswerReading,
  keysOf,
  ModelOptimizer,
  type OptionSchema,
  type PreparedUpdates,
} from "@trace-ts/core/optimizer";
import { feedbackForPrompt } from "./feedback-text.js";
import {
  addToHistory,
  historyFromState,
  meanScore,
  type OproFeedback,
  type OproHistoryEntry,
  rankHistory,
} from "./history.js";
import {
  DEFAULT_OPRO_OBJECTIVE,
  OPRO_OPTION_SCHEMA,
  type OproOptions,
  type OproSettings,
  resolveOproSettings,
} from "./options.js";
import { type ParsedSolution, readSolution } from "./parse.js";
import { oproPrompt, oproRetryMessage, renderHistory } from "./prompt.js";
import { OPRO_PURPOSE } from "./request-info.js";

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

/** One answer as read: the blocks, and their values converted and validated. */
interface SolutionAnswer {
  readonly parsed: ParsedSolution;
  readonly prepared: PreparedUpdates;
}

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
 * ordered newest first. Candidates scored by the caller (`proposeCandidates()` then
 * `observeScores()`) are recorded too.
 *
 * The answer gives one `<value name="key">…</value>` block per variable; values are converted and
 * validated like every optimizer's suggestions. An unusable answer is re-asked (`maxRetries`);
 * if none is usable, or the model fails, nothing changes and the report says why (`error`,
 * `errorCode`). The history is part of `state()`.
 *
 * @example
 * const optimizer = new Opro([temperature, prompt], { model, objective: "Maximize accuracy." });
 * optimizer.zeroFeedback();
 * const out = await run(prompt, temperature);
 * optimizer.backward(out, { score: accuracy(out.data), feedback: "missed 3 of 10" });
 * const report = await optimizer.step();
 */
export class Opro extends ModelOptimizer<OproSettings> {
  /** The shared options of model-driven optimizers plus OPRO's own. */
  static override readonly optionSchema: OptionSchema = OPRO_OPTION_SCHEMA;
  /** `OPRO`. */
  readonly name = "OPRO";
  #history: OproHistoryEntry[] = [];
  /** Feedback records whose evaluation is already in the history (each is recorded once). */
  readonly #consumed = new WeakSet<FeedbackRecord>();

  /**
   * @param parameters the trainable parameters
   * @param options model (default: the container's default model), objective, scoring, history
   *   size and budget, re-asks, temperature, propagator
   * @throws InvalidOptionError for unknown or invalid options (e.g. an empty objective)
   */
  constructor(parameters: Iterable<ParameterNode>, options: OproOptions = {}) {
    super(parameters, options, { objective: DEFAULT_OPRO_OBJECTIVE }, (shared, where) =>
      resolveOproSettings(where, options, shared),
    );
  }

  /** The recorded solutions, oldest first. */
  get history(): readonly OproHistoryEntry[] {
    return this.#history;
  }

  /** The recorded solutions, best first (the order the prompt uses). */
  rankedHistory(): OproHistoryEntry[] {
    return rankHistory(this.#history, this.settings.direction);
  }

  /** Asks for a new solution from the history and the current feedback; changes nothing. */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    if (options.signal?.aborted) throw cancelledFrom(options.signal);
    const view = this.problem();
    const current = this.#unrecorded(view) ? this.#evaluate(view, this.steps + 1) : undefined;
    const all = current === undefined ? this.#history : [...this.#history, current];
    const ranked = rankHistory(all, this.settings.direction);
    const history = renderHistory(ranked, {
      charBudget: this.settings.historyCharBudget,
      valueChars: this.settings.valueCharBudget,
      current,
    });
    const details = (calls: readonly ModelCall[], missing: readonly string[] = []): OproDetails => ({
      modelCalls: calls.length,
      retries: Math.max(0, calls.length - 1),
      historySize: all.length,
      shown: history.shown,
      omitted: history.omitted,
      currentScore: current?.score,
      bestScore: ranked.find((e) => e.score !== undefined)?.score,
      missing,
    });
    if (view.variables.length === 0) return { ...this.noFeedbackProposal(view), details: details([]) };

    const keys = view.variables.map((v) => v.key);
    const log = this.newCallLog();
    const outcome = await this.ask<SolutionAnswer>({
      messages: oproPrompt({
        objective: this.settings.objective,
        variables: view.variables,
        history,
        direction: this.settings.direction,
      }),
      purpose: OPRO_PURPOSE,
      read: (text) => this.#read(view, text),
      retryMessage: (problems) => oproRetryMessage(problems, keys),
      log,
      request: { sample: options.sample },
      signal: options.signal,
    });
    if (!outcome.ok) {
      return this.failedProposal(view, outcome.error, {
        calls: log.calls,
        rejected: outcome.value?.prepared.rejected ?? [],
        details: details(log.calls),
      });
    }
    const { parsed, prepared } = outcome.value;
    return {
      updates: prepared.updates,
      keys: keysOf(view),
      suggestion: parsed.values,
      rejected: prepared.rejected,
      reasoning: parsed.reasoning || undefined,
      terminate: false,
      calls: log.calls,
      details: details(
        log.calls,
        keys.filter((k) => !Object.hasOwn(parsed.values, k)),
      ),
      view,
    };
  }

  /**
   * Records each scored candidate as a solution with the score given (candidates without a finite
   * score are left out), so the next prompt shows every candidate tried, not only the one
   * applied. A candidate's values are the values its problem view had, with its updates in place.
   * Scores are taken on the scale of the history: with `direction: "minimize"`, lower is better.
   *
   * @param scored each candidate of `proposeCandidates()` with its score
   */
  override observeScores(scored: readonly ScoredProposal[]): void {
    for (const { proposal, score } of scored) {
      if (score === undefined || !Number.isFinite(score)) continue;
      const values: Record<string, unknown> = {};
      for (const v of proposal.view?.variables ?? []) values[v.key] = snapshot(v.value);
      for (const [parameter, value] of proposal.updates) {
        values[proposal.keys?.get(parameter) ?? parameter.key] = snapshot(value);
      }
      this.#record({ step: this.steps + 1, values, score, feedback: [] });
    }
  }

  /** Records the solution evaluated in this step (even when no new one could be proposed). */
  protected override afterStep(report: StepReport, proposal: Proposal): void {
    const view = proposal.view;
    if (view === undefined || !this.#unrecorded(view)) return;
    // `report.step` is the step that evaluated it: `propose()` showed it as step `steps + 1`
    this.#record(this.#evaluate(view, report.step));
    for (const f of view.feedback) this.#consumed.add(f.record);
  }

  /** `{ history }`: every recorded solution, as plain JSON. */
  protected override saveState(): unknown {
    return { history: JSON.parse(JSON.stringify(this.#history)) as unknown };
  }

  /** Restores the history saved by `saveState()`. */
  protected override restoreState(data: unknown): void {
    this.#history = historyFromState(data);
  }

  /**
   * Reads one answer: usable when it has blocks and every block for a variable holds a usable
   * value. Blocks for keys that are not variables of this step (e.g. copied from an older
   * solution) are reported but do not block an answer that has blocks for real variables.
   */
  #read(view: ProblemView, text: string): AnswerReading<SolutionAnswer> {
    const parsed = readSolution(text);
    if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
    const prepared = this.prepareUpdates(view, parsed.values);
    const keys = view.variables.map((v) => v.key);
    const blocking = keys.some((k) => Object.hasOwn(parsed.values, k))
      ? prepared.rejected.filter((r) => keys.includes(r.key))
      : prepared.rejected;
    if (blocking.length === 0) return { ok: true, value: { parsed, prepared } };
    return { ok: false, problems: blocking.map((r) => `${r.key}: ${r.reason}`), value: { parsed, prepared } };
  }

  /** Whether `view` has feedback whose evaluation is not in the history yet. */
  #unrecorded(view: ProblemView): boolean {
    return view.feedback.some((f) => !this.#consumed.has(f.record));
  }

  #record(entry: OproHistoryEntry): void {
    this.#history = addToHistory(this.#history, entry, this.settings.historySize, this.settings.direction);
  }

  /** The values of `view` with the feedback and scores their outputs received, as step `step`. */
  #evaluate(view: ProblemView, step: number): OproHistoryEntry {
    // outputs are named by position, not by node key: keys would reveal the graph's operations
    const feedback = view.feedback.map((f, i): OproFeedback => {
      const output = `output ${i + 1}`;
      const score = this.settings.scoreOf(f.feedback, f.output);
      if (typeof score !== "number" || !Number.isFinite(score)) {
        return { output, feedback: feedbackForPrompt(f.feedback, undefined) };
      }
      return { output, feedback: feedbackForPrompt(f.feedback, score), score };
    });
    const values = Object.fromEntries(view.variables.map((v) => [v.key, snapshot(v.value)]));
    const score = meanScore(feedback);
    const entry = { step, values, feedback };
    return score === undefined ? entry : { ...entry, score };
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

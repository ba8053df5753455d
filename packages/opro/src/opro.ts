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
import { CancelledError, describeError } from "@trace-ts/core";
import { cancelledFrom } from "@trace-ts/core/llm";
import {
  type AnswerReading,
  keysOf,
  ModelOptimizer,
  type OptionSchema,
  type PreparedUpdates,
  withValues,
} from "@trace-ts/core/optimizer";
import { OproNoCandidateError } from "./errors.js";
import { feedbackExemplars } from "./exemplars.js";
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
  type OproCandidateScore,
  type OproOptions,
  type OproSettings,
  resolveOproSettings,
} from "./options.js";
import { type ParsedSolution, readSolution } from "./parse.js";
import {
  givenExemplars,
  oproPrompt,
  oproRetryMessage,
  type RenderedExemplars,
  renderExemplars,
  renderHistory,
} from "./prompt.js";
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
  /** Task examples shown in the prompt (given ones and, with `exemplarsFromFeedback`, this step's). */
  readonly exemplarsShown?: number;
  /** Task examples left out by `exemplarCharBudget`. */
  readonly exemplarsOmitted?: number;
  /** A scored step's candidates (the `score` option), by sample index. */
  readonly candidates?: readonly OproCandidateRecord[];
  /** The sample index of the candidate applied by a scored step, when one was chosen. */
  readonly chosen?: number;
};

/** One candidate of a scored `step()` in `OproDetails.candidates`. */
export type OproCandidateRecord = {
  /** Its sample index (0, 1, …). */
  readonly sample: number;
  /** Its score, or undefined when its answer was unusable or its score failed. */
  readonly score: number | undefined;
  /** Why it was ruled out, when it was. */
  readonly error?: string;
};

/** Marks the `propose()` call made by a scored `step()` (it asks and scores several candidates). */
const SCORED_STEP = Symbol("OPRO scored step");

/** Carries the temperature of a candidate from `proposeCandidates()` to `propose()`. */
const CANDIDATE_TEMPERATURE = Symbol("OPRO candidate temperature");

/** `StepOptions` as a scored `step()` and `proposeCandidates()` pass them to `propose()`. */
interface ScoredStepOptions extends StepOptions {
  readonly [SCORED_STEP]?: true;
  readonly [CANDIDATE_TEMPERATURE]?: number;
}

/** One answer as read: the blocks, and their values converted and validated. */
interface SolutionAnswer {
  readonly parsed: ParsedSolution;
  readonly prepared: PreparedUpdates;
}

/**
 * An OPRO-style optimizer ("optimization by prompting"): it keeps the history of the values it
 * tried and how the outputs were judged (scores and/or feedback), shows the best of them within a
 * character budget in ascending order (the best last, next to the answer instructions), and asks
 * the model for a new solution. The program's graph is not shown, only values and judgements
 * (and, when given, task examples: `exemplars`, `exemplarsFromFeedback`).
 *
 * A plain `step()` asks one solution (one model call). With a `score` function, `step()` asks
 * `candidates` solutions (default 8, at `candidateTemperature` 1.0: 8 model calls), scores each,
 * records all of them and applies the best, as the paper's loop does; the trainer's `bestOfN`
 * gets the same loop from `proposeCandidates(n)` and `observeScores()`.
 *
 * Each `step()` records the current values with the feedback they received in this step (once:
 * calling `step()` again without new feedback does not record them twice). Scores come from
 * numeric feedback, from a `score` field of structured feedback, or from the `scoreOf` option; a
 * solution's score is the mean over its outputs that have one. Without scores, solutions are
 * ordered oldest to newest. Candidates scored by the caller (`proposeCandidates()` then
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

  /**
   * The recorded solutions, best first: the order in which the prompt chooses what fits its budget
   * (it prints them the other way round, the best last).
   */
  rankedHistory(): OproHistoryEntry[] {
    return rankHistory(this.#history, this.settings.direction);
  }

  /**
   * One step (see `Optimizer.step`). With the `score` option, its proposal is the best of
   * `candidates` scored candidates, all of which are recorded in the history; without it, one
   * solution is asked.
   */
  override step(options: StepOptions = {}): Promise<StepReport> {
    if (this.settings.score === undefined) return super.step(options);
    const scored: ScoredStepOptions = { ...options, [SCORED_STEP]: true };
    return super.step(scored);
  }

  /**
   * Asks for a new solution from the history and the current feedback; changes nothing. (Inside a
   * scored `step()` it asks and scores the candidates, setting each one's values while its score
   * runs.)
   */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    const score = this.settings.score;
    const {
      [SCORED_STEP]: scoredStep,
      [CANDIDATE_TEMPERATURE]: temperature,
      ...rest
    } = options as ScoredStepOptions;
    if (scoredStep === true && score !== undefined) return this.#bestCandidate(rest, score);
    return this.#proposeOne(rest, temperature);
  }

  /**
   * Asks `count` solutions for the current feedback (default: the `candidates` setting), one model
   * request each, concurrently, at `candidateTemperature`, with sample indices 0, 1, …; changes
   * nothing. Cancellation rejects with `CancelledError` once every started request has settled.
   *
   * @param count how many (at least 1)
   * @param options the signal of the step
   * @throws InvalidOptionError when `count` is not a positive integer
   */
  override proposeCandidates(
    count: number = this.settings.candidates,
    options: StepOptions = {},
  ): Promise<Proposal[]> {
    return super.proposeCandidates(count, options);
  }

  /** Every candidate carries its sample index (from 0) and the candidate temperature. */
  protected override candidateOptions(index: number, options: StepOptions): StepOptions {
    const candidate: ScoredStepOptions = {
      ...options,
      sample: index,
      [CANDIDATE_TEMPERATURE]: this.settings.candidateTemperature,
    };
    return candidate;
  }

  /**
   * A scored step's proposal: `candidates` candidates, each usable one scored in turn with its
   * values set, all told to `observeScores`, the best (by `direction`; ties: the lower sample)
   * returned with every candidate's calls.
   */
  async #bestCandidate(options: StepOptions, score: OproCandidateScore): Promise<Proposal> {
    const proposals = await this.proposeCandidates(this.settings.candidates, options);
    const temperature = this.settings.candidateTemperature;
    const records: OproCandidateRecord[] = [];
    const scored: ScoredProposal[] = [];
    let best: { proposal: Proposal; score: number; sample: number } | undefined;
    for (const [sample, proposal] of proposals.entries()) {
      const ruledOut = (error: string) => {
        records.push({ sample, score: undefined, error });
        scored.push({ proposal, score: undefined });
      };
      if (proposal.error !== undefined) {
        ruledOut(proposal.error);
        continue;
      }
      if (options.signal?.aborted) throw cancelledFrom(options.signal);
      let value: unknown;
      try {
        const info = { sample, temperature, suggestion: proposal.suggestion };
        value = await withValues(proposal.updates, () => score(proposal.updates, info));
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        ruledOut(`its score failed: ${describeError(error)}`);
        continue;
      }
      if (typeof value !== "number" || Number.isNaN(value)) {
        ruledOut(`its score is not a number: ${String(value)}`);
        continue;
      }
      records.push({ sample, score: value });
      scored.push({ proposal, score: value });
      if (best === undefined || this.#better(value, best.score)) best = { proposal, score: value, sample };
    }
    this.observeScores(scored);
    const calls = proposals.flatMap((p) => p.calls);
    const first = proposals[0]!;
    const details = {
      ...(best ?? { proposal: first }).proposal.details,
      modelCalls: calls.length,
      retries: proposals.reduce((n, p) => n + ((p.details as OproDetails | undefined)?.retries ?? 0), 0),
      candidates: records,
      ...(best === undefined ? {} : { chosen: best.sample }),
    };
    if (best === undefined) {
      const view = first.view ?? this.problem();
      const reasons = records.map((r) => `candidate ${r.sample}: ${r.error ?? "no score"}`);
      return this.failedProposal(view, new OproNoCandidateError(reasons), { calls, details });
    }
    return { ...best.proposal, calls, details };
  }

  /** Whether score `a` is better than `b` in this optimizer's direction. */
  #better(a: number, b: number): boolean {
    return this.settings.direction === "maximize" ? a > b : a < b;
  }

  /** Asks one solution (at `temperature` when given, else the `temperature` setting). */
  async #proposeOne(options: StepOptions, temperature: number | undefined): Promise<Proposal> {
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
    const exemplars = this.#exemplars(view);
    const details = (calls: readonly ModelCall[], missing: readonly string[] = []): OproDetails => ({
      modelCalls: calls.length,
      retries: Math.max(0, calls.length - 1),
      historySize: all.length,
      shown: history.shown,
      omitted: history.omitted,
      currentScore: current?.score,
      bestScore: ranked.find((e) => e.score !== undefined)?.score,
      missing,
      ...(exemplars === undefined
        ? {}
        : { exemplarsShown: exemplars.shown, exemplarsOmitted: exemplars.omitted }),
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
        ...(exemplars === undefined ? {} : { exemplars }),
      }),
      purpose: OPRO_PURPOSE,
      read: (text) => this.#read(view, text),
      retryMessage: (problems) => oproRetryMessage(problems, keys),
      log,
      request: { sample: options.sample, ...(temperature === undefined ? {} : { temperature }) },
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

  /** The task examples of this step's prompt, rendered; undefined when there are none. */
  #exemplars(view: ProblemView): RenderedExemplars | undefined {
    const s = this.settings;
    const shown = [
      ...givenExemplars(s.exemplars),
      ...(s.exemplarsFromFeedback ? feedbackExemplars(view) : []),
    ];
    return shown.length === 0 ? undefined : renderExemplars(shown, s.exemplarCharBudget, s.valueCharBudget);
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

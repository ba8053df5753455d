import {
  CancelledError,
  describeError,
  InvalidOptionError,
  type ModelCall,
  ModelCallFailedError,
  type ParameterNode,
  type ProblemView,
  type Proposal,
  type RejectedChange,
  type StepOptions,
} from "@trace-ts/core";
import { cancelledFrom } from "@trace-ts/core/llm";
import {
  checkAtLeast,
  formatValue,
  keysOf,
  type ModelCallLog,
  type ModelOptimizerSettings,
  type OptionSchema,
  optimizerRegistration,
  type RegisterWithOptions,
} from "@trace-ts/core/optimizer";
import {
  OPTOPRIME_OPTION_SCHEMA,
  OptoPrime,
  type OptoPrimeDetails,
  type OptoPrimeOptions,
  type OptoPrimeSettings,
} from "./optoprime.js";
import { readChoiceAnswer } from "./parse/choice.js";
import { valueBlock } from "./prompt/format.js";
import type { RenderedPrompt } from "./prompt/prompt.js";
import { SELECTION_CLOSING, SELECTION_SYSTEM_PROMPT } from "./prompt/text.js";

/** A candidate as a score function sees it. */
export interface CandidateInfo {
  /** 1-based number of the candidate. */
  readonly index: number;
  /** The suggestion as the model wrote it. */
  readonly suggestion: Readonly<Record<string, unknown>>;
  /** The model's reasoning, when given. */
  readonly reasoning: string | undefined;
  /** The temperature it was sampled at (undefined: the provider's). */
  readonly temperature: number | undefined;
  /** The prompt variant it was asked with, if any. */
  readonly variant: string | undefined;
}

/**
 * Scores a candidate's updates (converted, validated new values by parameter); the highest score
 * wins. It must not leave parameters changed: use `withValues(updates, fn)` to run the program on
 * the candidate values and have them restored afterwards. A throw or a NaN rules the candidate
 * out.
 */
export type CandidateScore = (
  updates: ReadonlyMap<ParameterNode, unknown>,
  candidate: CandidateInfo,
) => number | Promise<number>;

/**
 * How `OptoPrimeMulti` chooses among its candidates: `last` takes the last candidate whose answer
 * was usable (with the default falling temperatures, the coolest one), without another call;
 * `model` asks the model in one more call; `score` takes the highest `score(updates)`.
 */
export type CandidateSelection = "last" | "model" | "score";

/** Candidates per step when the `candidates` option is not given (as in the reference). */
export const DEFAULT_CANDIDATES = 5;

/**
 * Temperatures of the candidates when neither `temperatures` nor `temperatureRange` is given:
 * spread evenly from 1.3 (the first candidate) down to 0 (the last), as in the reference.
 */
export const DEFAULT_TEMPERATURE_RANGE: readonly [number, number] = Object.freeze([1.3, 0] as const);

/** Options of `OptoPrimeMulti`: those of `OptoPrime` plus how many candidates and how to choose. */
export interface OptoPrimeMultiOptions extends OptoPrimeOptions {
  /** How many candidate proposals to ask for, concurrently (default 5). */
  readonly candidates?: number;
  /**
   * `[first, last]`: the candidates' temperatures are spread evenly from `first` (candidate 1)
   * to `last` (the last candidate); one candidate gets `first`. Default `[1.3, 0]`: falling, so
   * the last candidate is the most deterministic. Not together with `temperatures`.
   */
  readonly temperatureRange?: readonly [number, number];
  /**
   * Temperature of each candidate, used in turn (instead of a `temperatureRange`). Not together
   * with `temperatureRange`.
   */
  readonly temperatures?: readonly number[];
  /**
   * Extra instructions that make candidates differ, used in turn (e.g. "Make the smallest change
   * that could work." / "Try a different approach from the current one."). Default: none.
   */
  readonly variants?: readonly string[];
  /**
   * How to choose among the candidates (see `CandidateSelection`). Default: `score` when a
   * `score` function is given, else `last`. `score` needs the `score` option; a `score`
   * function with `last` or `model` is refused, since it would not be used.
   */
  readonly selection?: CandidateSelection;
  /**
   * Scores each candidate (highest wins); giving it selects by score. See `CandidateScore`.
   */
  readonly score?: CandidateScore;
}

/** `OptoPrimeMultiOptions` with defaults filled in: `optimizer.settings`. */
export interface OptoPrimeMultiSettings extends OptoPrimeSettings {
  /** Candidates per `step()`. */
  readonly candidates: number;
  /** The temperatures given, used in turn (undefined: spread over `temperatureRange`). */
  readonly temperatures: readonly number[] | undefined;
  /** `[first, last]` temperature of the spread (used when `temperatures` is undefined). */
  readonly temperatureRange: readonly [number, number];
  /** How a candidate is chosen. */
  readonly selection: CandidateSelection;
  /** Prompt variants, used in turn (empty: none). */
  readonly variants: readonly string[];
  /** The score function, when candidates are chosen by score. */
  readonly score: CandidateScore | undefined;
}

/** One candidate in `OptoPrimeMultiDetails`. */
export type CandidateRecord = {
  /** 1-based number. */
  readonly index: number;
  /** Sampling temperature (undefined: the provider's). */
  readonly temperature: number | undefined;
  /** Prompt variant, if any. */
  readonly variant: string | undefined;
  /** The suggestion as written. */
  readonly suggestion: Readonly<Record<string, unknown>>;
  /** The reasoning, when given. */
  readonly reasoning: string | undefined;
  /** It said TERMINATE. */
  readonly terminate: boolean;
  /** Why it is unusable, when it is. */
  readonly error: string | undefined;
  /** Its values not used, with reasons. */
  readonly rejected: readonly RejectedChange[];
  /** Number of the earlier candidate with the same updates, when it repeats one. */
  readonly sameAs: number | undefined;
  /** Answers read for it. */
  readonly attempts: number;
};

/** What `OptoPrimeMulti` puts in `StepReport.details`. */
export type OptoPrimeMultiDetails = OptoPrimeDetails & {
  /** Every candidate. */
  readonly candidates: readonly CandidateRecord[];
  /** Scores by candidate (null: not scored or ruled out), with a score function. */
  readonly scores?: readonly (number | null)[];
  /** The chosen candidate's number, when one was chosen. */
  readonly chosen: number | undefined;
  /**
   * How it was chosen: `last` (the last candidate whose answer was usable), `score`, `model`,
   * `single` (with `score` or `model`: only one distinct candidate with changes, taken without
   * scoring or asking), `fallback` (the selection answer was unusable: the last distinct candidate
   * with changes), `none`.
   */
  readonly selection: "last" | "score" | "model" | "single" | "fallback" | "none";
  /** Why the selection call could not be used, when it could not. */
  readonly selectionError?: string;
};

interface Candidate {
  readonly index: number;
  readonly temperature: number | undefined;
  readonly variant: string | undefined;
  readonly proposal: Proposal & { readonly details: OptoPrimeDetails };
  sameAs: number | undefined;
}

/**
 * OptoPrimeMulti: asks for several candidate proposals at once (by default 5, at temperatures
 * falling from 1.3 to 0, and optionally prompt variants), then picks one — by default the last
 * candidate whose answer was usable; with `selection: "model"` by one more model call that
 * compares them; with a `score` function by the highest score. Same prompt, parsing, validation,
 * retries, memory and report as `OptoPrime`; the report's details list every candidate, the
 * scores and the choice. `proposeCandidates(n)` returns `n` such candidates (temperatures spread
 * over `n`) without choosing.
 *
 * @example
 * const optimizer = new OptoPrimeMulti(params, { model, selection: "model" });
 * const byTests = new OptoPrimeMulti(params, {
 *   model,
 *   score: (updates) => withValues(updates, () => runTests()), // passed-test count
 * });
 */
export class OptoPrimeMulti extends OptoPrime<OptoPrimeMultiSettings> {
  /** Option names and kinds this class accepts. */
  static override readonly optionSchema: OptionSchema = {
    ...OPTOPRIME_OPTION_SCHEMA,
    candidates: "integer",
    temperatureRange: "object",
    temperatures: "object",
    variants: "object",
    selection: "string",
    score: "function",
  };
  /** `OptoPrimeMulti`. */
  override readonly name: string = "OptoPrimeMulti";

  /**
   * @param parameters the trainable parameters
   * @param options OptoPrime's options plus `candidates`, `temperatureRange`, `temperatures`,
   *   `variants`, `selection`, `score`
   * @throws InvalidOptionError for unknown or invalid options
   */
  constructor(parameters: Iterable<ParameterNode>, options: OptoPrimeMultiOptions = {}) {
    super(parameters, options);
  }

  /**
   * OptoPrime's settings plus `candidates`, `temperatureRange`, `temperatures`, `variants`,
   * `selection` and `score`.
   *
   * @throws InvalidOptionError for an out-of-range or malformed value
   */
  protected static override resolveSettings(
    where: string,
    options: OptoPrimeMultiOptions,
    shared: ModelOptimizerSettings,
  ): OptoPrimeMultiSettings {
    const settings = OptoPrime.resolveSettings(where, options, shared);
    const { candidates, temperatures, temperatureRange, variants, score } = options;
    checkAtLeast(where, "candidates", candidates, 1);
    if (
      temperatureRange !== undefined &&
      (!Array.isArray(temperatureRange) ||
        temperatureRange.length !== 2 ||
        !temperatureRange.every((t) => typeof t === "number" && Number.isFinite(t) && t >= 0))
    )
      throw new InvalidOptionError(where, "temperatureRange", "must be [first, last], two numbers >= 0");
    if (temperatureRange !== undefined && temperatures !== undefined)
      throw new InvalidOptionError(
        where,
        "temperatureRange",
        "give either temperatureRange or temperatures, not both",
      );
    if (
      temperatures !== undefined &&
      (!Array.isArray(temperatures) ||
        temperatures.length === 0 ||
        !temperatures.every((t) => typeof t === "number" && t >= 0))
    )
      throw new InvalidOptionError(where, "temperatures", "must be a non-empty array of numbers >= 0");
    if (variants !== undefined && (!Array.isArray(variants) || !variants.every((v) => typeof v === "string")))
      throw new InvalidOptionError(where, "variants", "must be an array of strings");
    const selection = options.selection ?? (score !== undefined ? "score" : "last");
    if (!SELECTIONS.includes(selection))
      throw new InvalidOptionError(where, "selection", `must be one of ${SELECTIONS.join(", ")}`);
    if (selection === "score" && score === undefined)
      throw new InvalidOptionError(where, "selection", '"score" needs the score option (a function)');
    if (selection !== "score" && score !== undefined)
      throw new InvalidOptionError(where, "score", `is not used with selection "${selection}"`);
    return {
      ...settings,
      candidates: candidates ?? DEFAULT_CANDIDATES,
      temperatures,
      temperatureRange: temperatureRange
        ? [temperatureRange[0], temperatureRange[1]]
        : DEFAULT_TEMPERATURE_RANGE,
      variants: variants ?? [],
      selection,
      score,
    };
  }

  /**
   * `count` candidates, each one conversation at its own temperature and prompt variant (as
   * `step()` asks them), without choosing and without changing anything. Candidate 1 is an
   * ordinary request; candidate i > 1 carries sample index i - 1, so equal prompts at equal
   * temperatures are not collapsed by a response cache.
   *
   * @param count how many candidates (at least 1)
   * @param options the signal of the step
   * @throws InvalidOptionError when `count` is not a positive integer
   */
  override async proposeCandidates(count: number, options: StepOptions = {}): Promise<Proposal[]> {
    this.checkCandidateCount(count);
    if (options.signal?.aborted) throw cancelledFrom(options.signal);
    const view = this.problem();
    if (view.variables.length === 0)
      return Array.from({ length: count }, () => this.noFeedbackProposal(view));
    const base = this.renderPrompt(view);
    const candidates = await this.#candidates(view, base, count, options.signal);
    return candidates.map((c) => c.proposal);
  }

  /**
   * Asks for the `candidates` setting's number of candidates and chooses one as the `selection`
   * setting says (the last usable one, by one more model call, or by score). Changes nothing.
   */
  override async propose(options: StepOptions = {}): Promise<Proposal> {
    const signal = options.signal;
    if (signal?.aborted) throw cancelledFrom(signal);
    const view = this.problem();
    if (view.variables.length === 0) return this.noFeedbackProposal(view);
    const base = this.renderPrompt(view);
    const candidates = await this.#candidates(view, base, this.settings.candidates, signal);
    markRepeats(candidates, view);
    const usable = candidates.filter((c) => c.proposal.error === undefined && c.proposal.updates.size > 0);
    const distinct = usable.filter((c) => c.sameAs === undefined);
    const calls: ModelCall[] = candidates.flatMap((c) => c.proposal.calls);

    let chosen: Candidate | undefined;
    let selection: OptoPrimeMultiDetails["selection"] = "none";
    let scores: (number | null)[] | undefined;
    let selectionError: string | undefined;
    const mode = this.settings.selection;
    if (mode === "last") {
      // the last readable answer wins, even when it changes nothing or says TERMINATE
      chosen = [...candidates].reverse().find((c) => c.proposal.error === undefined);
      if (chosen !== undefined) selection = "last";
    } else if (distinct.length === 1) {
      chosen = distinct[0];
      selection = "single";
    } else if (distinct.length > 1 && mode === "score" && this.settings.score !== undefined) {
      ({ chosen, scores } = await this.#scoreAll(this.settings.score, candidates, usable, distinct, signal));
      selection = "score";
      if (chosen === undefined) selectionError = "every candidate's score failed or was not a number";
    } else if (distinct.length > 1 && mode === "model") {
      const log = this.newCallLog();
      const picked = await this.#selectByModel(view, base, distinct, log, signal);
      calls.push(...log.calls);
      if (typeof picked === "number") {
        chosen = distinct.find((c) => c.index === picked);
        selection = "model";
      } else {
        chosen = distinct[distinct.length - 1]; // the coolest with the default falling temperatures
        selection = "fallback";
        selectionError = picked.error;
      }
    }

    const terminate =
      mode === "last"
        ? chosen?.proposal.terminate === true
        : usable.length === 0 && candidates.some((c) => c.proposal.terminate);
    const allFailed = candidates.every((c) => c.proposal.error !== undefined);
    let error: string | undefined;
    if (chosen === undefined && !terminate) {
      if (selectionError !== undefined) error = `no candidate could be chosen: ${selectionError}`;
      else if (allFailed)
        error = `no candidate was usable: ${candidates.map((c) => `candidate ${c.index}: ${c.proposal.error}`).join(" | ")}`;
    }
    const errorCode = error === undefined ? undefined : failureCode(candidates, allFailed);
    const read = (c: Candidate) => c.proposal.errorCode === undefined || c.proposal.errorCode === UNUSABLE;
    const shown = chosen ?? candidates.find(read);
    const first = candidates[0]!.proposal.details;
    const details: OptoPrimeMultiDetails = {
      attempts: candidates.reduce((n, c) => n + c.proposal.details.attempts, 0),
      problems: candidates.flatMap((c) => c.proposal.details.problems),
      notes: shown?.proposal.details.notes ?? [],
      ...(shown?.proposal.answer !== undefined ? { answer: shown.proposal.answer } : {}),
      prompt: first.prompt,
      memoryShown: first.memoryShown,
      ...(errorCode !== undefined ? { errorCode } : {}),
      candidates: candidates.map(record),
      ...(scores !== undefined ? { scores } : {}),
      chosen: chosen?.index,
      selection,
      ...(selectionError !== undefined ? { selectionError } : {}),
    };
    return {
      updates: chosen?.proposal.updates ?? new Map(),
      keys: keysOf(view),
      suggestion: chosen?.proposal.suggestion ?? {},
      rejected: chosen?.proposal.rejected ?? [],
      reasoning: chosen?.proposal.reasoning,
      answer: chosen?.proposal.answer,
      terminate,
      error,
      ...(errorCode !== undefined ? { errorCode } : {}),
      calls,
      details,
      view,
    };
  }

  /** Asks for `count` candidates concurrently, each its own conversation. */
  async #candidates(
    view: ProblemView,
    base: RenderedPrompt,
    count: number,
    signal: AbortSignal | undefined,
  ): Promise<Candidate[]> {
    this.logBudget(base.budget);
    const { temperatures, temperatureRange, variants } = this.settings;
    return Promise.all(
      Array.from({ length: count }, async (_, i): Promise<Candidate> => {
        const variant = variants.length > 0 ? variants[i % variants.length] : undefined;
        const temperature =
          temperatures !== undefined
            ? temperatures[i % temperatures.length]
            : spreadTemperature(temperatureRange, i, count);
        const prompt = variant === undefined ? base : this.renderPrompt(view, variant);
        const proposal = await this.proposeWith(view, prompt, this.newCallLog(), {
          purpose: `candidate ${i + 1}`,
          temperature,
          sample: i === 0 ? undefined : i,
          signal,
        });
        return { index: i + 1, temperature, variant, proposal, sameAs: undefined };
      }),
    );
  }

  /** Scores the distinct usable candidates one after another; the highest score wins. */
  async #scoreAll(
    score: CandidateScore,
    candidates: readonly Candidate[],
    usable: readonly Candidate[],
    distinct: readonly Candidate[],
    signal: AbortSignal | undefined,
  ): Promise<{ chosen: Candidate | undefined; scores: (number | null)[] }> {
    const scores: (number | null)[] = candidates.map(() => null);
    let chosen: Candidate | undefined;
    let best = Number.NEGATIVE_INFINITY;
    for (const c of distinct) {
      if (signal?.aborted) throw cancelledFrom(signal);
      let s: number;
      try {
        s = await score(c.proposal.updates, info(c));
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        this.verboseLog(`[${this.name}] score of candidate ${c.index} failed: ${describeError(error)}`);
        continue;
      }
      if (typeof s !== "number" || Number.isNaN(s)) continue;
      scores[c.index - 1] = s;
      for (const other of usable) if (other.sameAs === c.index) scores[other.index - 1] = s;
      if (s > best) {
        best = s;
        chosen = c;
      }
    }
    return { chosen, scores };
  }

  /** Asks the model which candidate is best (one call, no re-ask): its number, or why not. */
  async #selectByModel(
    view: ProblemView,
    base: RenderedPrompt,
    candidates: readonly Candidate[],
    log: ModelCallLog,
    signal: AbortSignal | undefined,
  ): Promise<number | { error: string }> {
    const problem = base.messages[1]!.content;
    const problemPart = problem.slice(0, problem.lastIndexOf("\n\n"));
    const blocks = candidates.map((c) => candidateText(c, view));
    const numbers = candidates.map((c) => c.index);
    const outcome = await this.ask<number>({
      messages: [
        { role: "system", content: SELECTION_SYSTEM_PROMPT },
        {
          role: "user",
          content: `${problemPart}\n\n#Candidates\n${blocks.join("\n\n")}\n\n${SELECTION_CLOSING}`,
        },
      ],
      purpose: "select",
      maxRetries: 0,
      read: (text) => {
        const { choice, problem } = readChoiceAnswer(text);
        if (problem !== undefined) return { ok: false, problems: [problem] };
        if (choice !== undefined && numbers.includes(choice)) return { ok: true, value: choice };
        return {
          ok: false,
          problems: [
            choice === undefined
              ? "the selection answer named no candidate"
              : `the selection answer chose candidate ${choice}, which is not one of ${numbers.join(", ")}`,
          ],
        };
      },
      retryMessage: () => SELECTION_CLOSING, // unused: one try, as before
      log,
      request: {
        temperature: 0,
        ...(this.settings.jsonMode ? { responseFormat: { type: "json" } as const } : {}),
      },
      signal,
    });
    if (outcome.ok) return outcome.value;
    if (outcome.error instanceof ModelCallFailedError)
      return { error: `the selection call failed: ${describeError(outcome.error.cause)}` };
    return { error: outcome.error.problems.join("; ") };
  }
}

const UNUSABLE = "UNUSABLE_ANSWER";

const SELECTIONS: readonly CandidateSelection[] = ["last", "model", "score"];

/**
 * The temperature of candidate `i` (0-based) of `count`, spread evenly from `first` to `last`
 * (one candidate: `first`), rounded to 3 decimals.
 */
function spreadTemperature([first, last]: readonly [number, number], i: number, count: number): number {
  const t = first + ((last - first) * i) / Math.max(1, count - 1);
  return Math.round(t * 1000) / 1000;
}

/**
 * The code of a failed multi step: a model failure's code when a candidate had one (an outage
 * matters more than a bad answer), else `UNUSABLE_ANSWER` when every candidate failed.
 */
function failureCode(candidates: readonly Candidate[], allFailed: boolean): string | undefined {
  const codes = candidates.flatMap((c) => (c.proposal.errorCode === undefined ? [] : [c.proposal.errorCode]));
  return codes.find((code) => code !== UNUSABLE) ?? (allFailed ? codes[0] : undefined);
}

function info(c: Candidate): CandidateInfo {
  return {
    index: c.index,
    suggestion: c.proposal.suggestion,
    reasoning: c.proposal.reasoning,
    temperature: c.temperature,
    variant: c.variant,
  };
}

function record(c: Candidate): CandidateRecord {
  const p = c.proposal;
  return {
    index: c.index,
    temperature: c.temperature,
    variant: c.variant,
    suggestion: p.suggestion,
    reasoning: p.reasoning,
    terminate: p.terminate,
    error: p.error,
    rejected: p.rejected,
    sameAs: c.sameAs,
    attempts: p.details.attempts,
  };
}

/** Marks candidates whose updates repeat an earlier candidate's. */
function markRepeats(candidates: Candidate[], view: ProblemView): void {
  const seen = new Map<string, number>();
  for (const c of candidates) {
    if (c.proposal.error !== undefined || c.proposal.updates.size === 0) continue;
    const signature = JSON.stringify(
      [...c.proposal.updates]
        .map(([p, v]) => [view.keyOf(p), formatValue(v)])
        .sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
    const first = seen.get(signature);
    if (first === undefined) seen.set(signature, c.index);
    else c.sameAs = first;
  }
}

/** A candidate as the selection prompt shows it: its new values and its reasoning. */
function candidateText(c: Candidate, view: ProblemView): string {
  const lines = [`Candidate ${c.index}:`];
  for (const [p, value] of c.proposal.updates) {
    const isCode = p.info.code === true;
    lines.push(valueBlock(`${view.keyOf(p)} (new value)`, formatValue(value), isCode));
  }
  const reasoning = c.proposal.reasoning?.trim();
  if (reasoning) lines.push(`Reasoning: ${formatValue(reasoning, 1500)}`);
  return lines.join("\n");
}

/** OptoPrimeMulti's factory and registration under the name `optoprime-multi`. */
export const optoPrimeMultiRegistration = optimizerRegistration(
  "optoprime-multi",
  (parameters, options: OptoPrimeMultiOptions) => new OptoPrimeMulti(parameters, options),
);

/** Name under which `registerOptoPrimeMulti` registers OptoPrimeMulti. */
export const OPTOPRIME_MULTI: string = optoPrimeMultiRegistration.name;

/** Options of `registerOptoPrimeMulti`: OptoPrimeMulti's options plus whether it becomes the default. */
export type RegisterOptoPrimeMultiOptions = RegisterWithOptions<OptoPrimeMultiOptions>;

/** Like `optoPrimeFactory`, for OptoPrimeMulti. */
export const optoPrimeMultiFactory = optoPrimeMultiRegistration.factory;

/**
 * Registers OptoPrimeMulti under the name `optoprime-multi` (and, unless `asDefault: false`, as
 * the container's default optimizer); see `registerOptoPrime`.
 */
export const registerOptoPrimeMulti = optoPrimeMultiRegistration.register;

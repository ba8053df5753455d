import {
  CancelledError,
  describeError,
  formatValue,
  InvalidOptionError,
  type LanguageModel,
  ModelCallLog,
  type ParameterNode,
  type ProblemView,
  type Proposal,
  type RejectedChange,
  type StepOptions,
} from "@trace-ts/core";
import { OPTOPRIME_OPTION_SCHEMA, type OptoPrimeOptions } from "./options.js";
import {
  type ConversationOutcome,
  keysOf,
  OptoPrime,
  type OptoPrimeDetails,
  throwIfCancelled,
} from "./optoprime.js";
import { readChoiceAnswer } from "./parse/choice.js";
import { valueBlock } from "./prompt/format.js";
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

/** Options of `OptoPrimeMulti`: those of `OptoPrime` plus how many candidates and how to choose. */
export interface OptoPrimeMultiOptions extends OptoPrimeOptions {
  /** How many candidate proposals to ask for, concurrently (default 3). */
  readonly candidates?: number;
  /**
   * Temperature of each candidate (used in turn). Default: spread evenly from 0 to 1 (one
   * candidate: the `temperature` option).
   */
  readonly temperatures?: readonly number[];
  /**
   * Extra instructions that make candidates differ, used in turn (e.g. "Make the smallest change
   * that could work." / "Try a different approach from the current one."). Default: none.
   */
  readonly variants?: readonly string[];
  /**
   * Chooses by score (highest wins) instead of asking the model to choose. See `CandidateScore`.
   */
  readonly score?: CandidateScore;
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
   * How it was chosen: `score`, `model`, `single` (only one distinct usable candidate),
   * `fallback` (the selection answer was unusable: the first usable candidate), `none`.
   */
  readonly selection: "score" | "model" | "single" | "fallback" | "none";
  /** Why the selection call could not be used, when it could not. */
  readonly selectionError?: string;
};

interface Candidate {
  readonly index: number;
  readonly temperature: number | undefined;
  readonly variant: string | undefined;
  readonly outcome: ConversationOutcome;
  sameAs: number | undefined;
}

/**
 * OptoPrimeMulti: asks for several candidate proposals at once (different temperatures and/or
 * prompt variants), then picks one — by a `score` function, or by one more model call that
 * compares them. Same prompt, parsing, validation, retries, memory and report as `OptoPrime`;
 * the report's details list every candidate, the scores and the choice.
 *
 * @example
 * const optimizer = new OptoPrimeMulti(params, { model, candidates: 4 });
 * const byTests = new OptoPrimeMulti(params, {
 *   model,
 *   score: (updates) => withValues(updates, () => runTests()), // passed-test count
 * });
 */
export class OptoPrimeMulti extends OptoPrime {
  /** Option names and kinds this class accepts. */
  protected static override readonly optionSchema = {
    ...OPTOPRIME_OPTION_SCHEMA,
    candidates: "integer",
    temperatures: "object",
    variants: "object",
    score: "function",
  } as const;
  /** `OptoPrimeMulti`. */
  override readonly name: string = "OptoPrimeMulti";
  readonly #count: number;
  readonly #temperatures: readonly (number | undefined)[];
  readonly #variants: readonly string[];
  readonly #score: CandidateScore | undefined;

  /**
   * @param parameters the trainable parameters
   * @param options OptoPrime's options plus `candidates`, `temperatures`, `variants`, `score`
   * @throws InvalidOptionError for unknown or invalid options
   */
  constructor(parameters: Iterable<ParameterNode>, options: OptoPrimeMultiOptions = {}) {
    super(parameters, options);
    const { candidates, temperatures, variants, score } = options;
    const count = candidates ?? 3;
    if (count < 1)
      throw new InvalidOptionError("OptoPrimeMulti", "candidates", `must be at least 1, got ${count}`);
    if (temperatures !== undefined) {
      if (
        !Array.isArray(temperatures) ||
        temperatures.length === 0 ||
        !temperatures.every((t) => typeof t === "number" && t >= 0)
      )
        throw new InvalidOptionError(
          "OptoPrimeMulti",
          "temperatures",
          "must be a non-empty array of numbers >= 0",
        );
    }
    if (variants !== undefined) {
      if (!Array.isArray(variants) || !variants.every((v) => typeof v === "string"))
        throw new InvalidOptionError("OptoPrimeMulti", "variants", "must be an array of strings");
    }
    this.#count = count;
    this.#temperatures = Array.from({ length: count }, (_, i) =>
      temperatures !== undefined
        ? temperatures[i % temperatures.length]
        : count === 1
          ? this.settings.temperature
          : Math.round((i / (count - 1)) * 100) / 100,
    );
    this.#variants = variants ?? [];
    this.#score = score;
  }

  override async propose(options: StepOptions = {}): Promise<Proposal> {
    const signal = options.signal;
    throwIfCancelled(signal);
    const view = this.problem();
    if (view.variables.length === 0) return this.nothingToOptimize(view);
    const model = this.resolveModel();
    const base = this.renderPrompt(view);
    this.logBudget(base.budget);
    const log = new ModelCallLog();
    const candidates: Candidate[] = await Promise.all(
      Array.from({ length: this.#count }, async (_, i) => {
        const variant = this.#variants.length > 0 ? this.#variants[i % this.#variants.length] : undefined;
        const prompt = variant === undefined ? base : this.renderPrompt(view, variant);
        const temperature = this.#temperatures[i];
        const outcome = await this.converse({
          model,
          view,
          messages: prompt.messages,
          temperature,
          label: `candidate ${i + 1}`,
          log,
          signal,
        });
        return { index: i + 1, temperature, variant, outcome, sameAs: undefined };
      }),
    );
    markRepeats(candidates, view);
    const usable = candidates.filter((c) => c.outcome.error === undefined && c.outcome.updates.size > 0);
    const distinct = usable.filter((c) => c.sameAs === undefined);

    let chosen: Candidate | undefined;
    let selection: OptoPrimeMultiDetails["selection"] = "none";
    let scores: (number | null)[] | undefined;
    let selectionError: string | undefined;
    if (distinct.length === 1) {
      chosen = distinct[0];
      selection = "single";
    } else if (distinct.length > 1 && this.#score !== undefined) {
      scores = candidates.map(() => null);
      let best = Number.NEGATIVE_INFINITY;
      for (const c of distinct) {
        throwIfCancelled(signal);
        let s: number;
        try {
          s = await this.#score(c.outcome.updates, info(c));
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
      selection = "score";
      if (chosen === undefined) selectionError = "every candidate's score failed or was not a number";
    } else if (distinct.length > 1) {
      const picked = await this.#selectByModel(model, base.messages[1]!.content, distinct, view, log, signal);
      if (typeof picked === "number") {
        chosen = distinct.find((c) => c.index === picked);
        selection = "model";
      } else {
        chosen = distinct[0];
        selection = "fallback";
        selectionError = picked.error;
      }
    }

    const terminate = usable.length === 0 && candidates.some((c) => c.outcome.terminate);
    let error: string | undefined;
    if (chosen === undefined && !terminate) {
      if (selectionError !== undefined) error = `no candidate could be chosen: ${selectionError}`;
      else if (candidates.every((c) => c.outcome.error !== undefined))
        error = `no candidate was usable: ${candidates.map((c) => `candidate ${c.index}: ${c.outcome.error}`).join(" | ")}`;
    }
    const errorCode = candidates.find((c) => c.outcome.errorCode !== undefined)?.outcome.errorCode;
    const shown = chosen ?? candidates.find((c) => c.outcome.parsed !== undefined);
    const details: OptoPrimeMultiDetails = {
      attempts: candidates.reduce((n, c) => n + c.outcome.attempts, 0),
      problems: candidates.flatMap((c) => c.outcome.problems),
      notes: shown?.outcome.parsed?.notes ?? [],
      ...(shown?.outcome.parsed?.answer !== undefined ? { answer: shown.outcome.parsed.answer } : {}),
      prompt: base.budget,
      memoryShown: this.settings.memorySize > 0 ? this.memory.length : 0,
      ...(error !== undefined && errorCode !== undefined ? { errorCode } : {}),
      candidates: candidates.map(record),
      ...(scores !== undefined ? { scores } : {}),
      chosen: chosen?.index,
      selection,
      ...(selectionError !== undefined ? { selectionError } : {}),
    };
    this.rememberLater(details, view);
    return {
      updates: chosen?.outcome.updates ?? new Map(),
      keys: keysOf(view),
      suggestion: chosen?.outcome.parsed?.suggestion ?? {},
      rejected: chosen?.outcome.rejected ?? [],
      reasoning: chosen?.outcome.parsed?.reasoning,
      answer: chosen?.outcome.parsed?.answer,
      terminate,
      error,
      ...(error !== undefined && errorCode !== undefined ? { errorCode } : {}),
      calls: log.calls,
      details,
    };
  }

  /** Asks the model which candidate is best: its number, or why the answer was unusable. */
  async #selectByModel(
    model: LanguageModel,
    problem: string,
    candidates: readonly Candidate[],
    view: ProblemView,
    log: ModelCallLog,
    signal: AbortSignal | undefined,
  ): Promise<number | { error: string }> {
    const blocks = candidates.map((c) => candidateText(c, view));
    const problemPart = problem.slice(0, problem.lastIndexOf("\n\n"));
    const messages = [
      { role: "system" as const, content: SELECTION_SYSTEM_PROMPT },
      {
        role: "user" as const,
        content: `${problemPart}\n\n#Candidates\n${blocks.join("\n\n")}\n\n${SELECTION_CLOSING}`,
      },
    ];
    this.logMessages("select", messages);
    let text: string;
    try {
      const result = await log.generate(
        model,
        {
          messages,
          ...(this.settings.jsonMode ? { responseFormat: { type: "json" } as const } : {}),
          temperature: 0,
          ...(this.settings.maxTokens !== undefined ? { maxTokens: this.settings.maxTokens } : {}),
          ...(signal !== undefined ? { signal } : {}),
        },
        "select",
      );
      text = result.text;
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      throwIfCancelled(signal);
      return { error: `the selection call failed: ${describeError(error)}` };
    }
    this.verboseLog(`[${this.name}] response (select):\n${text}`);
    const numbers = candidates.map((c) => c.index);
    const reading = readChoiceAnswer(text);
    if (reading.problem !== undefined) return { error: reading.problem };
    const choice = reading.choice;
    if (choice !== undefined && numbers.includes(choice)) return choice;
    return {
      error:
        choice === undefined
          ? "the selection answer named no candidate"
          : `the selection answer chose candidate ${choice}, which is not one of ${numbers.join(", ")}`,
    };
  }
}

function info(c: Candidate): CandidateInfo {
  return {
    index: c.index,
    suggestion: c.outcome.parsed?.suggestion ?? {},
    reasoning: c.outcome.parsed?.reasoning,
    temperature: c.temperature,
    variant: c.variant,
  };
}

function record(c: Candidate): CandidateRecord {
  return {
    index: c.index,
    temperature: c.temperature,
    variant: c.variant,
    suggestion: c.outcome.parsed?.suggestion ?? {},
    reasoning: c.outcome.parsed?.reasoning,
    terminate: c.outcome.terminate,
    error: c.outcome.error,
    rejected: c.outcome.rejected,
    sameAs: c.sameAs,
    attempts: c.outcome.attempts,
  };
}

/** Marks candidates whose updates repeat an earlier candidate's. */
function markRepeats(candidates: Candidate[], view: ProblemView): void {
  const seen = new Map<string, number>();
  for (const c of candidates) {
    if (c.outcome.error !== undefined || c.outcome.updates.size === 0) continue;
    const signature = JSON.stringify(
      [...c.outcome.updates]
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
  for (const [p, value] of c.outcome.updates) {
    const isCode = p.info.code === true;
    lines.push(valueBlock(`${view.keyOf(p)} (new value)`, formatValue(value), isCode));
  }
  const reasoning = c.outcome.parsed?.reasoning?.trim();
  if (reasoning) lines.push(`Reasoning: ${formatValue(reasoning, 1500)}`);
  return lines.join("\n");
}

import type {
  ParameterNode,
  ProblemView,
  Proposal,
  RejectedChange,
  StepOptions,
  StepReport,
} from "@trace-ts/core";
import { cancelledFrom } from "@trace-ts/core/llm";
import {
  type AnswerReading,
  checkAtLeast,
  keysOf,
  MODEL_OPTIMIZER_OPTION_SCHEMA,
  type ModelCallLog,
  ModelOptimizer,
  type ModelOptimizerOptions,
  type ModelOptimizerSettings,
  type OptionSchema,
  optimizerRegistration,
  type RegisterWithOptions,
} from "@trace-ts/core/optimizer";
import { checkMemory, isRememberable, type MemoryEntry, memoryEntryOf, outcomeOf } from "./memory.js";
import { type ParsedSuggestion, parseSuggestion } from "./parse/parse-suggestion.js";
import type { PromptBudgetReport } from "./prompt/budget.js";
import { DEFAULT_PROMPT_TOKEN_BUDGET, type RenderedPrompt, renderPrompt } from "./prompt/prompt.js";
import { DEFAULT_OBJECTIVE, retryMessage } from "./prompt/text.js";

/** Options of `OptoPrime` (and, with more, of `OptoPrimeMulti`): the shared ones plus its own. */
export interface OptoPrimeOptions extends ModelOptimizerOptions {
  /**
   * How many earlier steps to remember and show as #History (values the variables had, the
   * feedback they earned and what became of the suggestion — every step with feedback, including
   * refused and unchanged ones). Default 0: off, so each prompt depends only on the current graph.
   */
  readonly memorySize?: number;
  /**
   * Estimated tokens the prompt may take (system + problem message, about 4 characters a
   * token); larger problems are shortened section by section and the report says what was cut.
   * Default 32,000; `Infinity` turns the limit off.
   */
  readonly promptTokenBudget?: number;
  /** Ask the provider for JSON output (`responseFormat: { type: "json" }`) (default true). */
  readonly jsonMode?: boolean;
}

/** `OptoPrimeOptions` with defaults filled in: `optimizer.settings`. */
export interface OptoPrimeSettings extends ModelOptimizerSettings {
  /** Earlier steps shown as #History (0: off). */
  readonly memorySize: number;
  /** Estimated prompt token budget (Infinity: none). */
  readonly promptTokenBudget: number;
  /** Whether to ask for JSON output. */
  readonly jsonMode: boolean;
}

/** The option names and kinds `OptoPrime` accepts. */
export const OPTOPRIME_OPTION_SCHEMA = {
  ...MODEL_OPTIMIZER_OPTION_SCHEMA,
  memorySize: "integer",
  promptTokenBudget: "number",
  jsonMode: "boolean",
} as const satisfies OptionSchema;

/** What `OptoPrime` puts in `StepReport.details`. */
export type OptoPrimeDetails = {
  /** Model answers read (1 + the re-asks). */
  readonly attempts: number;
  /** Why each unusable answer was refused, one list per refused answer (sent back to the model). */
  readonly problems: readonly (readonly string[])[];
  /** Repairs made to read the last answer (fences, unescaped quotes, renamed keys, …). */
  readonly notes: readonly string[];
  /** The answer field of the last answer, when not empty. */
  readonly answer?: string;
  /** Prompt size and what was cut to fit `promptTokenBudget`. */
  readonly prompt: PromptBudgetReport;
  /** Earlier steps shown as #History. */
  readonly memoryShown: number;
  /**
   * The `code` of the error that stopped the step, when there was one (`UNUSABLE_ANSWER`, or the
   * model error's code such as `LLM_RATE_LIMIT`); the same as `report.errorCode`.
   */
  readonly errorCode?: string;
};

/** One conversation of `OptoPrime.proposeWith`: what it is for and how it is sampled. */
export interface SuggestionRequest {
  /** The purpose of the requests and the label of the calls (`propose`, `candidate 2`, …). */
  readonly purpose: string;
  /** Sampling temperature (default: the `temperature` setting). */
  readonly temperature?: number | undefined;
  /** Sample index (see `StepOptions.sample`). */
  readonly sample?: number | undefined;
  /** Cancels the calls. */
  readonly signal?: AbortSignal | undefined;
}

/** What the reader got from one answer: the parse, and the values converted and validated. */
interface ReadAnswer {
  readonly parsed: ParsedSuggestion;
  readonly updates: Map<ParameterNode, unknown>;
  readonly rejected: RejectedChange[];
}

const NOT_APPLIED = "not applied: other values of the same answer were invalid";

/**
 * OptoPrime: a generative optimizer that shows a language model the traced program between the
 * parameters and the outputs (code lines, documentation, values) together with the feedback, and
 * asks for new values as JSON `{"reasoning", "answer", "suggestion": {key: value}}`.
 *
 * Each `step()` renders the problem view (`renderPrompt`), asks the model through the shared
 * kernel (`ModelOptimizer.ask`), reads the answer with `parseSuggestion`, converts each value to
 * its parameter's type and validates it (code must compile and keep its signature). An unusable
 * answer is sent back with the problems stated, up to `maxRetries` times, in the same
 * conversation; then the step gives up and changes nothing, and the report says why (`error`,
 * `errorCode` `UNUSABLE_ANSWER`). Updates are all-or-nothing: one invalid value means none is
 * applied. Model errors end up in the report too; only cancellation (`CancelledError`) throws.
 *
 * @example
 * const optimizer = new OptoPrime(agent.parameters(), { model, memorySize: 3 });
 * optimizer.zeroFeedback();
 * const out = agent.run(input);
 * optimizer.backward(out, "The greeting must be in the user's language.");
 * const report = await optimizer.step();
 * console.log(formatChanges(report.applied), report.error ?? "");
 */
export class OptoPrime<S extends OptoPrimeSettings = OptoPrimeSettings> extends ModelOptimizer<S> {
  /** Option names and kinds this class accepts (subclasses extend it). */
  static override readonly optionSchema: OptionSchema = OPTOPRIME_OPTION_SCHEMA;
  /** `OptoPrime`. */
  readonly name: string = "OptoPrime";
  #memory: MemoryEntry[] = [];

  /**
   * @param parameters the trainable parameters (e.g. `agent.parameters()`)
   * @param options model, objective, memory, retries, budgets, logging (see `OptoPrimeOptions`)
   * @throws InvalidOptionError for unknown or invalid options
   */
  constructor(parameters: Iterable<ParameterNode>, options: OptoPrimeOptions = {}) {
    const cls = new.target as unknown as typeof OptoPrime;
    super(
      parameters,
      options,
      { objective: DEFAULT_OBJECTIVE },
      (shared, where) => cls.resolveSettings(where, options, shared) as S,
    );
  }

  /**
   * Checks the class's own options and returns the full settings (called once by the
   * constructor, after the shared options were checked). Subclasses with more options override
   * it and extend what `super.resolveSettings` returns.
   *
   * @param where the class name, for errors
   * @param options the user's options
   * @param shared the resolved shared settings
   * @throws InvalidOptionError for an out-of-range value
   */
  protected static resolveSettings(
    where: string,
    options: OptoPrimeOptions,
    shared: ModelOptimizerSettings,
  ): OptoPrimeSettings {
    checkAtLeast(where, "memorySize", options.memorySize, 0);
    checkAtLeast(where, "promptTokenBudget", options.promptTokenBudget, 100);
    return {
      ...shared,
      memorySize: options.memorySize ?? 0,
      promptTokenBudget: options.promptTokenBudget ?? DEFAULT_PROMPT_TOKEN_BUDGET,
      jsonMode: options.jsonMode ?? true,
    };
  }

  /** The remembered earlier steps (at most `memorySize`), oldest first. */
  get memory(): readonly MemoryEntry[] {
    return this.#memory;
  }

  /** Forgets the remembered steps. */
  clearMemory(): void {
    this.#memory = [];
  }

  /**
   * The prompt the next `step()` would send for the current feedback (or for `view`), without
   * calling the model: for inspection, tests and cost estimates.
   *
   * @param view the problem view (default: `this.problem()`)
   * @param note an extra line after the closing request
   */
  renderPrompt(view: ProblemView = this.problem(), note?: string): RenderedPrompt {
    const s = this.settings;
    return renderPrompt(view, {
      objective: s.objective,
      valueCharBudget: s.valueCharBudget,
      promptTokenBudget: s.promptTokenBudget,
      memory: s.memorySize > 0 ? this.#memory : [],
      ...(note !== undefined ? { note } : {}),
    });
  }

  /**
   * Asks the model for new values and returns them converted and validated, without changing
   * any parameter; `options.sample` is passed on to the requests. Throws only `CancelledError`
   * (aborted signal) and configuration errors (no model: `NoDefaultLanguageModelError`).
   */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    if (options.signal?.aborted) throw cancelledFrom(options.signal);
    const view = this.problem();
    if (view.variables.length === 0) return this.noFeedbackProposal(view);
    const prompt = this.renderPrompt(view);
    this.logBudget(prompt.budget);
    return this.proposeWith(view, prompt, this.newCallLog(), {
      purpose: "propose",
      sample: options.sample,
      signal: options.signal,
    });
  }

  /**
   * One conversation about `view` with `prompt`: asks, reads each answer (`parseSuggestion`,
   * then `prepareUpdates`), re-asks with the problems stated, and returns the proposal — empty,
   * with `error` and `errorCode`, when no answer was usable. A `TERMINATE` without suggestion
   * ends it with `terminate`; unknown keys next to valid values are only reported; when an answer
   * is refused, its valid values are reported as not applied (all or nothing).
   *
   * @param view the problem the prompt shows
   * @param prompt the rendered prompt
   * @param log records the calls (the proposal's `calls`)
   * @param request purpose, temperature, sample index and signal of the requests
   */
  protected async proposeWith(
    view: ProblemView,
    prompt: RenderedPrompt,
    log: ModelCallLog,
    request: SuggestionRequest,
  ): Promise<
    Proposal & {
      /** How the conversation went (answers read, refusals, repairs, prompt size), always present. */
      readonly details: OptoPrimeDetails;
    }
  > {
    const outcome = await this.ask<ReadAnswer>({
      messages: prompt.messages,
      purpose: request.purpose,
      read: this.#reader(view),
      retryMessage,
      log,
      request: {
        ...(this.settings.jsonMode ? { responseFormat: { type: "json" } as const } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        sample: request.sample,
      },
      signal: request.signal,
    });
    const parsed = outcome.value?.parsed;
    const details = (errorCode: string | undefined): OptoPrimeDetails => ({
      attempts: outcome.attempts,
      problems: outcome.problems,
      notes: parsed?.notes ?? [],
      ...(parsed?.answer !== undefined ? { answer: parsed.answer } : {}),
      prompt: prompt.budget,
      memoryShown: this.settings.memorySize > 0 ? this.#memory.length : 0,
      ...(errorCode !== undefined ? { errorCode } : {}),
    });
    const said = { reasoning: parsed?.reasoning, answer: parsed?.answer };
    if (!outcome.ok) {
      const read = outcome.value;
      const notApplied = [...(read?.updates ?? [])].map(([p, value]) => ({
        key: view.keyOf(p),
        value,
        reason: NOT_APPLIED,
      }));
      const failed = this.failedProposal(view, outcome.error, {
        calls: [...log.calls],
        rejected: [...(read?.rejected ?? []), ...notApplied],
        suggestion: parsed?.suggestion ?? {},
      });
      return { ...failed, ...said, details: details(failed.errorCode) };
    }
    return {
      updates: outcome.value.updates,
      keys: keysOf(view),
      suggestion: outcome.value.parsed.suggestion,
      rejected: outcome.value.rejected,
      ...said,
      terminate: outcome.value.parsed.terminate,
      calls: [...log.calls],
      details: details(undefined),
      view,
    };
  }

  /** Reads one answer for `view`: usable values, or the problems to send back. */
  #reader(view: ProblemView): (text: string) => AnswerReading<ReadAnswer> {
    const keys = view.variables.map((v) => v.key);
    const known = new Set(keys);
    const aliases: Record<string, string> = {};
    for (const v of view.variables) if (v.node.name !== v.key) aliases[v.node.name] = v.key;
    return (text) => {
      const parsed = parseSuggestion(text, { keys, aliases });
      const nothing = { parsed, updates: new Map(), rejected: [] };
      if (parsed.terminate) return { ok: true, value: nothing };
      if (Object.keys(parsed.suggestion).length === 0)
        return parsed.problems.length === 0
          ? { ok: true, value: nothing }
          : { ok: false, problems: parsed.problems, value: nothing };
      const value = { parsed, ...this.prepareUpdates(view, parsed.suggestion) };
      const invalid = value.rejected.filter((r) => known.has(r.key));
      // unknown keys next to good values are only reported; only unknown keys: say so
      const refused = invalid.length > 0 || value.updates.size > 0 ? invalid : value.rejected;
      const problems = refused.map((r) => `${r.key}: ${r.reason}`);
      return problems.length === 0 ? { ok: true, value } : { ok: false, problems, value };
    };
  }

  /** Prints what the budget cut, when `verbose`. */
  protected logBudget(budget: PromptBudgetReport): void {
    if (budget.cuts.length > 0)
      this.verboseLog(
        `[${this.name}] prompt shortened to about ${budget.estimatedTokens} tokens: ${budget.cuts.join("; ")}`,
      );
  }

  /**
   * Remembers every step made from a problem with feedback — the variables' values, the feedback
   * and what became of the suggestion (applied, unchanged, refused or failed, with the reason) —
   * so that #History shows failed and unchanged steps too, not only the ones that changed values.
   */
  protected override afterStep(report: StepReport, proposal: Proposal): void {
    const max = this.settings.memorySize;
    if (max === 0 || !isRememberable(proposal)) return;
    const budget = this.settings.valueCharBudget;
    this.#memory.push(memoryEntryOf(proposal.view, this.steps, budget, outcomeOf(report, budget)));
    if (this.#memory.length > max) this.#memory.splice(0, this.#memory.length - max);
  }

  protected override saveState(): unknown {
    return { memory: this.#memory.map((m) => ({ ...m })) };
  }

  protected override restoreState(data: unknown): void {
    if (data === null || data === undefined) {
      this.#memory = [];
      return;
    }
    const memory = checkMemory((data as { memory?: unknown }).memory);
    this.#memory = memory.slice(Math.max(0, memory.length - this.settings.memorySize));
  }
}

/** OptoPrime's factory and registration under the name `optoprime` (see `optimizerRegistration`). */
export const optoPrimeRegistration = optimizerRegistration(
  "optoprime",
  (parameters, options: OptoPrimeOptions) => new OptoPrime(parameters, options),
);

/** Name under which `registerOptoPrime` registers OptoPrime (`useOptimizer(c, "optoprime")`). */
export const OPTOPRIME: string = optoPrimeRegistration.name;

/** Options of `registerOptoPrime`: OptoPrime's options plus whether it becomes the default. */
export type RegisterOptoPrimeOptions = RegisterWithOptions<OptoPrimeOptions>;

/**
 * A factory building OptoPrime with `options`; without a `model` option, the model is the
 * default model of the container the factory is called with, looked up at the first step.
 */
export const optoPrimeFactory = optoPrimeRegistration.factory;

/**
 * Registers OptoPrime in a tsyringe container under the name `optoprime` and, unless
 * `asDefault: false`, as the container's default optimizer, so training code can write
 * `createOptimizer(params, container)` and the optimizer is chosen by configuration
 * (`useOptimizer(container, "optoprime")`, `TRACE_OPTIMIZER=optoprime`).
 *
 * @example
 * const container = createContainer();
 * registerLanguageModel(container, model);
 * registerOptoPrime(container, { memorySize: 3 });
 * const optimizer = createOptimizer(agent.parameters(), container);
 */
export const registerOptoPrime = optoPrimeRegistration.register;

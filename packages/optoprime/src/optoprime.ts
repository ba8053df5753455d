import {
  CancelledError,
  type ChatMessage,
  cancelledFrom,
  describeError,
  type GenerateRequest,
  getDefaultModel,
  type LanguageModel,
  ModelCallLog,
  Optimizer,
  type OptionSchema,
  type ParameterNode,
  type ProblemView,
  type Proposal,
  type RejectedChange,
  rootErrorCode,
  type StepOptions,
  type StepReport,
} from "@trace-ts/core";
import { checkMemory, type MemoryEntry, memoryEntryOf } from "./memory.js";
import {
  OPTOPRIME_OPTION_SCHEMA,
  type OptoPrimeOptions,
  type OptoPrimeSettings,
  resolveOptions,
} from "./options.js";
import { type ParsedSuggestion, parseSuggestion } from "./parse/parse-suggestion.js";
import type { PromptBudgetReport } from "./prompt/budget.js";
import { type RenderedPrompt, renderPrompt } from "./prompt/prompt.js";
import { retryMessage } from "./prompt/text.js";

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
  /** The `code` of the error that stopped the step (e.g. `LLM_RATE_LIMIT`), when there was one. */
  readonly errorCode?: string;
};

/** One conversation with the model: a prompt, its answers and re-asks. */
export interface Conversation {
  /** The model to ask. */
  readonly model: LanguageModel;
  /** The problem view the prompt was rendered from. */
  readonly view: ProblemView;
  /** The first messages (system + problem). */
  readonly messages: readonly ChatMessage[];
  /** Sampling temperature (undefined: the provider's). */
  readonly temperature: number | undefined;
  /** Label of the calls in the report (`propose`, `candidate 2`, …). */
  readonly label: string;
  /** Records the calls. */
  readonly log: ModelCallLog;
  /** Cancels the calls. */
  readonly signal: AbortSignal | undefined;
}

/** How a conversation ended. */
export interface ConversationOutcome {
  /** Converted, validated new values (empty when the answer was unusable, or suggested nothing). */
  readonly updates: Map<ParameterNode, unknown>;
  /** Suggested values not used, with reasons. */
  readonly rejected: RejectedChange[];
  /** The last answer, parsed. */
  readonly parsed: ParsedSuggestion | undefined;
  /** The model said TERMINATE and suggested nothing. */
  readonly terminate: boolean;
  /** Why no usable answer was obtained. */
  readonly error?: string;
  /** The `code` of the error behind `error`, when it was a `TraceError`. */
  readonly errorCode?: string;
  /** Answers read. */
  readonly attempts: number;
  /** Problems of each refused answer. */
  readonly problems: string[][];
}

/** Throws `CancelledError` when `signal` is aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledFrom(signal);
}

/**
 * OptoPrime: a generative optimizer that shows a language model the traced program between the
 * parameters and the outputs (code lines, documentation, values) together with the feedback, and
 * asks for new values as JSON `{"reasoning", "answer", "suggestion": {key: value}}`.
 *
 * Each `step()` renders the problem view (`renderPrompt`), calls the model, reads the answer
 * with `parseSuggestion`, converts each value to its parameter's type and validates it (code must
 * compile and keep its signature). An unusable answer is sent back with the problems stated, up to
 * `maxRetries` times, in the same conversation; then the step gives up and changes nothing, and
 * the report says why (`error`). Updates are all-or-nothing: one invalid value means none is
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
export class OptoPrime extends Optimizer {
  /** Option names and kinds this class accepts (subclasses extend it). */
  protected static readonly optionSchema: OptionSchema = OPTOPRIME_OPTION_SCHEMA;
  /** `OptoPrime`. */
  readonly name: string = "OptoPrime";
  /** The options, with defaults filled in. */
  protected readonly settings: OptoPrimeSettings;
  #memory: MemoryEntry[] = [];
  readonly #pending = new WeakMap<object, MemoryEntry>();

  /**
   * @param parameters the trainable parameters (e.g. `agent.parameters()`)
   * @param options model, objective, memory, retries, budgets, logging (see `OptoPrimeOptions`)
   * @throws InvalidOptionError for unknown or invalid options
   */
  constructor(parameters: Iterable<ParameterNode>, options: OptoPrimeOptions = {}) {
    super(parameters, options);
    const schema = (new.target as unknown as typeof OptoPrime).optionSchema;
    this.settings = resolveOptions(new.target.name, options, schema);
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

  /** The model to ask: the `model` option, else the container's default model. */
  protected resolveModel(): LanguageModel {
    return this.settings.model ?? getDefaultModel(this.settings.container);
  }

  /**
   * Asks the model for new values and returns them converted and validated, without changing
   * any parameter. Throws only `CancelledError` (aborted signal) and configuration errors (no
   * model: `NoDefaultModelError`).
   */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    const signal = options.signal;
    throwIfCancelled(signal);
    const view = this.problem();
    if (view.variables.length === 0) return this.nothingToOptimize(view);
    const model = this.resolveModel();
    const prompt = this.renderPrompt(view);
    this.logBudget(prompt.budget);
    const log = new ModelCallLog();
    const outcome = await this.converse({
      model,
      view,
      messages: prompt.messages,
      temperature: this.settings.temperature,
      label: "propose",
      log,
      signal,
    });
    const details: OptoPrimeDetails = {
      attempts: outcome.attempts,
      problems: outcome.problems,
      notes: outcome.parsed?.notes ?? [],
      ...(outcome.parsed?.answer !== undefined ? { answer: outcome.parsed.answer } : {}),
      prompt: prompt.budget,
      memoryShown: this.settings.memorySize > 0 ? this.#memory.length : 0,
      ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
    };
    this.rememberLater(details, view);
    return {
      updates: outcome.updates,
      keys: keysOf(view),
      suggestion: outcome.parsed?.suggestion ?? {},
      rejected: outcome.rejected,
      reasoning: outcome.parsed?.reasoning,
      answer: outcome.parsed?.answer,
      terminate: outcome.terminate,
      error: outcome.error,
      errorCode: outcome.errorCode,
      calls: log.calls,
      details,
    };
  }

  /** The proposal when no feedback reached any parameter: nothing to ask, an explanatory error. */
  protected nothingToOptimize(view: ProblemView): Proposal {
    return {
      updates: new Map(),
      suggestion: {},
      rejected: [],
      terminate: false,
      error:
        view.feedback.length === 0
          ? "no feedback reached the parameters: run the program, call optimizer.backward(output, feedback), then step()"
          : "the outputs that got feedback do not depend on any of this optimizer's parameters",
      calls: [],
    };
  }

  /** Remembers `view`'s (variables, feedback) once the step whose details these are is done. */
  protected rememberLater(details: object, view: ProblemView): void {
    if (this.settings.memorySize > 0)
      this.#pending.set(details, memoryEntryOf(view, this.steps + 1, this.settings.valueCharBudget));
  }

  /**
   * Runs one conversation: asks, reads, converts and validates; re-asks with the problems stated
   * (up to `maxRetries`); gives up with an `error` (and no updates) when no answer is usable.
   */
  protected async converse(c: Conversation): Promise<ConversationOutcome> {
    const { maxRetries, jsonMode, maxTokens } = this.settings;
    const keys = c.view.variables.map((v) => v.key);
    const known = new Set(keys);
    const aliases: Record<string, string> = {};
    for (const v of c.view.variables) if (v.node.name !== v.key) aliases[v.node.name] = v.key;
    const problems: string[][] = [];
    let messages: readonly ChatMessage[] = c.messages;
    for (let attempt = 0; ; attempt++) {
      throwIfCancelled(c.signal);
      const purpose = attempt === 0 ? c.label : `${c.label} (retry ${attempt})`;
      const request: GenerateRequest = {
        messages,
        ...(jsonMode ? { responseFormat: { type: "json" } as const } : {}),
        ...(c.temperature !== undefined ? { temperature: c.temperature } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(c.signal !== undefined ? { signal: c.signal } : {}),
      };
      this.logMessages(purpose, attempt === 0 ? messages : messages.slice(-1));
      let text: string;
      let cutOff: boolean;
      try {
        const result = await c.log.generate(c.model, request, purpose);
        text = result.text;
        cutOff = result.finishReason === "length";
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        throwIfCancelled(c.signal);
        const message = `the model call failed: ${describeError(error)}`;
        this.verboseLog(`[${this.name}] ${purpose}: ${message}`);
        return {
          updates: new Map(),
          rejected: [],
          parsed: undefined,
          terminate: false,
          error: message,
          ...(rootErrorCode(error) !== undefined ? { errorCode: rootErrorCode(error) } : {}),
          attempts: attempt,
          problems,
        };
      }
      this.verboseLog(`[${this.name}] response (${purpose}):\n${text}`);
      const parsed = parseSuggestion(text, { keys, aliases });
      const base = { parsed, attempts: attempt + 1, problems };
      if (parsed.terminate) return { ...base, updates: new Map(), rejected: [], terminate: true };

      const found: string[] = [];
      let prepared: { updates: Map<ParameterNode, unknown>; rejected: RejectedChange[] } = {
        updates: new Map(),
        rejected: [],
      };
      if (Object.keys(parsed.suggestion).length === 0) found.push(...parsed.problems);
      else {
        prepared = this.prepareUpdates(c.view, parsed.suggestion);
        const invalid = prepared.rejected.filter((r) => known.has(r.key));
        for (const r of invalid) found.push(`${r.key}: ${r.reason}`);
        // only unknown keys and nothing usable: say so (unknown keys next to good values are just reported)
        if (invalid.length === 0 && prepared.updates.size === 0)
          for (const r of prepared.rejected) found.push(`${r.key}: ${r.reason}`);
      }
      if (found.length > 0 && cutOff)
        found.push(
          "the answer was cut off by the token limit: keep the reasoning short and send the whole JSON",
        );
      if (found.length === 0) return { ...base, ...prepared, terminate: false };

      problems.push(found);
      if (attempt >= maxRetries) {
        const error = `no usable answer after ${attempt + 1} ${attempt === 0 ? "try" : "tries"}; nothing was changed. Last problems: ${found.join("; ")}`;
        this.verboseLog(`[${this.name}] ${error}`);
        const notApplied: RejectedChange[] = [...prepared.updates].map(([p, value]) => ({
          key: c.view.keyOf(p),
          value,
          reason: "not applied: other values of the same answer were invalid",
        }));
        return {
          ...base,
          updates: new Map(),
          rejected: [...prepared.rejected, ...notApplied],
          terminate: false,
          error,
        };
      }
      messages = [
        ...messages,
        { role: "assistant", content: text },
        { role: "user", content: retryMessage(found) },
      ];
    }
  }

  /** Prints through `log` when `verbose`. */
  protected verboseLog(message: string): void {
    if (this.settings.verbose) this.settings.log(message);
  }

  /** Prints messages about to be sent, when `verbose`. */
  protected logMessages(purpose: string, messages: readonly ChatMessage[]): void {
    if (!this.settings.verbose) return;
    const body = messages.map((m) => `--- ${m.role} ---\n${m.content}`).join("\n");
    this.settings.log(`[${this.name}] step ${this.steps + 1}, prompt (${purpose}):\n${body}`);
  }

  /** Prints what the budget cut, when `verbose`. */
  protected logBudget(budget: PromptBudgetReport): void {
    if (budget.cuts.length > 0)
      this.verboseLog(
        `[${this.name}] prompt shortened to about ${budget.estimatedTokens} tokens: ${budget.cuts.join("; ")}`,
      );
  }

  protected override afterStep(report: StepReport): void {
    const entry = report.details === undefined ? undefined : this.#pending.get(report.details);
    if (entry === undefined || report.applied.length === 0) return;
    this.#memory.push(entry);
    const max = this.settings.memorySize;
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

/** Parameter → key in the view, for reports. */
export function keysOf(view: ProblemView): Map<ParameterNode, string> {
  return new Map(view.variables.map((v) => [v.node as ParameterNode, v.key]));
}

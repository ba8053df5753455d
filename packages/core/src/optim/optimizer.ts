import { type BackwardOptions, backward } from "../backward/backward.js";
import type { Feedback, FeedbackRecord } from "../backward/feedback.js";
import { defaultPropagator, type Propagator } from "../backward/propagator.js";
import { checkIsolation, requireIsolation } from "../code/isolation.js";
import type { IsolationLevel } from "../code/runner.js";
import { InvalidOptionError } from "../errors/graph-errors.js";
import { TraceError } from "../errors/trace-error.js";
import { type Node, ParameterNode } from "../graph/node.js";
import { type ProblemView, type ProblemViewOptions, problemView } from "../problem/problem-view.js";
import { type ActiveSpan, getInstrumentation, instrument } from "../util/instrumentation.js";
import { type ApprovalHook, askApproval, proposedChange } from "./approval.js";
import { convertSuggestedValue } from "./convert.js";
import { InvalidParametersError, OptimizerStateError } from "./errors.js";
import { optimizerStart, recordProposal, recordStep } from "./instrumented.js";
import {
  type AppliedChange,
  type Proposal,
  type RejectedChange,
  type StepReport,
  totalUsage,
} from "./report.js";

/**
 * `step()` was called while an earlier `step()` of the same optimizer had not finished. Two steps
 * at once would read the same feedback and apply updates on top of each other; await the first
 * one (or use `propose()`, which changes nothing, for concurrent proposals).
 */
export class OptimizerBusyError extends TraceError {
  /** @param optimizer the optimizer's name */
  constructor(optimizer: string) {
    super(
      "OPTIMIZER_BUSY",
      `${optimizer}.step() was called while another step() of the same optimizer was still running; ` +
        "await the running step first (propose() may run concurrently, since it changes nothing)",
    );
  }
}

/** Options every optimizer accepts. */
export interface OptimizerOptions {
  /** How `backward()` passes feedback (default: the graph propagator). */
  readonly propagator?: Propagator<unknown>;
  /**
   * Asked about every change `step()` would apply (see `approve()`); a veto leaves the value
   * unchanged and lists the change in the report's `rejected`. More hooks: `addApproval()`.
   */
  readonly approve?: ApprovalHook;
  /**
   * Raises the isolation tier of the suggested code of every trainable code parameter given (see
   * `requireIsolation()`); it never lowers what a bundle or `TRACE_ISOLATION` asks for.
   */
  readonly isolation?: IsolationLevel;
}

/** The option names and kinds every optimizer accepts; subclasses add theirs to it. */
export const OPTIMIZER_OPTION_SCHEMA = {
  /** `propagator`: a `Propagator` object. */
  propagator: "object",
  /** `approve`: an approval hook function. */
  approve: "function",
  /** `isolation`: an isolation level name. */
  isolation: "string",
} as const;

/** Options of `approve()`. */
export interface ApproveOptions {
  /** The key of each parameter in the problem the model saw (default: its node key). */
  readonly keys?: ReadonlyMap<ParameterNode, string> | undefined;
  /** The model's reasoning, shown to the hooks. */
  readonly reasoning?: string | undefined;
}

/** Options of `step()` and `propose()`. */
export interface StepOptions {
  /** Cancels the model calls of this step. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Sample index of this proposal when several are asked for the same feedback (see
   * `proposeCandidates`): the model requests carry it, so cached or shared responses of one
   * sample are never reused for another. Absent for an ordinary proposal.
   */
  readonly sample?: number | undefined;
}

/** A candidate proposal with the score its updates earned (undefined: not scored or failed). */
export interface ScoredProposal {
  /** The proposal, as `proposeCandidates()` returned it. */
  readonly proposal: Proposal;
  /**
   * Its score on the scale of the scores the feedback carries (the trainer passes its guide's
   * score, where higher is better; an optimizer told to minimize reads it the same way it reads
   * its feedback), or undefined when it was not scored.
   */
  readonly score: number | undefined;
}

/** What `apply()` did. */
export interface ApplyResult {
  /** Values changed, before and after. */
  readonly applied: readonly AppliedChange[];
  /** Values refused, with reasons (nothing is changed for them). */
  readonly rejected: readonly RejectedChange[];
}

/** JSON form of an optimizer's state (`state()` / `loadState()`). */
export interface OptimizerState {
  /** Always `trace-ts/optimizer`. */
  readonly format: "trace-ts/optimizer";
  /** Format version. */
  readonly version: 1;
  /** The optimizer's name; `loadState` refuses another optimizer's state. */
  readonly optimizer: string;
  /** Steps taken so far. */
  readonly step: number;
  /** Optimizer-specific data (memory, history, …), plain JSON. */
  readonly data: unknown;
}

/** Updates and refused suggestions: the result of `prepareUpdates` and of `approve`. */
export interface PreparedUpdates {
  /** Converted, validated (and, from `approve`, approved) new values. */
  readonly updates: Map<ParameterNode, unknown>;
  /** Suggested values that cannot be used. */
  readonly rejected: RejectedChange[];
}

/** How many unreached backward calls an optimizer remembers (see `unreachedFeedback`). */
const MAX_UNREACHED = 100;

/**
 * Base class of every optimizer. It holds the trainable parameters and a propagator, and turns a
 * proposal into applied changes. Subclasses implement `propose()` (read the feedback, ask a model,
 * return converted and validated updates — without changing anything) and may keep state across
 * steps (`saveState`/`restoreState`, `afterStep`).
 *
 * The loop: `zeroFeedback()` → run the program → `backward(output, feedback)` (once per output of a
 * minibatch) → `await step()`.
 */
export abstract class Optimizer {
  /** The parameters this optimizer may change, in the order given. */
  readonly parameters: readonly ParameterNode[];
  /** How `backward()` passes feedback. */
  readonly propagator: Propagator<unknown>;
  /** Name used in reports and saved state, e.g. `OptoPrime`. */
  abstract readonly name: string;
  #steps = 0;
  #stepping = false;
  readonly #hooks: ApprovalHook[] = [];
  /** Backward calls since `zeroFeedback()` whose output depends on none of the parameters. */
  readonly #unreached: FeedbackRecord[] = [];

  /**
   * @param parameters the trainable parameters (e.g. `agent.parameters()`); non-trainable ones are
   *   ignored, duplicates and non-parameters are refused
   */
  constructor(parameters: Iterable<ParameterNode>, options: OptimizerOptions = {}) {
    const list: ParameterNode[] = [];
    for (const p of parameters) {
      if (!(p instanceof ParameterNode)) {
        throw new InvalidParametersError(new.target.name, `expected ParameterNodes, got ${String(p)}`);
      }
      if (list.includes(p)) throw new InvalidParametersError(new.target.name, `${p.name} is listed twice`);
      if (p.trainable) list.push(p);
    }
    if (list.length === 0) {
      throw new InvalidParametersError(
        new.target.name,
        "no trainable parameters; mark values with node(value, { trainable: true }) or methods with @bundle({ trainable: true })",
      );
    }
    this.parameters = list;
    this.propagator = options.propagator ?? defaultPropagator;
    if (options.approve !== undefined) {
      this.#hooks.push(checkHook(new.target.name, "approve", options.approve));
    }
    if (options.isolation !== undefined) {
      this.#raiseIsolation(checkIsolation(new.target.name, "isolation", options.isolation));
    }
    // every proposal, whoever asks for it (step, candidates, a trainer), is a unit of work of the
    // current instrumentation; step() calls the subclass's propose() itself, inside its own unit
    const self = this as unknown as { propose: (options?: StepOptions) => Promise<Proposal> };
    const propose = self.propose;
    this.#propose = propose;
    self.propose = (options?: StepOptions) => {
      if (getInstrumentation() === undefined) return propose.call(this, options);
      const start = () =>
        optimizerStart(this.name, "propose", this.#steps + 1, this.parameters.length, options?.sample);
      return instrument(start, async (span) => {
        const proposal = await propose.call(this, options);
        recordProposal(span, proposal);
        return proposal;
      });
    };
  }

  /** The subclass's `propose()`, not instrumented (step() instruments the whole step). */
  readonly #propose: (options?: StepOptions) => Promise<Proposal>;

  /**
   * Adds an approval hook (e.g. a trainer's). A change is applied by `step()` only when every hook
   * approves it. Returns a function that removes the hook again.
   *
   * @throws InvalidOptionError when `hook` is not a function
   */
  addApproval(hook: ApprovalHook): () => void {
    const checked = checkHook(`${this.name}.addApproval`, "hook", hook);
    this.#hooks.push(checked);
    return () => {
      const at = this.#hooks.indexOf(checked);
      if (at !== -1) this.#hooks.splice(at, 1);
    };
  }

  /** Whether any approval hook is set. */
  get hasApproval(): boolean {
    return this.#hooks.length > 0;
  }

  /**
   * Asks the approval hooks about each update, in order, and returns the updates every hook
   * approved plus a rejection (`vetoed: true`, reason `vetoed by the approval hook: …`) for each
   * vetoed one. A hook that throws vetoes; this never throws. Without hooks everything is kept.
   *
   * `step()` calls it between `propose()` and `apply()`; code that applies proposals itself
   * (`propose()` then `apply()`) should call it too, since `apply()` does not ask the hooks.
   *
   * @param updates new values by parameter, e.g. `proposal.updates`
   * @param options keys and reasoning shown to the hooks
   */
  async approve(
    updates: ReadonlyMap<ParameterNode, unknown>,
    options: ApproveOptions = {},
  ): Promise<PreparedUpdates> {
    const kept = new Map<ParameterNode, unknown>();
    const rejected: RejectedChange[] = [];
    const hooks = [...this.#hooks];
    for (const [parameter, value] of updates) {
      if (hooks.length === 0) {
        kept.set(parameter, value);
        continue;
      }
      const key = options.keys?.get(parameter) ?? parameter.key;
      const outcome = await askApproval(hooks, proposedChange(parameter, value, key, options.reasoning));
      if (outcome.approved) kept.set(parameter, value);
      else rejected.push({ key, value, reason: outcome.reason, vetoed: true });
    }
    return { updates: kept, rejected };
  }

  /**
   * Raises the isolation tier of the suggested code of this optimizer's code parameters to at
   * least `level` (parameters that are not code are left alone; a weaker level changes nothing).
   *
   * @throws InvalidOptionError for an unknown level
   */
  requireIsolation(level: IsolationLevel): void {
    this.#raiseIsolation(checkIsolation(`${this.name}.requireIsolation`, "level", level));
  }

  #raiseIsolation(level: IsolationLevel): void {
    for (const p of this.parameters) if (p.info.code === true) requireIsolation(p, level);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Forgets the feedback the parameters received. Call it before each forward pass. */
  zeroFeedback(): void {
    for (const p of this.parameters) p.zeroFeedback();
    this.#unreached.length = 0;
  }

  /**
   * Sends feedback backward from `output` with this optimizer's propagator. When the output
   * depends on none of this optimizer's parameters, the call is remembered (see
   * `unreachedFeedback`) so that the next step can say why nothing changed.
   */
  backward(
    output: Node,
    feedback: Feedback,
    options: Omit<BackwardOptions, "propagator"> = {},
  ): FeedbackRecord {
    const record = backward(output, feedback, { ...options, propagator: this.propagator });
    // a parameter the call reached holds the record as its newest feedback
    if (!this.parameters.some((p) => p.feedback.at(-1)?.record === record)) {
      if (this.#unreached.length >= MAX_UNREACHED) this.#unreached.shift();
      this.#unreached.push(record);
    }
    return record;
  }

  /**
   * The calls of `backward()` on this optimizer since the last `zeroFeedback()` (at most the last
   * 100) whose output depends on none of its parameters: their feedback reached nothing this
   * optimizer can change. Usually the graph was cut between the parameters and the output (a
   * value read with `.data` and passed on as plain data, a `@bundle` method called directly
   * instead of through `traced(obj)`); see `noDependencyMessage`.
   */
  get unreachedFeedback(): readonly FeedbackRecord[] {
    return this.#unreached;
  }

  /** The problem view of the parameters and the feedback they received. */
  problem(options?: ProblemViewOptions): ProblemView {
    return problemView(this.parameters, options);
  }

  /**
   * Asks for new values without changing anything: reads the feedback, queries the model, and
   * returns converted, validated updates with the record of how they were obtained.
   */
  abstract propose(options?: StepOptions): Promise<Proposal>;

  /**
   * One optimization step: `propose()`, then `approve()` the updates (when hooks are set), then
   * `apply()` the approved ones, then `afterStep()`.
   *
   * @throws OptimizerBusyError (the returned promise rejects) when another `step()` of this
   *   optimizer is still running
   */
  async step(options: StepOptions = {}): Promise<StepReport> {
    if (this.#stepping) throw new OptimizerBusyError(this.name);
    this.#stepping = true;
    try {
      return await this.#step(options);
    } finally {
      this.#stepping = false;
    }
  }

  #step(options: StepOptions): Promise<StepReport> {
    if (getInstrumentation() === undefined) return this.#stepBody(options, undefined);
    const start = () => optimizerStart(this.name, "step", this.#steps + 1, this.parameters.length);
    return instrument(start, (span) => this.#stepBody(options, span));
  }

  async #stepBody(options: StepOptions, span: ActiveSpan | undefined): Promise<StepReport> {
    const started = performance.now();
    const proposal = await this.#propose.call(this, options);
    if (span !== undefined) recordProposal(span, proposal);
    const report = await this.#finishStep(proposal, started);
    if (span !== undefined) recordStep(span, report);
    return report;
  }

  async #finishStep(proposal: Proposal, started: number): Promise<StepReport> {
    const approval = await this.approve(proposal.updates, {
      keys: proposal.keys,
      reasoning: proposal.reasoning,
    });
    const { applied, rejected } = this.apply(approval.updates, proposal.keys);
    this.#steps++;
    const report: StepReport = {
      optimizer: this.name,
      step: this.#steps,
      suggestion: proposal.suggestion,
      reasoning: proposal.reasoning,
      answer: proposal.answer,
      terminate: proposal.terminate,
      error: proposal.error,
      errorCode: proposal.errorCode,
      calls: proposal.calls,
      details: proposal.details,
      applied,
      rejected: [...proposal.rejected, ...approval.rejected, ...rejected],
      usage: totalUsage(proposal.calls),
      durationMs: performance.now() - started,
    };
    this.afterStep(report, proposal);
    return report;
  }

  /**
   * Asks for `count` candidate proposals for the current feedback, without changing anything.
   * The caller scores them (e.g. by applying each, evaluating, and reverting), tells the optimizer
   * the scores with `observeScores()`, and applies the one it chooses (`approve()` then
   * `apply()`). The default runs `propose()` `count` times concurrently, the first as an ordinary
   * proposal and the others with sample indices 1, 2, … (see `StepOptions.sample`); optimizers
   * with a better way to diversify (prompt variants, temperatures) override it.
   *
   * Cancellation rejects with `CancelledError` once every started proposal has settled.
   *
   * @param count how many candidates (at least 1)
   * @param options the signal of the step
   * @throws InvalidOptionError when `count` is not a positive integer
   */
  async proposeCandidates(count: number, options: StepOptions = {}): Promise<Proposal[]> {
    this.checkCandidateCount(count);
    const settled = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => this.propose(this.candidateOptions(i, options))),
    );
    const proposals: Proposal[] = [];
    for (const s of settled) {
      if (s.status === "rejected") throw s.reason;
      proposals.push(s.value);
    }
    return proposals;
  }

  /**
   * The options the default `proposeCandidates()` passes to `propose()` for candidate `index`
   * (from 0): the first is an ordinary proposal, the others carry sample indices 1, 2, ….
   * Optimizers that vary candidates otherwise (a temperature, a sample for every candidate)
   * override this instead of `proposeCandidates()`.
   *
   * @param index the candidate's position, from 0
   * @param options the options `proposeCandidates()` received
   */
  protected candidateOptions(index: number, options: StepOptions): StepOptions {
    return { ...options, sample: index === 0 ? undefined : index };
  }

  /**
   * Throws `InvalidOptionError` unless `count` is a positive integer: the check of
   * `proposeCandidates()`, for overrides that build their candidates themselves.
   */
  protected checkCandidateCount(count: number): void {
    if (!Number.isInteger(count) || count < 1)
      throw new InvalidOptionError(
        `${this.name}.proposeCandidates`,
        "count",
        `must be a positive integer, got ${count}`,
      );
  }

  /**
   * Tells the optimizer how the candidates of `proposeCandidates()` scored, before one of them is
   * applied, so that optimizers that learn from scores (e.g. OPRO's history of solutions) can
   * record every candidate, not only the one applied. The default ignores it. It changes no
   * parameter.
   *
   * @param scored each candidate with its score
   */
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the default ignores the scores; overrides use them
  observeScores(scored: readonly ScoredProposal[]): void {}

  /**
   * Sets new values. Each value is checked again with the parameter's validator; a parameter this
   * optimizer does not own, or an invalid value, is refused (and left unchanged) rather than thrown.
   * It does not ask the approval hooks: pass it what `approve()` kept.
   *
   * @param updates new values by parameter
   * @param keys optional key of each parameter for the report (default: its node key)
   */
  apply(
    updates: ReadonlyMap<ParameterNode, unknown>,
    keys?: ReadonlyMap<ParameterNode, string>,
  ): ApplyResult {
    const applied: AppliedChange[] = [];
    const rejected: RejectedChange[] = [];
    for (const [parameter, value] of updates) {
      const key = keys?.get(parameter) ?? parameter.key;
      if (!this.parameters.includes(parameter)) {
        rejected.push({ key, value, reason: `${parameter.name} is not one of this optimizer's parameters` });
        continue;
      }
      const reason = parameter.validate(value);
      if (reason !== undefined) {
        rejected.push({ key, value, reason });
        continue;
      }
      const before = parameter.peek();
      parameter.data = value;
      applied.push({ key, name: parameter.name, parameter, before, after: value });
    }
    return { applied, rejected };
  }

  /** Undoes applied changes (e.g. when a validation score got worse), newest first. */
  revert(applied: readonly AppliedChange[]): void {
    for (let i = applied.length - 1; i >= 0; i--) {
      const change = applied[i]!;
      change.parameter.data = change.before;
    }
  }

  /**
   * Converts and validates a model's suggestion (key → value as written) against a problem view:
   * unknown keys, values of the wrong type and code that does not compile are rejected with a
   * reason; values equal to the current one are dropped.
   */
  protected prepareUpdates(
    view: ProblemView,
    suggestion: Readonly<Record<string, unknown>>,
  ): PreparedUpdates {
    const updates = new Map<ParameterNode, unknown>();
    const rejected: RejectedChange[] = [];
    const byKey = new Map(view.variables.map((v) => [v.key, v.node]));
    for (const [key, raw] of Object.entries(suggestion)) {
      const parameter = byKey.get(key);
      if (parameter === undefined) {
        rejected.push({
          key,
          value: raw,
          reason: `'${key}' is not one of the variables (${[...byKey.keys()].join(", ")})`,
        });
        continue;
      }
      const converted = convertSuggestedValue(parameter, raw);
      if (!converted.ok) rejected.push({ key, value: raw, reason: converted.reason });
      else if (!converted.unchanged) updates.set(parameter, converted.value);
    }
    return { updates, rejected };
  }

  /**
   * Called after each `step()` with its report and the proposal it applied (e.g. to update a
   * memory from `proposal.view`, the problem the proposal was made from).
   */
  protected afterStep(_report: StepReport, _proposal: Proposal): void {}

  /** Optimizer-specific state as plain JSON (default: none). */
  protected saveState(): unknown {
    return null;
  }

  /** Restores what `saveState()` returned; throw `OptimizerStateError` for unusable data. */
  protected restoreState(_data: unknown): void {}

  /** The optimizer's state as plain JSON (not the parameter values: save the model for those). */
  state(): OptimizerState {
    return {
      format: "trace-ts/optimizer",
      version: 1,
      optimizer: this.name,
      step: this.#steps,
      data: this.saveState(),
    };
  }

  /** Restores a state from `state()` (possibly of another process). */
  loadState(state: unknown): void {
    if (state === null || typeof state !== "object")
      throw new OptimizerStateError("expected an object from state()");
    const s = state as Partial<OptimizerState>;
    if (s.format !== "trace-ts/optimizer")
      throw new OptimizerStateError("it is not optimizer state (format field missing)");
    if (s.version !== 1)
      throw new OptimizerStateError(`format version ${String(s.version)} is not supported (expected 1)`);
    if (s.optimizer !== this.name) {
      throw new OptimizerStateError(`it was saved by ${String(s.optimizer)}, not ${this.name}`);
    }
    if (!Number.isInteger(s.step) || (s.step as number) < 0)
      throw new OptimizerStateError("step must be a non-negative integer");
    this.restoreState(s.data);
    this.#steps = s.step as number;
  }
}

function checkHook(where: string, name: string, hook: unknown): ApprovalHook {
  if (typeof hook !== "function") {
    throw new InvalidOptionError(
      where,
      name,
      "must be a function (change) => boolean | { approved, reason } (or a Promise of one)",
    );
  }
  return hook as ApprovalHook;
}

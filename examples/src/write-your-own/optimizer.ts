import type { ParameterNode, Proposal, StepOptions } from "@trace-ts/core";
import {
  keysOf,
  ModelOptimizer,
  type ModelOptimizerOptions,
  optimizerRegistration,
} from "@trace-ts/core/optimizer";
import { readAssignments } from "./parser.js";
import { lineEditPrompt, lineEditRetry } from "./prompt.js";

/** What LineEdit reads from a usable answer: the values as written, converted and validated. */
interface Answer {
  readonly suggestion: Record<string, unknown>;
  readonly updates: Map<ParameterNode, unknown>;
}

/**
 * LineEdit: a small optimizer written on `ModelOptimizer`, as an example of adding one. It shows
 * the model the variables and the feedback (not the graph) and reads `key = JSON value` lines.
 * Everything else — options, the model to ask, re-asks, errors, reports, approval, state — comes
 * from the kernel.
 */
export class LineEdit extends ModelOptimizer {
  /** `LineEdit`. */
  readonly name = "LineEdit";

  /**
   * @param parameters the trainable parameters
   * @param options the shared options (model, objective, maxRetries, …)
   */
  constructor(parameters: Iterable<ParameterNode>, options: ModelOptimizerOptions = {}) {
    super(parameters, options, { objective: "Make the outputs satisfy their feedback." }, (shared) => shared);
  }

  /** Asks for new values once (plus re-asks), without changing anything. */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    const view = this.problem();
    if (view.variables.length === 0) return this.noFeedbackProposal(view);
    const log = this.newCallLog();
    const outcome = await this.ask<Answer>({
      messages: lineEditPrompt(view, this.settings.objective, this.settings.valueCharBudget),
      purpose: "propose",
      retryMessage: lineEditRetry,
      log,
      signal: options.signal,
      request: { sample: options.sample },
      read: (text) => {
        const reading = readAssignments(text);
        if (!reading.ok) return { ok: false, problems: reading.problems };
        const prepared = this.prepareUpdates(view, reading.value);
        if (prepared.rejected.length > 0)
          return { ok: false, problems: prepared.rejected.map((r) => `${r.key}: ${r.reason}`) };
        return { ok: true, value: { suggestion: reading.value, updates: prepared.updates } };
      },
    });
    if (!outcome.ok) return this.failedProposal(view, outcome.error, { calls: log.calls });
    return {
      updates: outcome.value.updates,
      keys: keysOf(view),
      suggestion: outcome.value.suggestion,
      rejected: [],
      terminate: false,
      calls: log.calls,
      view,
    };
  }
}

/** `lineEdit.register(container, options)` and `lineEdit.factory(options)`, under the name `line-edit`. */
export const lineEdit = optimizerRegistration(
  "line-edit",
  (parameters, options: ModelOptimizerOptions) => new LineEdit(parameters, options),
);

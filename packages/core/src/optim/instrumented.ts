/**
 * Optimizer steps and proposals as units of work of the current instrumentation
 * (`optimizer.step`): what starts them (optimizer, step number, parameters) and the summary of
 * how they ended (keys changed, refusals, termination, error code). Values and reasoning are
 * attached only when the instrumentation captures content.
 */
import { capturedText } from "../ops/llm-span.js";
import { type ActiveSpan, getInstrumentation, type SpanStart } from "../util/instrumentation.js";
import type { Proposal, StepReport } from "./report.js";

/** Which part of the optimizer's work a unit is: a whole step or a proposal alone. */
export type OptimizerPhase = "step" | "propose";

/**
 * How an optimizer's step or proposal starts as a unit of work.
 * @param optimizer the optimizer's name
 * @param phase `step` or `propose`
 * @param step the number of the step it belongs to (steps taken so far + 1)
 * @param parameters how many parameters the optimizer may change
 * @param sample the sample index of a candidate proposal, if any
 */
export function optimizerStart(
  optimizer: string,
  phase: OptimizerPhase,
  step: number,
  parameters: number,
  sample?: number,
): SpanStart {
  return {
    operation: "optimizer.step",
    name: `${optimizer} ${phase}`,
    attributes: {
      "trace_ts.optimizer.name": optimizer,
      "trace_ts.optimizer.phase": phase,
      "trace_ts.optimizer.step": step,
      "trace_ts.optimizer.parameters": parameters,
      "trace_ts.optimizer.sample": sample,
    },
  };
}

/** Adds the summary of a proposal to its span (and its values, when content is captured). */
export function recordProposal(span: ActiveSpan, proposal: Proposal): void {
  const keys = [...proposal.updates.keys()].map((p) => proposal.keys?.get(p) ?? p.key);
  span.setAttributes({
    "trace_ts.proposal.keys_changed": keys,
    "trace_ts.proposal.rejected": proposal.rejected.length,
    "trace_ts.proposal.terminate": proposal.terminate,
    "trace_ts.proposal.error_code": proposal.errorCode,
    "trace_ts.proposal.model_calls": proposal.calls.length,
  });
  if (getInstrumentation()?.captureContent !== true) return;
  const suggestion = jsonText(proposal.suggestion);
  span.addEvent("trace_ts.proposal", {
    "trace_ts.proposal.suggestion": suggestion === undefined ? undefined : capturedText(suggestion),
    "trace_ts.proposal.reasoning":
      proposal.reasoning === undefined ? undefined : capturedText(proposal.reasoning),
    "trace_ts.proposal.error": proposal.error === undefined ? undefined : capturedText(proposal.error),
  });
}

/** Adds what a step applied and refused in the end (after the approval hooks) to its span. */
export function recordStep(span: ActiveSpan, report: StepReport): void {
  span.setAttributes({
    "trace_ts.step.applied": report.applied.map((c) => c.key),
    "trace_ts.step.rejected": report.rejected.length,
  });
}

function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

import {
  feedbackToText,
  OptimizerStateError,
  type ProblemView,
  type Proposal,
  type StepReport,
} from "@trace-ts/core";
import { formatValue, truncateText } from "@trace-ts/core/optimizer";
import { shownType } from "./prompt/format.js";

/** A variable's value as remembered: its key, shown type and (possibly cut) text. */
export interface RememberedValue {
  /** The variable's key. */
  readonly key: string;
  /** Its type as shown (`number`, `code`, …). */
  readonly type: string;
  /** Its value as text, cut to the value budget. */
  readonly text: string;
}

/** Feedback as remembered: the output's key and the feedback text. */
export interface RememberedFeedback {
  /** Key of the output that got the feedback. */
  readonly key: string;
  /** The feedback as text, cut to the value budget. */
  readonly text: string;
}

/** What became of the change a remembered step suggested (`MemoryEntry.outcome`). */
export type StepOutcomeStatus = "applied" | "unchanged" | "refused" | "failed";

/**
 * What became of a remembered step's suggestion: `applied` (some value changed), `unchanged` (the
 * answer was usable but suggested no new value, or said TERMINATE), `refused` (the answer was
 * unusable after the re-asks, or its values were vetoed or invalid) or `failed` (the model call
 * failed), with the reason.
 */
export interface StepOutcome {
  /** What happened. */
  readonly status: StepOutcomeStatus;
  /** Which values changed, or why nothing did (cut to `OUTCOME_DETAIL_CHARS`). */
  readonly detail?: string;
}

/** One remembered step: the values the variables had, the feedback they earned, what happened. */
export interface MemoryEntry {
  /** The step (1-based) whose problem this was. */
  readonly step: number;
  /** The variables' values at that step. */
  readonly variables: readonly RememberedValue[];
  /** The feedback on that step's outputs. */
  readonly feedback: readonly RememberedFeedback[];
  /**
   * What became of the change suggested at that step. Absent in entries saved before it was
   * recorded (such states still load; their #History blocks have no outcome line).
   */
  readonly outcome?: StepOutcome;
}

/** At most this many characters of an outcome's reason are remembered and shown. */
export const OUTCOME_DETAIL_CHARS = 500;

const OUTCOME_STATUSES: readonly string[] = ["applied", "unchanged", "refused", "failed"];

/**
 * What became of a step's suggestion, read from its report: the keys applied (and the values
 * refused next to them), or why nothing changed.
 *
 * @param report the step's report
 * @param maxChars budget of the reason
 */
export function outcomeOf(report: StepReport, maxChars = OUTCOME_DETAIL_CHARS): StepOutcome {
  const cut = (text: string) => truncateText(text, Math.min(maxChars, OUTCOME_DETAIL_CHARS));
  const refused = report.rejected.map((r) => `${r.key}: ${r.reason}`).join("; ");
  if (report.applied.length > 0) {
    const changed = `changed ${report.applied.map((a) => a.key).join(", ")}`;
    return { status: "applied", detail: cut(refused ? `${changed}; not applied: ${refused}` : changed) };
  }
  if (report.error !== undefined)
    return {
      status: report.errorCode === "UNUSABLE_ANSWER" ? "refused" : "failed",
      detail: cut(report.error),
    };
  if (refused) return { status: "refused", detail: cut(refused) };
  return {
    status: "unchanged",
    detail: report.terminate ? "the answer said TERMINATE" : "the answer suggested no new value",
  };
}

/**
 * Whether a step's proposal is worth remembering: it was made from a problem with variables and
 * feedback (whatever became of it).
 */
export function isRememberable(proposal: Proposal): proposal is Proposal & { readonly view: ProblemView } {
  const view = proposal.view;
  return view !== undefined && view.variables.length > 0 && view.feedback.length > 0;
}

/**
 * The memory entry for a problem view: the variables' current values and the feedback, as plain
 * JSON text.
 *
 * @param view the problem view of the step
 * @param step the step number it belongs to
 * @param maxChars budget per value
 */
export function memoryEntryOf(
  view: ProblemView,
  step: number,
  maxChars: number,
  outcome?: StepOutcome,
): MemoryEntry {
  return {
    step,
    variables: view.variables.map((v) => ({
      key: v.key,
      type: shownType(v),
      text: truncateText(formatValue(v.value), maxChars),
    })),
    feedback: view.feedback.map((f) => ({
      key: f.key,
      text: truncateText(feedbackToText(f.feedback), maxChars),
    })),
    ...(outcome !== undefined ? { outcome } : {}),
  };
}

/**
 * Checks memory loaded from saved state (entries with or without `outcome`).
 * @throws OptimizerStateError when it is not a list of memory entries
 */
export function checkMemory(data: unknown): MemoryEntry[] {
  if (!Array.isArray(data)) throw new OptimizerStateError("OptoPrime memory must be an array");
  const isText = (v: unknown): v is string => typeof v === "string";
  for (const [i, e] of data.entries()) {
    const entry = e as Partial<MemoryEntry> | null;
    const ok =
      entry !== null &&
      typeof entry === "object" &&
      Number.isInteger(entry.step) &&
      Array.isArray(entry.variables) &&
      entry.variables.every((v) => isText(v?.key) && isText(v?.type) && isText(v?.text)) &&
      Array.isArray(entry.feedback) &&
      entry.feedback.every((f) => isText(f?.key) && isText(f?.text)) &&
      (entry.outcome === undefined || isOutcome(entry.outcome));
    if (!ok)
      throw new OptimizerStateError(
        `OptoPrime memory entry ${i} must be { step, variables: [{ key, type, text }], feedback: [{ key, text }], outcome?: { status, detail? } }`,
      );
  }
  return data as MemoryEntry[];
}

function isOutcome(value: unknown): boolean {
  const o = value as Partial<StepOutcome> | null;
  return (
    o !== null &&
    typeof o === "object" &&
    typeof o.status === "string" &&
    OUTCOME_STATUSES.includes(o.status) &&
    (o.detail === undefined || typeof o.detail === "string")
  );
}

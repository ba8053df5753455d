import { feedbackToText, OptimizerStateError, type ProblemView } from "@trace-ts/core";
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

/** One remembered step: the values the variables had and the feedback those values earned. */
export interface MemoryEntry {
  /** The step (1-based) whose problem this was. */
  readonly step: number;
  /** The variables' values at that step. */
  readonly variables: readonly RememberedValue[];
  /** The feedback on that step's outputs. */
  readonly feedback: readonly RememberedFeedback[];
}

/**
 * The memory entry for a problem view: the variables' current values and the feedback, as plain
 * JSON text.
 *
 * @param view the problem view of the step
 * @param step the step number it belongs to
 * @param maxChars budget per value
 */
export function memoryEntryOf(view: ProblemView, step: number, maxChars: number): MemoryEntry {
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
  };
}

/**
 * Checks memory loaded from saved state.
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
      entry.feedback.every((f) => isText(f?.key) && isText(f?.text));
    if (!ok)
      throw new OptimizerStateError(
        `OptoPrime memory entry ${i} must be { step, variables: [{ key, type, text }], feedback: [{ key, text }] }`,
      );
  }
  return data as MemoryEntry[];
}

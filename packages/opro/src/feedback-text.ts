import { type Feedback, feedbackToText } from "@trace-ts/core";

/**
 * Feedback as the OPRO prompt shows it next to its score. Text, numbers and flags as they are
 * (a number that is the score itself adds nothing and is left out); for structured feedback, a `score` field equal to the score shown is left out, and a single
 * remaining text field is shown as plain text, so `{ score: 0.4, feedback: "too formal" }` with
 * score 0.4 reads `too formal`.
 *
 * @param feedback the feedback as passed to `backward()`
 * @param score the score read from it, if any
 */
export function feedbackForPrompt(feedback: Feedback, score: number | undefined): string {
  if (typeof feedback === "number" && feedback === score) return "";
  if (feedback === null || typeof feedback !== "object") return feedbackToText(feedback);
  const shown = score !== undefined && Number(feedback.score) === score;
  const rest = shown ? Object.fromEntries(Object.entries(feedback).filter(([k]) => k !== "score")) : feedback;
  const values = Object.values(rest);
  if (values.length === 0) return "";
  if (values.length === 1 && typeof values[0] === "string") return values[0];
  return feedbackToText(rest);
}

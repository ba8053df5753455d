import type { Feedback } from "../graph/feedback-types.js";

// defined in graph/ (nodes store them); exported from here as well, with the rest of feedback
export type { Feedback, FeedbackRecord, ReceivedFeedback } from "../graph/feedback-types.js";

/** Whether a value is acceptable as feedback (see `Feedback`). */
export function isFeedback(value: unknown): value is Feedback {
  if (typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return !Number.isNaN(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Renders feedback as text for prompts and logs (objects as JSON). */
export function feedbackToText(feedback: Feedback): string {
  if (typeof feedback === "string") return feedback;
  if (typeof feedback === "object") return JSON.stringify(feedback);
  return String(feedback);
}

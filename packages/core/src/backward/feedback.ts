import type { Node } from "../graph/node.js";

/**
 * Feedback a user sends to an output: a sentence, a score, a pass/fail flag, or a structured
 * object such as `{ score: 0.4, feedback: "too formal" }`.
 */
export type Feedback = string | number | boolean | { readonly [key: string]: unknown };

/**
 * One `backward()` call: the output and the feedback it received. Created once per call and
 * shared, by reference, by every node the call reaches, so backward stays linear in graph size.
 */
export interface FeedbackRecord {
  /** Increasing identifier; orders records by the time of their backward call. */
  readonly id: number;
  /** The node that received the feedback. */
  readonly output: Node;
  /** The feedback exactly as the user passed it. */
  readonly feedback: Feedback;
  /** Name of the propagator that carried it. */
  readonly propagator: string;
}

/**
 * What one node received from one backward call: the shared record plus the value the propagator
 * computed for this node (for the default graph propagator, the feedback itself).
 */
export interface ReceivedFeedback<V = unknown> {
  /** The backward call this came from. */
  readonly record: FeedbackRecord;
  /** The propagated value for this node. */
  readonly value: V;
}

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

/**
 * The shapes of feedback and of what nodes store from `backward()` calls. They live in `graph/`
 * because every node holds them, so `graph/node.ts` needs nothing from `backward/`;
 * `backward/feedback.ts` re-exports them.
 */
import type { Node } from "./node.js";

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

/** One training or evaluation item. */
export interface Example<I = unknown, T = unknown> {
  /** What the agent receives. */
  readonly input: I;
  /** The expected answer or reference, for guides that compare against one. */
  readonly target?: T;
  /** An identifier for logs (optional). */
  readonly id?: string;
}

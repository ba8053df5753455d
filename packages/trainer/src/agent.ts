/**
 * What the trainer needs from an agent: its trainable parameters and a forward function. This is
 * deliberately small, so plain nodes, hand-written classes and `@model` classes all fit.
 */
import type { MaybeNode, ParameterNode } from "@trace-ts/core";

/**
 * Something with trainable parameters. `@model` classes fit as they are; for plain nodes use
 * `agentOf([p1, p2])`. When `state()` and `loadState()` exist the trainer checkpoints through them
 * (they can hold more than parameter values); otherwise it saves and restores each parameter's
 * value by name.
 */
export interface Agent {
  /** The parameters, in a stable order. Non-trainable ones are ignored. */
  parameters(): Iterable<ParameterNode>;
  /** The agent's state as plain JSON (optional). */
  state?(): unknown;
  /** Restores what `state()` returned (optional; required when `state` exists). */
  loadState?(state: unknown): void;
}

/** What the forward function receives besides the input. */
export interface ForwardContext {
  /** Index of the example in the dataset being run. */
  readonly index: number;
  /** Aborted when the run is cancelled or fails; pass it to model calls (`callLLM(…, { signal })`). */
  readonly signal: AbortSignal;
}

/**
 * Runs the agent on one input and returns its output: the traced node (needed for training, so
 * feedback can flow backward) or, for evaluation only, a plain value. Errors thrown inside traced
 * operations (`ExecutionError`) become feedback; see `evaluate`.
 */
export type Forward<I, O> = (input: I, context: ForwardContext) => MaybeNode<O> | Promise<MaybeNode<O>>;

/**
 * An agent made of the given parameters (for programs that keep plain nodes rather than a class).
 * @param parameters the trainable nodes
 */
export function agentOf(parameters: Iterable<ParameterNode>): Agent {
  const list = [...parameters];
  return { parameters: () => list };
}

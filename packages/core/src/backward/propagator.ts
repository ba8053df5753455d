import type { Node } from "../graph/node.js";
import type { Feedback } from "./feedback.js";
import { feedbackToText } from "./feedback.js";

/**
 * Decides what each node receives during `backward()`. The walk visits every ancestor of the
 * output once, children before parents (reverse topological order); for each node it first
 * `aggregate`s what the node's children sent (only when more than one did), then asks
 * `propagate` for one value per parent. Values are passed by reference: keep them small or
 * shared, so a backward call stays linear in the size of the graph.
 *
 * @typeParam V the value carried along edges
 */
export interface Propagator<V = unknown> {
  /** Short name, recorded with each backward call. */
  readonly name: string;
  /** The value the output itself receives for the user's feedback. */
  init(output: Node, feedback: Feedback): V;
  /** Combines the values several children sent to `node` into one. */
  aggregate(node: Node, values: readonly V[]): V;
  /** The values `node`'s parents receive: an array with one entry per `node.parents` element, in order. */
  propagate(node: Node, value: V): readonly V[];
}

/**
 * The default propagator: every ancestor of the output receives the user's feedback unchanged
 * (the same reference), and the optimizer later reads the graph between its parameters and the
 * outputs through the problem view. This is what OptoPrime, TextGrad and OPRO expect.
 */
export class GraphPropagator implements Propagator<Feedback> {
  readonly name = "graph";
  init(_output: Node, feedback: Feedback): Feedback {
    return feedback;
  }
  aggregate(_node: Node, values: readonly Feedback[]): Feedback {
    return values[0]!;
  }
  propagate(node: Node, value: Feedback): readonly Feedback[] {
    return new Array<Feedback>(node.parents.length).fill(value);
  }
}

/**
 * A propagator for scores and short texts: numbers that meet at a node are added; anything else
 * is joined as text, one line per distinct child message. Useful when the feedback is a
 * differentiable-style signal rather than a sentence about the whole program.
 */
export class SumPropagator implements Propagator<Feedback> {
  readonly name = "sum";
  init(_output: Node, feedback: Feedback): Feedback {
    return feedback;
  }
  aggregate(_node: Node, values: readonly Feedback[]): Feedback {
    if (values.every((v) => typeof v === "number")) return (values as number[]).reduce((a, b) => a + b, 0);
    return [...new Set(values.map(feedbackToText))].join("\n");
  }
  propagate(node: Node, value: Feedback): readonly Feedback[] {
    return new Array<Feedback>(node.parents.length).fill(value);
  }
}

/** The propagator `backward()` uses when none is given. */
export const defaultPropagator: Propagator<Feedback> = new GraphPropagator();

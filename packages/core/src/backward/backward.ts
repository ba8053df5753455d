import {
  BackwardTwiceError,
  InvalidFeedbackError,
  NotANodeError,
  PropagatorError,
} from "../errors/graph-errors.js";
import { Node, ParameterNode } from "../graph/node.js";
import { ancestorsInTopologicalOrder } from "../graph/traverse.js";
import { validateOptions } from "../util/options.js";
import { type Feedback, type FeedbackRecord, isFeedback } from "./feedback.js";
import { defaultPropagator, GraphPropagator, type Propagator } from "./propagator.js";

/** Options of `backward()`. */
export interface BackwardOptions {
  /** How feedback is passed from children to parents (default: `GraphPropagator`). */
  readonly propagator?: Propagator<unknown>;
  /**
   * Keep what intermediate nodes received (for inspection) and allow another `backward()` on the
   * same output. Without it, only parameters keep the feedback and a second call on the output
   * throws `BackwardTwiceError` until `zeroFeedback()`.
   */
  readonly retainGraph?: boolean;
}

let nextRecordId = 1;

/**
 * Sends feedback backward from `output` to every node it was computed from. Each reached
 * `ParameterNode` stores the call's `FeedbackRecord`, so an optimizer later knows which outputs
 * it influenced and what they were told. Several calls before one optimizer step (a minibatch,
 * each output with its own feedback) stay distinguishable by their records.
 *
 * Time and memory are linear in the number of ancestors of `output`: one shared record per call,
 * one visit per node, one value per edge.
 *
 * @param output the node the feedback is about (an output, or an `ExceptionNode`)
 * @param feedback a sentence, a score, a flag or a plain object
 * @returns the record of this call
 */
export function backward(output: Node, feedback: Feedback, options: BackwardOptions = {}): FeedbackRecord {
  if (!(output instanceof Node)) throw new NotANodeError("backward()", output);
  if (!isFeedback(feedback)) throw new InvalidFeedbackError(feedback);
  validateOptions("backward()", options, { propagator: "object", retainGraph: "boolean" });
  const retain = options.retainGraph ?? false;
  const propagator = options.propagator ?? defaultPropagator;
  for (const method of ["init", "aggregate", "propagate"] as const) {
    if (typeof propagator[method] !== "function") {
      throw new PropagatorError(String(propagator.name), output.name, `is missing the method ${method}()`);
    }
  }
  if (output.backwarded) throw new BackwardTwiceError(output.name);

  const record: FeedbackRecord = Object.freeze({
    id: nextRecordId++,
    output,
    feedback,
    propagator: String(propagator.name),
  });
  const order = ancestorsInTopologicalOrder([output]);
  if (propagator.constructor === GraphPropagator) {
    // the default propagator hands every ancestor the feedback itself: no per-edge values needed
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i]!;
      if (retain || node instanceof ParameterNode) node._receive({ record, value: feedback });
    }
  } else {
    // stored only after the whole walk succeeded, so a failing propagator leaves no partial feedback
    const deliveries = propagateGeneric(order, output, feedback, propagator, retain);
    for (const [node, value] of deliveries) node._receive({ record, value });
  }
  if (!retain) output._markBackwarded();
  return record;
}

/**
 * Forgets the feedback the given nodes received (usually an optimizer's parameters) and allows
 * `backward()` on them again. Call it before each forward pass of a training loop.
 */
export function zeroFeedback(nodes: Iterable<Node> | Node): void {
  if (nodes instanceof Node) {
    nodes.zeroFeedback();
    return;
  }
  for (const n of nodes) {
    if (!(n instanceof Node)) throw new NotANodeError("zeroFeedback()", n);
    n.zeroFeedback();
  }
}

/** Walks children before parents, aggregating and propagating one value per edge. */
function propagateGeneric(
  order: readonly Node[],
  output: Node,
  feedback: Feedback,
  propagator: Propagator<unknown>,
  retain: boolean,
): Array<[Node, unknown]> {
  const deliveries: Array<[Node, unknown]> = [];
  const inbox = new Map<Node, unknown[]>();
  inbox.set(output, [propagator.init(output, feedback)]);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    const received = inbox.get(node)!;
    inbox.delete(node);
    const value = received.length === 1 ? received[0] : propagator.aggregate(node, received);
    if (retain || node instanceof ParameterNode) deliveries.push([node, value]);
    const parents = node.parents;
    if (parents.length === 0) continue;
    const sent = propagator.propagate(node, value);
    if (!Array.isArray(sent) || sent.length !== parents.length) {
      throw new PropagatorError(
        String(propagator.name),
        node.name,
        `propagate() must return an array with one value per parent (${parents.length}), got ${
          Array.isArray(sent) ? `an array of length ${sent.length}` : typeof sent
        }`,
      );
    }
    for (let j = 0; j < parents.length; j++) {
      const parent = parents[j]!;
      const box = inbox.get(parent);
      if (box) box.push(sent[j]);
      else inbox.set(parent, [sent[j]]);
    }
  }
  return deliveries;
}

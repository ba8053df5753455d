import { ExecutionError } from "../errors/execution-error.js";
import { findStopError } from "../errors/stop-error.js";
import { currentTraceState } from "../graph/context.js";
import type { NameScope } from "../graph/naming.js";
import { ExceptionNode, MessageNode, Node, type Unwrap } from "../graph/node.js";

/** Name and one-line description of an operation, shown to optimizers as documentation. */
export interface OpSpec {
  /** Operation name used in code lines (`add0 = add(x=int0, y=b0)`) and as the name base. */
  readonly name: string;
  /** What the operation computes, in one sentence naming its inputs. */
  readonly description: string;
}

/** The plain values behind a record of inputs that may be nodes. */
export type InputValues<I> = { [K in keyof I]: Unwrap<I[K]> };

/** What `collectInputs` returns. */
export interface CollectedInputs<I> {
  /** The plain value of every input. */
  readonly values: InputValues<I>;
  /** The input nodes by name (plain values wrapped as constants); empty when not tracing. */
  readonly nodes: Record<string, Node>;
  /** The name counters in effect, for the nodes the operation creates. */
  readonly nameScope: NameScope;
}

/**
 * Reads each input's value and, while tracing, wraps each non-node input in a constant node.
 * Shared by `recordOp` and operations that compute asynchronously (`callLLM`, async bundles).
 * Reading an input node's data counts as a declared read for bundle dependency tracking.
 */
export function collectInputs<I extends Record<string, unknown>>(inputs: I): CollectedInputs<I> {
  const state = currentTraceState();
  const tracing = state.tracing;
  const observer = state.readObserver;
  const nameScope = state.names;
  const values: Record<string, unknown> = {};
  const nodes: Record<string, Node> = {};
  for (const k in inputs) {
    const x = inputs[k];
    if (x instanceof Node) {
      if (observer !== undefined) observer.onRead(x);
      values[k] = x._data;
      if (tracing) nodes[k] = x;
    } else {
      values[k] = x;
      if (tracing) nodes[k] = new Node(x, { nameScope });
    }
  }
  return { values: values as InputValues<I>, nodes, nameScope };
}

/**
 * Records one operation: reads the inputs (nodes or plain values), computes the result and
 * returns a `MessageNode` whose named inputs are the given nodes (plain values become constant
 * nodes). Inside `noTrace` the result has no parents. If `compute` throws, the failure is
 * recorded as an `ExceptionNode` and thrown as an `ExecutionError`.
 *
 * @param spec operation name and description
 * @param inputs the operation's inputs by parameter name
 * @param compute the operation on plain values
 */
export function recordOp<I extends Record<string, unknown>, R>(
  spec: OpSpec,
  inputs: I,
  compute: (values: InputValues<I>) => R,
): MessageNode<R> {
  const { values, nodes, nameScope } = collectInputs(inputs);
  let result: R;
  try {
    result = compute(values);
  } catch (error) {
    const stop = findStopError(error);
    if (stop !== undefined) throw stop; // a cancellation or spent budget ends the run; it is not feedback
    throw new ExecutionError(
      new ExceptionNode({ op: spec.name, description: spec.description, inputs: nodes, error, nameScope }),
      error,
    );
  }
  return new MessageNode(result, { op: spec.name, description: spec.description, inputs: nodes, nameScope });
}

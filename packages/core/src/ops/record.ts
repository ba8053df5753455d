import { ExecutionError } from "../errors/execution-error.js";
import { isTracing } from "../graph/context.js";
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

/**
 * Wraps each non-node input in a constant node (only while tracing) and reads each node's value.
 * Shared by `recordOp` and operations that compute asynchronously (`callLLM`, async bundles).
 */
export function collectInputs<I extends Record<string, unknown>>(
  inputs: I,
): { values: InputValues<I>; nodes: Record<string, Node> } {
  const tracing = isTracing();
  const values: Record<string, unknown> = {};
  const nodes: Record<string, Node> = {};
  for (const k in inputs) {
    const x = inputs[k];
    if (x instanceof Node) {
      values[k] = x.data;
      if (tracing) nodes[k] = x;
    } else {
      values[k] = x;
      if (tracing) nodes[k] = new Node(x);
    }
  }
  return { values: values as InputValues<I>, nodes };
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
  const { values, nodes } = collectInputs(inputs);
  let result: R;
  try {
    result = compute(values);
  } catch (error) {
    throw new ExecutionError(
      new ExceptionNode({ op: spec.name, description: spec.description, inputs: nodes, error }),
      error,
    );
  }
  return new MessageNode(result, { op: spec.name, description: spec.description, inputs: nodes });
}

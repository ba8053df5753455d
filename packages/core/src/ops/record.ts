import { ExecutionError } from "../errors/execution-error.js";
import { findStopError } from "../errors/stop-error.js";
import { currentTraceState } from "../graph/context.js";
import type { NameScope } from "../graph/naming.js";
import { ExceptionNode, MessageNode, Node } from "../graph/node.js";
import { FoundNodes, holdsNodes, type ToData, unwrapHeld } from "../graph/unwrap.js";

/** Name and one-line description of an operation, shown to optimizers as documentation. */
export interface OpSpec {
  /** Operation name used in code lines (`add0 = add(x=int0, y=b0)`) and as the name base. */
  readonly name: string;
  /** What the operation computes, in one sentence naming its inputs. */
  readonly description: string;
}

/** The plain values behind a record of inputs that may be nodes (or containers holding nodes). */
export type InputValues<I> = { [K in keyof I]: ToData<I[K]> };

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
 *
 * Nodes inside an input (an array, plain object, Map or Set holding nodes, at any depth, also
 * inside a node's value) are unwrapped: the operation sees their values (containers are copied
 * for that, never changed), and each node found becomes one more input, named after where it was
 * (`list[0]`, `messages[1].content`), so feedback reaches it. An input without nodes inside is
 * passed as it is.
 */
export function collectInputs<I extends Record<string, unknown>>(inputs: I): CollectedInputs<I> {
  const state = currentTraceState();
  const tracing = state.tracing;
  const observer = state.readObserver;
  const nameScope = state.names;
  const values: Record<string, unknown> = {};
  const nodes: Record<string, Node> = {};
  let found: FoundNodes | undefined;
  let foundIn: string[] | undefined;
  for (const k in inputs) {
    const x = inputs[k];
    let value: unknown;
    if (x instanceof Node) {
      if (observer !== undefined) observer.onRead(x);
      value = x._data;
      if (tracing) nodes[k] = x;
    } else value = x;
    if (typeof value === "object" && value !== null && holdsNodes(value)) {
      found ??= new FoundNodes();
      const before = found.list.length;
      value = unwrapHeld(value, found, observer && ((n) => observer.onRead(n)));
      foundIn ??= [];
      for (let i = before; i < found.list.length; i++) foundIn.push(k);
    }
    values[k] = value;
    if (tracing && !(x instanceof Node)) nodes[k] = new Node(value, { nameScope });
  }
  if (tracing && found !== undefined) addFoundInputs(nodes, found, foundIn!);
  return { values: values as InputValues<I>, nodes, nameScope };
}

/** Adds the nodes found inside inputs as inputs named `<input><path>`, skipping direct inputs. */
function addFoundInputs(nodes: Record<string, Node>, found: FoundNodes, foundIn: readonly string[]): void {
  const direct = new Set(Object.values(nodes));
  found.list.forEach(({ node, path }, i) => {
    if (direct.has(node)) return;
    direct.add(node);
    nodes[`${foundIn[i]}${path}`] = node;
  });
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

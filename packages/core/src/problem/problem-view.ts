import type { Feedback, FeedbackRecord } from "../backward/feedback.js";
import { NotANodeError } from "../errors/graph-errors.js";
import { ExceptionNode, MessageNode, type Node, ParameterNode } from "../graph/node.js";
import { ancestorsInTopologicalOrder } from "../graph/traverse.js";
import { type ValueType, valueTypeOf } from "./value-type.js";

/** One node as the problem view presents it. */
export interface ProblemEntry {
  /** Identifier the model sees; unique within this view (see `ProblemView.nodeByKey`). */
  readonly key: string;
  /** The node itself. */
  readonly node: Node;
  /** Its current value. */
  readonly value: unknown;
  /** Coarse type of the value (`code` for function source). */
  readonly type: ValueType;
  /** The node's description, when it has one. */
  readonly description: string;
  /** The parameter's constraint (variables only). */
  readonly constraint?: string;
}

/** Feedback one output received. */
export interface OutputFeedback {
  /** Key of the output in this view. */
  readonly key: string;
  /** The output node. */
  readonly output: Node;
  /** The feedback as the user sent it. */
  readonly feedback: Feedback;
  /** The backward call it came from. */
  readonly record: FeedbackRecord;
}

/**
 * The shared graph interface every optimizer reads: the minimal subgraph that links a set of
 * trainable parameters to the outputs that received feedback, classified for presentation.
 */
export interface ProblemView {
  /** The nodes of the subgraph in topological order (parents first). */
  readonly nodes: readonly Node[];
  /** The chosen trainable parameters that some feedback reached, in the order they were given. */
  readonly variables: readonly ProblemEntry[];
  /** Fixed values the subgraph reads: roots and values computed without any chosen parameter. */
  readonly inputs: readonly ProblemEntry[];
  /** Values computed from the variables that are not outputs. */
  readonly intermediates: readonly ProblemEntry[];
  /** The nodes that received feedback. */
  readonly outputs: readonly ProblemEntry[];
  /** One line per operation in topological order, e.g. `add0 = add(x=int0, y=b0)`. */
  readonly code: readonly string[];
  /** Description of each operation that appears in `code`, by operation name. */
  readonly documentation: Readonly<Record<string, string>>;
  /** Feedback per output, in the order of the backward calls. */
  readonly feedback: readonly OutputFeedback[];
  /** Key → node for every node in the view (to map a model's answer back to parameters). */
  readonly nodeByKey: ReadonlyMap<string, Node>;
  /** Node → key in this view. */
  keyOf(node: Node): string;
}

/** Options of `problemView()`. */
export interface ProblemViewOptions {
  /**
   * The backward calls to include. Default: every record that reached any of the parameters.
   */
  readonly records?: readonly FeedbackRecord[];
}

/**
 * Builds the problem view for `parameters`: takes the outputs of the feedback records that reached
 * them, walks their ancestors once, and keeps a node when it is one of the parameters or depends
 * on one (plus the direct inputs of such nodes, which become `inputs`). Linear in the number of
 * ancestors of the outputs.
 */
export function problemView(
  parameters: readonly ParameterNode[],
  options: ProblemViewOptions = {},
): ProblemView {
  const chosen = new Set<Node>();
  for (const p of parameters) {
    if (!(p instanceof ParameterNode)) throw new NotANodeError("problemView() parameters", p);
    chosen.add(p);
  }
  const records = options.records ? [...new Set(options.records)] : collectRecords(parameters);
  records.sort((a, b) => a.id - b.id);
  const outputs = new Set<Node>(records.map((r) => r.output));

  // mark: a chosen parameter, or a node with a marked parent
  const order = ancestorsInTopologicalOrder(outputs);
  const marked = new Set<Node>();
  for (const node of order) {
    if (chosen.has(node)) {
      marked.add(node);
      continue;
    }
    for (const p of node.parents) {
      if (marked.has(p)) {
        marked.add(node);
        break;
      }
    }
  }
  // the subgraph: marked nodes and the unmarked parents they read
  const inView = new Set<Node>(marked);
  for (const node of marked) for (const p of node.parents) inView.add(p);
  for (const out of outputs) inView.add(out);
  const nodes = order.filter((n) => inView.has(n));

  const keys = assignKeys(nodes);
  const keyOf = (node: Node): string => {
    const k = keys.get(node);
    if (k === undefined) throw new Error(`${node.name} is not part of this problem view`);
    return k;
  };
  const entry = (node: Node): ProblemEntry => ({
    key: keyOf(node),
    node,
    value: node._data,
    type: valueTypeOf(node),
    description: node.description,
    ...(node instanceof ParameterNode && node.constraint !== undefined
      ? { constraint: node.constraint }
      : {}),
  });

  const variables = parameters.filter((p) => inView.has(p) && p.trainable).map(entry);
  const variableSet = new Set(variables.map((v) => v.node));
  const inputs: ProblemEntry[] = [];
  const intermediates: ProblemEntry[] = [];
  const code: string[] = [];
  const documentation: Record<string, string> = {};
  for (const node of nodes) {
    if (variableSet.has(node)) continue;
    const isOp = marked.has(node) && node instanceof MessageNode && node.parents.length > 0;
    if (!isOp) {
      if (!outputs.has(node)) inputs.push(entry(node));
      continue;
    }
    const msg = node as MessageNode;
    const args = Object.entries(msg.inputs)
      .map(([name, p]) => `${name}=${keyOf(p)}`)
      .join(", ");
    code.push(`${keyOf(msg)} = ${msg.op}(${args})`);
    if (!(msg.op in documentation)) documentation[msg.op] = msg.description;
    if (!outputs.has(node)) intermediates.push(entry(node));
  }
  const outputEntries = [...outputs].map(entry);
  const feedback = records.map((record) => ({
    key: keyOf(record.output),
    output: record.output,
    feedback: record.feedback,
    record,
  }));
  const nodeByKey = new Map<string, Node>();
  for (const [node, key] of keys) nodeByKey.set(key, node);
  return {
    nodes,
    variables,
    inputs,
    intermediates,
    outputs: outputEntries,
    code,
    documentation,
    feedback,
    nodeByKey,
    keyOf,
  };
}

/** Every distinct feedback record that reached any of the parameters. */
function collectRecords(parameters: readonly ParameterNode[]): FeedbackRecord[] {
  const seen = new Set<FeedbackRecord>();
  for (const p of parameters) for (const f of p.feedback) seen.add(f.record);
  return [...seen];
}

/**
 * Node keys are unique within a naming scope, but a view can mix nodes of several scopes (a
 * parameter created at module level, a graph built in `graphScope`). Repeated keys get a suffix
 * so the model's answer always maps back to one node.
 */
function assignKeys(nodes: readonly Node[]): Map<Node, string> {
  const keys = new Map<Node, string>();
  const used = new Set<string>();
  for (const node of nodes) {
    let key = node.key;
    if (used.has(key)) {
      let i = 2;
      while (used.has(`${node.key}__${i}`)) i++;
      key = `${node.key}__${i}`;
    }
    used.add(key);
    keys.set(node, key);
  }
  return keys;
}

/** Whether a view entry's node is an `ExceptionNode` (an output that is an error). */
export function isExceptionEntry(entry: ProblemEntry): boolean {
  return entry.node instanceof ExceptionNode;
}

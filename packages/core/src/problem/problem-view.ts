import type { Feedback, FeedbackRecord } from "../backward/feedback.js";
import { NotAParameterError } from "../errors/graph-errors.js";
import { ExceptionNode, MessageNode, type Node, ParameterNode } from "../graph/node.js";
import { freshStamp } from "../graph/stamp.js";
import { walkAncestors } from "../graph/traverse.js";
import { formatValue } from "./format-value.js";

const MARKED = 1;
const IN_VIEW = 2;
const OUTPUT = 4;
const VARIABLE = 8;

import { type ValueType, valueTypeOf } from "./value-type.js";

/** One node as the problem view presents it (`ProblemEntry<ParameterNode>` for variables). */
export interface ProblemEntry<N extends Node = Node> {
  /** Identifier the model sees; unique within this view (see `ProblemView.nodeByKey`). */
  readonly key: string;
  /** The node itself. */
  readonly node: N;
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
  /**
   * The nodes of the subgraph in the order they were created, which is the order the operations
   * ran (parents always come before their children).
   */
  readonly nodes: readonly Node[];
  /** The chosen trainable parameters that some feedback reached, in the order they were given. */
  readonly variables: readonly ProblemEntry<ParameterNode>[];
  /**
   * Fixed values the subgraph reads: roots and values computed without any chosen parameter.
   * Constants with the same type and value (the same input string used twice, say) are listed
   * once: they share one key (see `keyOf`).
   */
  readonly inputs: readonly ProblemEntry[];
  /** Values computed from the variables that are not outputs. */
  readonly intermediates: readonly ProblemEntry[];
  /** The nodes that received feedback. */
  readonly outputs: readonly ProblemEntry[];
  /** One line per operation in the order the operations ran, e.g. `add0 = add(x=int0, y=b0)`. */
  readonly code: readonly string[];
  /** Description of each operation that appears in `code`, by operation name. */
  readonly documentation: Readonly<Record<string, string>>;
  /** Feedback per output, in the order of the backward calls. */
  readonly feedback: readonly OutputFeedback[];
  /**
   * Key → node for every node in the view (to map a model's answer back to parameters); a key
   * shared by identical constants maps to the first of them.
   */
  readonly nodeByKey: ReadonlyMap<string, Node>;
  /**
   * Node → key in this view (for nodes of this view). Constants shown once (plain roots without a
   * description, with the same type and value) share the key of the first of them.
   */
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
  for (const p of parameters)
    if (!(p instanceof ParameterNode)) throw new NotAParameterError("problemView()", p);
  const records = options.records ? [...new Set(options.records)] : collectRecords(parameters);
  records.sort((a, b) => a.id - b.id);
  const outputs = [...new Set<Node>(records.map((r) => r.output))];
  const stamp = freshStamp();
  const order = walkAncestors(outputs, stamp);

  // MARKED: a chosen parameter, or a node with a marked parent (decided in topological order)
  for (const p of parameters) if (p._stamp === stamp) p._flags |= MARKED;
  for (const o of outputs) o._flags |= OUTPUT | IN_VIEW;
  for (const node of order) {
    if ((node._flags & MARKED) !== 0) continue;
    for (const p of node.parents) {
      if ((p._flags & MARKED) !== 0) {
        node._flags |= MARKED;
        break;
      }
    }
  }
  // the subgraph: marked nodes, the unmarked parents they read, and the outputs
  for (const node of order) {
    if ((node._flags & MARKED) === 0) continue;
    node._flags |= IN_VIEW;
    for (const p of node.parents) p._flags |= IN_VIEW;
  }
  const nodes: Node[] = [];
  for (const node of order) if ((node._flags & IN_VIEW) !== 0) nodes.push(node);
  inCreationOrder(nodes);

  const duplicates = identicalConstants(nodes);
  const keyed = duplicates.size === 0 ? nodes : nodes.filter((n) => !duplicates.has(n));
  const keys = assignKeys(keyed);
  const nodeByKey = keys.nodeByKey;
  const keyOf =
    duplicates.size === 0 ? keys.keyOf : (node: Node): string => keys.keyOf(duplicates.get(node) ?? node);
  const entry = <N extends Node>(node: N): ProblemEntry<N> => ({
    key: keyOf(node),
    node,
    value: node._data,
    type: valueTypeOf(node),
    description: node.description,
    constraint: node instanceof ParameterNode ? node.constraint : undefined,
  });

  const variables: ProblemEntry<ParameterNode>[] = [];
  for (const p of parameters) {
    if (p._stamp === stamp && (p._flags & (IN_VIEW | VARIABLE)) === IN_VIEW && p.trainable) {
      p._flags |= VARIABLE;
      variables.push(entry(p));
    }
  }
  const inputs: ProblemEntry[] = [];
  const intermediates: ProblemEntry[] = [];
  const code: string[] = [];
  const documentation: Record<string, string> = {};
  for (const node of nodes) {
    const flags = node._flags;
    if ((flags & VARIABLE) !== 0) continue;
    const isOp = (flags & MARKED) !== 0 && node instanceof MessageNode && node.parents.length > 0;
    if (!isOp) {
      if ((flags & OUTPUT) === 0 && !duplicates.has(node)) inputs.push(entry(node));
      continue;
    }
    const msg = node as MessageNode;
    code.push(codeLine(msg, keyOf));
    if (documentation[msg.op] === undefined) documentation[msg.op] = msg.description;
    if ((flags & OUTPUT) === 0) intermediates.push(entry(node));
  }
  const feedback = records.map((record) => ({
    key: keyOf(record.output),
    output: record.output,
    feedback: record.feedback,
    record,
  }));
  return {
    nodes,
    variables,
    inputs,
    intermediates,
    outputs: outputs.map(entry),
    code,
    documentation,
    feedback,
    get nodeByKey() {
      return nodeByKey();
    },
    keyOf,
  };
}

/**
 * Sorts nodes by creation (`id`), the order the operations ran; the ancestor walk yields a
 * depth-first order, which differs when outputs share inputs or an operation reads several
 * branches. Already-sorted lists (the common chain) are detected in one pass.
 */
function inCreationOrder(nodes: Node[]): void {
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i - 1]!.id > nodes[i]!.id) {
      nodes.sort((a, b) => a.id - b.id);
      return;
    }
  }
}

/**
 * Constants shown once: plain roots (not parameters, not operation results, not outputs) without
 * a description whose name base, type and value equal an earlier one's (`str0` and `str3` both
 * holding "Hello"). Maps each repeat to the first.
 */
function identicalConstants(nodes: readonly Node[]): Map<Node, Node> {
  const repeats = new Map<Node, Node>();
  let firsts: Map<string, Node> | undefined;
  for (const node of nodes) {
    if (
      node.parents.length > 0 ||
      node instanceof ParameterNode ||
      node instanceof MessageNode ||
      (node._flags & OUTPUT) !== 0 ||
      node.description !== ""
    )
      continue;
    const value = node._data;
    // functions and symbols are told apart by identity, which their text does not show
    if (typeof value === "function" || typeof value === "symbol") continue;
    // constants the user named differently stay apart: their names say what they are
    const name = node.name;
    const base = name.slice(0, name.lastIndexOf(":"));
    const identity =
      value !== null && typeof value === "object"
        ? `${base}\u0000${valueTypeOf(node)}:${formatValue(value)}`
        : `${base}\u0000${typeof value}:${String(value)}`;
    firsts ??= new Map();
    const first = firsts.get(identity);
    if (first === undefined) firsts.set(identity, node);
    else repeats.set(node, first);
  }
  return repeats;
}

/** `key = op(name=inputKey, …)` for one operation, as one flat string (cheaper to keep than a rope of pieces). */
function codeLine(msg: MessageNode, keyOf: (n: Node) => string): string {
  const parts: string[] = [keyOf(msg), " = ", msg.op, "("];
  const inputs = msg.inputs;
  let first = true;
  for (const name in inputs) {
    if (!first) parts.push(", ");
    first = false;
    parts.push(name, "=", keyOf(inputs[name]!));
  }
  parts.push(")");
  return parts.join("");
}

/** Every distinct feedback record that reached any of the parameters. */
function collectRecords(parameters: readonly ParameterNode[]): FeedbackRecord[] {
  const seen = new Set<FeedbackRecord>();
  for (const p of parameters) for (const f of p.feedback) seen.add(f.record);
  return [...seen];
}

/**
 * Node keys are unique within a naming scope, but a view can mix nodes of several scopes (a
 * parameter created at module level, a graph built in `graphScope`). Then repeated keys get a
 * suffix so the model's answer always maps back to one node. In the common single-scope case no
 * key needs checking.
 */
function assignKeys(nodes: readonly Node[]): {
  keyOf: (node: Node) => string;
  nodeByKey: () => Map<string, Node>;
} {
  const renamed = new Map<Node, string>();
  const scope = nodes[0]?._scopeId;
  let byKey: Map<string, Node> | undefined;
  if (nodes.some((n) => n._scopeId !== scope)) {
    byKey = new Map<string, Node>();
    for (const node of nodes) {
      let key = node.key;
      if (byKey.has(key)) {
        let i = 2;
        while (byKey.has(`${node.key}__${i}`)) i++;
        key = `${node.key}__${i}`;
        renamed.set(node, key);
      }
      byKey.set(key, node);
    }
  }
  const keyOf = renamed.size === 0 ? (node: Node) => node.key : (node: Node) => renamed.get(node) ?? node.key;
  const nodeByKey = () => {
    if (byKey === undefined) {
      byKey = new Map<string, Node>();
      for (const node of nodes) byKey.set(node.key, node);
    }
    return byKey;
  };
  return { keyOf, nodeByKey };
}

/** Whether a view entry's node is an `ExceptionNode` (an output that is an error). */
export function isExceptionEntry(entry: ProblemEntry): boolean {
  return entry.node instanceof ExceptionNode;
}

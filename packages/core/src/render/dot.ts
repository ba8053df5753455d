import { ExceptionNode, MessageNode, Node, ParameterNode } from "../graph/node.js";
import { ancestorsInTopologicalOrder } from "../graph/traverse.js";
import { formatValue } from "../problem/format-value.js";
import type { ProblemView } from "../problem/problem-view.js";
import { validateOptions } from "../util/options.js";

/** Options of `toDot()`. */
export interface DotOptions {
  /** Longest value text shown in a node label before it is cut with `…` (default 40). */
  readonly maxValueChars?: number;
  /** Graph title (default "trace"). */
  readonly title?: string;
}

/**
 * Renders a graph as Graphviz DOT text (`dot -Tsvg`). Given nodes, it draws them and all their
 * ancestors; given a `ProblemView`, it draws that subgraph. Trainable parameters are yellow
 * boxes, exceptions red octagons, outputs (the given nodes, or the view's outputs) blue with a
 * double border; edges carry the input names. Long values are truncated. A view's nodes show the
 * values the view holds (those it was made with), not the values after a later update.
 */
export function toDot(target: Node | readonly Node[] | ProblemView, options: DotOptions = {}): string {
  validateOptions("toDot()", options, { maxValueChars: "integer", title: "string" });
  const max = options.maxValueChars ?? 40;
  let nodes: readonly Node[];
  let outputs: Set<Node>;
  let keyOf: (n: Node) => string = (n) => n.key;
  // a view holds each node's value as it was when the view was made (before an update)
  let shownValue: (n: Node) => unknown = (n) => n._data;
  if (target instanceof Node) {
    nodes = ancestorsInTopologicalOrder([target]);
    outputs = new Set([target]);
  } else if (Array.isArray(target)) {
    nodes = ancestorsInTopologicalOrder(target as readonly Node[]);
    outputs = new Set(target as readonly Node[]);
  } else {
    const view = target as ProblemView;
    nodes = view.nodes;
    outputs = new Set(view.outputs.map((o) => o.node));
    keyOf = view.keyOf;
    const values = new Map<Node, unknown>();
    for (const entries of [view.variables, view.inputs, view.intermediates, view.outputs])
      for (const e of entries) values.set(e.node, e.value);
    shownValue = (n) => (values.has(n) ? values.get(n) : n._data);
  }
  // DOT names are positions in drawing order, not node ids, so the same program draws the same
  // text in every process (a run log and its resumed continuation agree)
  const position = new Map(nodes.map((n, i) => [n, i]));
  const lines = [
    `digraph ${quote(options.title ?? "trace")} {`,
    "  rankdir=TB;",
    '  node [fontname="Helvetica", fontsize=10];',
  ];
  for (const n of nodes) {
    const op = n instanceof MessageNode && n.parents.length > 0 ? `\n${n.op}()` : "";
    const value = shownValue(n);
    const label = `${keyOf(n)}${op}\n${truncate(typeof value === "string" ? JSON.stringify(value) : formatValue(value), max)}`;
    lines.push(`  n${position.get(n)} [label=${quote(label)}, ${styleOf(n, outputs.has(n))}];`);
  }
  for (const n of nodes) {
    if (!(n instanceof MessageNode)) continue;
    for (const [name, p] of Object.entries(n.inputs)) {
      const from = position.get(p);
      if (from !== undefined)
        lines.push(`  n${from} -> n${position.get(n)} [label=${quote(name)}, fontsize=8];`);
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function styleOf(n: Node, isOutput: boolean): string {
  const border = isOutput ? ", peripheries=2" : "";
  if (n instanceof ExceptionNode) return `shape=octagon, style=filled, fillcolor="#f4b6b6"${border}`;
  if (n instanceof ParameterNode && n.trainable)
    return `shape=box, style="filled,bold", fillcolor="#ffe08a"${border}`;
  if (isOutput) return `shape=ellipse, style=filled, fillcolor="#bcd8f5"${border}`;
  if (n.parents.length === 0) return "shape=box, style=rounded";
  return "shape=ellipse";
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

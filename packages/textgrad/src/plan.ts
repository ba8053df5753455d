import type {
  MessageNode,
  Node,
  OutputFeedback,
  ParameterNode,
  ProblemEntry,
  ProblemView,
} from "@trace-ts/core";
import { MessageNode as MessageNodeClass } from "@trace-ts/core";

/** One edge of the backward pass: the model explains how `parent` should change to improve `child`. */
export interface GradientEdge {
  /** The operation whose output received a gradient. */
  readonly child: MessageNode;
  /** The input of that operation the gradient is passed to. */
  readonly parent: Node;
  /** Key of `child` in the problem view. */
  readonly childKey: string;
  /** Key of `parent` in the problem view. */
  readonly parentKey: string;
}

/** What arrives at one node during the backward pass. */
export interface GradientInbox {
  /** Feedback sent to this node directly by `backward()` (it is an output). */
  readonly feedback: readonly OutputFeedback[];
  /** Gradients passed down from children (one per edge). */
  readonly edges: readonly GradientEdge[];
}

/**
 * The model calls one TextGrad step makes when every answer is usable (re-asks come on top):
 * one per edge, one per node that receives several gradients, one per variable to update.
 */
export interface TextGradPlan {
  /** Nodes that are variables or depend on one, parents first. */
  readonly nodes: readonly Node[];
  /** Edges child → parent where the parent is or depends on a variable; children latest-first. */
  readonly edges: readonly GradientEdge[];
  /** What each node of `nodes` receives. */
  readonly inbox: ReadonlyMap<Node, GradientInbox>;
  /** Nodes receiving two or more gradients: each costs one combining call. */
  readonly combined: readonly Node[];
  /** The variables to update: one update call each. */
  readonly variables: readonly ProblemEntry<ParameterNode>[];
  /** `edges.length + combined.length + variables.length`. */
  readonly calls: number;
}

/**
 * Works out the backward pass of a problem view without calling any model. A node takes part
 * when it is one of the variables or has a parent that takes part; an edge child → parent gets
 * a gradient call when both take part (edges into fixed inputs carry nothing a variable could
 * use, so they are skipped).
 */
export function planTextGrad(view: ProblemView): TextGradPlan {
  const relevant = new Set<Node>(view.variables.map((v) => v.node));
  const nodes: Node[] = [];
  for (const node of view.nodes) {
    if (relevant.has(node) || node.parents.some((p) => relevant.has(p))) {
      relevant.add(node);
      nodes.push(node);
    }
  }
  const feedbackOf = new Map<Node, OutputFeedback[]>();
  for (const f of view.feedback) {
    if (!relevant.has(f.output)) continue;
    const list = feedbackOf.get(f.output);
    if (list) list.push(f);
    else feedbackOf.set(f.output, [f]);
  }
  const edgesInto = new Map<Node, GradientEdge[]>();
  const edges: GradientEdge[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const child = nodes[i]!;
    if (!(child instanceof MessageNodeClass)) continue;
    for (const parent of child.parents) {
      if (!relevant.has(parent)) continue;
      const edge: GradientEdge = {
        child,
        parent,
        childKey: view.keyOf(child),
        parentKey: view.keyOf(parent),
      };
      edges.push(edge);
      const list = edgesInto.get(parent);
      if (list) list.push(edge);
      else edgesInto.set(parent, [edge]);
    }
  }
  const inbox = new Map<Node, GradientInbox>();
  const combined: Node[] = [];
  for (const node of nodes) {
    const entry = { feedback: feedbackOf.get(node) ?? [], edges: edgesInto.get(node) ?? [] };
    inbox.set(node, entry);
    if (entry.feedback.length + entry.edges.length >= 2) combined.push(node);
  }
  const variables = view.variables;
  return {
    nodes,
    edges,
    inbox,
    combined,
    variables,
    calls: edges.length + combined.length + variables.length,
  };
}

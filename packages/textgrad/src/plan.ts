import type {
  MessageNode,
  Node,
  OutputFeedback,
  ParameterNode,
  ProblemEntry,
  ProblemView,
} from "@trace-ts/core";
import { MessageNode as MessageNodeClass } from "@trace-ts/core";
import { DEFAULT_PASS_THROUGH_OPS } from "./options.js";

/**
 * One edge of the backward pass: the model explains how `parent` should change to improve
 * `child`, or, when `child`'s operation only forwards text (`passThrough`), `child`'s gradients go
 * to `parent` as they are, without a call.
 */
export interface GradientEdge {
  /** The operation whose output received a gradient. */
  readonly child: MessageNode;
  /** The input of that operation the gradient is passed to. */
  readonly parent: Node;
  /** Key of `child` in the problem view. */
  readonly childKey: string;
  /** Key of `parent` in the problem view. */
  readonly parentKey: string;
  /** True when `child.op` is a pass-through operation: this edge costs no model call. */
  readonly passThrough: boolean;
}

/** What arrives at one node during the backward pass. */
export interface GradientInbox {
  /** Feedback sent to this node directly by `backward()` (it is an output). */
  readonly feedback: readonly OutputFeedback[];
  /** Gradients passed down from children (one model call per edge, none through pass-through ops). */
  readonly edges: readonly GradientEdge[];
}

/** Options of `planTextGrad`. */
export interface PlanOptions {
  /** Operation names whose edges cost no call (default `DEFAULT_PASS_THROUGH_OPS`). */
  readonly passThroughOps?: Iterable<string>;
  /** Whether merging over a token budget is on (`mergeOverTokens` set): adds `maxCalls` room. */
  readonly merging?: boolean;
}

/**
 * The model calls one TextGrad step makes when every answer is usable (re-asks come on top):
 * one per edge whose operation is not pass-through, one per variable to update. Merges happen
 * only with `mergeOverTokens`, for nodes whose gradients exceed it, so they are not in `calls`.
 */
export interface TextGradPlan {
  /** Nodes that are variables or depend on one, parents first. */
  readonly nodes: readonly Node[];
  /** Edges child → parent where the parent is or depends on a variable; children latest-first. */
  readonly edges: readonly GradientEdge[];
  /** The edges that cost a model call (`edges` without the pass-through ones). */
  readonly gradientEdges: readonly GradientEdge[];
  /** What each node of `nodes` receives. */
  readonly inbox: ReadonlyMap<Node, GradientInbox>;
  /**
   * Nodes that receive two or more gradients (counting those forwarded by pass-through
   * operations). Their gradients are concatenated; with `mergeOverTokens` each may cost one
   * merging call when the concatenation is longer than the budget.
   */
  readonly combined: readonly Node[];
  /** The variables to update: one update call each. */
  readonly variables: readonly ProblemEntry<ParameterNode>[];
  /** `gradientEdges.length + variables.length`: the calls when no merge is needed. */
  readonly calls: number;
  /** `calls` plus `combined.length` when merging is on (every candidate over budget), else `calls`. */
  readonly maxCalls: number;
}

/**
 * Works out the backward pass of a problem view without calling any model. A node takes part
 * when it is one of the variables or has a parent that takes part; an edge child → parent is
 * planned when both take part (edges into fixed inputs carry nothing a variable could use, so
 * they are skipped), and costs a call unless the child's operation is pass-through.
 *
 * @param view the problem
 * @param options pass-through operation names, and whether merging is on
 */
export function planTextGrad(view: ProblemView, options: PlanOptions = {}): TextGradPlan {
  const passThroughOps = new Set(options.passThroughOps ?? DEFAULT_PASS_THROUGH_OPS);
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
    const passThrough = passThroughOps.has(child.op);
    for (const parent of child.parents) {
      if (!relevant.has(parent)) continue;
      const edge: GradientEdge = {
        child,
        parent,
        childKey: view.keyOf(child),
        parentKey: view.keyOf(parent),
        passThrough,
      };
      edges.push(edge);
      const list = edgesInto.get(parent);
      if (list) list.push(edge);
      else edgesInto.set(parent, [edge]);
    }
  }
  const inbox = new Map<Node, GradientInbox>();
  const combined: Node[] = [];
  // gradients arriving per node, children first: a pass-through edge forwards all of its child's
  const count = new Map<Node, number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const entry = { feedback: feedbackOf.get(node) ?? [], edges: edgesInto.get(node) ?? [] };
    inbox.set(node, entry);
    let n = entry.feedback.length;
    for (const e of entry.edges) n += e.passThrough ? (count.get(e.child) ?? 0) : 1;
    count.set(node, n);
    if (n >= 2) combined.push(node);
  }
  combined.reverse();
  const variables = view.variables;
  const gradientEdges = edges.filter((e) => !e.passThrough);
  const calls = gradientEdges.length + variables.length;
  return {
    nodes,
    edges,
    gradientEdges,
    inbox,
    combined,
    variables,
    calls,
    maxCalls: options.merging === true ? calls + combined.length : calls,
  };
}

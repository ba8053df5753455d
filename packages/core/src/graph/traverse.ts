import type { Node } from "./node.js";
import { freshStamp } from "./stamp.js";

/**
 * The given nodes and all their ancestors, each once, in topological order (every node after
 * all of its parents). Iterative depth-first search with an explicit stack: linear in the number
 * of nodes and edges, and safe for graphs far deeper than the call stack.
 */
export function ancestorsInTopologicalOrder(roots: Iterable<Node>): Node[] {
  return walkAncestors(roots, freshStamp());
}

/**
 * `ancestorsInTopologicalOrder` with a caller-chosen fresh stamp: afterwards every returned node
 * (and no other) has `_stamp === stamp` and `_flags === 0`, for the caller's own marks.
 */
export function walkAncestors(roots: Iterable<Node>, stamp: number): Node[] {
  const order: Node[] = [];
  const stack: Node[] = [];
  const next: number[] = [];
  for (const root of roots) {
    if (root._stamp === stamp) continue;
    root._stamp = stamp;
    root._flags = 0;
    stack.push(root);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top]!;
      const parents = node.parents;
      const i = next[top]!;
      if (i < parents.length) {
        next[top] = i + 1;
        const parent = parents[i]!;
        if (parent._stamp !== stamp) {
          parent._stamp = stamp;
          parent._flags = 0;
          stack.push(parent);
          next.push(0);
        }
      } else {
        stack.pop();
        next.pop();
        order.push(node);
      }
    }
  }
  return order;
}

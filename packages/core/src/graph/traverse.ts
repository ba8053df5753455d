import type { Node } from "./node.js";

/**
 * The given nodes and all their ancestors, each once, in topological order (every node after
 * all of its parents). Iterative depth-first search with an explicit stack: linear in the number
 * of nodes and edges, and safe for graphs far deeper than the call stack.
 */
export function ancestorsInTopologicalOrder(roots: Iterable<Node>): Node[] {
  const visited = new Set<Node>();
  const order: Node[] = [];
  const stack: Node[] = [];
  const next: number[] = [];
  for (const root of roots) {
    if (visited.has(root)) continue;
    visited.add(root);
    stack.push(root);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top]!;
      const i = next[top]!;
      if (i < node.parents.length) {
        next[top] = i + 1;
        const parent = node.parents[i]!;
        if (!visited.has(parent)) {
          visited.add(parent);
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

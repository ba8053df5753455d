import type { ParameterNode } from "../graph/node.js";

/**
 * Runs `fn` with parameters temporarily set to `updates` (e.g. a candidate's values, to score it),
 * then restores the previous values, also when `fn` throws. Values are set directly, without
 * validation: pass updates that came from `propose()`. Do not run two of these concurrently on
 * the same parameters.
 *
 * @example
 * const score = (updates) => withValues(updates, async () => (await runTests()).passed);
 */
export async function withValues<T>(
  updates: ReadonlyMap<ParameterNode, unknown>,
  fn: () => T | Promise<T>,
): Promise<T> {
  const before: [ParameterNode, unknown][] = [];
  try {
    for (const [parameter, value] of updates) {
      before.push([parameter, parameter.peek()]);
      parameter.data = value;
    }
    return await fn();
  } finally {
    for (let i = before.length - 1; i >= 0; i--) {
      const [parameter, value] = before[i]!;
      parameter.data = value;
    }
  }
}

/**
 * The host side of `this` in the strict tier: a snapshot of the instance's own enumerable data
 * fields that are JSON-like (others are left out), and the fields that hold graph nodes, which the
 * sandbox reads through the host at the moment the code reads `this.field.data`.
 */
import { Node } from "../../graph/node.js";
import { findDataProblem } from "./data.js";

/** What crosses for `this`: JSON text for the prelude and the nodes it may read. */
export interface SelfSnapshot {
  /** `{"v": value}` for a JSON-like non-object `this`, or `{"d": fields, "n": [[field, index]…]}`. */
  readonly text: string;
  /** The nodes behind node fields, by index. */
  readonly nodes: readonly Node[];
  /** Field name of each node, by index (for error messages). */
  readonly nodeFields: readonly string[];
}

/**
 * The snapshot of `self`, or undefined when `this` is undefined inside the sandbox (`self` is
 * undefined, or a function, symbol or other value that cannot cross).
 */
export function snapshotSelf(self: unknown): SelfSnapshot | undefined {
  if (self === undefined) return undefined;
  if (self === null || typeof self !== "object" || Array.isArray(self)) {
    return findDataProblem(self) === undefined
      ? { text: JSON.stringify({ v: self }), nodes: [], nodeFields: [] }
      : undefined;
  }
  const fields: Record<string, unknown> = {};
  const nodes: Node[] = [];
  const nodeFields: string[] = [];
  const pairs: Array<[string, number]> = [];
  for (const key of Object.keys(self)) {
    const descriptor = Object.getOwnPropertyDescriptor(self, key);
    if (descriptor === undefined || !("value" in descriptor)) continue;
    const value: unknown = descriptor.value;
    if (value instanceof Node) {
      pairs.push([key, nodes.length]);
      nodes.push(value);
      nodeFields.push(key);
    } else if (value !== undefined && findDataProblem(value) === undefined) {
      Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return { text: JSON.stringify({ d: fields, n: pairs }), nodes, nodeFields };
}

import type { MaybeNode, MessageNode } from "../graph/node.js";
import { setHas, structurallyEqual } from "./equality.js";
import { InvalidOperandError, kindOf } from "./errors.js";
import { recordOp } from "./record.js";

const CONTAINS = {
  name: "contains",
  description:
    "Returns item in container: a substring of a string, an element (compared by content) of an array, a key of a Map or object, a member of a Set.",
} as const;
const NOT_CONTAINS = {
  name: "notContains",
  description: "Returns item not in container: the negation of contains(container, item).",
} as const;

/** Python's `item in container` on plain values; throws `InvalidOperandError` for a non-container. */
function isIn(op: string, container: unknown, item: unknown): boolean {
  if (typeof container === "string") {
    if (typeof item !== "string") {
      throw new InvalidOperandError(op, `a string can only contain a string, not ${kindOf(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((element) => structurallyEqual(element, item));
  if (container instanceof Map) return container.has(item);
  if (container instanceof Set) return setHas(container, item);
  if (container !== null && typeof container === "object") {
    const keyLike = typeof item === "string" || typeof item === "number" || typeof item === "symbol";
    return keyLike && Object.hasOwn(container, item);
  }
  throw new InvalidOperandError(
    op,
    `needs a string, array, Map, Set or object as container, got ${kindOf(container)}`,
  );
}

/**
 * Python's `item in container`: for a string, whether `item` is a substring; for an array, whether
 * an element is `eq` to `item` (compared by content); for a Map, whether `item` is a key; for a
 * Set, whether it is a member (object members compared by content); for any other object, whether
 * `item` is an own key (a number counts as its text, `1` finds key `"1"`). Any other container
 * throws `InvalidOperandError`.
 */
export function contains(container: MaybeNode<unknown>, item: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(CONTAINS, { container, item }, (v) => isIn("contains", v.container, v.item));
}

/** Python's `item not in container`: the negation of `contains`. */
export function notContains(container: MaybeNode<unknown>, item: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(NOT_CONTAINS, { container, item }, (v) => !isIn("notContains", v.container, v.item));
}

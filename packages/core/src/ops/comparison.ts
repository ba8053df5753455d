import type { MaybeNode, MessageNode } from "../graph/node.js";
import { sameValueZero, structurallyEqual } from "./equality.js";
import { recordOp } from "./record.js";

const LT = { name: "lt", description: "Returns x < y." } as const;
const LE = { name: "le", description: "Returns x <= y." } as const;
const GT = { name: "gt", description: "Returns x > y." } as const;
const GE = { name: "ge", description: "Returns x >= y." } as const;
const EQ = {
  name: "eq",
  description:
    "Returns x == y as Python compares: primitives with ===, arrays, plain objects, Maps, Sets and Dates by content, other objects by identity.",
} as const;
const NEQ = {
  name: "neq",
  description: "Returns x != y as Python compares: true when eq(x, y) is false (content, not identity).",
} as const;
const IS = {
  name: "is",
  description: "Returns x is y: whether x and y are the same value or object (identity, not content).",
} as const;
const IS_NOT = {
  name: "isNot",
  description: "Returns x is not y: true when x and y are different values or objects (identity).",
} as const;

/** An operand of `lt`, `le`, `gt` and `ge`: a number, string or bigint, compared as JavaScript's `<` does. */
export type Ordered = number | string | bigint;

/** `x < y`. */
export function lt(x: MaybeNode<Ordered>, y: MaybeNode<Ordered>): MessageNode<boolean> {
  return recordOp(LT, { x, y }, (v) => v.x < v.y);
}
/** `x <= y`. */
export function le(x: MaybeNode<Ordered>, y: MaybeNode<Ordered>): MessageNode<boolean> {
  return recordOp(LE, { x, y }, (v) => v.x <= v.y);
}
/** `x > y`. */
export function gt(x: MaybeNode<Ordered>, y: MaybeNode<Ordered>): MessageNode<boolean> {
  return recordOp(GT, { x, y }, (v) => v.x > v.y);
}
/** `x >= y`. */
export function ge(x: MaybeNode<Ordered>, y: MaybeNode<Ordered>): MessageNode<boolean> {
  return recordOp(GE, { x, y }, (v) => v.x >= v.y);
}
/**
 * Python's `x == y`: structural equality (`structurallyEqual`). Primitives compare with `===`
 * (`NaN` differs from itself, `0` equals `-0`, `1` differs from `"1"`); arrays, plain objects,
 * Maps, Sets and Dates compare by content; other objects by identity. Use `is` for identity.
 */
export function eq(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(EQ, { x, y }, (v) => structurallyEqual(v.x, v.y));
}
/** Python's `x != y`: the negation of `eq` (structural). Use `isNot` for identity. */
export function neq(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(NEQ, { x, y }, (v) => !structurallyEqual(v.x, v.y));
}
/**
 * Python's `x is y`: identity, compared with SameValueZero (as `Map` keys are: `NaN` is `NaN`,
 * `0` is `-0`). Two arrays with the same elements are `eq` but not `is`.
 */
export function is(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(IS, { x, y }, (v) => sameValueZero(v.x, v.y));
}
/** Python's `x is not y`: the negation of `is` (identity, SameValueZero). */
export function isNot(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(IS_NOT, { x, y }, (v) => !sameValueZero(v.x, v.y));
}

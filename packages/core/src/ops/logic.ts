import type { MaybeNode, MessageNode } from "../graph/node.js";
import { recordOp } from "./record.js";

const AND = { name: "and", description: "Returns x && y: y when x is truthy, otherwise x." } as const;
const OR = { name: "or", description: "Returns x || y: x when x is truthy, otherwise y." } as const;
const NOT = { name: "not", description: "Returns !x: true when x is falsy." } as const;
const COND = {
  name: "cond",
  description:
    "Returns ifTrue when condition is truthy, otherwise ifFalse (both branches were already computed).",
} as const;

/** `x && y` (both inputs are recorded, whichever is returned). */
export function and<X, Y>(x: MaybeNode<X>, y: MaybeNode<Y>): MessageNode<X | Y> {
  return recordOp(AND, { x, y }, (v) => (v.x && v.y) as X | Y);
}
/** `x || y` (both inputs are recorded, whichever is returned). */
export function or<X, Y>(x: MaybeNode<X>, y: MaybeNode<Y>): MessageNode<X | Y> {
  return recordOp(OR, { x, y }, (v) => (v.x || v.y) as X | Y);
}
/** `!x`. */
export function not(x: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(NOT, { x }, (v) => !v.x);
}
/**
 * Chooses between two values already computed: `condition ? ifTrue : ifFalse`. All three inputs
 * are parents, so feedback reaches both branches and the condition.
 */
export function cond<A, B>(
  condition: MaybeNode<unknown>,
  ifTrue: MaybeNode<A>,
  ifFalse: MaybeNode<B>,
): MessageNode<A | B> {
  return recordOp(COND, { condition, ifTrue, ifFalse }, (v) => (v.condition ? v.ifTrue : v.ifFalse) as A | B);
}

import type { MaybeNode, MessageNode } from "../graph/node.js";
import { recordOp } from "./record.js";

const LT = { name: "lt", description: "Returns x < y." } as const;
const LE = { name: "le", description: "Returns x <= y." } as const;
const GT = { name: "gt", description: "Returns x > y." } as const;
const GE = { name: "ge", description: "Returns x >= y." } as const;
const EQ = {
  name: "eq",
  description: "Returns x === y (strict equality; objects are equal only if they are the same object).",
} as const;
const NEQ = { name: "neq", description: "Returns x !== y (strict inequality)." } as const;

type Ordered = number | string | bigint;

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
/** `x === y`. */
export function eq(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(EQ, { x, y }, (v) => v.x === v.y);
}
/** `x !== y`. */
export function neq(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(NEQ, { x, y }, (v) => v.x !== v.y);
}

/**
 * Python's set methods as traced operations with copy semantics: each returns a new `Set` and
 * leaves its inputs unchanged. Membership is `setHas`'s: the value itself, or for an object a
 * member equal to it by content (as `eq` compares).
 */
import type { MaybeNode, MessageNode } from "../graph/node.js";
import { findSetMember, setHas } from "./equality.js";
import { InvalidOperandError, kindOf } from "./errors.js";
import { recordOp } from "./record.js";

const ADD_TO_SET = {
  name: "addToSet",
  description: "Returns a copy of set with item added unless already a member (set itself is unchanged).",
} as const;
const DISCARD = {
  name: "discard",
  description:
    "Returns a copy of set without item; no error when item is not a member (set itself is unchanged).",
} as const;
const UNION = { name: "union", description: "Returns the set of members of x or of y (x | y)." } as const;
const INTERSECTION = {
  name: "intersection",
  description: "Returns the set of members of x that are also members of y (x & y).",
} as const;
const DIFFERENCE = {
  name: "difference",
  description: "Returns the set of members of x that are not members of y (x - y).",
} as const;

/** A set operand: a Set, or an array whose elements are taken as members. */
export type SetLike<T> = ReadonlySet<T> | readonly T[];

/** A new Set of the members of `value` (a Set, or an array without repeated members). */
function toSet(op: string, name: string, value: unknown): Set<unknown> {
  if (!(value instanceof Set) && !Array.isArray(value)) {
    throw new InvalidOperandError(op, `needs a Set or array as ${name}, got ${kindOf(value)}`);
  }
  const out = new Set<unknown>();
  for (const item of value as Iterable<unknown>) if (!setHas(out, item)) out.add(item);
  return out;
}

/** Python's `set.add(item)` without the mutation: a copy of `set` with `item` as a member. */
export function addToSet<T>(set: MaybeNode<SetLike<T>>, item: MaybeNode<T>): MessageNode<Set<T>> {
  return recordOp(ADD_TO_SET, { set, item }, (v) => {
    const out = toSet("addToSet", "set", v.set) as Set<T>;
    if (!setHas(out, v.item)) out.add(v.item as T);
    return out;
  });
}

/** Python's `set.discard(item)` without the mutation: a copy of `set` without `item` (no error if absent). */
export function discard<T>(set: MaybeNode<SetLike<T>>, item: MaybeNode<T>): MessageNode<Set<T>> {
  return recordOp(DISCARD, { set, item }, (v) => {
    const out = toSet("discard", "set", v.set) as Set<T>;
    const found = findSetMember(out, v.item);
    if (found !== undefined) out.delete(found.member as T);
    return out;
  });
}

/** Python's `x | y`: members of `x` then the members of `y` not already in it. Arrays are accepted. */
export function union<T, U>(x: MaybeNode<SetLike<T>>, y: MaybeNode<SetLike<U>>): MessageNode<Set<T | U>> {
  return recordOp(UNION, { x, y }, (v) => {
    const out = toSet("union", "x", v.x) as Set<T | U>;
    for (const item of toSet("union", "y", v.y)) if (!setHas(out, item)) out.add(item as U);
    return out;
  });
}

/** Python's `x & y`: the members of `x`, in order, that are members of `y`. Arrays are accepted. */
export function intersection<T>(
  x: MaybeNode<SetLike<T>>,
  y: MaybeNode<SetLike<unknown>>,
): MessageNode<Set<T>> {
  return recordOp(INTERSECTION, { x, y }, (v) => {
    const other = toSet("intersection", "y", v.y);
    return new Set([...(toSet("intersection", "x", v.x) as Set<T>)].filter((item) => setHas(other, item)));
  });
}

/** Python's `x - y`: the members of `x`, in order, that are not members of `y`. Arrays are accepted. */
export function difference<T>(x: MaybeNode<SetLike<T>>, y: MaybeNode<SetLike<unknown>>): MessageNode<Set<T>> {
  return recordOp(DIFFERENCE, { x, y }, (v) => {
    const other = toSet("difference", "y", v.y);
    return new Set([...(toSet("difference", "x", v.x) as Set<T>)].filter((item) => !setHas(other, item)));
  });
}

/**
 * Building containers from traced values (Python's list, dict and set displays, `list(x)` and
 * `tuple(x)`): every element is an input of the operation, so feedback on the container reaches
 * each of them.
 */
import type { MaybeNode, MessageNode, Unwrap } from "../graph/node.js";
import { setHas } from "./equality.js";
import { itemsOf } from "./item-list.js";
import { recordOp } from "./record.js";

const MAKE_LIST = {
  name: "makeList",
  description: "Returns a new array of the inputs items_0, items_1, … in that order.",
} as const;
const MAKE_DICT = {
  name: "makeDict",
  description: "Returns a new object whose properties are the inputs, each under its input's name.",
} as const;
const MAKE_SET = {
  name: "makeSet",
  description: "Returns a new Set of the inputs items_0, items_1, … (repeated members kept once).",
} as const;
const TO_LIST = {
  name: "toList",
  description:
    "Returns a new array of the items of x: an array's elements, a string's characters, a Set's members, a Map's [key, value] entries.",
} as const;
const TO_TUPLE = {
  name: "toTuple",
  description: "Returns a frozen (read-only) array of the items of x, read as toList reads them.",
} as const;

/** `{ items_0: a, items_1: b, … }` for variadic operations. */
function numbered(items: readonly unknown[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  items.forEach((item, i) => {
    inputs[`items_${i}`] = item;
  });
  return inputs;
}

/**
 * The plain values behind a tuple of inputs that may be nodes: `Unwrapped<[Node<number>, string]>`
 * is `[number, string]`; the value of the node `makeList(...items)` returns.
 */
export type Unwrapped<A extends readonly unknown[]> = { -readonly [I in keyof A]: Unwrap<A[I]> };

/** Python's `[a, b, …]`: a new array of the given values; they are the inputs `items_0`, `items_1`, …. */
export function makeList<A extends readonly unknown[]>(...items: A): MessageNode<Unwrapped<A>> {
  return recordOp(MAKE_LIST, numbered(items), (v) => items.map((_, i) => v[`items_${i}`]) as Unwrapped<A>);
}

/**
 * Python's `{"k": v, …}`: a new plain object with the given properties; each value is an input
 * named after its key (`makeDict({ question, context })` has inputs `question` and `context`).
 */
export function makeDict<R extends Readonly<Record<string, unknown>>>(
  record: R,
): MessageNode<{ -readonly [K in keyof R]: Unwrap<R[K]> }> {
  const keys = Object.keys(record);
  return recordOp(MAKE_DICT, { ...record }, (v) => {
    const out: Record<string, unknown> = {};
    for (const k of keys)
      Object.defineProperty(out, k, { value: v[k], enumerable: true, writable: true, configurable: true });
    return out as { -readonly [K in keyof R]: Unwrap<R[K]> };
  });
}

/** Python's `{a, b, …}`: a new Set of the given values (inputs `items_0`, …); repeats kept once. */
export function makeSet<A extends readonly unknown[]>(...items: A): MessageNode<Set<Unwrap<A[number]>>> {
  return recordOp(MAKE_SET, numbered(items), (v) => {
    const out = new Set<Unwrap<A[number]>>();
    items.forEach((_, i) => {
      const item = v[`items_${i}`] as Unwrap<A[number]>;
      if (!setHas(out, item)) out.add(item);
    });
    return out;
  });
}

/** The element type `toList` gives for a value of type `X`. */
export type ListItem<X> = X extends string
  ? string
  : X extends ReadonlyMap<infer K, infer V>
    ? [K, V]
    : X extends Iterable<infer T>
      ? T
      : never;

/**
 * Python's `list(x)`: a new array of the items of `x` — an array's elements, a string's characters
 * (code points), a Set's members, a Map's `[key, value]` entries, any iterable's items. A plain
 * object or other non-iterable throws `InvalidOperandError` (use `keys`, `values` or `entries`).
 */
export function toList<X>(x: MaybeNode<X>): MessageNode<ListItem<X>[]> {
  return recordOp(TO_LIST, { x }, (v) => itemsOf("toList", v.x) as ListItem<X>[]);
}

/** Python's `tuple(x)`: as `toList`, but the array is frozen. */
export function toTuple<X>(x: MaybeNode<X>): MessageNode<readonly ListItem<X>[]> {
  return recordOp(TO_TUPLE, { x }, (v) => Object.freeze(itemsOf("toTuple", v.x)) as readonly ListItem<X>[]);
}

import { type MaybeNode, type MessageNode, Node } from "../graph/node.js";
import { getItem } from "./collection.js";
import { itemsOf } from "./item-list.js";
import { recordOp } from "./record.js";

const ITEMS = {
  name: "items",
  description:
    "Returns the items of x as a list: the elements of an array or iterable, the characters of a string, the members of a Set, or the [key, value] entries of a Map or object.",
} as const;

/** What iterating a value through `items` yields: item nodes, or `[keyNode, valueNode]` pairs. */
export type ItemsOf<T> = T extends string
  ? MessageNode<string>
  : T extends readonly (infer E)[]
    ? MessageNode<E>
    : T extends ReadonlyMap<infer K, infer V>
      ? [MessageNode<K>, MessageNode<V>]
      : T extends ReadonlySet<infer E>
        ? MessageNode<E>
        : T extends Iterable<infer E>
          ? MessageNode<E>
          : T extends object
            ? [MessageNode<string>, MessageNode<T[keyof T]>]
            : never;

/**
 * Iterates a traced value: `for (const item of ops.items(list)) …` (or `list.items()`). Each item
 * is a traced node, so feedback on whatever is computed from it reaches `x`:
 * - an array: `getItem(x, i)` for each index (`x` is the item's parent);
 * - a string (by code point, as Python does), a Set or another iterable: its items, read from one
 *   `items` node listing them;
 * - a Map or a plain object: `[keyNode, valueNode]` pairs — the key read from one `items` node
 *   listing the keys, the value as `getItem(x, keyNode)`.
 *
 * The length is read when iteration starts; items are made as the loop asks for them (breaking
 * out early makes no more). `Node` itself is not iterable on purpose: jest's `toEqual`, spread,
 * `Array.from` and deep-equality checks would otherwise walk nodes and record graph nodes.
 *
 * @throws ExecutionError (recorded as an `items` exception node) when `x` holds a value that cannot
 *   be iterated (a number, null, a function, an instance of a class that is not iterable)
 */
export function items<T>(x: MaybeNode<T>): IterableIterator<ItemsOf<T>> {
  const value = x instanceof Node ? x._data : x;
  if (Array.isArray(value)) return indexed(x, value.length) as IterableIterator<ItemsOf<T>>;
  if (value instanceof Map || isPlainObject(value)) {
    const keys = recordOp(ITEMS, { x }, (v) =>
      v.x instanceof Map ? [...v.x.keys()] : Object.keys(v.x as object),
    );
    return entries(x, keys) as IterableIterator<ItemsOf<T>>;
  }
  const list = recordOp(ITEMS, { x }, (v) => itemsOf("items", v.x));
  return indexed(list, list._data.length) as IterableIterator<ItemsOf<T>>;
}

function* indexed(x: MaybeNode<unknown>, length: number): IterableIterator<MessageNode<unknown>> {
  for (let i = 0; i < length; i++) yield getItem(x as MaybeNode<Record<number, unknown>>, i);
}

function* entries(
  x: MaybeNode<unknown>,
  keys: MessageNode<unknown[]>,
): IterableIterator<[MessageNode<unknown>, MessageNode<unknown>]> {
  const count = keys._data.length;
  for (let i = 0; i < count; i++) {
    const key = getItem(keys, i);
    yield [key, getItem(x as MaybeNode<Record<PropertyKey, unknown>>, key as MessageNode<PropertyKey>)];
  }
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

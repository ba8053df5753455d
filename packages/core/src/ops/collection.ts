import type { MaybeNode, MessageNode } from "../graph/node.js";
import { recordOp } from "./record.js";

const GET_ITEM = {
  name: "getItem",
  description:
    "Returns the element at index key of an array, the property key of an object, or the entry key of a Map.",
} as const;
const LEN = {
  name: "len",
  description:
    "Returns the length of a string or array, the size of a Map or Set, or the number of keys of an object.",
} as const;
const KEYS = { name: "keys", description: "Returns the keys of an object or Map as an array." } as const;
const VALUES = {
  name: "values",
  description: "Returns the values of an object, Map or Set as an array.",
} as const;
const ENTRIES = {
  name: "entries",
  description: "Returns the [key, value] pairs of an object or Map as an array.",
} as const;
const PUSH = {
  name: "push",
  description: "Returns a copy of list with item appended (list itself is unchanged).",
} as const;
const SET = {
  name: "set",
  description:
    "Returns a copy of container (array, object or Map) with key set to value (container itself is unchanged).",
} as const;
const DELETE = {
  name: "delete",
  description:
    "Returns a copy of container without key: an array loses the element at that index, an object the property, a Map the entry.",
} as const;

/** What `set` and `delete` copy and change: an array, a Map or an object (read-only types accepted). */
export type Container =
  | readonly unknown[]
  | ReadonlyMap<unknown, unknown>
  | Readonly<Record<PropertyKey, unknown>>;

/** Element of an array, property of an object, or entry of a Map. */
export function getItem<T, K extends keyof T>(container: MaybeNode<T>, key: MaybeNode<K>): MessageNode<T[K]>;
export function getItem<K, V>(
  container: MaybeNode<ReadonlyMap<K, V>>,
  key: MaybeNode<K>,
): MessageNode<V | undefined>;
export function getItem(container: MaybeNode<unknown>, key: MaybeNode<unknown>): MessageNode<unknown> {
  return recordOp(GET_ITEM, { container, key }, (v) => {
    const c = v.container;
    if (c instanceof Map) return c.get(v.key);
    if (c === null || c === undefined) throw new TypeError(`cannot read item ${String(v.key)} of ${c}`);
    return (c as Record<PropertyKey, unknown>)[v.key as PropertyKey];
  });
}

/** Length of a string or array, size of a Map or Set, key count of an object. */
export function len(x: MaybeNode<unknown>): MessageNode<number> {
  return recordOp(LEN, { x }, (v) => {
    const c = v.x;
    if (typeof c === "string" || Array.isArray(c)) return c.length;
    if (c instanceof Map || c instanceof Set) return c.size;
    if (c !== null && typeof c === "object") return Object.keys(c).length;
    throw new TypeError(
      `len() needs a string, array, Map, Set or object, got ${c === null ? "null" : typeof c}`,
    );
  });
}

/** Keys of an object or Map. */
export function keys<K>(container: MaybeNode<ReadonlyMap<K, unknown>>): MessageNode<K[]>;
export function keys(container: MaybeNode<object>): MessageNode<string[]>;
export function keys(container: MaybeNode<unknown>): MessageNode<unknown[]> {
  return recordOp(KEYS, { container }, (v) =>
    v.container instanceof Map ? [...v.container.keys()] : Object.keys(v.container as object),
  );
}

/** Values of an object, Map or Set. */
export function values<V>(container: MaybeNode<ReadonlyMap<unknown, V> | ReadonlySet<V>>): MessageNode<V[]>;
export function values<T extends object>(container: MaybeNode<T>): MessageNode<T[keyof T][]>;
export function values(container: MaybeNode<unknown>): MessageNode<unknown[]> {
  return recordOp(VALUES, { container }, (v) => {
    const c = v.container;
    return c instanceof Map || c instanceof Set ? [...c.values()] : Object.values(c as object);
  });
}

/** `[key, value]` pairs of an object or Map. */
export function entries<K, V>(container: MaybeNode<ReadonlyMap<K, V>>): MessageNode<[K, V][]>;
export function entries<T extends object>(container: MaybeNode<T>): MessageNode<[string, T[keyof T]][]>;
export function entries(container: MaybeNode<unknown>): MessageNode<unknown[]> {
  return recordOp(ENTRIES, { container }, (v) =>
    v.container instanceof Map ? [...v.container.entries()] : Object.entries(v.container as object),
  );
}

/** A copy of `list` with `item` appended. */
export function push<T>(list: MaybeNode<readonly T[]>, item: MaybeNode<T>): MessageNode<T[]> {
  return recordOp(PUSH, { list, item }, (v) => [...(v.list as readonly T[]), v.item as T]);
}

/** A copy of an array, object or Map with `key` set to `value`. */
export function set<C extends Container>(
  container: MaybeNode<C>,
  key: MaybeNode<unknown>,
  value: MaybeNode<unknown>,
): MessageNode<C> {
  return recordOp(SET, { container, key, value }, (v) => {
    const c = v.container as unknown;
    if (c instanceof Map) return new Map(c).set(v.key, v.value) as unknown as C;
    if (Array.isArray(c)) {
      const copy = [...c];
      copy[v.key as number] = v.value;
      return copy as unknown as C;
    }
    return { ...(c as object), [v.key as PropertyKey]: v.value } as C;
  });
}

/** A copy of an array, object or Map without `key`. Exported from `ops` as `delete`. */
export function deleteItem<C extends Container>(
  container: MaybeNode<C>,
  key: MaybeNode<unknown>,
): MessageNode<C> {
  return recordOp(DELETE, { container, key }, (v) => {
    const c = v.container as unknown;
    if (c instanceof Map) {
      const copy = new Map(c);
      copy.delete(v.key);
      return copy as unknown as C;
    }
    if (Array.isArray(c)) return c.filter((_, i) => i !== Number(v.key)) as unknown as C;
    const copy = { ...(c as Record<PropertyKey, unknown>) };
    delete copy[v.key as PropertyKey];
    return copy as C;
  });
}

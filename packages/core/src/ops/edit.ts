/**
 * Python's mutating list and dict methods as traced operations with copy semantics: each returns
 * a new value (or, for `pop`, the removed item) and leaves its inputs unchanged.
 */
import type { MaybeNode, MessageNode } from "../graph/node.js";
import { structurallyEqual } from "./equality.js";
import { InvalidOperandError, ItemNotFoundError, kindOf } from "./errors.js";
import { itemsOf } from "./item-list.js";
import { recordOp } from "./record.js";

const POP = {
  name: "pop",
  description:
    "Returns the item pop would remove from container: an array's element at index key (the last when key is null; negative counts from the end), a Map's or object's value under key; container itself is unchanged.",
} as const;
const EXTEND = {
  name: "extend",
  description: "Returns a copy of list with the items of items appended (list itself is unchanged).",
} as const;
const INSERT = {
  name: "insert",
  description:
    "Returns a copy of list with item inserted before position index (negative counts from the end; list itself is unchanged).",
} as const;
const REMOVE = {
  name: "remove",
  description:
    "Returns a copy of list without its first element equal (by content) to item (list itself is unchanged).",
} as const;
const UPDATE = {
  name: "update",
  description:
    "Returns a copy of container (an object or Map) with the entries of other added, replacing equal keys (container itself is unchanged).",
} as const;

/** Checks that `list` is an array and returns it. */
function arrayOf(op: string, list: unknown): readonly unknown[] {
  if (!Array.isArray(list)) throw new InvalidOperandError(op, `needs an array as list, got ${kindOf(list)}`);
  return list;
}

/** Checks that `index` is an integer and returns it. */
function integerOf(op: string, index: unknown): number {
  if (typeof index !== "number" || !Number.isInteger(index)) {
    throw new InvalidOperandError(
      op,
      `needs an integer index, got ${typeof index === "number" ? index : kindOf(index)}`,
    );
  }
  return index;
}

/**
 * Python's `container.pop(key)` without the mutation: returns the item that would be removed and
 * leaves `container` unchanged (use `delete` for the container without it). For an array, `key` is
 * an index (negative counts from the end) and defaults to the last element; for a Map or an
 * object, `key` is required. An empty array, an index out of range or a missing key throws
 * `ItemNotFoundError`; `key` is recorded as an input (null when omitted).
 */
export function pop<T>(container: MaybeNode<readonly T[]>, key?: MaybeNode<number | null>): MessageNode<T>;
export function pop<K, V>(container: MaybeNode<ReadonlyMap<K, V>>, key: MaybeNode<K>): MessageNode<V>;
export function pop<T extends object, K extends keyof T>(
  container: MaybeNode<T>,
  key: MaybeNode<K>,
): MessageNode<T[K]>;
export function pop(container: MaybeNode<unknown>, key: MaybeNode<unknown> = null): MessageNode<unknown> {
  return recordOp(POP, { container, key }, (v) => {
    const c = v.container;
    if (Array.isArray(c)) {
      if (c.length === 0) throw new ItemNotFoundError("pop", "the array is empty");
      const index = v.key === null ? -1 : integerOf("pop", v.key);
      const at = index < 0 ? c.length + index : index;
      if (at < 0 || at >= c.length) {
        throw new ItemNotFoundError("pop", `index ${index} is out of range for an array of ${c.length}`);
      }
      return c[at];
    }
    if (v.key === null) throw new InvalidOperandError("pop", `needs a key to pop from ${kindOf(c)}`);
    if (c instanceof Map) {
      if (!c.has(v.key)) throw new ItemNotFoundError("pop", `key ${describeKey(v.key)} is not in the Map`);
      return c.get(v.key);
    }
    if (c !== null && typeof c === "object") {
      const k = v.key as PropertyKey;
      if (!Object.hasOwn(c, k))
        throw new ItemNotFoundError("pop", `key ${describeKey(k)} is not in the object`);
      return (c as Record<PropertyKey, unknown>)[k];
    }
    throw new InvalidOperandError("pop", `needs an array, Map or object, got ${kindOf(c)}`);
  });
}

/** A key as error messages show it. */
function describeKey(key: unknown): string {
  return typeof key === "string" ? JSON.stringify(key) : String(key);
}

/**
 * Python's `list.extend(items)` without the mutation: a copy of `list` followed by the items of
 * `items` (an array, a string's characters, a Set's members, a Map's entries, any iterable).
 */
export function extend<T, U>(
  list: MaybeNode<readonly T[]>,
  items: MaybeNode<Iterable<U>>,
): MessageNode<(T | U)[]> {
  return recordOp(EXTEND, { list, items }, (v) => [
    ...(arrayOf("extend", v.list) as T[]),
    ...(itemsOf("extend", v.items) as U[]),
  ]);
}

/**
 * Python's `list.insert(index, item)` without the mutation: a copy of `list` with `item` before
 * position `index`. A negative index counts from the end; an index past either end inserts at that
 * end (never an error, as in Python). A non-integer index throws `InvalidOperandError`.
 */
export function insert<T>(
  list: MaybeNode<readonly T[]>,
  index: MaybeNode<number>,
  item: MaybeNode<T>,
): MessageNode<T[]> {
  return recordOp(INSERT, { list, index, item }, (v) => {
    const copy = [...(arrayOf("insert", v.list) as T[])];
    copy.splice(integerOf("insert", v.index), 0, v.item as T);
    return copy;
  });
}

/**
 * Python's `list.remove(item)` without the mutation: a copy of `list` without its first element
 * `eq` to `item` (compared by content). Throws `ItemNotFoundError` when there is none, like Python.
 */
export function remove<T>(list: MaybeNode<readonly T[]>, item: MaybeNode<T>): MessageNode<T[]> {
  return recordOp(REMOVE, { list, item }, (v) => {
    const source = arrayOf("remove", v.list) as T[];
    const at = source.findIndex((element) => structurallyEqual(element, v.item));
    if (at < 0) throw new ItemNotFoundError("remove", "the item is not in the array");
    return [...source.slice(0, at), ...source.slice(at + 1)];
  });
}

/**
 * The `[key, value]` entries of `other` for `update`: a Map's entries, a plain object's own
 * enumerable properties, or an array of `[key, value]` pairs.
 */
function entriesOf(other: unknown): [unknown, unknown][] {
  if (other instanceof Map) return [...other.entries()];
  if (Array.isArray(other)) {
    return other.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InvalidOperandError("update", `element ${i} of other is not a [key, value] pair`);
      }
      return [pair[0], pair[1]];
    });
  }
  if (other !== null && typeof other === "object") return Object.entries(other);
  throw new InvalidOperandError(
    "update",
    `needs a Map, object or array of pairs as other, got ${kindOf(other)}`,
  );
}

/**
 * Python's `container.update(other)` without the mutation: a copy of `container` (a Map or a plain
 * object) with the entries of `other` (a Map, an object, or an array of `[key, value]` pairs)
 * added; a key in both takes `other`'s value. Into an object, keys that are not strings, numbers
 * or symbols throw `InvalidOperandError`.
 */
export function update<K, V>(
  container: MaybeNode<ReadonlyMap<K, V>>,
  other: MaybeNode<ReadonlyMap<K, V> | readonly (readonly [K, V])[] | Readonly<Record<string, V>>>,
): MessageNode<Map<K, V>>;
export function update<T extends object, U extends object>(
  container: MaybeNode<T>,
  other: MaybeNode<U>,
): MessageNode<T & U>;
export function update(container: MaybeNode<unknown>, other: MaybeNode<unknown>): MessageNode<unknown> {
  return recordOp(UPDATE, { container, other }, (v) => {
    const c = v.container;
    const added = entriesOf(v.other);
    if (c instanceof Map) return new Map([...c.entries(), ...added]);
    if (c === null || typeof c !== "object" || Array.isArray(c)) {
      throw new InvalidOperandError("update", `needs a Map or object as container, got ${kindOf(c)}`);
    }
    const copy: Record<PropertyKey, unknown> = { ...c };
    for (const [k, value] of added) {
      if (typeof k !== "string" && typeof k !== "number" && typeof k !== "symbol") {
        throw new InvalidOperandError(
          "update",
          `an object key must be a string, number or symbol, got ${kindOf(k)}`,
        );
      }
      // defined, not assigned: a "__proto__" key stays an own property
      Object.defineProperty(copy, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });
}

import { Node } from "./node.js";

/**
 * Nodes inside containers. Operations and bundles receive arrays, plain objects, Maps and Sets
 * that may hold nodes (`bundle(l => l[0] + l[1])([x, y])`); the function must see the values, and
 * the nodes found must become parents of the result so feedback reaches them. Objects of other
 * classes are not searched (their fields are theirs to manage), as model walks do.
 *
 * The common case — an input without any node inside — costs a `typeof` check for primitives and
 * one pass over the container otherwise, and never copies: a container is copied only when it
 * actually holds a node, and then only the containers on the way to a node.
 */

/** A node found inside a container, and where: `[0]`, `.answer`, `[0].content`, `{#2}` (a Set's third item). */
export interface FoundNode {
  /** The node that was found. */
  readonly node: Node;
  /** Where it was, relative to the container (appended to the input's name to name the parent). */
  readonly path: string;
}

/** Collects the nodes found while unwrapping, each once (the first place it was found). */
export class FoundNodes {
  /** The nodes found, in the order they were met (depth first). */
  readonly list: FoundNode[] = [];
  #seen: Set<Node> | undefined;

  /** Records `node` at `path` unless it was already found. */
  add(node: Node, path: string): void {
    if (this.#seen === undefined) this.#seen = new Set();
    else if (this.#seen.has(node)) return;
    this.#seen.add(node);
    this.list.push({ node, path });
  }
}

enum Kind {
  Other = 0,
  Array = 1,
  Plain = 2,
  Map = 3,
  Set = 4,
}

function kindOf(value: object): Kind {
  if (Array.isArray(value)) return Kind.Array;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) return Kind.Plain;
  if (value instanceof Map) return Kind.Map;
  if (value instanceof Set) return Kind.Set;
  return Kind.Other;
}

/**
 * Whether `value` is a node or a container (array, plain object, Map, Set, nested) holding one.
 * Allocates nothing unless containers nest deeper than `SHALLOW` levels (then a set of the
 * containers seen ends cycles).
 */
export function holdsNodes(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (value instanceof Node) return true;
  return scan(value, 0, undefined);
}

/** Nesting depth searched without remembering containers (a cycle costs at most this many levels). */
const SHALLOW = 16;

function scan(container: object, depth: number, seen: Set<object> | undefined): boolean {
  const kind = kindOf(container);
  if (kind === Kind.Other) return false;
  let guard = seen;
  if (depth >= SHALLOW) {
    if (guard === undefined) guard = new Set();
    if (guard.has(container)) return false;
    guard.add(container);
  }
  switch (kind) {
    case Kind.Array: {
      const array = container as readonly unknown[];
      for (let i = 0; i < array.length; i++) if (itemHolds(array[i], depth, guard)) return true;
      return false;
    }
    case Kind.Plain:
      for (const key in container)
        if (
          Object.hasOwn(container, key) &&
          itemHolds((container as Record<string, unknown>)[key], depth, guard)
        )
          return true;
      return false;
    case Kind.Map:
      for (const [k, v] of container as ReadonlyMap<unknown, unknown>)
        if (itemHolds(k, depth, guard) || itemHolds(v, depth, guard)) return true;
      return false;
    default:
      for (const item of container as ReadonlySet<unknown>) if (itemHolds(item, depth, guard)) return true;
      return false;
  }
}

/** Whether an item of a container at `depth` is a node or a container holding one. */
function itemHolds(item: unknown, depth: number, guard: Set<object> | undefined): boolean {
  return typeof item === "object" && item !== null && (item instanceof Node || scan(item, depth + 1, guard));
}

/**
 * `value` with every node it holds (directly, or inside arrays, plain objects, Maps and Sets, at
 * any depth, and inside the values of nodes found) replaced by its value; the nodes found are
 * added to `found` with their paths. Returns `value` itself when it holds no node; otherwise the
 * containers on the way to a node are copied (the input is never changed). A container met again
 * inside itself (a cycle) is left as it is.
 *
 * @param value the value to unwrap
 * @param found where to record the nodes found (omit to just unwrap)
 * @param onRead called with each node whose value is read (bundle dependency tracking)
 */
export function unwrapNodes(value: unknown, found?: FoundNodes, onRead?: (node: Node) => void): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (!(value instanceof Node) && !scan(value, 0, undefined)) return value;
  return unwrapHeld(value, found, onRead);
}

/**
 * `unwrapNodes` for a value its caller already found to hold nodes (`holdsNodes(value)` was
 * true): the same result without searching the value a second time.
 *
 * @param value a node, or a container holding one
 * @param found where to record the nodes found
 * @param onRead called with each node whose value is read
 */
export function unwrapHeld(value: unknown, found?: FoundNodes, onRead?: (node: Node) => void): unknown {
  return new Unwrapper(found, onRead).unwrap(value, "");
}

/**
 * The plain data behind a value: a node becomes its value, and nodes inside arrays, plain objects,
 * Maps and Sets (at any depth) become theirs, copying only the containers that held a node. Use it
 * where a traced value must leave the graph — to assert on, to serialize, to pass to code that
 * knows nothing of nodes. Reading a node this way is not a traced read (like `peek()`).
 *
 * @example toData([node(1), { b: node("x") }]) // [1, { b: "x" }]
 */
export function toData<T>(value: T): ToData<T> {
  return unwrapNodes(value) as ToData<T>;
}

/** The type `toData` returns: nodes replaced by their value types, through arrays, objects, Maps and Sets. */
export type ToData<T> =
  T extends Node<infer V>
    ? ToData<V>
    : T extends readonly unknown[]
      ? { [I in keyof T]: ToData<T[I]> }
      : T extends ReadonlyMap<infer K, infer V>
        ? Map<ToData<K>, ToData<V>>
        : T extends ReadonlySet<infer V>
          ? Set<ToData<V>>
          : T extends (...args: never[]) => unknown
            ? T
            : T extends object
              ? { [K in keyof T]: ToData<T[K]> }
              : T;

/**
 * A value as traced code may pass it: the value, a node holding it, or — for arrays, tuples,
 * plain-object types, Maps and Sets — the container with nodes (or such containers) in place of
 * its items. What bundles and operations accept where a `T` is expected; they unwrap it.
 */
export type WithNodes<T> =
  | T
  | Node<T>
  | (T extends (...args: never[]) => unknown
      ? never
      : T extends readonly unknown[]
        ? { [I in keyof T]: WithNodes<T[I]> }
        : T extends ReadonlyMap<infer K, infer V>
          ? ReadonlyMap<WithNodes<K>, WithNodes<V>>
          : T extends ReadonlySet<infer V>
            ? ReadonlySet<WithNodes<V>>
            : T extends object
              ? { [K in keyof T]: WithNodes<T[K]> }
              : never);

class Unwrapper {
  readonly #found: FoundNodes | undefined;
  readonly #onRead: ((node: Node) => void) | undefined;
  /** Containers being copied (cycle guard) and finished copies (shared references stay shared). */
  readonly #done = new Map<object, unknown>();
  readonly #active = new Set<object>();

  constructor(found: FoundNodes | undefined, onRead: ((node: Node) => void) | undefined) {
    this.#found = found;
    this.#onRead = onRead;
  }

  unwrap(value: unknown, path: string): unknown {
    if (typeof value !== "object" || value === null) return value;
    if (value instanceof Node) {
      this.#found?.add(value, path);
      this.#onRead?.(value);
      return this.unwrap(value._data, path);
    }
    const done = this.#done.get(value);
    if (done !== undefined || this.#done.has(value)) return done;
    if (this.#active.has(value)) return value; // a cycle: left as it is
    const kind = kindOf(value);
    if (kind === Kind.Other) return value;
    this.#active.add(value);
    let out: unknown;
    switch (kind) {
      case Kind.Array:
        out = this.#array(value as readonly unknown[], path);
        break;
      case Kind.Plain:
        out = this.#plain(value as Record<string, unknown>, path);
        break;
      case Kind.Map:
        out = this.#map(value as ReadonlyMap<unknown, unknown>, path);
        break;
      default:
        out = this.#set(value as ReadonlySet<unknown>, path);
    }
    this.#active.delete(value);
    this.#done.set(value, out);
    return out;
  }

  #array(array: readonly unknown[], path: string): unknown {
    let copy: unknown[] | undefined;
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      const next = typeof item === "object" && item !== null ? this.unwrap(item, `${path}[${i}]`) : item;
      if (copy === undefined && next !== item) copy = array.slice(0, i);
      if (copy !== undefined) copy.push(next);
    }
    return copy ?? array;
  }

  #plain(object: Record<string, unknown>, path: string): unknown {
    let copy: Record<string, unknown> | undefined;
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      const item = object[key];
      if (typeof item !== "object" || item === null) continue;
      const next = this.unwrap(item, `${path}${propertyPath(key)}`);
      if (next === item) continue;
      if (copy === undefined)
        copy = Object.assign(Object.create(Object.getPrototypeOf(object) as object | null), object) as Record<
          string,
          unknown
        >;
      copy[key] = next;
    }
    return copy ?? object;
  }

  #map(map: ReadonlyMap<unknown, unknown>, path: string): unknown {
    let changed = false;
    const entries: [unknown, unknown][] = [];
    let i = 0;
    for (const [k, v] of map) {
      const shown = k instanceof Node ? k._data : k;
      const label = typeof shown === "string" || typeof shown === "number" ? JSON.stringify(shown) : `#${i}`;
      const key = typeof k === "object" && k !== null ? this.unwrap(k, `${path}.key(${label})`) : k;
      const value = typeof v === "object" && v !== null ? this.unwrap(v, `${path}.get(${label})`) : v;
      if (key !== k || value !== v) changed = true;
      entries.push([key, value]);
      i++;
    }
    return changed ? new Map(entries) : map;
  }

  #set(set: ReadonlySet<unknown>, path: string): unknown {
    let changed = false;
    const items: unknown[] = [];
    let i = 0;
    for (const item of set) {
      const next = typeof item === "object" && item !== null ? this.unwrap(item, `${path}{#${i}}`) : item;
      if (next !== item) changed = true;
      items.push(next);
      i++;
    }
    return changed ? new Set(items) : set;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function propertyPath(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

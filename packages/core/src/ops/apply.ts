import { ContainerShapeError } from "../errors/graph-errors.js";

/** What `applyOp` returns in general: `op`'s result, or containers of them (to any depth). */
export type Broadcast<R> = R | Broadcast<R>[] | { [key: string]: Broadcast<R> } | Map<unknown, Broadcast<R>>;

type Kind = "array" | "object" | "map";

/**
 * Applies an operation elementwise over containers, the way Trace broadcasts operations over
 * lists and dicts. The arguments that are containers — arrays (and their subclasses), plain
 * objects and Maps, nested to any depth — are walked together and must have the same shape at
 * every level: the same kind, the same length (arrays) or the same keys (objects, Maps; the first
 * container's order is kept). Every other argument (numbers, strings, nodes, class instances) is
 * passed unchanged to every call, at any depth. The result has the containers' shape with `op`'s
 * results at the leaves (a plain array, plain object or Map); with no container argument it is
 * just `op(...args)`.
 *
 * A `Node` is never a container (even when its value is an array): broadcast over the node's
 * elements by passing `node.data`'s elements as nodes, e.g. from `ops.getItem`.
 *
 * Types: the overloads give exact results for one or two arrays or Maps; otherwise the result is a
 * `Broadcast<R>`. For an overloaded `op` (like `ops.add`) TypeScript infers from its last
 * signature, so pass an arrow function with the types in use for exact types:
 * `applyOp((x: MaybeNode<number>, y: MaybeNode<number>) => ops.add(x, y), xs, ys)`.
 *
 * @example
 * applyOp(ops.add, [node(1), node(2)], node(10)); // [MessageNode 11, MessageNode 12]
 * applyOp(ops.add, { a: 1, b: 2 }, { a: 10, b: 20 }); // { a: MessageNode 11, b: MessageNode 22 }
 *
 * @throws ContainerShapeError when containers at the same place differ in kind, length or keys
 *   (or a container contains itself)
 */
export function applyOp<T, R>(op: (x: T) => R, x: readonly T[]): R[];
export function applyOp<T, U, R>(op: (x: T, y: U) => R, x: readonly T[], y: readonly U[]): R[];
export function applyOp<K, T, R>(op: (x: T) => R, x: ReadonlyMap<K, T>): Map<K, R>;
export function applyOp<K, T, U, R>(
  op: (x: T, y: U) => R,
  x: ReadonlyMap<K, T>,
  y: ReadonlyMap<K, U>,
): Map<K, R>;
export function applyOp<R>(op: (...args: never[]) => R, ...args: unknown[]): Broadcast<R>;
export function applyOp(op: (...args: never[]) => unknown, ...args: unknown[]): unknown {
  const call = op as (...args: unknown[]) => unknown;
  return broadcast(call, args, "(top level)", new Set());
}

function broadcast(
  op: (...args: unknown[]) => unknown,
  args: readonly unknown[],
  path: string,
  ancestors: Set<object>,
): unknown {
  const first = args.findIndex((a) => containerKind(a) !== undefined);
  if (first === -1) return op(...args);
  const lead = args[first] as object;
  const kind = containerKind(lead)!;
  const keys = keysOf(lead, kind);
  for (let i = 0; i < args.length; i++) {
    const other = args[i];
    const otherKind = containerKind(other);
    if (otherKind === undefined) continue;
    if (ancestors.has(other as object))
      throw new ContainerShapeError(
        path,
        `argument ${i}: ${shapeOf(other as object, otherKind)}`,
        "it contains itself",
      );
    if (i !== first && (otherKind !== kind || !sameKeys(keys, keysOf(other as object, otherKind))))
      throw new ContainerShapeError(
        path,
        `argument ${first}: ${shapeOf(lead, kind)}`,
        `argument ${i}: ${shapeOf(other as object, otherKind)}`,
      );
  }
  const inner = new Set(ancestors);
  for (const a of args) if (containerKind(a) !== undefined) inner.add(a as object);
  const at = (key: unknown, index: number): unknown =>
    broadcast(
      op,
      args.map((a) => (containerKind(a) === undefined ? a : itemOf(a as object, kind, key))),
      joinPath(path, kind, key, index),
      inner,
    );
  if (kind === "array") return keys.map((k, i) => at(k, i));
  if (kind === "map") return new Map(keys.map((k, i) => [k, at(k, i)]));
  const out: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    out[k as string] = at(k, i);
  });
  return out;
}

/** The container kind of a value, or undefined for a leaf. */
function containerKind(value: unknown): Kind | undefined {
  if (Array.isArray(value)) return "array";
  if (value instanceof Map) return "map";
  if (typeof value !== "object" || value === null) return undefined;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null ? "object" : undefined;
}

function keysOf(value: object, kind: Kind): unknown[] {
  if (kind === "array") return Array.from({ length: (value as unknown[]).length }, (_, i) => i);
  if (kind === "map") return [...(value as Map<unknown, unknown>).keys()];
  return Object.keys(value);
}

/** Same keys, in any order (SameValueZero, as Map keys compare). */
function sameKeys(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((k) => set.has(k));
}

function itemOf(value: object, kind: Kind, key: unknown): unknown {
  if (kind === "array") return (value as unknown[])[key as number];
  if (kind === "map") return (value as Map<unknown, unknown>).get(key);
  return (value as Record<string, unknown>)[key as string];
}

function shapeOf(value: object, kind: Kind): string {
  if (kind === "array") return `an array of length ${(value as unknown[]).length}`;
  const keys = keysOf(value, kind).map(describeKey);
  const shown = keys.length > 8 ? `${keys.slice(0, 8).join(", ")}, … (${keys.length} keys)` : keys.join(", ");
  return `${kind === "map" ? "a Map" : "an object"} with ${keys.length === 0 ? "no keys" : `keys ${shown}`}`;
}

function describeKey(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "number" || typeof key === "boolean" || typeof key === "bigint") return String(key);
  if (typeof key === "symbol") return key.toString();
  if (key === null || key === undefined) return String(key);
  return `(${typeof key === "function" ? "a function" : ((key as object).constructor?.name ?? "an object")})`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function joinPath(path: string, kind: Kind, key: unknown, index: number): string {
  const base = path === "(top level)" ? "" : path;
  if (kind === "array") return `${base}[${index}]`;
  if (kind === "object") {
    if (!IDENTIFIER.test(key as string)) return `${base}[${JSON.stringify(key)}]`;
    return base === "" ? (key as string) : `${base}.${key as string}`;
  }
  return `${base}.get(${describeKey(key)})`;
}
